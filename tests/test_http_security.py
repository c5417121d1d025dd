"""Property 6 at the HTTP level: no cross-partner data, CSRF on the routes, and bad inputs
never give a server error (5xx, or a JSON-RPC error that is not a message for the customer)."""

import json

import pytest
import requests
from system_client import PaymentForm, PortalClient, RpcError
from system_scenarios import assert_clean_http, finish_payment, start_payment

ALICE, BOB = 12, 13

BAD_PAGE_AMOUNTS = [
    "1e308",
    "9" * 40,
    "9" * 5000,
    "١٢٣",  # Arabic-Indic digits
    "１２３",  # fullwidth digits
    "NaN",
    "Infinity",
    "-5",
    "0",
    "0.001",
    "1,00",
    "0x10",
    "+12",
    "12.34.56",
    "%00",
    "\x00",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
]

BAD_JSON_AMOUNTS = [
    [10],
    {"amount": 10},
    None,
    True,
    "",
    "1e3",
    1e308,
    10**30,
    -10,
    0,
    "١٢",
    "NaN",
    "10.001",
]

BAD_JSON_PARAMS = [
    {"provider_id": [1]},
    {"provider_id": {"id": 1}},
    {"provider_id": "6; DROP TABLE payment_transaction"},
    {"provider_id": 2**70},
    {"provider_id": -1},
    {"payment_method_id": ["x"]},
    {"payment_method_id": 10**12},
    {"flow": ["direct"]},
    {"flow": "evil"},
    {"flow": "token", "token_id": {"x": 1}},
    {"flow": "token", "token_id": 99999999},
    {"flow": "token", "token_id": None},
    {"access_token": ["a"]},
    {"access_token": {"a": 1}},
    {"access_token": "x" * 10000},
    {"is_validation": True},
    {"partner_id": 1},
    {"currency_id": 2},
    {"reference": "INV/2026/00001"},
    {"invoice_id": 1},
]

REQUIRED = ["provider_id", "payment_method_id", "amount", "flow", "access_token"]


@pytest.fixture(scope="module")
def alice_bob(system):
    alice, bob = system.client(ALICE), system.client(BOB)
    bob_tx = start_payment(bob, "50.00")
    bob_status, bob_landing = finish_payment(bob)
    system.figures["payments_done"] += 1
    bob_tx_id = int(bob_status["landing_route"].split("tx_id=")[1])
    return alice, bob, bob_tx, bob_tx_id, bob_landing


def _tx_count(system, index):
    contact = system.customers[index]["contact_id"]
    return system.staff.call("payment.transaction", "search_count", [("partner_id", "=", contact)])


def test_no_cross_partner_data(system, alice_bob):
    alice, _bob, bob_tx, bob_tx_id, bob_landing = alice_bob
    bob_invoices = system.customers[BOB]["invoice_names"]
    assert bob_tx["reference"] in bob_landing.text

    page = alice.get(f"/my/payment/confirmation?tx_id={bob_tx_id}")
    assert page.status_code == 404
    assert bob_tx["reference"] not in page.text
    for tx_id in ("abc", "-1", "0", "99999999", "", "1e9", f"{bob_tx_id}.0", "[1]"):
        page = alice.get("/my/payment/confirmation", params={"tx_id": tx_id})
        assert page.status_code == 404, (tx_id, page.status_code)
        system.stats.add("bad_inputs")

    # Alice's own pages never show Bob's invoices or payments.
    own = start_payment(alice, "30.00")
    status, landing = finish_payment(alice)
    system.figures["payments_done"] += 1
    for text in (alice.get("/my/payment").text, alice.open_form("12.00").text, landing.text):
        assert not any(name in text for name in bob_invoices)
        assert bob_tx["reference"] not in text
    assert own["reference"] in landing.text
    # The status poll only follows the session's own transaction.
    assert alice.poll()["landing_route"] == status["landing_route"]
    assert_clean_http(system)


def test_tokens_and_ids_of_another_partner_are_refused(system, alice_bob):
    alice, bob, _bob_tx, _bob_tx_id, _landing = alice_bob
    bob_form = bob.open_form("40.00")
    alice_form = alice.open_form("40.00")
    count = _tx_count(system, ALICE), _tx_count(system, BOB)
    with pytest.raises(RpcError) as error:
        # Bob's form (his token) posted with Alice's session.
        alice.create_transaction(bob_form)
    assert error.value.name == "odoo.exceptions.ValidationError"
    with pytest.raises(RpcError) as error:
        alice.create_transaction(alice_form, partner_id=system.customers[BOB]["contact_id"])
    assert error.value.name == "odoo.exceptions.ValidationError"
    assert (_tx_count(system, ALICE), _tx_count(system, BOB)) == count
    system.stats.add("bad_inputs", 2)
    assert_clean_http(system)


