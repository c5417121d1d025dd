"""Building blocks shared by the scenarios: phased payments and expected residuals."""

import contextlib
import time
from decimal import Decimal

import psycopg2
from system_invariants import money


def start_payment(client, amount, **page):
    """Open the page for ``amount``, create the transaction and confirm it with the Demo
    provider, stopping before the status poll (so many polls can then race).

    :param page: ``line_ids`` and ``currency_id`` of the page (see ``PortalClient.open_form``);
                 the form's transaction route then carries them
    """
    form = client.open_form(amount, **page)
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


def expected_lines(lines, payments):
    """Residual of each receivable line (``Invariants.receivable_lines``, oldest first) once
    the open credits and then ``payments`` are applied, by the rule of the Make a Payment page:

    - each credit (credit note, unapplied payment), oldest first, pays the oldest owed lines of
      its own receivable account (blocked invoices are never paid);
    - a payment that chose lines pays those only, oldest first among them; any other pays the
      oldest owed lines of any receivable account.

    ``payments``: ``[(amount, chosen line ids or None)]``. Chosen payments are applied first: the
    other payments of a scenario never reach the lines chosen while they are on their way, so
    the end state is the same whatever the order in which the server books them (the scenario's
    amounts keep it so). Returns ``({line id: residual}, money left over)``.
    """
    left = {line["id"]: line["residual"] for line in lines}
    owed = [line for line in lines if line["residual"] > 0 and not line["blocked"]]

    def apply(amount, targets):
        remaining = money(amount)
        for line in targets:
            taken = min(left[line["id"]], remaining)
            left[line["id"]] -= taken
            remaining -= taken
        return remaining

    for credit in (line for line in lines if line["residual"] < 0):
        same_account = [line for line in owed if line["account"] == credit["account"]]
        left[credit["id"]] = -apply(-credit["residual"], same_account)
    rest = Decimal(0)
    for amount, chosen in sorted(payments, key=lambda payment: payment[1] is None):
        rest += apply(amount, [line for line in owed if chosen is None or line["id"] in chosen])
    return left, rest


def actual_lines(system, partner_id, currency_id):
    lines = system.invariants.receivable_lines(partner_id, currency_id)
    return {line["id"]: line["residual"] for line in lines}


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
