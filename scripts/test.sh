#!/usr/bin/env bash
# make test: setup, a fresh test database with the addons installed, Odoo's own payment,
# payment_stripe and account_payment suites on a copy of it (the addon installed), then the whole
# suite in one pytest run (addon tests, then the system tests under tests/).
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
    # Another copy for Odoo's own suites: they are all post_install tests, so they
    # run on an installed database without installing it again.
    dropdb --if-exists "${TEST_DB}_odoo"
    createdb -T "$TEST_DB" "${TEST_DB}_odoo"
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
# Odoo's own suites run first, so that pytest's summary stays the last line of the run.
suites_rc=0
if [[ $run_odoo_suites -eq 1 ]]; then
    odoo_suites || suites_rc=1
else
    log "Odoo's own suites not run for a subset (ODOO_SUITES=1 runs them too)"
fi

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
[[ $suites_rc -eq 0 ]] || rc=1
exit "$rc"
