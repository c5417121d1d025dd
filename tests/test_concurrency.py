"""Properties 1 and 2: exactly one payment per transaction and oldest-first allocation hold when
payments, confirmations and staff work land at the same time on a 4-worker server."""

import importlib.util
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from functools import partial
from pathlib import Path

import psycopg2
from system_client import RpcError
from system_scenarios import (
    actual_residuals,
    amounts,
    assert_clean_http,
    expected_residuals,
    finish_payment,
    hold_post_process_cron,
    sql,
    start_payment,
    wait_for,
    waiting_on,
)

# Customers of the seed, one set per scenario so the scenarios do not share balances.
SAME_PARTNER = 0
DISTINCT_PARTNERS = (1, 2, 3, 4, 5, 6)
CONFIRMATION_RACE = 7
TWO_TABS = 8
STAFF = 9
IN_TURN = 14
RACE_WITHIN = 60  # seconds for the racers to reach the gate; the test fails after that
# Seconds for each status poll to line up behind the held turn: four of them well inside the
# turn's own bound (const.BOOKING_WAIT_SECONDS, 20 s), past which the first would give up.
LINE_UP_WITHIN = 4


def _run_payments(system, jobs):
    """Pay every ``(client, amount)`` at once: all forms and transactions first, then every
    status poll at the same instant (the post-processing is where payments collide)."""
    txs = system.parallel([partial(start_payment, client, amount) for client, amount in jobs])
    results = system.parallel([partial(finish_payment, client) for client, _amount in jobs])
    system.figures["payments_in_parallel"] += len(jobs)
    system.figures["payments_done"] += sum(status["state"] == "done" for status, _ in results)
    return txs, results


def test_same_partner_many_payments_at_once(system):
    customer = system.customers[SAME_PARTNER]
    before = system.snapshot()
    payments = amounts(12, "23.17", "4.09")
    # Twelve browsers of the same payer: twelve sessions, one partner, one set of invoices.
    clients = system.clients([SAME_PARTNER] * len(payments))
    txs, results = _run_payments(system, list(zip(clients, payments, strict=True)))

    for (status, landing), tx in zip(results, txs, strict=True):
        assert status["state"] == "done"
        assert tx["reference"] in landing.text
    system.run_cron()
    assert system.check(before, system.partner_ids(SAME_PARTNER)) == []
    total = sum(Decimal(amount) for amount in payments)
    expected, left = expected_residuals(before, customer["invoice_ids"], total)
    assert left == 0
    assert actual_residuals(system, customer["invoice_ids"]) == expected
    assert_clean_http(system)


def test_distinct_partners_pay_at_once(system):
    before = system.snapshot()
    payments, totals = [], {}
    for index in DISTINCT_PARTNERS:
        for amount in amounts(2, f"{100 + index * 13}.45", "61.30"):
            payments.append((index, amount))
            totals[index] = totals.get(index, Decimal(0)) + Decimal(amount)
    clients = system.clients([index for index, _amount in payments])
    jobs = [(client, amount) for client, (_i, amount) in zip(clients, payments, strict=True)]
    _run_payments(system, jobs)

    system.run_cron()
    assert system.check(before, system.partner_ids(*DISTINCT_PARTNERS)) == []
    for index in DISTINCT_PARTNERS:
        invoice_ids = system.customers[index]["invoice_ids"]
        expected, _left = expected_residuals(before, invoice_ids, totals[index])
        assert actual_residuals(system, invoice_ids) == expected, index
    assert_clean_http(system)


