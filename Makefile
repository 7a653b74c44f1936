# Two entry points for a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install run test lint

$(BIN)/kg: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

install: $(BIN)/kg

run: install
	$(BIN)/kg build
	$(BIN)/kg serve

lint: install
	$(BIN)/ruff check kg tests bench

test: lint
	$(BIN)/python -m pytest
