# The two commands a newcomer needs: `make demo` and `make test`.
# Both create .venv themselves and install pinned versions from constraints.txt.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip

.PHONY: demo test check lint typecheck unit services constraints bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade "pip>=24"

$(VENV)/.runtime: $(BIN)/python pyproject.toml constraints.txt
	$(PIP) install -q -c constraints.txt -e .
	@touch $@

$(VENV)/.dev: $(BIN)/python pyproject.toml constraints.txt
	$(PIP) install -q -c constraints.txt -e '.[dev]'
	@touch $@ $(VENV)/.runtime

## demo: baseline -> drift alert -> resolution against the built-in simulator (< 60 s)
demo: $(VENV)/.runtime
	$(BIN)/monitor demo

## test: lint, type check and the whole suite (starts PostgreSQL if it is down)
test: check

check: $(VENV)/.dev services lint typecheck unit

lint: $(VENV)/.dev
	$(BIN)/ruff check monitor tests bench
	$(BIN)/ruff format --check monitor tests bench

typecheck: $(VENV)/.dev
	$(BIN)/mypy

unit: $(VENV)/.dev
	$(BIN)/pytest -q $(PYTEST_ARGS)

services:
	@scripts/ensure-services

## constraints: re-resolve the pinned versions after changing pyproject.toml
constraints:
	rm -rf /tmp/monitor-constraints-venv
	$(PYTHON) -m venv /tmp/monitor-constraints-venv
	/tmp/monitor-constraints-venv/bin/pip install -q --upgrade pip
	/tmp/monitor-constraints-venv/bin/pip install -q -e '.[dev,postgres]'
	/tmp/monitor-constraints-venv/bin/pip freeze --exclude-editable | grep -v '^contract-monitor' > constraints.txt

bench: $(VENV)/.dev
	$(BIN)/python bench/probe_overhead.py

clean:
	rm -rf $(VENV) build dist *.egg-info .mypy_cache .pytest_cache .ruff_cache
