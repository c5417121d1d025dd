"""The invariant checks can fail: each one is shown a tampered ledger (inside a transaction that
is rolled back) and must report it. Runs last, on the data the scenarios left."""

import psycopg2
import pytest
from system_invariants import Invariants
from system_scenarios import finish_payment, start_payment


@pytest.fixture
def tampered(system):
    # Run alone (-k), there may be no portal payment yet to tamper with: make two.
    if len(system.invariants.done_portal_transactions()) < 2:
        client = system.client(13)
        for amount in ("21.00", "22.00"):
            start_payment(client, amount)
            finish_payment(client)
        system.run_cron()
    conn = psycopg2.connect(dbname=system.db)
    try:
        yield conn, Invariants(system.db, conn)
    finally:
        conn.rollback()
        conn.close()


def _one(conn, sql, params=()):
    with conn.cursor() as cr:
        cr.execute(sql, params)
        return cr.fetchone()


def _exec(conn, sql, params=()):
    with conn.cursor() as cr:
        cr.execute(sql, params)


def test_checks_pass_on_the_real_ledger(tampered):
    _conn, invariants = tampered
    assert invariants.check(converged=True) == []


def test_each_check_reports_a_tampered_ledger(system, tampered):
    conn, invariants = tampered
    customer = system.customers[0]  # the customer of the 12 parallel payments
    oldest, newest = customer["invoice_ids"][0], customer["invoice_ids"][-1]

    # I4: a negative residual.
    _exec(conn, "SAVEPOINT t")
    _exec(conn, "UPDATE account_move SET amount_residual = -1 WHERE id = %s", [oldest])
    assert any("residual -1" in v for v in invariants.check_no_negative_residual())
    _exec(conn, "ROLLBACK TO SAVEPOINT t")

    # I5: the newest invoice paid while older ones are open.
    _exec(conn, "UPDATE account_move SET amount_residual = 0 WHERE id = %s", [newest])
    assert any("oldest first" in v for v in invariants.check_oldest_first())
    _exec(conn, "ROLLBACK TO SAVEPOINT t")

    # I1: a second payment on a transaction (and none on another).
    first, second = _one(
        conn,
        "SELECT array_agg(payment_id ORDER BY id) FROM payment_transaction"
        " WHERE portal_pay_account AND state = 'done' AND payment_id IS NOT NULL",
    )[0][:2]
    tx_of_first = _one(
        conn, "SELECT payment_transaction_id FROM account_payment WHERE id = %s", [first]
    )[0]
    _exec(
        conn,
        "UPDATE account_payment SET payment_transaction_id = %s WHERE id = %s",
        [tx_of_first, second],
    )
    violations = invariants.check_one_payment_per_transaction(converged=True)
    assert any("has 2 payments" in v for v in violations)
    assert any("has 0 payments" in v for v in violations)
    _exec(conn, "ROLLBACK TO SAVEPOINT t")

    # I3: an allocation record that does not match the reconciliation.
    _exec(
        conn,
        "UPDATE portal_pay_allocation SET amount = amount + 1"
        " WHERE id = (SELECT min(id) FROM portal_pay_allocation)",
    )
    assert any("allocated" in v for v in invariants.check_portal_payments())
    _exec(conn, "ROLLBACK TO SAVEPOINT t")

    # I2: money that went nowhere.
    _exec(conn, "UPDATE account_payment SET amount = amount + 5 WHERE id = %s", [first])
    assert any("payments" in v for v in invariants.check_conservation())
    _exec(conn, "ROLLBACK TO SAVEPOINT t")

    # I6: another partner's invoice changed during a scenario.
    before = invariants.residuals()
    _exec(
        conn,
        "UPDATE account_move SET amount_residual = amount_residual - 1 WHERE id = %s",
        [system.customers[1]["invoice_ids"][-1]],
    )
    assert any("not in the scenario" in v for v in invariants.check_untouched(before, set()))
    assert invariants.check_untouched(before, system.partner_ids(1)) == []
