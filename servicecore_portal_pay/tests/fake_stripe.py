"""A stand-in for Stripe's HTTP API and webhook deliveries, for the Stripe tests.

It answers at the transport: Odoo's test cases route every outbound `requests` call through
`BaseCase._request_handler` (and block the ones nobody answers), so overriding that one hook
replaces `api.stripe.com` while everything of Odoo runs for real: `payment`'s
`_send_api_request`, `payment_stripe`'s URL, headers (authorization, Idempotency-Key,
Stripe-Version) and error parsing, and this addon's overrides. Odoo's own payment_stripe tests
patch one level higher (`PaymentProvider._send_api_request`), which would skip exactly the code
that faults exercise.

What it does as Stripe documents it (API reference: Idempotent requests, Errors, Expanding
responses, PaymentIntents, PaymentMethods, Charges, Refunds, Events):

- **Idempotency**: the status and body of the first request made with a key are saved once the
  endpoint has begun executing, *whatever they are*, including ``500`` errors, and replayed
  for every later request with that key; a key reused with other parameters is a ``400``
  ``idempotency_error``; a key reused while its first request still runs is a ``409``
  ``idempotency_key_in_use``, not saved (nothing executed). A request that never reached the
  API (timeout before it, connection refused, an outage page from the edge) saves nothing.
- **Errors** are JSON ``{"error": {"type", "code", "message", ...}}``: ``card_error`` (402,
  with the PaymentIntent), ``invalid_request_error`` (400/404), ``api_error`` (500).
- **Objects**: PaymentIntents reference their PaymentMethod by id unless the request asks for
  ``expand[]=payment_method``; ``GET payment_methods/{id}`` returns it. PaymentIntents carry
  ``latest_charge`` and, for API versions before 2022-11-15 (payment_stripe pins 2019-05-16 in
  ``Stripe-Version`` and in the webhook endpoint it creates), the ``charges`` list.
- **Amounts** are in the currency's smallest unit; zero-decimal currencies (JPY) have none,
  and three-decimal ones (BHD, JOD, KWD, OMR, TND) must end in 0.
- **Confirming** a PaymentIntent from the browser (what Stripe.js posts for
  ``stripe.confirmPayment``: ``POST payment_intents/{id}/confirm`` with its ``client_secret``)
  with ``payment_method_data`` creates the PaymentMethod from it; its ``billing_details`` take
  only the keys of the PaymentMethods API (``name``, ``email``, ``phone``, ``address`` with
  ``line1``, ``line2``, ``city``, ``state``, ``postal_code``, ``country``), any other parameter
  is a ``400`` "Received unknown parameter". A PaymentMethod's ``billing_details`` lists every
  key, ``null`` when not given.
- **Cancelling** a PaymentIntent (``POST payment_intents/{id}/cancel``) is allowed in the
  statuses Stripe lists, and a cancelled or succeeded one takes no further card. A declined card
  is a failed Charge named in ``last_payment_error.charge``.
- **Events** have the envelope of the Events API (``id``, ``object``, ``api_version``,
  ``created``, ``data.object``, ``livemode``, ``pending_webhooks``, ``request``, ``type``), with
  the object rendered for the webhook endpoint's API version, payment methods not expanded.

Webhook deliveries are signed like Stripe signs them: HMAC-SHA256 of ``"<t>.<raw body>"``.
"""

import copy
import hashlib
import hmac
import itertools
import json
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

import requests

