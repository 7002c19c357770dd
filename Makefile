# Two commands set everything up: `make run` (the whole ELT on DuckDB, demo scale) and
# `make test` (the whole suite). Everything runs from the repo-local virtualenv .venv.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TARGET ?= duckdb
# pytest-xdist workers of `make test` (the tests sharing a warehouse stay on one: conftest.py)
TEST_WORKERS ?= 2
DAYS ?= 3
PRESET ?= demo
SEED ?= 42
BI_PORT ?= 8501
DOCS_PORT ?= 8080

export DUCKDB_PATH ?= $(CURDIR)/warehouse.duckdb
export SIM_DIR ?= $(CURDIR)/.sim
export DBT_PROFILES_DIR := $(CURDIR)
export DBT_TARGET := $(TARGET)
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export PYTHONUNBUFFERED := 1

.DEFAULT_GOAL := help
.PHONY: help install system-deps run test lint docs clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

# The stamp is rebuilt whenever the pinned requirements change.
$(BIN)/.installed: requirements.lock
	@echo "==> Creating the virtualenv $(VENV) and installing pinned dependencies"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@touch $@

install: $(BIN)/.installed ## create .venv with the pinned dependencies

system-deps: ## the system programs the tests need (Chromium, node/npm), installed when missing
	@tools/system-deps.sh

run: install ## full ELT at demo scale: simulate, ingest, dbt build, advance DAYS days, docs (VERBOSE=1: full output)
	$(BIN)/python -m elt run --target $(TARGET) --preset $(PRESET) --seed $(SEED) --days $(DAYS) $(if $(filter-out 0,$(VERBOSE)),--verbose)

test: install system-deps ## the whole test suite (what CI runs), on TEST_WORKERS processes
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup

lint: install ## ruff and sqlfluff
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint models snapshots tests macros

docs: install ## generate and serve the dbt docs on 127.0.0.1:DOCS_PORT
	$(BIN)/dbt docs generate --target $(TARGET)
	$(BIN)/dbt docs serve --host 127.0.0.1 --port $(DOCS_PORT) --no-browser

# Dashboards over the marts (bi/, docs/bi-tools.md): DuckDB read-only at
# DUCKDB_PATH, or Postgres via PG* with BI_TARGET=postgres; dbt results from DBT_TARGET_PATH.
.PHONY: bi
bi: install ## serve the Streamlit dashboards on 127.0.0.1:BI_PORT (BI_TARGET=duckdb|postgres)
	BI_TARGET=$${BI_TARGET:-$(TARGET)} $(BIN)/python -m streamlit run bi/app.py \
		--server.address 127.0.0.1 --server.port $(BI_PORT) --server.headless true \
		--browser.gatherUsageStats false --client.toolbarMode viewer

clean: ## remove the local warehouse, the simulated sources and dbt artifacts
	rm -rf target logs .sim $(DUCKDB_PATH) $(DUCKDB_PATH).wal

# --- Benchmarks (not part of `make test`): BENCHMARKS.md, benchmarks/results/ ---------------------
# BENCH_ARGS passes options to `python -m benchmarks` (see --help), e.g. BENCH_ARGS=--quick.
BENCH_ARGS ?=
.PHONY: bench

bench: install ## benchmarks at the bench preset -> BENCHMARKS.md, benchmarks/results/latest.json
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

# --- Slim CI, reproducible locally (docs/slim-ci.md) -------------------------------------------
# prod-artifacts: production from scratch into PROD_DIR/prod.duckdb (dbt target `prod`) and the
# state pull requests defer to (manifest.json, run_results.json, project_vars.json, docs/).
# ci-slim: state:modified+ of the working tree into CI_DIR/ci.duckdb (dbt target `ci`), deferring
# every unchanged parent to the production file, attached read-only.
# TARGET=postgres: production is the PG* database (target `postgres`), CI builds there under
# schemas prefixed DBT_SCHEMA_PREFIX (default `ci`: ci_marts; target `ci_postgres`).
PROD_DIR ?= $(CURDIR)/prod-artifacts
CI_DIR ?= $(CURDIR)/target/ci-slim
.PHONY: prod-artifacts ci-slim test-fast

prod-artifacts: install ## production build + manifest and docs for slim CI, in prod-artifacts/
	PROD_DUCKDB_PATH=$(PROD_DIR)/prod.duckdb $(BIN)/python -m elt.slim_ci --engine $(TARGET) prod-artifacts \
		--out $(PROD_DIR) --preset $(PRESET) --seed $(SEED)

ci-slim: install ## build only state:modified+ into a CI database, deferring to prod-artifacts/
	PROD_DUCKDB_PATH=$(PROD_DIR)/prod.duckdb CI_DUCKDB_PATH=$(CI_DIR)/ci.duckdb \
		DBT_TARGET_PATH=$(CI_DIR) DBT_LOG_PATH=$(CI_DIR)/logs \
		$(BIN)/python -m elt.slim_ci --engine $(TARGET) ci-slim --state $(PROD_DIR) --work-dir $(CI_DIR)

test-fast: install system-deps ## the fast tests: everything not marked `slow` (what pull requests run)
	$(BIN)/python -m pytest -m "not slow" -n $(TEST_WORKERS) --dist loadgroup

# --- Governance (docs/governance.md) -------------------------------------
.PHONY: roles erase

roles: install ## Postgres roles loader/transformer/bi_reader and their grants (admin PG* vars)
	$(BIN)/python -m governance roles

erase: install ## erase one customer everywhere: CUSTOMER_ID=N [REQUESTED_BY=who] [TARGET=...]
	@test -n "$(CUSTOMER_ID)" || { echo "usage: make erase CUSTOMER_ID=N [REQUESTED_BY=who] [TARGET=duckdb|postgres]" >&2; exit 2; }
	$(BIN)/python -m governance erase --customer-id "$(CUSTOMER_ID)" --target $(TARGET) \
		$(if $(REQUESTED_BY),--requested-by "$(REQUESTED_BY)")
