"""Building blocks shared by the scenarios: phased payments and expected residuals."""

from decimal import Decimal

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
