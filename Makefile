# The two commands a newcomer needs: `make demo` and `make test`.
# Both create .venv themselves and install the locked dependencies (requirements/*.lock: every
# version pinned, every file's sha256 checked by pip --require-hashes), then the project itself
# with --no-deps, so nothing unlocked slips in. The locks follow pyproject.toml and
# constraints.txt; `make lock` regenerates them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip
RUNTIME_LOCK := requirements/runtime.lock
DEV_LOCK     := requirements/dev.lock
UV_VERSION   := 0.13.9

.PHONY: demo test check lint typecheck unit services constraints lock bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade "pip>=24"

$(VENV)/.runtime: $(BIN)/python pyproject.toml $(RUNTIME_LOCK)
	$(PIP) install -q --require-hashes -r $(RUNTIME_LOCK)
	$(PIP) install -q --no-deps -e .
	@touch $@

$(VENV)/.dev: $(BIN)/python pyproject.toml $(DEV_LOCK)
	$(PIP) install -q --require-hashes -r $(DEV_LOCK)
	$(PIP) install -q --no-deps -e .
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

## lock: the hashed locks from pyproject.toml and constraints.txt (run after `make constraints`)
# uv resolves once for every platform and Python >= 3.11 (--universal) and records the sha256 of
# every file the index has for each pinned version.
lock:
	rm -rf /tmp/monitor-lock-venv
	$(PYTHON) -m venv /tmp/monitor-lock-venv
	/tmp/monitor-lock-venv/bin/pip install -q "uv==$(UV_VERSION)"
	/tmp/monitor-lock-venv/bin/uv pip compile -q pyproject.toml -c constraints.txt \
	  --generate-hashes --universal --python-version 3.11 \
	  --custom-compile-command "make lock" -o $(RUNTIME_LOCK)
	/tmp/monitor-lock-venv/bin/uv pip compile -q pyproject.toml -c constraints.txt --extra dev \
	  --generate-hashes --universal --python-version 3.11 \
	  --custom-compile-command "make lock" -o $(DEV_LOCK)

bench: $(VENV)/.dev
	$(BIN)/python bench/probe_overhead.py

clean:
	rm -rf $(VENV) build dist *.egg-info .mypy_cache .pytest_cache .ruff_cache
