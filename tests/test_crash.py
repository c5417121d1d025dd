"""Property 5: a worker killed with SIGKILL in the middle of a payment leaves the database
consistent, and the payment is then completed exactly once, applied oldest first.

``test_worker_killed_inside_post_processing`` is deterministic: the test holds a row lock that
the post-processing needs, sees (pg_locks) the worker blocked there after it wrote the payment,
kills that worker and checks what PostgreSQL kept. ``test_worker_killed_during_payment_burst``
kills workers at whatever point of a burst of payments they are in, once per phase."""

import os
import signal
import threading
import time
from decimal import Decimal
from functools import partial

import psycopg2
import requests
from lxml import etree
from system_client import RpcError
from system_scenarios import (
    actual_residuals,
    amounts,
    assert_clean_http,
    expected_residuals,
    hold_post_process_cron,
    sql,
    start_payment,
    wait_for,
    waiting_on,
)

# Customers of the seed no other scenario pays for (test_concurrency.py uses 0 to 9); the
# deterministic test runs first and each test compares with its own snapshot.
LOCKED_PARTNER = 10
CRASH_PARTNERS = (10, 11)
# Every wait of these tests is bounded and fails on timeout.
BLOCKED_WITHIN = 60
RECOVERED_WITHIN = 90
PAYMENTS_PER_PARTNER = 4
KILLS_PER_PHASE = 1


def _retry(function, tries=5):
    """A customer whose page failed to load (the worker died) reloads it: the connection was
    lost, or the page came back empty (the worker was killed after sending its headers)."""
    for attempt in range(tries):
        try:
            return function()
        except (requests.RequestException, etree.ParserError):
            if attempt == tries - 1:
                raise
            time.sleep(0.5)
    return None


def _start(client, amount, stats):
    """Form, transaction and Demo confirmation; a lost connection is retried like a reload.
    Returns the reference, or None when the customer gave up before paying."""
    try:
        form = _retry(partial(client.open_form, amount))
        tx = _retry(partial(client.create_transaction, form))
        _retry(partial(client.simulate, tx["reference"]))
        return tx["reference"]
    except (requests.RequestException, etree.ParserError):
        stats.add("connection_errors")
        return None


def _finish(client):
    try:
        return _retry(client.poll)
    except (requests.RequestException, RpcError):
        # The customer closed the tab; the cron must finish the job.
        return None


def _killer(system, stop, kills, limit):
    """SIGKILL a worker that is serving a request right now, ``limit`` times."""
    deadline = time.monotonic() + 60
    while len(kills) < limit and not stop.is_set() and time.monotonic() < deadline:
        serving = system.server.workers_serving()
        if serving:
            victim = serving[0]
            os.kill(victim.pid, signal.SIGKILL)
            kills.append(victim.pid)
            time.sleep(0.5)
        else:
            time.sleep(0.02)


def _serving(system, count):
    """The HTTP workers serving a request right now, when there are ``count`` of them."""
    serving = system.server.workers_serving()
    return serving if len(serving) == count else None


def _server_is_up(system):
    try:
        return requests.get(f"{system.url}/web/login", timeout=10).status_code == 200
    except requests.RequestException:
        return False


def _kill_inside_post_processing(system, client, tx_id, customer):
    """Block the status poll of ``tx_id`` on a row lock inside the allocation, SIGKILL its
    worker there, release the lock; return once PostgreSQL ended the dead worker's session."""
    holder = psycopg2.connect(dbname=system.db)
    observer = psycopg2.connect(dbname=system.db)
    observer.autocommit = True
    try:
        # The rows the allocation locks: the customer's open receivable lines.
        locked = sql(
            holder,
            "SELECT l.id FROM account_move_line l JOIN account_account a ON a.id = l.account_id"
            " WHERE l.partner_id = %s AND a.account_type = 'asset_receivable'"
            " AND NOT l.reconciled AND l.parent_state = 'posted' ORDER BY l.id FOR UPDATE OF l",
            [customer["partner_id"]],
        )
        assert locked, "the customer has no open receivable line to lock"
        outcome = {}

        def poll():
            try:
                outcome["result"] = client.jsonrpc("/payment/status/poll", {"csrf_token": None})
            except requests.RequestException as error:  # the worker died under the request
                outcome["error"] = error

        poller = threading.Thread(target=poll)
        poller.start()
        [(backend, query)] = wait_for(
            "the status poll blocked on the test's lock",
            lambda: waiting_on(observer, holder.get_backend_pid()),
            BLOCKED_WITHIN,
        )
        # Blocked in the allocation's lock of the invoice lines, after it wrote the transaction
        # as post-processed (uncommitted: seen as the table lock its update took).
        assert "account_move_line" in query and "FOR UPDATE" in query, query
        # The only request in flight is the poll: the worker serving it is the one blocked (if
        # another one died, the blocked session would complete the payment, checked below).
        [worker] = wait_for("one HTTP worker serving", partial(_serving, system, 1), BLOCKED_WITHIN)
        assert sql(
            observer,
            "SELECT count(*) FROM pg_locks WHERE pid = %s AND mode = 'RowExclusiveLock'"
            " AND relation = 'payment_transaction'::regclass",
            [backend],
        ) == [(1,)]

        os.kill(worker.pid, signal.SIGKILL)
        system.figures["faults_injected"] += 1
        poller.join(timeout=BLOCKED_WITHIN)
        assert not poller.is_alive()
        assert "error" in outcome, f"the poll was answered: {outcome}"
        holder.rollback()  # PostgreSQL then finds the client gone and rolls its work back
        wait_for(
            "PostgreSQL ended the killed worker's session",
            lambda: not sql(observer, "SELECT 1 FROM pg_stat_activity WHERE pid = %s", [backend]),
            BLOCKED_WITHIN,
        )
        # Nothing of the killed post-processing was kept (the cron is held by the caller).
        assert sql(
            observer,
            "SELECT t.is_post_processed, t.payment_id, count(p.id) FROM payment_transaction t"
            " LEFT JOIN account_payment p ON p.payment_transaction_id = t.id"
            " WHERE t.id = %s GROUP BY t.id",
            [tx_id],
        ) == [(False, None, 0)]
    finally:
        holder.rollback()
        holder.close()
        observer.close()


