"""Property 6, throttling under a burst: the payment attempt limits hold when many attempts arrive
at the same instant, on two servers behind a load balancer (requests alternating between them),
and one transaction confirmed on both servers at once still makes exactly one payment.

Each scenario has customers of its own (created here, over the external API) and, for the per-IP
limits, a client address of its own (X-Forwarded-For through the servers' proxy_mode), so the
attempts of one scenario never count in another. The limits are set for the scenario and lifted
again after it (the other scenarios pay many times from one address).
"""

import itertools
import threading
from functools import partial

import pytest
from system_client import RpcError
from system_scenarios import assert_clean_http

BURST = 15
LIMIT = 10
FAILURE_LIMIT = 5
MESSAGE = "Too many payment attempts. Please wait a few minutes before trying again."
NO_LIMITS = {
    "portal_pay_throttle_tx_user": 0,
    "portal_pay_throttle_tx_ip": 0,
    "portal_pay_throttle_failed_user": 0,
    "portal_pay_throttle_failed_ip": 0,
}
_names = itertools.count(1)


@pytest.fixture
def limits(system):
    """``limits(**values)`` sets the company's attempt limits for one scenario."""
    staff = system.staff
    company_id = staff.call("res.users", "read", [staff.uid], ["company_id"])[0]["company_id"][0]

    def set_limits(**values):
        staff.call("res.company", "write", [company_id], {**NO_LIMITS, **values})

    try:
        yield set_limits
    finally:
        staff.call("res.company", "write", [company_id], NO_LIMITS)


def _customer(system, contacts=1):
    """A new customer company with ``contacts`` contacts allowed to pay, each with a portal
    login, and an open invoice of 5,000: ``[(login, password, contact id)]``."""
    staff = system.staff
    tag = f"{next(_names):02d}-{threading.get_ident() % 10000}"
    company_id = staff.call(
        "res.partner", "create", {"name": f"Burst Customer {tag}", "is_company": True}
    )
    _model, portal_group = staff.call(
        "ir.model.data", "check_object_reference", "base", "group_portal"
    )
    logins = []
    for index in range(contacts):
        login = f"burst_{tag}_{index}"
        contact_id = staff.call(
            "res.partner",
            "create",
            {
                "name": f"Burst Payer {tag} {index}",
                "parent_id": company_id,
                "type": "contact",
                "email": f"{login}@burst.example.com",
                "portal_payment_enabled": True,
            },
        )
        staff.call(
            "res.users",
            "create",
            {
                "login": login,
                "password": f"{login}-pass",
                "partner_id": contact_id,
                "group_ids": [(6, 0, [portal_group])],
            },
        )
        logins.append((login, f"{login}-pass", contact_id))
    invoice_id = staff.call(
        "account.move",
        "create",
        {
            "move_type": "out_invoice",
            "partner_id": company_id,
            "invoice_line_ids": [
                (0, 0, {"name": "Burst service", "quantity": 1, "price_unit": 5000, "tax_ids": []})
            ],
        },
    )
    staff.call("account.move", "action_post", [invoice_id])
    return logins


def _burst(system, clients):
    """Every client opens its payment form, then all of them create their transaction at the
    same instant: ``(accepted references, refusal messages)``."""
    forms = system.parallel(
        [partial(client.open_form, f"{10 + n}.00") for n, client in enumerate(clients)], workers=6
    )
    barrier = threading.Barrier(len(clients), timeout=60)

    def attempt(client, form):
        barrier.wait()
        try:
            return "accepted", client.create_transaction(form)["reference"]
        except RpcError as error:
            return "refused", error.message

    outcomes = system.parallel(
        [partial(attempt, client, form) for client, form in zip(clients, forms, strict=True)]
    )
    accepted = [value for outcome, value in outcomes if outcome == "accepted"]
    refused = [value for outcome, value in outcomes if outcome == "refused"]
    return accepted, refused


def _transactions(system, contact_ids):
    return system.staff.call(
        "payment.transaction",
        "search_read",
        [("partner_id", "in", list(contact_ids)), ("portal_pay_account", "=", True)],
        ["reference", "portal_pay_ip", "state"],
    )


def _assert_exactly(system, accepted, refused, contact_ids, expected, *, ip=None):
    txs = _transactions(system, contact_ids)
    assert len(accepted) == expected, f"{len(accepted)} of {BURST} attempts accepted"
    assert refused == [MESSAGE] * (BURST - expected)
    assert sorted(tx["reference"] for tx in txs) == sorted(accepted), "a refusal created a tx"
    if ip:
        assert {tx["portal_pay_ip"] for tx in txs} == {ip}
    assert_clean_http(system)