def test_same_transaction_confirmed_by_poll_webhook_and_cron_at_once(system):
    """The customer's status poll (two tabs), the provider's notification (Demo: simulate_payment
    again), the post-processing cron and a staff "post-process" click confirm one transaction at
    the same instant, three rounds: one payment per transaction, whoever wins.

    The race is made to happen: the test holds the transaction's row until at least four of them
    wait on it (seen in pg_locks), then lets them all go at once."""
    customer = system.customers[CONFIRMATION_RACE]
    before = system.snapshot()
    total = Decimal(0)
    observer = psycopg2.connect(dbname=system.db)
    observer.autocommit = True
    try:
        for amount in amounts(3, "151.20", "77.77"):
            client = system.client(CONFIRMATION_RACE)
            second_tab = client.__class__(system.url, system.stats, session=client.session)
            gate = psycopg2.connect(dbname=system.db)
            try:
                # The cron worker (triggered by the Demo confirmation) must not post-process the
                # transaction before the contenders are lined up.
                with hold_post_process_cron(system):
                    tx = start_payment(client, amount)
                    [(tx_id, processed)] = sql(
                        gate,
                        "SELECT id, is_post_processed FROM payment_transaction"
                        " WHERE reference = %s FOR UPDATE",
                        [tx["reference"]],
                    )
                assert not processed
                contenders = [
                    client.poll,
                    second_tab.poll,
                    partial(client.simulate, tx["reference"]),
                    system.run_cron,
                    partial(
                        system.staff.call, "payment.transaction", "action_post_process", [tx_id]
                    ),
                ]
                with ThreadPoolExecutor(max_workers=len(contenders)) as pool:
                    futures = [pool.submit(contender) for contender in contenders]
                    try:
                        # Four at least: the two polls, the cron and the click post-process (the
                        # notification finds the transaction done already and may not wait; the
                        # cron worker may join them).
                        waiting = wait_for(
                            "four confirmations waiting on the same transaction",
                            partial(_at_least_waiting, observer, gate, 4),
                            RACE_WITHIN,
                        )
                    finally:
                        gate.rollback()
                    for future in futures:
                        future.result(timeout=240)
            finally:
                gate.close()
            assert len(waiting) >= 4, waiting
            _held(system, waiting)
            finish_payment(client)
            total += Decimal(amount)
            payments = system.staff.call(
                "account.payment", "search", [("payment_transaction_id", "=", tx_id)]
            )
            assert len(payments) == 1, (tx["reference"], payments)
    finally:
        observer.close()
    system.figures["payments_in_parallel"] += 3
    system.figures["payments_done"] += 3

    assert system.check(before, system.partner_ids(CONFIRMATION_RACE)) == []
    expected, _left = expected_residuals(before, customer["invoice_ids"], total)
    assert actual_residuals(system, customer["invoice_ids"]) == expected
    assert_clean_http(system)


def test_two_tabs_of_one_session_pay_at_once(system):
    """Two tabs share one session. Odoo's /payment/status follows the session's latest
    transaction only, so both tabs' polls report the same one; the other is confirmed by the
    post-processing cron. Policy: both payments are taken and applied exactly once, in order."""
    customer = system.customers[TWO_TABS]
    before = system.snapshot()
    tab_one = system.client(TWO_TABS)
    tab_two = tab_one.__class__(system.url, system.stats, session=tab_one.session)
    payments = ["140.00", "95.55"]
    txs, results = _run_payments(system, list(zip((tab_one, tab_two), payments, strict=True)))
    references = {tx["reference"] for tx in txs}
    assert len(references) == 2
    # Both polls follow the transaction the session monitors last.
    assert results[0][0]["landing_route"] == results[1][0]["landing_route"]

    system.run_cron()
    assert system.check(before, system.partner_ids(TWO_TABS)) == []
    tx_ids = system.staff.call(
        "payment.transaction", "search", [("reference", "in", sorted(references))]
    )
    for tx in system.staff.call("payment.transaction", "read", tx_ids, ["state", "payment_id"]):
        assert tx["state"] == "done" and tx["payment_id"], tx
        # Each tab can open its own confirmation page.
        page = tab_one.get(f"/my/payment/confirmation?tx_id={tx['id']}")
        assert page.status_code == 200
    expected, _left = expected_residuals(
        before, customer["invoice_ids"], sum(Decimal(p) for p in payments)
    )
    assert actual_residuals(system, customer["invoice_ids"]) == expected
    assert_clean_http(system)


