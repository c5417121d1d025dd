"""The invariant checks can fail: every sub-check of tests/system_invariants.py is shown a ledger
corrupted in one way, inside a database transaction that is rolled back (a private copy of the
ledger), and must report exactly that corruption. Runs last, on the data the scenarios left."""

import re

import psycopg2
import pytest
from system_invariants import Invariants
from system_scenarios import finish_payment, start_payment

EXTRA_PAYER = 13  # the customer whose payments the fixture adds when run alone (-k)


def _one(conn, query, params=()):
    with conn.cursor() as cr:
        cr.execute(query, params)
        return cr.fetchone()


def _exec(conn, query, params=()):
    with conn.cursor() as cr:
        cr.execute(query, params)
        return cr.rowcount


def _spanning_payment(conn):
    """A portal payment allocated to two invoice lines or more (its lowest allocation first)."""
    return _one(
        conn,
        "SELECT payment_id, min(id), max(id) FROM portal_pay_allocation"
        " GROUP BY payment_id HAVING count(*) > 1 ORDER BY payment_id LIMIT 1",
    )


@pytest.fixture
def ledger(system):
    """``(connection, Invariants reading through it, ids of the rows to corrupt)``."""
    conn = psycopg2.connect(dbname=system.db)
    try:
        if len(system.invariants.done_portal_transactions()) < 2 or not _spanning_payment(conn):
            # Run alone (-k): make two payments, the second over two invoices.
            client = system.client(EXTRA_PAYER)
            oldest = system.invariants.residuals()[system.customers[EXTRA_PAYER]["invoice_ids"][0]]
            for amount in ("21.00", f"{oldest[1] + 1:.2f}"):
                start_payment(client, amount)
                finish_payment(client)
            system.run_cron()
            conn.rollback()  # a new snapshot, with those payments
        spanning, first_allocation, second_allocation = _spanning_payment(conn)
        tx, payment, amount = _one(
            conn,
            "SELECT t.id, t.payment_id, t.amount FROM payment_transaction t"
            " WHERE t.portal_pay_account AND t.state = 'done' AND t.payment_id IS NOT NULL"
            " ORDER BY t.id LIMIT 1",
        )
        other_tx, other_payment = _one(
            conn,
            "SELECT id, payment_id FROM payment_transaction WHERE portal_pay_account"
            " AND state = 'done' AND payment_id IS NOT NULL AND id != %s ORDER BY id LIMIT 1",
            [tx],
        )
        ids = {
            "tx": tx,
            "payment": payment,
            "other_tx": other_tx,
            "other_payment": other_payment,
            "spanning": spanning,
            "first_allocation": first_allocation,
            "second_allocation": second_allocation,
            "oldest": system.customers[0]["invoice_ids"][0],
            "newest": system.customers[0]["invoice_ids"][-1],
            "stranger_partner": system.customers[1]["partner_id"],
            "stranger_invoice": system.customers[1]["invoice_ids"][-1],
        }
        yield conn, Invariants(system.db, conn), ids
    finally:
        conn.rollback()
        conn.close()


def _payment_receivable_line(ids, key):
    return (
        "(SELECT l.id FROM account_move_line l JOIN account_account a ON a.id = l.account_id"
        " JOIN account_payment p ON p.move_id = l.move_id"
        f" WHERE p.id = {int(ids[key])} AND a.account_type = 'asset_receivable' LIMIT 1)"
    )


def _invoice_receivable_line(ids, key):
    return (
        "(SELECT l.id FROM account_move_line l JOIN account_account a ON a.id = l.account_id"
        f" WHERE l.move_id = {int(ids[key])} AND a.account_type = 'asset_receivable' LIMIT 1)"
    )


