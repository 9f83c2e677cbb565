"""The append-only change log (nhật ký): who changed what, when, old and new values."""
