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

.PHONY: setup demo run test lint bench clean help

help:
	@echo "make demo   generate synthetic feeds into TPPO_LANDING and run the nightly DAG once"
	@echo "make run    run the nightly DAG once over TPPO_LANDING (in-process Airflow)"
	@echo "make test   run the whole test suite"
	@echo "make lint   ruff"
	@echo "paths: TPPO_LANDING=$(TPPO_LANDING) TPPO_HOME=$(TPPO_HOME)"

$(CURDIR)/.tools/bin/uv:
	$(PYTHON) -m venv $(CURDIR)/.tools
	$(CURDIR)/.tools/bin/pip install --quiet "uv>=0.9,<1"

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	@touch $@

setup: $(VENV)/.synced

demo: setup
	$(TPPO) demo

run: setup
	$(TPPO) run

test: setup
	$(VENV)/bin/pytest

lint: setup
	$(VENV)/bin/ruff check .

bench: setup
	$(VENV)/bin/python benchmarks/bench_synth.py

clean:
	rm -rf data/home data/landing data/truth
