"""Working days and recurring deadlines as Vietnamese offices count them.

`workdays` answers "is D a working day", "N working days after D" and period ends; `recurrence`
turns a recurring duty ("thứ Sáu hàng tuần", "ngày 25 tháng cuối quý") into due dates. Both are pure:
the admin-recorded days come in as plain sets of dates (see `service.current_calendar`).
"""
