# The README's two commands. Each creates .venv if needed and installs what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test test-postgres lint chromium postgresql install install-test benchmark translations migration clean

PIP    := PIP_DISABLE_PIP_VERSION_CHECK=1 $(BIN)/pip

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# Editable installs, redone only when pyproject.toml changes (new code is picked up without one).
# The stamps live in .venv, so `make clean` (or deleting .venv) starts over.
$(VENV)/installed: pyproject.toml | $(BIN)/python
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/installed-test: pyproject.toml | $(BIN)/python
	$(PIP) install --quiet -e '.[test]'
	touch $@ $(VENV)/installed

install: $(VENV)/installed

install-test: $(VENV)/installed-test

# Install, create the SQLite database with a demo study, print a link, serve.
run: install
	QSORT_PUBLIC_URL="$${QSORT_PUBLIC_URL:-http://$(HOST):$(PORT)}" $(BIN)/qsort init-db --demo
	$(BIN)/qsort serve --host $(HOST) --port $(PORT)

# Install, lint, and run every test: unit, app and browser.
test: install-test lint chromium postgresql
	$(BIN)/python -m pytest -q

# Ruff checks the Python code (rules in pyproject.toml); it never rewrites a file.
lint: install-test
	$(BIN)/ruff check .

# The browser tests drive Debian's Chromium (tests/browser/conftest.py). On a fresh Debian machine this installs
# it with a font, through apt-get (as root, or with sudo).
CHROMIUM ?= $(or $(QSORT_CHROMIUM),/usr/bin/chromium)
SUDO     := $(if $(filter 0,$(shell id -u)),,sudo)
chromium:
	@[ -x "$(CHROMIUM)" ] || { \
	  echo "$(CHROMIUM) is missing: installing Debian's chromium and fonts-dejavu-core for the browser tests"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; }

# One fault test (tests/app/test_faults.py) restarts a private PostgreSQL server: install Debian's when missing.
postgresql:
	@.ci/postgres.sh --install-only

# The same suite on a private PostgreSQL server (installed from Debian when missing, stopped afterwards).
test-postgres: install-test
	.ci/postgres.sh

benchmark: install
	$(BIN)/python benchmarks/analysis.py

# Re-extract UI strings and compile the catalogues after changing translatable text.
translations: install
	$(BIN)/pybabel extract --width 120 -F babel.cfg -o qsort/translations/messages.pot .
	$(BIN)/pybabel update --width 120 -i qsort/translations/messages.pot -d qsort/translations
	$(BIN)/pybabel compile -d qsort/translations

# Before the first release the schema is one migration: rewrite it after changing qsort/models.py.
migration: install
	rm -f /tmp/qsort-migration-scratch.sqlite
	$(BIN)/python -c "from qsort.migrations import regenerate_initial as r; r('sqlite:////tmp/qsort-migration-scratch.sqlite')"

clean:
	rm -rf $(VENV) build *.egg-info
