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
args=(
    -p no:cacheprovider
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
if [[ $rc -eq 5 ]]; then
    echo "No tests were collected: that is a failure." >&2
    exit 1
fi
if [[ $rc -eq 0 && "${CI:-}" == "true" ]] && grep -Eq '^=+ .*[0-9]+ skipped' "$STATE_DIR/pytest.log"; then
    echo "Skipped tests in CI are failures (see the 'SKIPPED' lines above)." >&2
    exit 1
fi
exit "$rc"
