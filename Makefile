# Two commands for a newcomer:  make start   (install + dashboard on the demo data)
#                               make test    (install test tools + lint + types + every test)
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501

.PHONY: start test test-fast install install-dev browser demo bench lint clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt

install-dev: $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt

# Debian's chromium for the real-browser tests (never a downloaded browser)
browser:
	@{ command -v chromium && command -v pdftoppm && test -d /usr/share/fonts/truetype/dejavu; } >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium poppler-utils fonts-dejavu-core >/dev/null; \
	  else echo "Install Debian's chromium (sudo apt-get install chromium poppler-utils) for the browser tests"; fi; }

start: install
	$(BIN)/streamlit run dashboard.py --server.port $(PORT) --server.headless true --browser.gatherUsageStats false

demo: install
	$(BIN)/python -m cspdash demo

lint: install-dev
	$(BIN)/ruff check cspdash pages tests bench dashboard.py serve.py
	$(BIN)/mypy cspdash

test: install-dev browser lint
	$(BIN)/python -m pytest -q -p no:cacheprovider

# while working: lint, types, unit and AppTest tests; no browser, no benchmarks, nothing marked slow
test-fast: install-dev lint
	$(BIN)/python -m pytest -q -p no:cacheprovider -m "not e2e and not bench and not slow"

bench: install-dev
	$(BIN)/python bench/run_all.py

clean:
	rm -rf data/cspdash.duckdb data/cspdash.duckdb.versions data/cspdash.duckdb.lock
