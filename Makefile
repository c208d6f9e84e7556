# Two commands on a fresh machine with Python 3.11+ and make:
#   make demo   - installs into .venv and runs the demo on the embedded default (SQLite, no token)
#   make test   - installs into .venv and runs the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PO := $(wildcard locales/*/LC_MESSAGES/messages.po)
MO := $(PO:.po=.mo)

.PHONY: demo test lint locales locales-update bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed" if sys.version_info < (3, 11) else 0)'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $@

locales/%/LC_MESSAGES/messages.mo: locales/%/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel -q compile --domain messages --directory locales --locale $*
	@touch $@

locales: $(MO)

# Re-extract every user-facing string into messages.pot and merge it into the catalogs.
locales-update: $(STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg -k _ -k t:2 -k tn:2,3 -k N_ --no-location \
		--project dondoc --copyright-holder "Đôn Đốc" -o locales/messages.pot bot handlers scheduler models plans reports
	$(BIN)/pybabel -q update --no-fuzzy-matching --ignore-obsolete --domain messages --input-file locales/messages.pot --output-dir locales

demo: $(STAMP) $(MO)
	$(BIN)/python -m bot demo

test: $(STAMP) $(MO)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

bench: $(STAMP) $(MO)
	$(BIN)/python -m bot bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache dondoc.db*
