# autoglm-ops — every install step lives here.
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
PYTHON ?= python3
PYTEST_ARGS ?=

.PHONY: install run test check fmt bench models clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed

## run: install and start the service with embedded defaults (SQLite under ./var, built-in model)
run: install
	$(BIN)/autoglm-ops serve

## check: lint, format check, type check, layer contracts
check: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

## test: install what the tests need and run the whole suite (checks included)
test: check
	bash scripts/ci-deps.sh
	$(BIN)/pytest $(PYTEST_ARGS)

fmt: install
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

## bench: every benchmark; results go to docs/benchmarks.md
bench: install
	$(PY) -m bench.run_all

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
