# Two entry points for a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install run test quick lint docs browser virtuoso comunica

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
	$(BIN)/ruff check kg api tests bench
	$(BIN)/ruff format --check kg api tests bench
	$(BIN)/lint-imports

# The manual (docs/, mkdocs.yml) as a website in site/; strict: a warning (a broken link, a setting or saved query
# the generated reference cannot read) fails the build.
docs: install
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

# Debian's Chromium for the browser tests (Playwright drives it; it downloads no browser of its own).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# Debian's Virtuoso Open Source: the tests run the store tests against it as a real SPARQL server.
virtuoso:
	@command -v virtuoso-t >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq virtuoso-opensource >/dev/null; }

# Comunica (npm), a SPARQL client no one here wrote, that the linked-data tests run against the server.
COMUNICA := tests/comunica/node_modules/.bin/comunica-sparql
$(COMUNICA): tests/comunica/package-lock.json
	cd tests/comunica && npm ci --no-audit --no-fund --loglevel=error
	touch $@

comunica: $(COMUNICA)

test: lint docs browser virtuoso comunica
	$(BIN)/python -m pytest

# The quick loop (under two minutes here): everything but the SPARQL servers, the browser and the slow tests.
quick: install
	$(BIN)/python -m pytest -q -n 2 -m "not remote and not browser and not slow and not client"