def _staff_registers_payment(system, partner_id, amount):
    """An accountant registers a cheque in the backend and posts it; return its receivable line."""
    staff = system.staff
    payment_id = staff.call(
        "account.payment",
        "create",
        {
            "payment_type": "inbound",
            "partner_type": "customer",
            "partner_id": partner_id,
            "amount": float(amount),
            "journal_id": system.seed["bank_journal_id"],
            "memo": "Cheque received at the office",
        },
    )
    staff.call("account.payment", "action_post", [payment_id])
    move_id = staff.call("account.payment", "read", [payment_id], ["move_id"])[0]["move_id"][0]
    payment_line = staff.call(
        "account.move.line",
        "search",
        [("move_id", "=", move_id), ("account_id.account_type", "=", "asset_receivable")],
    )
    return payment_id, payment_line


def _staff_matches_oldest_first(system, partner_id, payment_line, outcome):
    """What the accountant does next: match the payment with the customer's oldest open
    invoice, then the next, until the payment is used up."""
    staff = system.staff
    for _attempt in range(10):
        line = staff.call("account.move.line", "read", payment_line, ["amount_residual"])[0]
        if not line["amount_residual"]:
            return
        oldest = staff.call(
            "account.move.line",
            "search",
            [
                ("partner_id", "=", partner_id),
                ("move_id.move_type", "=", "out_invoice"),
                ("parent_state", "=", "posted"),
                ("account_id.account_type", "=", "asset_receivable"),
                ("reconciled", "=", False),
            ],
            order="date_maturity, id",
            limit=1,
        )
        try:
            staff.call("account.move.line", "reconcile", payment_line + oldest)
        except RpcError as error:
            # A portal payment paid that invoice between the accountant's look and click: Odoo
            # refuses to reconcile it again; the accountant refreshes and takes the next one.
            if "already reconciled" not in error.message:
                raise
            outcome["refused"] = outcome.get("refused", 0) + 1
    raise AssertionError("the manual payment was not matched in 10 attempts")


def test_staff_manual_payment_while_portal_payments_land(system):
    """The race is made to happen: the test holds the customer's invoice lines (a row lock), so
    the portal booking whose turn it is and the accountant's match stop on them at the same time,
    which the test sees in pg_locks, while the customer's other portal payments wait for their
    turn (one customer's payments are booked one at a time); then it lets them all go at once."""
    customer = system.customers[STAFF]
    before = system.snapshot()
    # Three portal payments and the accountant: one request per HTTP worker (the server has 4),
    # so all of them can wait at once.
    payments = amounts(3, "64.10", "12.34")
    manual = Decimal("175.25")
    clients = system.clients([STAFF] * len(payments))
    payment_id, payment_line = _staff_registers_payment(system, customer["partner_id"], manual)
    gate = psycopg2.connect(dbname=system.db)
    observer = psycopg2.connect(dbname=system.db)
    observer.autocommit = True
    outcome = {}
    try:
        with hold_post_process_cron(system):
            txs = system.parallel(
                [partial(start_payment, c, a) for c, a in zip(clients, payments, strict=True)]
            )
            sql(
                gate,
                "SELECT id FROM account_move_line WHERE id IN %s FOR UPDATE",
                [tuple(line for line in _open_invoice_lines(system, customer))],
            )
            with ThreadPoolExecutor(max_workers=len(clients) + 1) as pool:
                futures = [pool.submit(finish_payment, client) for client in clients]
                futures.append(
                    pool.submit(
                        _staff_matches_oldest_first,
                        system,
                        customer["partner_id"],
                        payment_line,
                        outcome,
                    )
                )
                try:
                    waiting = wait_for(
                        "a portal booking and the accountant waiting on the same invoices",
                        lambda: _all_waiting(observer, gate, 2),
                        RACE_WITHIN,
                    )
                finally:
                    gate.rollback()  # the race starts, or the test fails without hanging
                for future in futures:
                    future.result(timeout=240)
    finally:
        gate.rollback()
        gate.close()
        observer.close()
    assert len(waiting) == 2
    _held(system, waiting)
    system.figures["payments_in_parallel"] += len(txs) + 1
    system.figures["payments_done"] += len(txs) + 1

    system.run_cron()
    assert system.check(before, system.partner_ids(STAFF)) == []
    residual = system.staff.call(
        "account.move.line",
        "search_read",
        [
            ("payment_id", "=", payment_id),
            ("account_id.account_type", "=", "asset_receivable"),
        ],
        ["amount_residual"],
    )
    assert residual[0]["amount_residual"] == 0, "the manual payment was not fully matched"
    total = manual + sum(Decimal(p) for p in payments)
    expected, _left = expected_residuals(before, customer["invoice_ids"], total)
    assert actual_residuals(system, customer["invoice_ids"]) == expected
    assert_clean_http(system)


