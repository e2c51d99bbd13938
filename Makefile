# Two commands on a fresh Debian machine with Python 3.11:
#   make demo   set up everything and complete the sample file with the embedded model
#   make test   set up everything and run lint, types and the whole test suite
# Both are idempotent.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.pied-installed

.PHONY: setup demo test lint typecheck pytest model vscode bench-backend clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Editable install with the test tools. torch is pinned in pyproject (CPU wheel); pip, not uv.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

model: $(STAMP)
	$(BIN)/pied model install 0.5b

setup: $(STAMP) model

demo: setup
	@echo "--- completing samples/stats.py at line 24, column 5 (the body of stdev) ---"
	$(BIN)/pied complete samples/stats.py:24:5

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/python scripts/typecheck.py

pytest: setup
	$(BIN)/pytest -q

# The VS Code extension: strict type check, unit tests, a .vsix package.
vscode:
	cd editors/vscode && npm ci --no-audit --no-fund && npm test && npm run package

test: setup lint typecheck pytest vscode

bench-backend: setup
	$(BIN)/pied bench backend --json bench-results/backend.json

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
