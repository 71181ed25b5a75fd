# Quick start: `make run` serves the app on http://localhost:8501, `make test` lints (ruff) and runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8501
SCALE ?= 1
export TILANNEKUVA_MODE ?= demo

.PHONY: run test demo setup clean lock bench docs

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

test: $(STAMP)
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

lock:
	$(PY) -m pip install --quiet uv && $(VENV)/bin/uv pip compile pyproject.toml --extra dev -o requirements.lock --python-version 3.11

clean:
	rm -rf $(VENV) .pytest_cache