# (sub-check, the check that runs it, corruption, what it must report — every pattern matched,
# nothing else reported). Each corruption is an SQL statement on the ids of the fixture.
CORRUPTIONS = [
    (
        "I1 a transaction with two payments",
        "check_one_payment_per_transaction",
        lambda ids: (
            "UPDATE account_payment SET payment_transaction_id = %s WHERE id = %s",
            [ids["tx"], ids["other_payment"]],
        ),
        # ... which leaves the other done transaction without its payment (converged runs)
        [
            r"transaction \S+ has 2 payments \[\d+, \d+\]",
            r"done transaction \S+ has [02] payments",
        ],
    ),
    (
        "I1 a payment for a transaction that is not done",
        "check_one_payment_per_transaction",
        lambda ids: ("UPDATE payment_transaction SET state = 'pending' WHERE id = %s", [ids["tx"]]),
        [r"transaction \S+ is pending but has payments \[\d+\]"],
    ),
    (
        "I1 the transaction points to another payment",
        "check_one_payment_per_transaction",
        lambda ids: (
            "UPDATE payment_transaction SET payment_id = %s WHERE id = %s",
            [ids["other_payment"], ids["tx"]],
        ),
        [r"transaction \S+ points to payment \d+"],
    ),
    (
        "I1 a payment of another amount than its transaction",
        "check_one_payment_per_transaction",
        lambda ids: (
            "UPDATE payment_transaction SET amount = amount + 1 WHERE id = %s",
            [ids["tx"]],
        ),
        [r"transaction \S+: payment [\d.]+ != [\d.]+"],
    ),
    (
        "I1 a payment of another partner than the payer's",
        "check_one_payment_per_transaction",
        lambda ids: (
            "UPDATE account_payment SET partner_id = %s WHERE id = %s",
            [ids["stranger_partner"], ids["payment"]],
        ),
        [r"transaction \S+: payment of partner \d+"],
    ),
    (
        "I2 money that went nowhere",
        "check_conservation",
        lambda ids: (
            "UPDATE account_payment SET amount = amount + 5 WHERE id = %s",
            [ids["payment"]],
        ),
        [r"partner \d+: payments [\d.]+ != applied [\d.]+ \+ unapplied [\d.-]+"],
    ),
    (
        "I3 a portal payment never allocated",
        "check_portal_payments",
        lambda ids: (
            "UPDATE account_payment SET portal_pay_allocated = false WHERE id = %s",
            [ids["payment"]],
        ),
        [r"portal payment \d+ was never allocated"],
    ),
    (
        "I3 amount != allocated + unapplied",
        "check_portal_payments",
        lambda ids: (
            "UPDATE account_payment SET amount = amount + 1 WHERE id = %s",
            [ids["payment"]],
        ),
        [r"payment \d+: [\d.]+ != allocated [\d.]+ \+ [\d.]+"],
    ),
    (
        "I3 reconciled != allocated",
        "check_portal_payments",
        lambda ids: (
            "UPDATE account_partial_reconcile SET amount = amount + 1 WHERE id ="
            " (SELECT min(id) FROM account_partial_reconcile WHERE credit_move_id = "
            + _payment_receivable_line(ids, "payment")
            + ")",
            [],
        ),
        [r"payment \d+: reconciled [\d.]+ != allocated [\d.]+"],
    ),
    (
        "I3 open residual != unapplied",
        "check_portal_payments",
        lambda ids: (
            "UPDATE account_move_line SET amount_residual = amount_residual - 1 WHERE id = "
            + _payment_receivable_line(ids, "payment"),
            [],
        ),
        [r"payment \d+: open [\d.-]+ != unapplied [\d.]+"],
    ),
    (
        "I3 an invoice line allocated twice by one payment",
        "check_portal_payments",
        lambda ids: (
            "UPDATE portal_pay_allocation SET move_line_id ="
            " (SELECT move_line_id FROM portal_pay_allocation WHERE id = %s) WHERE id = %s",
            [ids["first_allocation"], ids["second_allocation"]],
        ),
        [r"payment \d+: 1 invoice lines allocated twice"],
    ),
    (
        "I3 an allocation on another partner's invoice",
        "check_portal_payments",
        lambda ids: (
            "UPDATE portal_pay_allocation SET move_id = %s WHERE id = %s",
            [ids["stranger_invoice"], ids["first_allocation"]],
        ),
        [r"payment \d+: 1 allocations on another partner"],
    ),
    (
        "I4 a negative invoice residual",
        "check_no_negative_residual",
        lambda ids: ("UPDATE account_move SET amount_residual = -1 WHERE id = %s", [ids["oldest"]]),
        [r"\S+ has residual -1(\.0+)?"],
    ),
    (
        "I4 an invoice residual above its total",
        "check_no_negative_residual",
        lambda ids: (
            "UPDATE account_move SET amount_residual = amount_total + 1 WHERE id = %s",
            [ids["newest"]],
        ),
        [r"\S+ has residual [\d.]+"],
    ),
    (
        "I4 a receivable line with a residual of the wrong sign",
        "check_no_negative_residual",
        lambda ids: (
            "UPDATE account_move_line SET amount_residual = -balance WHERE id = "
            + _invoice_receivable_line(ids, "newest"),
            [],
        ),
        [r"line \d+ has residual -[\d.]+"],
    ),
    (
        "I5 a newer invoice paid while an older one is open",
        "check_oldest_first",
        lambda ids: ("UPDATE account_move SET amount_residual = 0 WHERE id = %s", [ids["newest"]]),
        [r"partner \d+: invoices not paid oldest first \(\w+\)"],
    ),
]


def test_checks_pass_on_the_real_ledger(ledger):
    _conn, invariants, _ids = ledger
    assert invariants.check(converged=True) == []


@pytest.mark.parametrize(
    ("check", "corrupt", "patterns"),
    [case[1:] for case in CORRUPTIONS],
    ids=[case[0] for case in CORRUPTIONS],
)
def test_each_sub_check_reports_its_corruption(ledger, check, corrupt, patterns):
    conn, invariants, ids = ledger
    assert getattr(invariants, check)() == [], "the ledger was already wrong"
    query, params = corrupt(ids)
    assert _exec(conn, query, params) == 1, "the corruption changed no row"
    violations = getattr(invariants, check)()
    for pattern in patterns:
        assert any(re.fullmatch(pattern, v) for v in violations), (pattern, violations)
    assert all(any(re.fullmatch(p, v) for p in patterns) for v in violations), violations


def test_convergence_is_required_only_when_asked(ledger):
    """A done transaction without its payment is fine before a post-processing run."""
    conn, invariants, ids = ledger
    _exec(
        conn,
        "UPDATE account_payment SET payment_transaction_id = NULL WHERE id = %s",
        [ids["payment"]],
    )
    _exec(conn, "UPDATE payment_transaction SET payment_id = NULL WHERE id = %s", [ids["tx"]])
    assert invariants.check_one_payment_per_transaction(converged=False) == []
    [violation] = invariants.check_one_payment_per_transaction(converged=True)
    assert re.fullmatch(r"done transaction \S+ has 0 payments", violation), violation


def test_untouched_reports_another_partners_invoice(system, ledger):
    conn, invariants, ids = ledger
    before = invariants.residuals()
    _exec(
        conn,
        "UPDATE account_move SET amount_residual = amount_residual - 1 WHERE id = %s",
        [ids["stranger_invoice"]],
    )
    [violation] = invariants.check_untouched(before, set())
    assert f"invoice {ids['stranger_invoice']} of partner" in violation
    assert "(not in the scenario) changed" in violation
    # The partners a scenario may touch are not reported.
    assert invariants.check_untouched(before, system.partner_ids(1)) == []
