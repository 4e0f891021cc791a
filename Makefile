# The two commands a newcomer needs: `make book` and `make test`.
# Both set up everything first (virtual environment, Python packages, system packages).

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.zhpress-installed

.PHONY: book test lint setup system system-test fuzz bench clean

book: setup
	$(PY) build.py

test: setup system-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(PY) -m pytest -q

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

fuzz: setup
	ZHPRESS_FUZZ=1 $(PY) -m pytest -q -m fuzz

bench: setup
	$(PY) benchmarks/run.py

setup: system $(STAMP)

system:
	@sh tools/system-deps.sh

system-test:
	@sh tools/system-deps.sh --test
	@sh tools/ace.sh

# Reinstall only when the project's dependencies change.
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

clean:
	rm -rf dist .cache .pytest_cache .ruff_cache
