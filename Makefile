# Two commands on a fresh machine: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export TANDEM_HOME ?= $(CURDIR)/var
export TANDEM_PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/tandem

.PHONY: run serve install install-test migrate demo test test-sqlite test-pg lint format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

migrate: install
	$(BIN)/tandem migrate --no-input -v 0

# Loads the demo desk once per TANDEM_HOME; `tandem demo --force` reloads it.
demo: migrate
	$(BIN)/tandem demo --if-empty

run: demo
	$(BIN)/tandem demo --sign-ins
	$(BIN)/tandem serve --port $(TANDEM_PORT)

serve: migrate
	$(BIN)/tandem serve --port $(TANDEM_PORT)

lint: install-test
	$(BIN)/ruff check .

format: install-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint test-sqlite test-pg

test-sqlite: install-test
	TANDEM_HOME=$$(mktemp -d) $(BIN)/pytest -q

# The database-facing tests again on PostgreSQL, in a throw-away database.
test-pg: install-test
	TANDEM_HOME=$$(mktemp -d) TANDEM_DATABASE_URL=$(PG_URL) $(BIN)/pytest -q -m "not e2e" \
		tandem/people tandem/tickets tandem/api tandem/portal tandem/core tandem/mail \
		tandem/kb tandem/workflow tests

bench: install-test
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var
