"""A long task's progress table (bảng tiến độ): its steps with their due and done dates, kept by the office and the
lead unit on the task page, by API, and exported to Excel."""