def test_csrf_and_session_are_enforced(system, alice_bob):
    alice = alice_bob[0]
    form = alice.open_form("25.00")
    params = {
        "provider_id": form.provider_id,
        "payment_method_id": form.payment_method_id,
        "amount": form.amount,
        "flow": "direct",
        "access_token": form.access_token,
    }
    count = _tx_count(system, ALICE)
    body = json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": params})
    evil = {"Origin": "https://evil.example", "Referer": "https://evil.example/pay"}
    # What a cross-site page can send without a CORS preflight: text/plain and form posts.
    for headers, data in (
        ({"Content-Type": "text/plain", **evil}, body),
        ({"Content-Type": "application/x-www-form-urlencoded", **evil}, params),
        ({"Content-Type": "multipart/form-data; boundary=x", **evil}, "--x--"),
    ):
        response = alice.request("POST", form.transaction_route, headers=headers, data=data)
        assert 400 <= response.status_code < 500, (headers, response.status_code)
        assert "Access-Control-Allow-Origin" not in response.headers
    # A JSON call with the customer's cookie from another origin gets no CORS grant either, so
    # the attacker's page can neither send it (preflight) nor read it.
    # (Sent from a script rather than a browser, it is the customer's own valid call: it creates
    # her transaction, the only one of this test.)
    response = alice.jsonrpc_raw(form.transaction_route, params, headers=evil)
    assert "Access-Control-Allow-Origin" not in response.headers
    assert response.status_code == 200, response.status_code
    legit = response.json()
    assert "error" not in legit, legit
    reference = legit["result"]["reference"]
    assert (
        system.staff.call("payment.transaction", "search_count", [("reference", "=", reference)])
        == 1
    )
    # Without the session: no transaction.
    anonymous = PortalClient(system.url, system.stats)
    with pytest.raises(RpcError) as error:
        anonymous.jsonrpc(form.transaction_route, params)
    assert error.value.name == "odoo.http.SessionExpiredException"
    # HTTP form posts check the CSRF token (the login form, without it).
    response = requests.post(
        f"{system.url}/web/login",
        data={"login": "admin", "password": "admin"},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 400
    # The only transaction created is the legitimate one of the JSON call above.
    assert _tx_count(system, ALICE) == count + 1
    system.stats.add("bad_inputs", 6)
    assert_clean_http(system)


def test_bad_amounts_on_the_page_never_fail(system, alice_bob):
    alice = alice_bob[0]
    for amount in BAD_PAGE_AMOUNTS:
        response = alice.get("/my/payment", params={"amount": amount})
        assert response.status_code in (200, 400), (amount, response.status_code)
        assert "o_payment_form" not in response.text, amount
        assert "<script>alert(1)</script>" not in response.text
        system.stats.add("bad_inputs")
    # Surrounding spaces (also non-breaking ones pasted from a document) are trimmed.
    for amount in (" 12 ", "12\u00a0", "\t12.00\n"):
        assert alice.open_form(amount).amount == 12.0
        system.stats.add("bad_inputs")
    # A repeated parameter: Odoo passes the first value to the route.
    response = alice.get("/my/payment?amount=10&amount=abc")
    assert response.status_code == 200, response.status_code
    assert PaymentForm(response.text).amount == 10.0
    system.stats.add("bad_inputs")
    assert_clean_http(system)


def _expect_refusal(system, client, params):
    try:
        client.jsonrpc("/my/payment/transaction", params)
    except RpcError as error:
        assert not error.is_server_error, (params, error.name, error.message)
    else:
        raise AssertionError(f"accepted: {params}")
    system.stats.add("bad_inputs")


def test_bad_transaction_parameters_never_fail(system, alice_bob):
    alice = alice_bob[0]
    form = alice.open_form("35.00")
    valid = {
        "provider_id": form.provider_id,
        "payment_method_id": form.payment_method_id,
        "token_id": None,
        "amount": form.amount,
        "flow": "direct",
        "tokenization_requested": False,
        "landing_route": form.landing_route,
        "is_validation": False,
        "access_token": form.access_token,
        "csrf_token": form.csrf_token,
    }
    count = _tx_count(system, ALICE)
    for amount in BAD_JSON_AMOUNTS:
        _expect_refusal(system, alice, {**valid, "amount": amount})
    # Python's JSON parser on the server reads these non-standard literals as floats.
    for literal in ("NaN", "Infinity", "-Infinity", "1e999"):
        body = json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": valid})
        body = body.replace(f'"amount": {form.amount}', f'"amount": {literal}')
        response = alice.request(
            "POST",
            "/my/payment/transaction",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        assert response.status_code < 500, (literal, response.status_code)
        error = RpcError(response.json()["error"])
        assert not error.is_server_error, (literal, error.name, error.message)
        system.stats.add("bad_inputs")
    for override in BAD_JSON_PARAMS:
        _expect_refusal(system, alice, {**valid, **override})
    for key in REQUIRED:
        _expect_refusal(system, alice, {k: v for k, v in valid.items() if k != key})
    _expect_refusal(system, alice, {})
    assert _tx_count(system, ALICE) == count, "a bad request created a transaction"

    # The landing route is the server's: a client-sent one is ignored (no open redirect).
    tx = alice.create_transaction(form, landing_route="https://evil.example/steal")
    alice.simulate(tx["reference"])
    status = alice.poll()
    assert status["landing_route"].startswith("/my/payment/confirmation?tx_id=")
    system.figures["payments_done"] += 1
    system.stats.add("bad_inputs")
    assert_clean_http(system)


def test_invariants_after_probes(system):
    assert system.check() == []
