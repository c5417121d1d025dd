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
    """A portal payment whose own money went to two lines or more (its lowest allocation
    first)."""
    return _one(
        conn,
        "SELECT payment_id, min(id), max(id) FROM portal_pay_allocation WHERE kind = 'payment'"
        " GROUP BY payment_id HAVING count(*) > 1 ORDER BY payment_id LIMIT 1",
    )


def _credit_allocation(conn):
    """An open credit (credit note) applied with a portal payment, and its credit note."""
    return _one(
        conn,
        "SELECT id, source_move_id FROM portal_pay_allocation WHERE kind = 'credit'"
        " ORDER BY id LIMIT 1",
    )


def _customer(system, kind):
    return next(c for c in system.customers if c.get("kind") == kind)


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
        credits = _customer(system, "credits")
        if not _credit_allocation(conn):
            # Run alone: a payment of the customer with credit notes applies them.
            client = system.client(credits["index"])
            start_payment(client, "21.00")
            finish_payment(client)
            system.run_cron()
            conn.rollback()
        spanning, first_allocation, second_allocation = _spanning_payment(conn)
        credit_allocation, _credit_note = _credit_allocation(conn)
        # Two done transactions of the same customer and currency, each with one payment, in
        # the company's currency: moving one to the second currency must be a change.
        tx, payment, other_tx, other_payment = _one(
            conn,
            "SELECT t.id, t.payment_id, o.id, o.payment_id FROM payment_transaction t"
            " JOIN payment_transaction o ON o.partner_id = t.partner_id"
            "  AND o.currency_id = t.currency_id AND o.id > t.id"
            " WHERE t.portal_pay_account AND o.portal_pay_account"
            "  AND t.state = 'done' AND o.state = 'done'"
            "  AND 1 = (SELECT count(*) FROM account_payment WHERE payment_transaction_id = t.id)"
            "  AND 1 = (SELECT count(*) FROM account_payment WHERE payment_transaction_id = o.id)"
            "  AND t.currency_id <> %s"
            " ORDER BY t.id, o.id LIMIT 1",
            [system.seed["second_currency_id"]],
        )
        ids = {
            "tx": tx,
            "payment": payment,
            "other_tx": other_tx,
            "other_payment": other_payment,
            "spanning": spanning,
            # A payment other than the spanning one (whose allocations are corrupted).
            "not_spanning": payment if payment != spanning else other_payment,
            "first_allocation": first_allocation,
            "second_allocation": second_allocation,
            "credit_allocation": credit_allocation,
            "oldest_credit_note": credits["credit_note_ids"][0],
            "second_currency": system.seed["second_currency_id"],
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


def _allocation_partial(ids, key):
    return f"(SELECT partial_id FROM portal_pay_allocation WHERE id = {int(ids[key])})"


I1 = "check_payments_per_transaction"
I3 = "check_portal_payments"
I4 = "check_no_negative_residual"
I7 = "check_allocation_rows"
AMOUNT = r"[\d.]+"
ALLOCATION = r"(payment|credit) allocation \d+"
CONSERVATION = (
    rf"partner \d+ in currency \d+: money in {AMOUNT} != applied {AMOUNT} \+ unapplied {AMOUNT}"
)

# (sub-check, the check that runs it, corruption, what it must report — every pattern matched,
# nothing else reported). Each corruption is an SQL statement on the ids of the fixture.
CORRUPTIONS = [
    (
        "I1 a transaction with two payments on one receivable account",
        I1,
        lambda ids: (
            "UPDATE account_payment SET payment_transaction_id = %s WHERE id = %s",
            [ids["tx"], ids["other_payment"]],
        ),
        # ... which no longer sum to its amount, and leave the other transaction without its
        # payment (converged runs)
        [
            r"transaction \S+ has 2 payments on account \d+",
            rf"transaction \S+: payments {AMOUNT} != {AMOUNT}",
            r"done transaction \S+ has no payment",
        ],
    ),
    (
        "I1 a payment for a transaction that is not done",
        I1,
        lambda ids: ("UPDATE payment_transaction SET state = 'pending' WHERE id = %s", [ids["tx"]]),
        [r"transaction \S+ is pending but has payments \[\d+\]"],
    ),
    (
        "I1 the transaction points to a payment not its own",
        I1,
        lambda ids: (
            "UPDATE payment_transaction SET payment_id = %s WHERE id = %s",
            [ids["other_payment"], ids["tx"]],
        ),
        [r"transaction \S+ points to payment \d+, not one of \[\d+\]"],
    ),
    (
        "I1 payments summing to another amount than their transaction",
        I1,
        lambda ids: (
            "UPDATE payment_transaction SET amount = amount + 1 WHERE id = %s",
            [ids["tx"]],
        ),
        [rf"transaction \S+: payments {AMOUNT} != {AMOUNT}"],
    ),
    (
        "I1 a payment of another customer than the payer's",
        I1,
        lambda ids: (
            "UPDATE account_payment SET partner_id = %s WHERE id = %s",
            [ids["stranger_partner"], ids["payment"]],
        ),
        [r"transaction \S+: payment \d+ of partner \d+"],
    ),
    (
        "I1 a payment in another currency than its transaction",
        I1,
        lambda ids: (
            "UPDATE account_payment SET currency_id = %s WHERE id = %s",
            [ids["second_currency"], ids["payment"]],
        ),
        [r"transaction \S+: payment \d+ in currency \d+"],
    ),
    (
        "I2 a payment's money that went nowhere",
        "check_conservation",
        lambda ids: (
            "UPDATE account_payment SET amount = amount + 5 WHERE id = %s",
            [ids["payment"]],
        ),
        [CONSERVATION],
    ),
    (
        "I2 a credit note's money that went nowhere",
        "check_conservation",
        lambda ids: (
            "UPDATE account_move SET amount_total = amount_total + 5 WHERE id = %s",
            [ids["oldest_credit_note"]],
        ),
        [CONSERVATION],
    ),
    (
        "I3 a portal payment never allocated",
        I3,
        lambda ids: (
            "UPDATE account_payment SET portal_pay_allocated = false WHERE id = %s",
            [ids["payment"]],
        ),
        [r"portal payment \d+ was never allocated"],
    ),
    (
        "I3 amount != allocated + unapplied",
        I3,
        lambda ids: (
            "UPDATE account_payment SET amount = amount + 1 WHERE id = %s",
            [ids["payment"]],
        ),
        [rf"payment \d+: {AMOUNT} != allocated {AMOUNT} \+ {AMOUNT}"],
    ),
    (
        "I3 reconciled (payment currency) != allocated + applied as credit",
        I3,
        lambda ids: (
            "UPDATE account_partial_reconcile SET credit_amount_currency = credit_amount_currency"
            " + 1 WHERE id = (SELECT min(id) FROM account_partial_reconcile WHERE credit_move_id = "
            + _payment_receivable_line(ids, "payment")
            + ")",
            [],
        ),
        [rf"payment \d+: reconciled {AMOUNT} != allocated {AMOUNT} \+ applied as credit {AMOUNT}"],
    ),
    (
        "I3 open residual (payment currency) != unapplied - applied as credit",
        I3,
        lambda ids: (
            "UPDATE account_move_line SET amount_residual_currency = amount_residual_currency - 1"
            " WHERE id = " + _payment_receivable_line(ids, "payment"),
            [],
        ),
        [r"payment \d+: open [\d.-]+ != unapplied [\d.]+ - applied as credit [\d.]+"],
    ),
    (
        "I3 a line allocated twice by one payment",
        I3,
        lambda ids: (
            "UPDATE portal_pay_allocation SET move_line_id ="
            " (SELECT move_line_id FROM portal_pay_allocation WHERE id = %s) WHERE id = %s",
            [ids["first_allocation"], ids["second_allocation"]],
        ),
        [r"payment \d+: 1 invoice lines allocated twice"],
    ),
    (
        "I3 an allocation on another customer's line",
        I3,
        lambda ids: (
            "UPDATE portal_pay_allocation SET move_line_id = "
            + _invoice_receivable_line(ids, "stranger_invoice")
            + " WHERE id = %s",
            [ids["first_allocation"]],
        ),
        [r"payment \d+: 1 allocations on another partner"],
    ),
    (
        "I7 an allocation in another currency than its payment",
        I7,
        lambda ids: (
            "UPDATE portal_pay_allocation SET currency_id = %s WHERE id = %s",
            [ids["second_currency"], ids["first_allocation"]],
        ),
        [rf"{ALLOCATION}: in currency \d+, payment in \d+, line in \d+"],
    ),
    (
        "I7 an allocation whose reconciliation is on another line",
        I7,
        lambda ids: (
            "UPDATE portal_pay_allocation SET move_line_id ="
            " (SELECT move_line_id FROM portal_pay_allocation WHERE id = %s) WHERE id = %s",
            [ids["second_allocation"], ids["first_allocation"]],
        ),
        [rf"{ALLOCATION}: its reconciliation is on another line"],
    ),
    (
        "I7 a payment allocation of another amount than its reconciliation",
        I7,
        lambda ids: (
            "UPDATE portal_pay_allocation SET amount = amount + 1 WHERE id = %s",
            [ids["first_allocation"]],
        ),
        [rf"payment allocation \d+: {AMOUNT} \+ {AMOUNT} != reconciled {AMOUNT}"],
    ),
    (
        "I7 a payment allocation reconciled with another entry's money",
        I7,
        lambda ids: (
            "UPDATE account_partial_reconcile SET credit_move_id = "
            + _payment_receivable_line(ids, "not_spanning")
            + " WHERE id = "
            + _allocation_partial(ids, "first_allocation"),
            [],
        ),
        [r"payment allocation \d+: money of entry \d+, not of its payment"],
    ),
    (
        "I7 a credit allocation of another amount than its reconciliation",
        I7,
        lambda ids: (
            "UPDATE portal_pay_allocation SET amount = amount - 1 WHERE id = %s",
            [ids["credit_allocation"]],
        ),
        [rf"credit allocation \d+: {AMOUNT} \+ {AMOUNT} != reconciled {AMOUNT}"],
    ),
    (
        "I7 a credit allocation from an entry that is not a credit of the customer",
        I7,
        lambda ids: (
            "UPDATE portal_pay_allocation SET source_move_id = %s WHERE id = %s",
            [ids["stranger_invoice"], ids["credit_allocation"]],
        ),
        [r"credit allocation \d+: source entry \d+ is not a credit of the customer"],
    ),
    (
        "I4 a negative invoice residual",
        I4,
        lambda ids: ("UPDATE account_move SET amount_residual = -1 WHERE id = %s", [ids["oldest"]]),
        [r"\S+ has residual -1(\.0+)?"],
    ),
    (
        "I4 an invoice residual above its total",
        I4,
        lambda ids: (
            "UPDATE account_move SET amount_residual = amount_total + 1 WHERE id = %s",
            [ids["newest"]],
        ),
        [rf"\S+ has residual {AMOUNT}"],
    ),
    (
        "I4 a negative credit note residual",
        I4,
        lambda ids: (
            "UPDATE account_move SET amount_residual = -1 WHERE id = %s",
            [ids["oldest_credit_note"]],
        ),
        [r"\S+ has residual -1(\.0+)?"],
    ),
    (
        "I4 a receivable line with a residual of the wrong sign (line currency)",
        I4,
        lambda ids: (
            "UPDATE account_move_line SET amount_residual_currency = -amount_currency WHERE id = "
            + _invoice_receivable_line(ids, "newest"),
            [],
        ),
        [r"line \d+ has residual -[\d.]+"],
    ),
    (
        "I4 a receivable line open beyond its amount (line currency)",
        I4,
        lambda ids: (
            "UPDATE account_move_line SET amount_residual_currency = 2 * amount_currency"
            " WHERE id = " + _invoice_receivable_line(ids, "newest"),
            [],
        ),
        [rf"line \d+ has residual {AMOUNT}"],
    ),
    (
        "I5 a newer receivable line paid while an older one is open",
        "check_oldest_first",
        lambda ids: (
            "UPDATE account_move_line SET amount_residual_currency = 0 WHERE id = "
            + _invoice_receivable_line(ids, "newest"),
            [],
        ),
        [r"partner \d+ in currency \d+: lines not paid oldest first \(\w+\)"],
    ),
    (
        "I8 a newer credit used while an older one is open",
        "check_credits_oldest_first",
        lambda ids: (
            "UPDATE account_move_line SET amount_residual_currency = amount_currency WHERE id = "
            + _invoice_receivable_line(ids, "oldest_credit_note"),
            [],
        ),
        [r"partner \d+ in currency \d+: credits not used oldest first \(\w+\)"],
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
    assert invariants.check_payments_per_transaction(converged=False) == []
    [violation] = invariants.check_payments_per_transaction(converged=True)
    assert re.fullmatch(r"done transaction \S+ has no payment", violation), violation


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
