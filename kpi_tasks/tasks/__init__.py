"""Tasks (nhiệm vụ): one assignment of a directive, its progress, review and status."""