API_HOST = "api.stripe.com"
# The version payment_stripe sends in Stripe-Version and sets on the webhook endpoint it
# creates; PaymentIntents lost their ``charges`` list in 2022-11-15.
PINNED_API_VERSION = "2019-05-16"
CHARGES_REMOVED_IN = "2022-11-15"
# https://docs.stripe.com/currencies: zero-decimal, and three-decimal (amount a multiple of 10)
ZERO_DECIMAL = {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx"}
ZERO_DECIMAL |= {"vnd", "vuv", "xaf", "xof", "xpf"}
THREE_DECIMAL = {"bhd", "jod", "kwd", "omr", "tnd"}
# PaymentIntent statuses (API reference: Cancel a PaymentIntent).
CANCELABLE_STATUSES = (
    "requires_payment_method",
    "requires_capture",
    "requires_confirmation",
    "requires_action",
    "processing",
)
FINAL_STATUSES = ("succeeded", "canceled")
# PaymentMethods API: the billing_details hash.
BILLING_KEYS = ("name", "email", "phone")
ADDRESS_KEYS = ("line1", "line2", "city", "state", "postal_code", "country")


@dataclass
class Call:
    """One request Odoo sent to Stripe."""

    method: str
    path: str  # without the /v1/ prefix, e.g. "payment_intents"
    params: dict  # the form-encoded body (or query string), decoded
    headers: dict = field(repr=False)

    @property
    def idempotency_key(self):
        return self.headers.get("Idempotency-Key")

    @property
    def expand(self):
        return {value for key, value in self.params.items() if key.startswith("expand[")}


def _error(status, error_type, message, **extra):
    return status, {"error": {"type": error_type, "message": message, **extra}}


class FakeStripe:
    """Stripe's API for one test: records calls, keeps objects, injects faults."""

    def __init__(self, webhook_api_version=PINNED_API_VERSION):
        self.webhook_api_version = webhook_api_version
        self.calls = []
        self.intents = {}
        self.payment_methods = {}
        self.charges = {}
        self.faults = []
        self._saved = {}  # Idempotency-Key -> (params, status, body), like Stripe keeps them
        self._running = {}  # Idempotency-Key -> (params, status, body) still executing
        self.decline = None
        self.require_action = False
        self._ids = itertools.count(1)

    def _id(self, prefix):
        return f"{prefix}_{next(self._ids):06d}"

    # --- what tests use ---

    def calls_to(self, method, path):
        return [call for call in self.calls if call.method == method and call.path == path]

    def fail_next(self, kind, path="payment_intents", times=1):
        """Make the next ``times`` requests to ``path`` fail.

        Before the API: ``timeout`` (connect timeout), ``connection`` (refused), ``outage`` (an
        HTML 503 page from the edge), ``non_json`` (an HTML page with status 200 from a proxy):
        nothing executed, nothing saved. In the API: ``5xx`` (the endpoint fails with a JSON
        ``api_error`` 500, saved and replayed for its key like any answer), ``lost_response``
        (executed and saved, the answer lost: a read timeout), ``still_running`` (executing
        when the client gives up: a read timeout; the key is in use until `finish_running`).
        """
        kinds = ("timeout", "connection", "outage", "non_json", "5xx", "lost_response")
        assert kind in (*kinds, "still_running"), kind
        self.faults.extend([(path, kind)] * times)

    def finish_running(self):
        """The requests still running at Stripe complete: their answers are saved for replay."""
        self._saved.update(self._running)
        self._running.clear()

    def decline_next(self, message):
        """Make the next confirmation of a PaymentIntent (saved card) fail with ``message``."""
        self.decline = message

    def add_payment_method(
        self, customer=None, brand="visa", last4="4242", pm_id=None, billing_details=None
    ):
        """A card PaymentMethod, as Stripe.js creates it (attached to ``customer`` if given)."""
        pm_id = pm_id or self._id("pm")
        billing_details = billing_details or {}
        address = billing_details.get("address") or {}
        self.payment_methods[pm_id] = {
            "id": pm_id,
            "object": "payment_method",
            "type": "card",
            "billing_details": {
                **{key: billing_details.get(key) for key in BILLING_KEYS},
                "address": {key: address.get(key) for key in ADDRESS_KEYS},
            },
            "card": {
                "brand": brand,
                "last4": last4,
                "exp_month": 12,
                "exp_year": 2034,
                "country": "US",
                "funding": "credit",
            },
            "customer": customer,
            "livemode": False,
        }
        return pm_id

    def post_from_browser(self, path, params):
        """A request Stripe.js sends from the customer's browser (with the publishable key),
        through the same transport as Odoo's; returns ``(status, body)``."""
        prepared = requests.Request(
            "POST",
            f"https://{API_HOST}/v1/{path}",
            data=params,
            headers={"Authorization": "Bearer pk_test_portal_pay_fake"},
        ).prepare()
        response = self(prepared)
        return response.status_code, response.json()

    def settle(self, intent_id, status="succeeded", error_message=None, payment_method=None):
        """What Stripe.js and the card network do: move a PaymentIntent to ``status``.

        ``requires_action`` is a card asking for 3-D Secure; ``succeeded`` charges the card
        (a Charge is created); ``requires_payment_method`` with ``error_message`` is a decline.
        """
        intent = self.intents[intent_id]
        if intent["status"] in FINAL_STATUSES:
            # What Stripe.js gets for a cancelled (or completed) PaymentIntent: nothing changes.
            return _error(
                400,
                "invalid_request_error",
                f"This PaymentIntent's payment_method could not be updated because it has a "
                f"status of {intent['status']}.",
                code="payment_intent_unexpected_state",
            )[1]
        if payment_method is None:
            payment_method = intent.get("payment_method") or self.add_payment_method()
        if intent.get("setup_future_usage") and intent.get("customer"):
            self.payment_methods[payment_method]["customer"] = intent["customer"]
        intent.update(status=status, payment_method=payment_method, next_action=None)
        if status == "requires_action":
            intent["next_action"] = {
                "type": "use_stripe_sdk",
                "use_stripe_sdk": {"type": "three_d_secure_redirect"},
            }
        if status == "succeeded":
            self._charge(intent)
            intent["last_payment_error"] = None
        if error_message is not None:
            # Each declined card is a failed Charge of its own, named in the error.
            intent["last_payment_error"] = {
                "type": "card_error",
                "code": "card_declined",
                "message": error_message,
                "charge": self._id("ch"),
                "payment_method": copy.deepcopy(self.payment_methods[payment_method]),
            }
        return self._render(intent)

    def refund(self, intent_id, amount=None):
        """A refund of the PaymentIntent's charge (from Stripe's dashboard or API)."""
        intent = self.intents[intent_id]
        charge = self.charges[intent["latest_charge"]]
        amount = charge["amount"] - charge["amount_refunded"] if amount is None else amount
        refund = {
            "id": self._id("re"),
            "object": "refund",
            "amount": amount,
            "charge": charge["id"],
            "currency": charge["currency"],
            "payment_intent": intent_id,
            "status": "succeeded",
            "created": int(time.time()),
        }
        charge["refunds"]["data"].insert(0, refund)  # newest first, as Stripe lists them
        charge["refunds"]["total_count"] += 1
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount"]
        return copy.deepcopy(refund)

    def event(self, event_type, intent_id, **overrides):
        """The event Stripe posts to the webhook about a PaymentIntent, as it is now."""
        intent = self._render(self.intents[intent_id], version=self.webhook_api_version)
        intent.update(overrides)
        return self._event(event_type, intent)

    def charge_event(self, event_type, intent_id, **overrides):
        """The event Stripe posts about the PaymentIntent's charge (e.g. ``charge.refunded``)."""
        charge = copy.deepcopy(self.charges[self.intents[intent_id]["latest_charge"]])
        charge.update(overrides)
        return self._event(event_type, charge)

    def _event(self, event_type, stripe_object):
        return {
            "id": self._id("evt"),
            "object": "event",
            "api_version": self.webhook_api_version,
            "created": int(time.time()),
            "data": {"object": stripe_object},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": event_type,
        }

    # --- the objects ---

    def _charge(self, intent):
        charge_id = self._id("ch")
        payment_method = self.payment_methods[intent["payment_method"]]
        self.charges[charge_id] = {
            "id": charge_id,
            "object": "charge",
            "amount": intent["amount"],
            "amount_captured": intent["amount"],
            "amount_refunded": 0,
            "captured": True,
            "currency": intent["currency"],
            "customer": intent.get("customer"),
            "description": intent.get("description"),
            "paid": True,
            "payment_intent": intent["id"],
            "payment_method": payment_method["id"],
            "payment_method_details": {
                "type": "card",
                "card": copy.deepcopy(payment_method["card"]),
            },
            "refunded": False,
            "refunds": {"object": "list", "data": [], "has_more": False, "total_count": 0},
            "status": "succeeded",
        }
        intent.update(latest_charge=charge_id, amount_received=intent["amount"])

    def _render(self, intent, version=PINNED_API_VERSION, expand=()):
        """The PaymentIntent as the API shows it in ``version``, with ``expand`` applied."""
        rendered = copy.deepcopy(intent)
        if version < CHARGES_REMOVED_IN:
            charge = self.charges.get(intent.get("latest_charge"))
            rendered["charges"] = {
                "object": "list",
                "data": [copy.deepcopy(charge)] if charge else [],
                "has_more": False,
                "total_count": 1 if charge else 0,
            }
        if "payment_method" in expand and rendered.get("payment_method"):
            rendered["payment_method"] = copy.deepcopy(
                self.payment_methods[rendered["payment_method"]]
            )
        return rendered

    # --- the transport ---

    def __call__(self, prepared_request):
        url = urlsplit(prepared_request.url)
        path = url.path.removeprefix("/v1/")
        body = prepared_request.body or ""
        if isinstance(body, bytes):
            body = body.decode()
        params = dict(parse_qsl(url.query)) | dict(parse_qsl(body))
        call = Call(prepared_request.method, path, params, dict(prepared_request.headers))
        self.calls.append(call)

        fault = next((kind for fault_path, kind in self.faults if fault_path == path), None)
        if fault:
            self.faults.remove((path, fault))
            if fault in ("timeout", "connection", "outage", "non_json"):
                return self._fault(fault, prepared_request)

        key = call.idempotency_key if call.method == "POST" else None
        if key and (key in self._saved or key in self._running):
            if key in self._running:
                status, payload = _error(
                    409,
                    "invalid_request_error",
                    "There is currently another in-progress request using this Stripe "
                    "token (that probably means you clicked twice, and the other request is "
                    "still going through): please try again in a few seconds.",
                    code="idempotency_key_in_use",
                )
                return self._response(prepared_request, status, payload)
            saved_params, status, payload = self._saved[key]
            if saved_params != params:
                status, payload = _error(
                    400,
                    "idempotency_error",
                    "Keys for idempotent requests can only be used with the same parameters "
                    "they were first used with.",
                )
            return self._response(prepared_request, status, copy.deepcopy(payload))
        if fault == "5xx":
            status, payload = _error(
                500, "api_error", "An unknown error occurred while processing the request."
            )
        else:
            status, payload = self._route(call)
        if key:
            saved = (params, status, copy.deepcopy(payload))
            if fault == "still_running":
                self._running[key] = saved
            else:
                self._saved[key] = saved
        if fault in ("lost_response", "still_running"):
            return self._fault("read_timeout", prepared_request)
        return self._response(prepared_request, status, payload)

    def _route(self, call):
        method, path, params = call.method, call.path, call.params
        if method == "POST" and path == "customers":
            return 200, {"id": self._id("cus"), "object": "customer"}
        if method == "POST" and path.startswith("payment_intents"):
            return self._post_intent(call)
        if method == "GET" and path.startswith("payment_intents/"):
            intent = self.intents.get(path.split("/", 1)[1])
            if intent:
                return 200, self._render(intent, expand=call.expand)
        if method == "GET" and path.startswith("payment_methods/"):
            payment_method = self.payment_methods.get(path.split("/", 1)[1])
            if payment_method:
                return 200, copy.deepcopy(payment_method)
        if method == "GET" and path == "refunds":
            charge = self.charges.get(params.get("charge"))
            if charge:
                return 200, {"object": "list", "data": [], "has_more": False}
        return _error(
            404,
            "invalid_request_error",
            f"No such resource: '{path}'",
            code="resource_missing",
        )

    def _post_intent(self, call):
        """POST payment_intents (create) and payment_intents/{id}/cancel."""
        parts = call.path.split("/")
        if len(parts) == 1:
            return self._create_intent(call)
        if len(parts) == 3 and parts[2] == "cancel":
            return self._cancel(parts[1], call)
        if len(parts) == 3 and parts[2] == "confirm":
            return self._confirm_from_browser(parts[1], call)
        return _error(404, "invalid_request_error", f"No such resource: '{call.path}'")

    def _create_intent(self, call):
        params = call.params
        currency = params["currency"]
        amount = int(params["amount"])
        if currency in THREE_DECIMAL and amount % 10:
            return _error(
                400,
                "invalid_request_error",
                f"Invalid amount: {currency.upper()} amounts must be rounded to the nearest "
                "ten (the last digit must be 0).",
                param="amount",
                code="amount_invalid",
            )
        intent_id = self._id("pi")
        payment_method = params.get("payment_method")
        self.intents[intent_id] = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": amount,
            "amount_received": 0,
            "currency": currency,
            "description": params.get("description"),
            "customer": params.get("customer"),
            "status": "requires_payment_method",
            "client_secret": f"{intent_id}_secret_fake",
            "payment_method": payment_method,
            "setup_future_usage": params.get("setup_future_usage"),
            "last_payment_error": None,
            "latest_charge": None,
            "next_action": None,
        }
        if payment_method and payment_method not in self.payment_methods:
            self.add_payment_method(customer=params.get("customer"), pm_id=payment_method)
        if params.get("confirm") in ("True", "true"):  # a saved card, charged at once
            return self._confirm(intent_id, call)
        return 200, self._render(self.intents[intent_id], expand=call.expand)

    def _cancel(self, intent_id, call):
        """POST /v1/payment_intents/{id}/cancel: only before it succeeded or was cancelled."""
        intent = self.intents.get(intent_id)
        if not intent:
            return _error(
                404,
                "invalid_request_error",
                f"No such payment_intent: '{intent_id}'",
                code="resource_missing",
            )
        if intent["status"] not in CANCELABLE_STATUSES:
            return _error(
                400,
                "invalid_request_error",
                "You cannot cancel this PaymentIntent because it has a status of "
                f"{intent['status']}. Only a PaymentIntent with one of the following statuses "
                f"may be canceled: {', '.join(CANCELABLE_STATUSES)}.",
                code="payment_intent_unexpected_state",
            )
        intent.update(
            status="canceled",
            canceled_at=int(time.time()),
            cancellation_reason=call.params.get("cancellation_reason"),
            next_action=None,
        )
        return 200, self._render(intent, expand=call.expand)

    def _confirm_from_browser(self, intent_id, call):
        """POST /v1/payment_intents/{id}/confirm from Stripe.js: the client secret proves the
        PaymentIntent, ``payment_method_data`` becomes its new PaymentMethod."""
        intent = self.intents.get(intent_id)
        if not intent or call.params.get("client_secret") != intent["client_secret"]:
            return _error(
                404,
                "invalid_request_error",
                f"No such payment_intent: '{intent_id}'",
                code="resource_missing",
            )
        prefix = "payment_method_data[billing_details]"
        billing_details, allowed = {}, {"client_secret", "return_url", "payment_method_data[type]"}
        allowed |= {f"{prefix}[{key}]" for key in BILLING_KEYS}
        allowed |= {f"{prefix}[address][{key}]" for key in ADDRESS_KEYS}
        for key, value in call.params.items():
            if key not in allowed:
                return _error(
                    400,
                    "invalid_request_error",
                    f"Received unknown parameter: {key}",
                    param=key,
                    code="parameter_unknown",
                )
            if key.startswith(f"{prefix}[address]"):
                billing_details.setdefault("address", {})[key.rsplit("[", 1)[1][:-1]] = value
            elif key.startswith(prefix):
                billing_details[key.rsplit("[", 1)[1][:-1]] = value
        if call.params.get("payment_method_data[type]") != "card":
            return _error(
                400,
                "invalid_request_error",
                "Missing required param: payment_method_data[type].",
                param="payment_method_data[type]",
                code="parameter_missing",
            )
        intent["payment_method"] = self.add_payment_method(billing_details=billing_details)
        return self._confirm(intent_id, call)

    def _confirm(self, intent_id, call):
        intent = self.intents[intent_id]
        if self.decline:
            message, self.decline = self.decline, None
            self.settle(intent_id, "requires_payment_method", error_message=message)
            return _error(
                402,
                "card_error",
                message,
                code="card_declined",
                payment_intent=self._render(intent),
            )
        self.settle(intent_id, "succeeded")
        return 200, self._render(intent, expand=call.expand)

    @staticmethod
    def _response(prepared_request, status, payload, content_type="application/json"):
        response = requests.Response()
        response.status_code = status
        response._content = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        response.headers["Content-Type"] = content_type
        response.encoding = "utf-8"
        response.url = prepared_request.url
        response.request = prepared_request
        return response

    def _fault(self, kind, prepared_request):
        if kind == "timeout":
            raise requests.exceptions.ConnectTimeout("Connection timed out. (connect timeout=10)")
        if kind == "read_timeout":
            raise requests.exceptions.ReadTimeout("Read timed out. (read timeout=10)")
        if kind == "connection":
            raise requests.exceptions.ConnectionError("Connection refused")
        page = b"<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>"
        status = 503 if kind == "outage" else 200
        return self._response(prepared_request, status, page, content_type="text/html")


def sign(payload, secret, timestamp=None):
    """The ``Stripe-Signature`` header Stripe sends with ``payload`` (bytes)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return f"t={timestamp},v1={signature(payload, secret, timestamp)}"


def signature(payload, secret, timestamp):
    signed = f"{timestamp}.".encode() + payload
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
