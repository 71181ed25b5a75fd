# Quick start: `make run` serves the app on http://localhost:8501, `make test` lints (ruff) and runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8501
SCALE ?= 1
export TILANNEKUVA_MODE ?= demo

.PHONY: run test demo setup clean lock bench load docs a11y-engines

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/tilannekuva demo --scale $(SCALE) --if-missing

run: demo
	$(PY) -m streamlit run app.py --server.port=$(PORT) --server.headless=true \
		--browser.gatherUsageStats=false

# The accessibility engines the browser tests inject besides axe-core (HTML_CodeSniffer, IBM Equal Access):
# exact versions from tests/a11y/package-lock.json (integrity hashes), installed once with Debian's node + npm.
# Only `make test` needs them; `make run` works without node.
A11Y := tests/a11y
A11Y_STAMP := $(A11Y)/node_modules/.installed

$(A11Y_STAMP): $(A11Y)/package.json $(A11Y)/package-lock.json
	cd $(A11Y) && npm ci --ignore-scripts --no-audit --no-fund
	touch $(A11Y_STAMP)

a11y-engines: $(A11Y_STAMP)

test: $(STAMP) $(A11Y_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check --quiet .
	$(PY) -m pytest -n 2 --dist loadgroup

# The generated docs: docs/CONTRACTS.md and the metric catalogue in docs/DATA_MODEL.md (a test fails when they
# are out of step with tilannekuva/ingest/contracts.py and tilannekuva/catalogue/metrics.yaml).
docs: $(STAMP)
	$(VENV)/bin/tilannekuva docs

# Speed against the targets (bench/run.py): builds data/bench/ once (scale 1 and 10), writes bench-results/.
# Needs Debian's chromium for the browser part (BENCH_ARGS="--skip browser" without it).
bench: $(STAMP)
	$(PY) bench/run.py $(BENCH_ARGS)

# Many signed-in users at once without a browser (bench/load.py, Streamlit's websocket protocol): starts one app
# process on data/bench/s1 (built once) and reports runs/s, errors, p50/p95/p99, the server's CPU and memory per
# session. LOAD_ARGS="--sessions 150 --seconds 60", "--find-limit", "--url http://127.0.0.1:8080 --server-pid …".
load: $(STAMP)
	$(PY) bench/load.py $(LOAD_ARGS)

lock:
	$(PY) -m pip install --quiet uv && $(VENV)/bin/uv pip compile pyproject.toml --extra dev -o requirements.lock --python-version 3.11

clean:
	rm -rf $(VENV) .pytest_cache $(A11Y)/node_modules
