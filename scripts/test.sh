#!/usr/bin/env bash
# make test: setup, a fresh test database with the addons installed, then the whole suite
# (addon tests, then the system tests under tests/), then Odoo's own payment, payment_stripe and
# account_payment suites on a second database with the addon installed.
# Extra arguments go to pytest (e.g. scripts/test.sh -k allocation); with them, Odoo's suites
# run only if ODOO_SUITES=1.
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
run_odoo_suites=0
if [[ $# -eq 0 || "${ODOO_SUITES:-0}" == "1" ]]; then
    run_odoo_suites=1
    # Another copy for Odoo's own suites (last step): they are all post_install tests, so they
    # run on an installed database without installing it again.
    dropdb --if-exists "${TEST_DB}_odoo"
    createdb -T "$TEST_DB" "${TEST_DB}_odoo"
fi

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
    rc=1
fi

# Odoo's own suites with the addon installed: integrators, OCA's CI and Odoo's runbot run every
# installed module's tests, so the addon must not break them. On the copy of the fresh install
# made above (the addon, the test addon and its Demo provider, as an integrator's database has
# other modules too); the tests of payment, payment_stripe and account_payment are all
# post_install, so Odoo runs them after loading the database. Its result line decides.
odoo_suites() {
    local db="${TEST_DB}_odoo" log="$STATE_DIR/odoo-suites.log" started result
    log "Odoo's own suites (/payment, /payment_stripe, /account_payment) on $db"
    started=$(date +%s)
    odoo_bin -d "$db" --http-port="$HTTP_PORT" \
        --test-tags /payment,/payment_stripe,/account_payment --stop-after-init \
        --log-level=test > "$log" 2>&1
    local odoo_rc=$?
    result=$(grep -Eo '[0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests' "$log" | tail -n 1)
    grep -E ' (ERROR|CRITICAL) .*(FAIL|ERROR): ' "$log" >&2
    # Odoo's own conditional skips (e.g. a payment test that does not apply once
    # account_payment is installed) are listed, not hidden.
    grep -Eo 'skipped [A-Za-z_.]+ : .*' "$log" | sed 's/^/    /' >&2
    echo "Odoo's own suites: ${result:-no result line} ($(($(date +%s) - started)) s, log: $log)"
    if [[ $odoo_rc -ne 0 || -z "$result" || ! "$result" =~ ^0\ failed,\ 0\ error ||
        "$result" =~ of\ 0\ tests ]]; then
        echo "Odoo's own suites failed with the addon installed (exit $odoo_rc)." >&2
        return 1
    fi
}
if [[ $run_odoo_suites -eq 1 ]]; then
    odoo_suites || rc=1
else
    log "Odoo's own suites not run for a subset (ODOO_SUITES=1 runs them too)"
fi
exit "$rc"
