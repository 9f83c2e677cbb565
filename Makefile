# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install lint bench load audit probe clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/kpi-tasks db upgrade
	$(BIN)/kpi-tasks seed-demo --if-empty
	@# The background worker (large exports, reports, imports) runs beside the web server and stops with it.
	$(BIN)/kpi-tasks worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
		$(BIN)/kpi-tasks run --host 127.0.0.1 --port 5000

# The suite always runs on SQLite; when TEST_DATABASE_URL names a PostgreSQL server it runs there too, at the
# same time (the machine has two cores; each pass has its own database). PostgreSQL's log is printed after.
PG_LOG := test-artifacts/pytest-postgresql.log

test: install
	$(BIN)/ruff check .
	@mkdir -p test-artifacts
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "=== PostgreSQL pass on $$TEST_DATABASE_URL started beside the SQLite pass (log: $(PG_LOG)) ==="; \
		KPI_TASKS_TEST_ONE_PASS=sqlite $(BIN)/python -m pytest -m "not browser" -p no:cacheprovider > $(PG_LOG) 2>&1 & \
		pg_pid=$$!; \
		echo "=== SQLite pass ==="; \
		TEST_DATABASE_URL= $(BIN)/python -m pytest; sqlite_status=$$?; \
		wait $$pg_pid; pg_status=$$?; \
		echo "=== PostgreSQL pass on $$TEST_DATABASE_URL ==="; cat $(PG_LOG); \
		echo "=== SQLite pass: exit $$sqlite_status; PostgreSQL pass: exit $$pg_status ==="; \
		[ $$sqlite_status -eq 0 ] && [ $$pg_status -eq 0 ]; \
	else \
		echo "TEST_DATABASE_URL is not set: the suite runs on SQLite only (PostgreSQL pass skipped)."; \
		TEST_DATABASE_URL= $(BIN)/python -m pytest; \
	fi

# Province-scale timings (not part of `make test`): SQLite, and PostgreSQL when it answers on 127.0.0.1.
bench: install
	$(BIN)/python bench/run.py

# Open-loop load (fixed arrival rates, the working-hours mix) against gunicorn (2 workers) on PostgreSQL at 127.0.0.1.
load: install
	$(BIN)/python bench/load.py

# Known vulnerabilities of the installed dependencies, with pip-audit: part of every release (README, Deployment).
# Exit 0 clean, 1 a known vulnerability, 2 not checked (its service unreachable, or an index without PyPI's JSON API).
audit: install
	$(BIN)/python -m pip install --quiet -e '.[audit]'
	$(BIN)/python checks/audit.py $(AUDIT_ARGS)

# The attacks of issue 15 replayed over HTTP against gunicorn on PostgreSQL with the demo (not part of `make test`).
probe: install
	$(BIN)/python checks/probe.py

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
