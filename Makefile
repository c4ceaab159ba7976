# The two commands a newcomer needs: `make run` and `make test`. Both build .venv on demand.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# Most tests wait on real processes and sockets, so more workers than cores pays; loadfile
# keeps a module's shared browser or service in one worker.
TEST_WORKERS ?= 3

.PHONY: run serve test lint format bench clean

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(INSTALLED)

# The live demo (app/demo) unless PANTAU_DEMO=false; `pantau serve` alone runs without it.
run: $(INSTALLED)
	$(BIN)/pantau db upgrade
	PANTAU_DEMO=$${PANTAU_DEMO:-true} $(BIN)/pantau serve

test: $(INSTALLED)
	$(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadfile

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Every benchmark beside its floor, in one go (about 45 minutes on 2 cores); rewrites BENCHMARKS.md.
bench: $(INSTALLED)
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) pantau.db pantau.db-wal pantau.db-shm
