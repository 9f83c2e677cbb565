"""Background jobs: what runs on a schedule, the one scheduler that runs it, and the record of each run.

Jobs (each idempotent; their database work is one transaction):
- `scan`: every working day at DAILY_JOBS_HOUR, today's due-soon and overdue notifications;
- `deliver`: every DELIVERY_INTERVAL_MINUTES, e-mail of pending notifications (digests, retries);
- `weekly_report`: on the weekly report day, the summary to the office;
- `monthly_report`: on the working day before the monthly meeting, the report to leaders.

One scheduler. APScheduler (3.x) ticks in `kpi-tasks scheduler`, a process of its own, or inside each
web worker when SCHEDULER_IN_APP says so. Whatever the number of such processes, a lease row in the
database lets one at a time run jobs: the holder renews it every tick, and when the holder dies the
lease expires and another process takes it over. A job is "due" from the database's record of runs
(`job_runs`), not from the process's memory, so a job the dead holder never finished (or never
started) is run by the next holder the same day, and never twice after it succeeded.
"""
