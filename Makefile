# One target per developer action. `make run` and `make test` are the README's quick start.
VENV ?= .venv
PY := $(VENV)/bin/python
FZ := $(VENV)/bin/fzwatch
STAMP := $(VENV)/.installed

.PHONY: run test smoke install lint bench eval clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]"
	$(PY) tests/smoke/install_check.py
	touch $(STAMP)

install: $(STAMP)

## run: install, migrate the database, import the bundled site registry, start the daemon (SQLite in ./data)
run: $(STAMP)
	$(FZ) db upgrade --create
	$(FZ) sites import --bundled
	$(FZ) daemon

## test: layer contracts (lint-imports), ruff check and ruff format --check, mypy (strict on parsers/, config/ and alerting/), then the whole test suite (also on PostgreSQL when FZWATCH_TEST_PG answers)
test: $(STAMP)
	$(VENV)/bin/lint-imports
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) tests/smoke/install_check.py
	$(VENV)/bin/mypy
	$(PY) -m pytest -q

## smoke: every package imports and `fzwatch extract` reads a fixture page (seconds; catches a broken install)
smoke: $(STAMP)
	$(PY) tests/smoke/install_check.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

bench: $(STAMP)
	$(PY) bench/bench_parse.py
	$(PY) bench/bench_recrawl.py
	$(PY) bench/bench_pagekind.py
	$(PY) bench/bench_web.py
	$(PY) bench/bench_overdue.py

eval: $(STAMP)
	$(PY) -m tests.eval.score

clean:
	rm -rf $(VENV) data .pytest_cache
