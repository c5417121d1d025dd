# servicecore_portal_pay — developer entry points. Every target installs what it needs first.
SHELL := /bin/bash
ADDON := servicecore_portal_pay
PY_SOURCES := $(ADDON) test_servicecore_portal_pay tests bench scripts
# The virtualenv scripts/setup.sh creates (scripts/env.sh: VENV, default .venv).
VENV ?= .venv

.PHONY: help setup run stop test test-system figures lint format bench pot clean

help:
	@echo "make run    - serve Odoo 19 with the addon and demo data on http://127.0.0.1:8069"
	@echo "make test   - fresh test database, then the whole test suite (pytest-odoo)"
	@echo "             and the system tests (tests/, a real multi-worker Odoo)"
	@echo "make test-system - the system tests alone (concurrency, crash, HTTP probes)"
	@echo "make figures - rewrite the figures sections of docs/RELIABILITY.md and docs/STRIPE.md"
	@echo "             from the last make test / make test-system"
	@echo "make lint   - ruff (lint + format check) and pylint-odoo"
	@echo "make stop   - stop what 'make run' started"
	@echo "make pot    - export i18n/$(ADDON).pot (after make test)"
	@echo "make bench  - benchmarks against stock Odoo, writes docs/PERFORMANCE.md (BENCH_QUICK=1: small sizes)"

setup:
	@bash scripts/setup.sh

run:
	@bash scripts/run.sh

stop:
	@if [ -f .local/run.pid ]; then kill "$$(cat .local/run.pid)" 2>/dev/null || true; rm -f .local/run.pid; echo "stopped"; fi

test:
	@bash scripts/test.sh

test-system:
	@bash scripts/test-system.sh

figures:
	@source scripts/env.sh && "$$VENV/bin/python" scripts/docs_figures.py

bench: setup
	@source scripts/env.sh && cd bench && "$$VENV/bin/python" run.py

lint: setup
	$(VENV)/bin/ruff check $(PY_SOURCES)
	$(VENV)/bin/ruff format --check $(PY_SOURCES)
	$(VENV)/bin/pylint --rcfile=.pylintrc $(ADDON) test_servicecore_portal_pay

format: setup
	$(VENV)/bin/ruff format $(PY_SOURCES)
	$(VENV)/bin/ruff check --fix $(PY_SOURCES)

# The translation template, with Odoo's own exporter, from the test database (make test first).
pot: setup
	@source scripts/env.sh && "$$VENV/bin/python" "$$ODOO_SRC/odoo-bin" i18n export \
		-c "$$ODOO_CONF" -d "$$TEST_DB" $(ADDON)

clean:
	rm -rf .local
