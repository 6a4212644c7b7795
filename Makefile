# Two commands do all the set-up: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
HOST ?= 127.0.0.1
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
SENTIMETER_TEST_PG ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: run test test-sqlite lint typecheck bench i18n vendor clean browser-deps

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	$(PY) -m surveys.scrub --warm
	touch $@

$(TEST_STAMP): pyproject.toml $(STAMP)
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

run: $(STAMP)
	$(VENV)/bin/sentimeter demo --host $(HOST) --port $(PORT)

browser-deps:
	@command -v chromium >/dev/null 2>&1 || (apt-get install -y --no-install-recommends chromium >/dev/null 2>&1 || \
		(apt-get update >/dev/null && apt-get install -y --no-install-recommends chromium >/dev/null)) || \
		echo "warning: could not install chromium; browser tests will be skipped"

test: $(TEST_STAMP) browser-deps
	SENTIMETER_TEST_DATABASE_URL=$${SENTIMETER_TEST_DATABASE_URL-$(SENTIMETER_TEST_PG)} \
		$(PY) -m pytest -q -p no:cacheprovider

test-sqlite: $(TEST_STAMP)
	SENTIMETER_TEST_DATABASE_URL= $(PY) -m pytest -q -p no:cacheprovider

lint: $(TEST_STAMP)
	$(VENV)/bin/ruff check sentimeter surveys analysis web tests benchmarks
	$(VENV)/bin/mypy

bench: $(TEST_STAMP)
	$(PY) -m benchmarks.run_all

# Extract template strings, merge them into the Dutch catalogue (created on first run),
# compile. Translate the new empty msgstr entries, then run it again to compile them.
i18n: $(STAMP)
	$(VENV)/bin/pybabel extract -F web/babel.cfg -o web/locale/messages.pot -w 100 \
		--project=Sentimeter --version=0.1.0 web/templates
	test -f web/locale/nl/LC_MESSAGES/messages.po || \
		$(VENV)/bin/pybabel init -i web/locale/messages.pot -d web/locale -l nl
	$(VENV)/bin/pybabel update -i web/locale/messages.pot -d web/locale -l nl \
		--no-fuzzy-matching --ignore-obsolete -w 100
	$(VENV)/bin/pybabel compile -d web/locale --statistics

vendor:
	npm ci --no-audit --no-fund
	$(PYTHON) scripts/vendor_assets.py

clean:
	rm -rf $(VENV) var .pytest_cache
