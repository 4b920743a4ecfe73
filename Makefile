# The two commands of the README: `make run` and `make test`. Each creates the
# virtual environment and installs what it needs on first use.
PYTHON ?= $(shell pyenv which python3.12 2>/dev/null || command -v python3.12 2>/dev/null || ls $$HOME/.pyenv/versions/3.12*/bin/python3.12 2>/dev/null | tail -n 1 || echo python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# One uvicorn worker per core: the engine is CPU-bound and a worker uses one core (see README, Measured).
WORKERS ?= $(shell nproc 2>/dev/null || echo 1)

.PHONY: run test lint audit bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/uvicorn service:app --host $(HOST) --port $(PORT) --workers $(WORKERS)

test: $(STAMP)
	scripts/ensure-postgres
	scripts/ensure-browser
	scripts/ensure-php
	$(BIN)/ruff check moderation tests benchmarks service.py
	$(BIN)/mypy
	$(MAKE) --no-print-directory audit
	$(BIN)/python -m pytest -q

# Known vulnerabilities in the installed dependencies (PyPI's advisory data); the project itself is skipped.
# A finding without a fix is listed here with --ignore-vuln ID and the reason, in SECURITY.md.
audit: $(STAMP)
	$(BIN)/pip-audit --skip-editable --progress-spinner off

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
