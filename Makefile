# Everything a fresh machine with Python 3.11 needs: `make demo`, `make run`, `make test`.
# uv comes from PyPI when missing; the environment is the locked one (uv.lock).

SHELL := /bin/bash
PYTHON ?= python3.11
export UV_PYTHON_DOWNLOADS := never
export DO_NOT_TRACK := 1
export TPPO_LANDING ?= $(CURDIR)/data/landing
export TPPO_HOME ?= $(CURDIR)/data/home

UV := $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.tools/bin/uv)
VENV := $(CURDIR)/.venv
TPPO := $(VENV)/bin/tppo

.PHONY: setup system-deps demo run test test-soak lint bench clean help

help:
	@echo "make demo   generate synthetic feeds into TPPO_LANDING (truth: TPPO_HOME/synthetic-truth) and run the nightly DAG once"
	@echo "make run    run the nightly DAG once over TPPO_LANDING (in-process Airflow)"
	@echo "make test   run the test suite (make test-soak: the long fault and Celery runs)"
	@echo "make lint   ruff"
	@echo "paths: TPPO_LANDING=$(TPPO_LANDING) TPPO_HOME=$(TPPO_HOME)"

$(CURDIR)/.tools/bin/uv:
	$(PYTHON) -m venv $(CURDIR)/.tools
	$(CURDIR)/.tools/bin/pip install --quiet "uv>=0.9,<1"

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	@touch $@

setup: $(VENV)/.synced

# TPPO_LANDING and TPPO_HOME may be any folders (relative ones are taken from here);
# DEMO_ARGS passes options on, e.g. DEMO_ARGS="--scale 0.01 --days 60".
DEMO_ARGS ?=

demo: setup
	$(TPPO) demo $(DEMO_ARGS)

run: setup
	$(TPPO) run

# The tests also drive Debian's chromium (the report as a browser shows it),
# PostgreSQL (the scheduler's metadata database) and redis-server (the Celery
# broker; the test starts its own, never the system service). Installed once, when
# missing and when we may (root); a no-op in a second or less afterwards.
system-deps:
	@if ! command -v chromium >/dev/null || ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 \
	    || ! command -v redis-server >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	      chromium postgresql redis-server fonts-dejavu-core >/dev/null; \
	  else echo "make test needs: apt-get install chromium postgresql redis-server (as root)"; exit 1; fi; \
	fi

# Two workers, one test file each at a time (files share their module fixtures); the
# soak tests' files (the longest) go first, so both workers finish together.
test: setup system-deps
	$(VENV)/bin/pytest -n 2 --dist loadfile

# The soak tests alone: SIGKILL inside every task, a filling disk, a damaged warehouse
# (tests/test_faults.py) and two Celery workers (tests/scheduler/test_celery.py).
test-soak: setup system-deps
	$(VENV)/bin/pytest -m soak

lint: setup
	$(VENV)/bin/ruff check .

# What a night costs (benchmarks/bench_night.py: read pass, empty run, full run, one more
# day, peak memory and the ratios; docs/BENCHMARKS.md). National size:
# make bench BENCH_ARGS="--scales 1.0,10" (generating scale 10 needs about 16 GB).
BENCH_ARGS ?= --scales 1.0
bench: setup
	$(VENV)/bin/python benchmarks/bench_night.py $(BENCH_ARGS)

clean:
	rm -rf data/home data/landing data/truth
