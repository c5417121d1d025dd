#!/usr/bin/env bash
# make test-system: the system tests alone (tests/): a throwaway database and a real 4-worker
# Odoo on 127.0.0.1 ($HTTP_PORT + 100 and + 101), driven from outside. Extra arguments go to
# pytest. pytest-odoo is disabled: these tests talk to the server over HTTP and SQL only.
set -euo pipefail
source "$(dirname "$0")/env.sh"
bash "$ROOT/scripts/setup.sh"
cd "$ROOT"
# -p strict_run (tests/strict_run.py): skips, expected failures and empty runs fail, as in make test.
export PYTHONPATH="$ROOT/tests${PYTHONPATH:+:$PYTHONPATH}"
exec "$VENV/bin/pytest" -p no:cacheprovider -p no:odoo -p strict_run -rs \
    --junitxml="$STATE_DIR/pytest-system.xml" tests "$@"
