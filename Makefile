# The README's two commands. Each creates .venv if needed and installs what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test test-postgres install install-test benchmark translations migration clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-test: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'

# Install, create the SQLite database with a demo study, print a link, serve.
run: install
	QSORT_PUBLIC_URL="$${QSORT_PUBLIC_URL:-http://$(HOST):$(PORT)}" $(BIN)/qsort init-db --demo
	$(BIN)/qsort serve --host $(HOST) --port $(PORT)

# Install and run every test: unit, app and browser (needs /usr/bin/chromium: .ci/run installs it).
test: install-test
	$(BIN)/python -m pytest -q

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