def _addon_const():
    """The addon's constants (the advisory lock keys), read from their one home without
    importing the addon (which needs Odoo)."""
    path = Path(__file__).parents[1] / "servicecore_portal_pay" / "const.py"
    spec = importlib.util.spec_from_file_location("servicecore_portal_pay_const", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_one_customers_payments_are_booked_in_the_order_they_came(system):
    """Payments of one customer confirmed one after the other while an earlier booking of the
    customer is still running wait for their turn in a queue, and are booked first come, first
    served: none of them keeps losing the turn to later ones (which made the slowest of a few
    simultaneous payments several bookings slower than the rest).

    The test holds the customer's booking turn itself (the lock a booking holds), lets four
    status polls line up behind it one by one (each seen waiting in pg_locks before the next is
    sent), then lets them go: the payments must be created in the order the polls came."""
    customer = system.customers[IN_TURN]
    before = system.snapshot()
    payments = amounts(4, "31.40", "5.05")
    clients = system.clients([IN_TURN] * len(payments))
    retries = system.stats.poll_retries
    gate = psycopg2.connect(dbname=system.db)
    observer = psycopg2.connect(dbname=system.db)
    observer.autocommit = True
    try:
        with hold_post_process_cron(system):
            txs = [start_payment(c, a) for c, a in zip(clients, payments, strict=True)]
            sql(
                gate,
                "SELECT pg_advisory_xact_lock(%s, %s)",
                [_addon_const().BOOKING_LOCK, customer["partner_id"]],
            )
            with ThreadPoolExecutor(max_workers=len(clients)) as pool:
                futures = []
                try:
                    for count, client in enumerate(clients, start=1):
                        futures.append(pool.submit(finish_payment, client))
                        wait_for(
                            f"{count} status poll(s) waiting for the customer's turn",
                            partial(_all_waiting, observer, gate, count),
                            LINE_UP_WITHIN,
                        )
                finally:
                    gate.rollback()
                results = [future.result(timeout=240) for future in futures]
    finally:
        gate.rollback()
        gate.close()
        observer.close()
    assert all(status["state"] == "done" for status, _landing in results)
    # None gave up waiting and came back last: the order below is the order they came in.
    assert system.stats.poll_retries == retries
    system.figures["payments_in_parallel"] += len(txs)
    system.figures["payments_done"] += len(txs)

    tx_ids = [
        system.staff.call("payment.transaction", "search", [("reference", "=", tx["reference"])])[0]
        for tx in txs
    ]
    booked = [
        tx["payment_id"][0]
        for tx in system.staff.call("payment.transaction", "read", tx_ids, ["payment_id"])
    ]
    assert booked == sorted(booked), "the payments were not booked in the order they came"
    assert system.check(before, system.partner_ids(IN_TURN)) == []
    expected, _left = expected_residuals(
        before, customer["invoice_ids"], sum(Decimal(p) for p in payments)
    )
    assert actual_residuals(system, customer["invoice_ids"]) == expected
    assert_clean_http(system)


def _held(system, waiting):
    figures = system.figures
    figures["requests_held_at_once"] = max(figures.get("requests_held_at_once", 0), len(waiting))


def _at_least_waiting(observer, gate, count):
    waiting = waiting_on(observer, gate.get_backend_pid())
    return waiting if len(waiting) >= count else None


def _all_waiting(observer, gate, count):
    waiting = waiting_on(observer, gate.get_backend_pid())
    return waiting if len(waiting) == count else None


def _open_invoice_lines(system, customer):
    return system.staff.call(
        "account.move.line",
        "search",
        [
            ("move_id", "in", customer["invoice_ids"]),
            ("account_id.account_type", "=", "asset_receivable"),
            ("reconciled", "=", False),
        ],
    )