def test_worker_killed_inside_post_processing(system):
    customer = system.customers[LOCKED_PARTNER]
    before = system.snapshot()
    client = system.client(LOCKED_PARTNER)
    amount = "123.45"
    with hold_post_process_cron(system):
        tx = start_payment(client, amount)
        [tx_id] = system.staff.call(
            "payment.transaction", "search", [("reference", "=", tx["reference"])]
        )
        _kill_inside_post_processing(system, client, tx_id, customer)
        assert actual_residuals(system, customer["invoice_ids"]) == {
            move_id: before[move_id][1] for move_id in customer["invoice_ids"]
        }, "the killed post-processing changed an invoice"

    # The customer's browser polls again (another worker): the payment completes, once.
    wait_for("the server answers again", lambda: _server_is_up(system), RECOVERED_WITHIN)
    status = client.poll(deadline=RECOVERED_WITHIN)
    assert status["state"] == "done"
    system.run_cron()
    payments = system.staff.call(
        "account.payment", "search_read", [("payment_transaction_id", "=", tx_id)], ["amount"]
    )
    assert [payment["amount"] for payment in payments] == [float(amount)]
    system.figures["payments_done"] += 1
    assert system.check(before, system.partner_ids(LOCKED_PARTNER), converged=True) == []
    expected, _left = expected_residuals(before, customer["invoice_ids"], Decimal(amount))
    assert actual_residuals(system, customer["invoice_ids"]) == expected
    assert_clean_http(system)


def test_worker_killed_during_payment_burst(system):
    contacts = [system.customers[index]["contact_id"] for index in CRASH_PARTNERS]
    before = system.snapshot()
    last_tx = max(
        system.staff.call("payment.transaction", "search", [], limit=1, order="id desc") or [0]
    )
    clients = system.clients([i for i in CRASH_PARTNERS for _n in range(PAYMENTS_PER_PARTNER)])
    payments = [
        amount
        for index in CRASH_PARTNERS
        for amount in amounts(PAYMENTS_PER_PARTNER, f"{40 + index}.13", "9.91")
    ]
    jobs = list(zip(clients, payments, strict=True))

    kills = []
    for phase in ("start", "finish"):
        already = len(kills)
        stop = threading.Event()
        killer = threading.Thread(
            target=_killer, args=(system, stop, kills, len(kills) + KILLS_PER_PHASE)
        )
        killer.start()
        try:
            if phase == "start":
                system.parallel([partial(_start, c, a, system.stats) for c, a in jobs])
            else:
                system.parallel([partial(_finish, c) for c, _a in jobs])
        finally:
            stop.set()
            killer.join(timeout=70)
        assert len(kills) - already == KILLS_PER_PHASE, f"no worker killed in the {phase} phase"
    system.figures["faults_injected"] += len(kills)
    system.figures["payments_in_parallel"] += len(jobs)

    # The master replaces the killed workers; the server answers again.
    wait_for("the server answers again", lambda: _server_is_up(system), RECOVERED_WITHIN)
    system.run_cron()
    assert system.check(before, system.partner_ids(*CRASH_PARTNERS), converged=True) == []

    txs = system.staff.call(
        "payment.transaction",
        "search_read",
        [("id", ">", last_tx), ("partner_id", "in", contacts)],
        ["state", "amount", "payment_id", "partner_id"],
    )
    done = [tx for tx in txs if tx["state"] == "done"]
    system.figures["payments_done"] += len(done)
    assert done, "no payment survived the crashes"
    assert all(tx["payment_id"] for tx in done)
    for index, contact in zip(CRASH_PARTNERS, contacts, strict=True):
        total = sum(Decimal(str(tx["amount"])) for tx in done if tx["partner_id"][0] == contact)
        invoice_ids = system.customers[index]["invoice_ids"]
        expected, _left = expected_residuals(before, invoice_ids, total)
        assert actual_residuals(system, invoice_ids) == expected
    assert_clean_http(system)
