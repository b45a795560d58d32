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

# every test: all but the browser tests spread over the CPUs (pytest-xdist), then the browser tests one at a time
# (each starts its own server and waits on a real page); the run fails when both halves collected nothing
# (pytest's exit code 5; make itself then exits 2)
PYTEST := $(BIN)/python -m pytest -q -p no:cacheprovider
WORKERS ?= auto
test: install-dev browser lint
	$(PYTEST) -n $(WORKERS) --dist loadfile -m "not e2e"; a=$$?; $(PYTEST) -m e2e; b=$$?; \
	for rc in $$a $$b; do [ $$rc = 0 ] || [ $$rc = 5 ] || exit $$rc; done; [ $$a = 0 ] || [ $$b = 0 ] || { echo "pytest collected no tests: failing the run"; exit 5; }

# while working: lint, types, unit and AppTest tests spread over the CPUs; no browser, no benchmarks, nothing slow
# (the browser and benchmark folders are not even imported: every test in them is e2e or bench)
test-fast: install-dev lint
	$(PYTEST) -n $(WORKERS) --dist loadfile -m "not e2e and not bench and not slow" --ignore=tests/e2e --ignore=tests/bench

bench: install-dev
	$(BIN)/python bench/run_all.py

clean:
	rm -rf data/cspdash.duckdb data/cspdash.duckdb.versions data/cspdash.duckdb.lock
