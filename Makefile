# Two commands on a fresh Debian machine with Python 3.11:
#   make demo   set up everything and complete the sample file with the embedded model
#   make test   set up everything and run lint, types and the whole test suite
# Both are idempotent.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.pied-installed

CACHE := $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/pied
# Debian packages the real-editor tests need: Chromium, ripgrep and what code-server builds with;
# and Go, for the translation checks that run Go originals (C++, Java and Node are on the image).
EDITOR_DEBS := chromium ripgrep build-essential cmake pkg-config libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev golang-go curl

.PHONY: setup demo test lint typecheck pytest model vscode editor-tools engine-server bench-backend clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Editable install with the test tools. torch is pinned in pyproject (CPU wheel); pip, not uv.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

model: $(STAMP)
	$(BIN)/pied model install

setup: $(STAMP) model

demo: setup
	@echo "--- completing samples/stats.py at line 24, column 5 (the body of stdev) ---"
	$(BIN)/pied complete samples/stats.py:24:5

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy -p pied

# code-server (VS Code 1.100 in the browser) and Chromium for tests/e2e/test_vscode.py; cached.
editor-tools:
	@missing=$$(for p in $(EDITOR_DEBS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages: $$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi
	scripts/install-code-server.sh $(CACHE)/code-server

# llama.cpp's own server from the pinned llama-cpp-python's sdist (PyPI only), for the
# remote-engine tests and the side-by-side benchmarks; cached (~10 minutes the first time).
engine-server: editor-tools
	PYTHON=$(BIN)/python scripts/build-llama-server.sh $(CACHE)/llama-server

pytest: setup vscode editor-tools engine-server
	$(BIN)/pytest -q

# The VS Code extension: strict type check, unit tests, a .vsix package.
vscode:
	cd editors/vscode && npm ci --no-audit --no-fund && npm test && npm run package

test: setup lint typecheck vscode pytest

bench-backend: setup
	$(BIN)/pied bench backend --json bench-results/backend.json

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
