"""Property 5: a worker killed with SIGKILL in the middle of payments leaves the database
consistent, and after a post-processing cron run every confirmed transaction has exactly one
payment, applied oldest first."""

import os
import signal
import threading
import time
from decimal import Decimal
from functools import partial

import requests
from system_client import RpcError
from system_scenarios import actual_residuals, amounts, assert_clean_http, expected_residuals

CRASH_PARTNERS = (10, 11)
PAYMENTS_PER_PARTNER = 4
KILLS_PER_PHASE = 1


def _retry(function, tries=5):
    """A customer whose page failed to load (the worker died) reloads it."""
    for attempt in range(tries):
        try:
            return function()
        except requests.RequestException:
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
    except requests.RequestException:
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
    system.figures["faults_injected"] += len(kills)
    system.figures["payments_in_parallel"] += len(jobs)
    assert kills, "no worker was caught serving a request"

    # The master replaces the killed workers; the server answers again.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{system.url}/web/login", timeout=10).status_code == 200:
                break
        except requests.RequestException:
            time.sleep(0.5)
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
