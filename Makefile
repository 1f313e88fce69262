# Vigil: `make run` serves the desk, `make test` runs the tests. Both build the environment first.
.PHONY: run demo test test-sqlite test-postgres lint bench setup setup-test

PG_URL ?= postgresql://postgres@127.0.0.1:5432/vigil
REDIS_URL ?= redis://127.0.0.1:6379/15
PYTEST ?= .venv/bin/pytest

setup:
	@scripts/bootstrap

setup-test:
	@scripts/bootstrap test

run: setup
	.venv/bin/vigil run --demo $(ARGS)

test: setup-test lint test-sqlite test-postgres

test-sqlite:
	env -u VIGIL_DATABASE_URL -u VIGIL_REDIS_URL VIGIL_DATA_DIR=var/test-sqlite \
		$(PYTEST) $(PYTEST_ARGS)

test-postgres:
	VIGIL_DATABASE_URL=$(PG_URL) VIGIL_REDIS_URL=$(REDIS_URL) VIGIL_DATA_DIR=var/test-postgres \
		$(PYTEST) $(PYTEST_ARGS)

lint:
	.venv/bin/ruff check vigil tests bench
	.venv/bin/ruff format --check vigil tests bench
	.venv/bin/mypy vigil

bench: setup
	.venv/bin/python -m bench.inbox $(ARGS)
