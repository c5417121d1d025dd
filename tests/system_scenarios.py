"""Building blocks shared by the scenarios: phased payments and expected residuals."""

import contextlib
import time
from decimal import Decimal

import psycopg2
from system_invariants import money


def start_payment(client, amount):
    """Open the page for ``amount``, create the transaction and confirm it with the Demo
    provider, stopping before the status poll (so many polls can then race)."""
    form = client.open_form(amount)
    tx = client.create_transaction(form)
    client.simulate(tx["reference"])
    return tx


def finish_payment(client):
    """Poll like /payment/status until post-processed, then open the landing page."""
    status = client.poll()
    landing = client.get(status["landing_route"])
    assert landing.status_code == 200, (landing.status_code, landing.text[:300])
    return status, landing


def expected_residuals(before, invoice_ids, total):
    """Residuals after ``total`` is applied oldest first to ``invoice_ids`` (in due order).

    Oldest-first allocations compose: paying a then b leaves what paying a + b leaves, so the
    end state of any interleaving of the scenario's payments is known in advance, to the cent.
    """
    remaining = money(total)
    expected = {}
    for move_id in invoice_ids:
        residual = before[move_id][1]
        applied = min(residual, remaining)
        expected[move_id] = residual - applied
        remaining -= applied
    return expected, remaining


def actual_residuals(system, invoice_ids):
    after = system.invariants.residuals()
    return {move_id: after[move_id][1] for move_id in invoice_ids}


def amounts(count, start, step):
    return [f"{Decimal(start) + Decimal(step) * k:.2f}" for k in range(count)]


def assert_clean_http(system):
    assert system.stats.five_xx() == [], "a 5xx reached the customer"
    assert system.stats.server_errors == [], "a JSON-RPC route failed with a server error"


# === LOCKS: make a race or a crash happen where the test wants it === #


def wait_for(what, condition, timeout):
    """Return ``condition()`` once it is truthy; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"{what}: not within {timeout} s"
        time.sleep(0.1)


def sql(conn, query, params=()):
    with conn.cursor() as cr:
        cr.execute(query, params)
        return cr.fetchall() if cr.description else None


def waiting_on(conn, holder_pid):
    """``(backend pid, query)`` of the sessions waiting for a lock of the session ``holder_pid``,
    directly or queued behind another waiter (PostgreSQL queues the waiters of a row lock)."""
    rows = sql(
        conn,
        "SELECT pid, query, pg_blocking_pids(pid) FROM pg_stat_activity"
        " WHERE datname = current_database() AND cardinality(pg_blocking_pids(pid)) > 0",
    )
    blocked, waiting = {holder_pid}, []
    while True:
        more = [(pid, query) for pid, query, by in rows if pid not in blocked and blocked & set(by)]
        if not more:
            return waiting
        blocked.update(pid for pid, _query in more)
        waiting += more


@contextlib.contextmanager
def hold_post_process_cron(system):
    """Keep the post-processing cron off (the Demo provider triggers it on every confirmation):
    its job row is held the way a running cron holds it, so the cron worker skips it."""
    conn = psycopg2.connect(dbname=system.db)
    try:
        sql(
            conn,
            "SELECT id FROM ir_cron WHERE id = %s FOR NO KEY UPDATE",
            [system.seed["cron_id"]],
        )
        yield
    finally:
        conn.rollback()
        conn.close()
