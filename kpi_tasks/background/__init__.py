"""Long work users ask for (large exports, reports, imports) as background jobs: the job record, the queue, each
area's job kinds, the progress and result pages, and `GET /api/v1/jobs/{id}`.

An area registers a kind (`register_kind`) with a function that does the work in the worker process and an
estimate of its rows; its view asks `runs_in_background(rows)` and, when it says so, `enqueue`s a job and
answers with the job's page (202 `{job_id}` by API) instead of doing the work in the request. The worker
(`kpi-tasks worker`, `jobs/worker.py`) claims queued jobs, runs them, and writes their progress, heartbeat and
result here. This package sits low (accounts and files below it) so that every area can enqueue; the worker,
which also notifies the owner, sits in `jobs/` above notifications.
"""
