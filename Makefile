# Footprint: `make run` starts the dashboard, `make test` runs the tests.
# Both set everything up on a fresh machine (virtual environment, packages, data).

PYTHON ?= python3
PORT ?= 8501
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

.PHONY: run test data lint bench clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

# The data step: boundary polygons (copied or downloaded, sha256-checked) and
# the embedded store, created and loaded with the seed events on first start.
data: $(VENV)/.installed
	$(PY) -m footprint data
	$(PY) -m footprint init-db

run: data
	$(VENV)/bin/streamlit run app.py --server.port $(PORT) --server.address 127.0.0.1 \
		--browser.gatherUsageStats false --server.headless true

# FOOTPRINT_STRICT=1 (set by .ci/run) turns skips for a missing browser,
# database server or reference data into failures.
test: $(VENV)/.installed
	-$(PY) -m footprint data
	$(VENV)/bin/ruff check .
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .

# SCALE_ARGS narrows the scale benchmark, e.g. SCALE_ARGS="--sizes 10000,100000 --skip-browser".
bench: data
	$(PY) benchmarks/geocoder.py
	$(PY) benchmarks/filters.py
	$(PY) benchmarks/imports.py
	$(PY) benchmarks/upload_page.py
	$(PY) benchmarks/extraction.py
	$(PY) benchmarks/scale.py $(SCALE_ARGS)

clean:
	rm -rf $(VENV) data/boundaries data/footprint.db tests/artifacts
