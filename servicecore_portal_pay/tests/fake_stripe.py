"""A stand-in for Stripe's HTTP API and webhook deliveries, for the Stripe tests.

It answers at the transport: Odoo's test cases route every outbound `requests` call through
`BaseCase._request_handler` (and block the ones nobody answers), so overriding that one hook
replaces `api.stripe.com` while everything of Odoo runs for real: `payment`'s
`_send_api_request`, `payment_stripe`'s URL, headers (authorization, Idempotency-Key) and error
parsing, and this addon's overrides. Odoo's own payment_stripe tests patch one level higher
(`PaymentProvider._send_api_request`), which would skip exactly the code that faults exercise.

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


class FakeStripe:
    """Stripe's API for one test: records calls, keeps PaymentIntents, injects faults."""

    def __init__(self):
        self.calls = []
        self.intents = {}
        self.faults = []
        self._saved = {}  # Idempotency-Key -> (params, status, body), like Stripe keeps them
        self.decline = None
        self._ids = itertools.count(1)

    # --- what tests use ---

    def calls_to(self, method, path):
        return [call for call in self.calls if call.method == method and call.path == path]

    def fail_next(self, kind, path="payment_intents", times=1):
        """Make the next ``times`` requests to ``path`` fail.

        ``timeout``, ``connection``, ``5xx`` (an HTML outage page), ``non_json`` (an HTML page
        with status 200), or ``lost_response``: Stripe executes the request, the answer is lost
        (a read timeout).
        """
        assert kind in ("timeout", "connection", "5xx", "non_json", "lost_response"), kind
        self.faults.extend([(path, kind)] * times)

    def decline_next(self, message):
        """Make the next confirmation of a PaymentIntent (saved card) fail with ``message``."""
        self.decline = message

    def settle(self, intent_id, status="succeeded", error_message=None):
        """What Stripe.js and the card network do: move a PaymentIntent to ``status``."""
        intent = self.intents[intent_id]
        intent["status"] = status
        intent["payment_method"] = {
            "id": "pm_card_visa",
            "object": "payment_method",
            "type": "card",
            "card": {"brand": "visa", "last4": "4242"},
        }
        if status == "succeeded":
            intent["amount_received"] = intent["amount"]
            intent["last_payment_error"] = None
        if error_message is not None:
            intent["last_payment_error"] = {"code": "card_declined", "message": error_message}
        return copy.deepcopy(intent)

    def event(self, event_type, intent_id, **overrides):
        """The event Stripe posts to the webhook: the PaymentIntent as it is now, not expanded."""
        intent = copy.deepcopy(self.intents[intent_id])
        if isinstance(intent.get("payment_method"), dict):
            intent["payment_method"] = intent["payment_method"]["id"]
        intent.update(overrides)
        return {
            "id": f"evt_{next(self._ids):06d}",
            "object": "event",
            "api_version": "2019-05-16",
            "created": int(time.time()),
            "livemode": False,
            "type": event_type,
            "data": {"object": intent},
        }

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
            if fault != "lost_response":
                return self._fault(fault, prepared_request)

        key = call.idempotency_key
        if key and key in self._saved:
            saved_params, status, payload = self._saved[key]
            if saved_params != params:
                status, payload = (
                    400,
                    {
                        "error": {
                            "type": "idempotency_error",
                            "message": "Keys for idempotent requests can only be used with the "
                            "same parameters they were first used with.",
                        }
                    },
                )
            return self._response(prepared_request, status, payload)
        status, payload = self._route(call)
        if key and call.method == "POST":
            self._saved[key] = (params, status, copy.deepcopy(payload))
        if fault == "lost_response":
            return self._fault("timeout", prepared_request)
        return self._response(prepared_request, status, payload)

    def _route(self, call):
        if call.method == "POST" and call.path == "customers":
            return 200, {"id": f"cus_{next(self._ids):06d}", "object": "customer"}
        if call.method == "POST" and call.path == "payment_intents":
            intent_id = f"pi_{next(self._ids):06d}"
            self.intents[intent_id] = {
                "id": intent_id,
                "object": "payment_intent",
                "amount": int(call.params["amount"]),
                "amount_received": 0,
                "currency": call.params["currency"],
                "description": call.params.get("description"),
                "customer": call.params.get("customer"),
                "status": "requires_payment_method",
                "client_secret": f"{intent_id}_secret_fake",
                "payment_method": call.params.get("payment_method"),
                "last_payment_error": None,
                "charges": {"data": []},
            }
            if call.params.get("confirm") in ("True", "true"):  # a saved card, charged at once
                return self._confirm(intent_id)
            return 200, copy.deepcopy(self.intents[intent_id])
        if call.method == "GET" and call.path.startswith("payment_intents/"):
            intent = self.intents.get(call.path.split("/", 1)[1])
            if intent:
                return 200, copy.deepcopy(intent)
        return 404, {
            "error": {
                "type": "invalid_request_error",
                "message": f"No such resource: {call.path}",
            }
        }

    def _confirm(self, intent_id):
        intent = self.intents[intent_id]
        if self.decline:
            message, self.decline = self.decline, None
            intent.update(
                status="requires_payment_method",
                last_payment_error={"code": "card_declined", "message": message},
            )
            return 402, {
                "error": {
                    "type": "card_error",
                    "code": "card_declined",
                    "message": message,
                    "payment_intent": copy.deepcopy(intent),
                }
            }
        intent["payment_method"] = {
            "id": intent.get("payment_method") or "pm_saved",
            "object": "payment_method",
            "type": "card",
            "card": {"brand": "visa", "last4": "4242"},
        }
        intent.update(status="succeeded", amount_received=intent["amount"])
        return 200, copy.deepcopy(intent)

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
            raise requests.exceptions.ReadTimeout("Read timed out. (read timeout=10)")
        if kind == "connection":
            raise requests.exceptions.ConnectionError("Connection reset by peer")
        page = b"<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>"
        status = 503 if kind == "5xx" else 200
        return self._response(prepared_request, status, page, content_type="text/html")


def sign(payload, secret, timestamp=None):
    """The ``Stripe-Signature`` header Stripe sends with ``payload`` (bytes)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return f"t={timestamp},v1={signature(payload, secret, timestamp)}"


def signature(payload, secret, timestamp):
    signed = f"{timestamp}.".encode() + payload
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