def _browsers(balanced, logins, ip=None):
    """``BURST`` browsers shared out among ``logins``, every other one starting on the second
    server, so the burst lands on both."""
    return [balanced(*logins[n % len(logins)][:2], ip=ip, start=n % 2) for n in range(BURST)]


def _two_tabs(system, balanced):
    """A new customer's session in two browser tabs, one starting on each server:
    ``(tab_one, tab_two, contact id)``."""
    [(login, password, contact_id)] = _customer(system)
    tab_one = balanced(login, password, start=0)
    tab_two = balanced(login, password, start=1)
    tab_two.session = tab_one.session
    return tab_one, tab_two, contact_id


@pytest.mark.parametrize(
    ("limit", "case"),
    [
        ("portal_pay_throttle_tx_user", {"contacts": 1, "ip": None, "allowed": LIMIT}),
        ("portal_pay_throttle_tx_ip", {"contacts": 3, "ip": "198.51.100.21", "allowed": LIMIT}),
        # Attempts not confirmed yet count as failures until they succeed: a burst of attempts
        # can never exceed what the failure limits allow, however fast they come.
        ("portal_pay_throttle_failed_user", {"contacts": 1, "ip": None, "allowed": FAILURE_LIMIT}),
        (
            "portal_pay_throttle_failed_ip",
            {"contacts": 3, "ip": "198.51.100.22", "allowed": FAILURE_LIMIT},
        ),
    ],
    ids=["contact", "address", "contact_failures", "address_failures"],
)
def test_limit_holds_under_a_burst_on_two_servers(system, balanced, limits, limit, case):
    """15 attempts at the same instant, alternating between the two servers, from one contact
    (or from 3 contacts sharing one address): exactly as many transactions as the limit allows,
    a refusal message for each of the others, nothing created for them."""
    logins = _customer(system, contacts=case["contacts"])
    limits(**{limit: case["allowed"]})
    accepted, refused = _burst(system, _browsers(balanced, logins, ip=case["ip"]))
    contact_ids = [contact_id for _login, _password, contact_id in logins]
    _assert_exactly(system, accepted, refused, contact_ids, case["allowed"], ip=case["ip"])


def test_one_transaction_confirmed_on_both_servers_makes_one_payment(system, balanced):
    """Two tabs of one session poll the status at the same instant, one on each server, while
    the Demo provider's notification and both servers' post-processing run: one payment."""
    tab_one, tab_two, contact_id = _two_tabs(system, balanced)
    payments = []
    for amount in ("40.00", "41.50", "42.25"):
        form = tab_one.open_form(amount)
        tx = tab_one.create_transaction(form)
        tx_ids = system.staff.call(
            "payment.transaction", "search", [("reference", "=", tx["reference"])]
        )
        barrier = threading.Barrier(4, timeout=60)

        def at_once(function, barrier=barrier):
            barrier.wait()
            return function()

        system.parallel(
            [
                partial(at_once, tab_one.poll),
                partial(at_once, tab_two.poll),
                partial(at_once, partial(tab_one.simulate, tx["reference"])),
                partial(at_once, partial(tab_two.simulate, tx["reference"])),
            ]
        )
        # Both servers' post-processing of the confirmed transaction, at once.
        system.parallel([tab_one.poll, tab_two.poll])
        payments.append(
            system.staff.call(
                "account.payment", "search", [("payment_transaction_id", "in", tx_ids)]
            )
        )
    assert [len(found) for found in payments] == [1, 1, 1]
    txs = _transactions(system, [contact_id])
    assert {tx["state"] for tx in txs} == {"done"}
    assert system.check(converged=True) == []
    assert_clean_http(system)


def test_one_form_posted_twice_at_once_makes_one_transaction(system, balanced):
    """Property 7, one form, one transaction: a payment form posted twice at the same instant,
    once on each server (a double click behind a load balancer), creates one transaction, and
    both posts get its reference; a fresh page load still pays again."""
    tab_one, tab_two, contact_id = _two_tabs(system, balanced)
    references = []
    for amount in ("30.00", "30.00", "30.00"):
        form = tab_one.open_form(amount)
        barrier = threading.Barrier(2, timeout=60)

        def post(tab, form=form, barrier=barrier):
            barrier.wait()
            return tab.create_transaction(form)["reference"]

        first, second = system.parallel([partial(post, tab_one), partial(post, tab_two)])
        assert first == second, "one form made two transactions"
        references.append(first)
    assert len(set(references)) == 3, "a fresh page load must give a fresh form"
    txs = _transactions(system, [contact_id])
    assert sorted(tx["reference"] for tx in txs) == sorted(references)
    assert_clean_http(system)
