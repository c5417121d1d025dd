#!/usr/bin/env bash
# make test: setup, a fresh test database with the addons installed, then the whole suite
# (addon tests, then the system tests under tests/).
# Extra arguments go to pytest (e.g. scripts/test.sh -k allocation).
set -euo pipefail
source "$(dirname "$0")/env.sh"
bash "$ROOT/scripts/setup.sh"

log "Creating a fresh test database $TEST_DB"
dropdb --if-exists "$TEST_DB"
odoo_bin -d "$TEST_DB" -i "$TEST_ADDONS" --stop-after-init --log-level=warn \
    --http-port="$HTTP_PORT" --without-demo
# A file copy of the fresh install for the uninstall test (it uninstalls there, not here).
dropdb --if-exists "${TEST_DB}_uninstall"
createdb -T "$TEST_DB" "${TEST_DB}_uninstall"

cd "$ROOT"
# tests/strict_run.py (-p strict_run): a skipped test, an expected failure, a suite that collects
# nothing or a selection that keeps nothing fails the run, in every mode, in pytest's own summary.
export PYTHONPATH="$ROOT/tests${PYTHONPATH:+:$PYTHONPATH}"
args=(
    -p no:cacheprovider
    -p strict_run
    --junitxml="$STATE_DIR/pytest.xml"
    --odoo-config="$ODOO_CONF" --odoo-database="$TEST_DB" --odoo-http
    --odoo-log-level=warn
    -rs
)
set +e
# One pytest run, one summary line: the addon suites (in-process, pytest-odoo), then the
# system tests (tests/: a throwaway database and a real multi-worker server, see tests/conftest.py).
suites=()
for dir in servicecore_portal_pay/tests test_servicecore_portal_pay/tests tests; do
    [[ -d "$dir" ]] && suites+=("$dir")
done
"$VENV/bin/pytest" "${args[@]}" "${suites[@]}" "$@" \
    | tee "$STATE_DIR/pytest.log"
rc=${PIPESTATUS[0]}
set -e
exit "$rc"
