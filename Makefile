# Everyday tasks. `make test` is the fast tier; CI (.ci/run) runs `make lint` and every tier.
PYTHON ?= python

.PHONY: install test test-all lint format bench serve

install:  ## the package with the test tools
	$(PYTHON) -m pip install -e '.[test]'

test:  ## the default tier: one small model trained once, a few minutes
	$(PYTHON) -m pytest

test-all:  ## the slow tier (full trainings), the dashboard in Chromium, PostgreSQL (with PIANCHA_TEST_DATABASE_URL)
	$(PYTHON) -m pytest -m "slow or e2e or postgres"

lint:  ## what CI checks before the tests
	ruff check .
	ruff format --check .
	lint-imports

format:  ## rewrite the tree in the house format
	ruff check --fix .
	ruff format .

bench:  ## the measured numbers (needs a trained model in models/): parsing, classifying, startup
	$(PYTHON) benchmarks/parse_seed.py
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 $(PYTHON) benchmarks/throughput.py
	$(PYTHON) benchmarks/startup.py

serve:  ## the service on loopback (trains a model first if models/current is missing)
	piancha serve
