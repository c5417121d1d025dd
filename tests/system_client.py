"""A portal customer's browser, reduced to the HTTP calls the payment page makes.

One ``requests.Session`` per customer (or per browser): log in, open Make a Payment for an
amount, read Odoo's payment form, create the transaction (JSON-RPC, as payment_form.js does),
pay with the Demo provider, poll the status like /payment/status does, open the landing page.
Every HTTP status is recorded so the tests can assert that no 5xx ever reached the customer.
"""

import itertools
import re
import threading
import time

import requests
from lxml import html

# Errors a customer may legitimately get back from a JSON-RPC route: messages for people and
# access refusals. Anything else (KeyError, psycopg2 errors, ...) is a server error, a "500".
EXPECTED_ERRORS = {
    "odoo.exceptions.ValidationError",
    "odoo.exceptions.UserError",
    "odoo.exceptions.AccessError",
    "odoo.exceptions.AccessDenied",
    "odoo.http.SessionExpiredException",
    "werkzeug.exceptions.Forbidden",
    "werkzeug.exceptions.NotFound",
    "werkzeug.exceptions.BadRequest",
}
# /payment/status/poll answers this when the post-processing could not commit (a concurrent
# update): payment_post_processing.js retries the poll, and so does this client.
POLL_RETRY = "retry"

_ids = itertools.count(1)


class RpcError(Exception):
    def __init__(self, error):
        data = error.get("data") or {}
        super().__init__(data.get("message") or error.get("message"))
        self.name = data.get("name", "")
        self.message = data.get("message") or error.get("message") or ""
        self.error = error

    @property
    def is_server_error(self):
        return self.name not in EXPECTED_ERRORS and self.message != POLL_RETRY


class Stats:
    """HTTP figures shared by every client of a test session (thread-safe)."""

    def __init__(self):
        self._lock = threading.Lock()
        self.statuses = []  # (method, path, status)
        self.server_errors = []  # (path, error name, message) for JSON-RPC "500"s
        self.poll_retries = 0
        self.connection_errors = 0
        self.bad_inputs = 0

    def record(self, method, path, status):
        with self._lock:
            self.statuses.append((method, path, status))

    def add(self, attr, value=1):
        with self._lock:
            setattr(self, attr, getattr(self, attr) + value)

    def server_error(self, path, error):
        with self._lock:
            self.server_errors.append((path, error.name, error.message))

    def five_xx(self):
        with self._lock:
            return [s for s in self.statuses if s[2] >= 500]


class PortalClient:
    def __init__(self, base_url, stats, login=None, password=None, session=None):
        self.base_url = base_url
        self.stats = stats
        self.login_name = login
        self.password = password
        self.session = session or requests.Session()

    # === HTTP === #

    def request(self, method, path, **kwargs):
        kwargs.setdefault("timeout", 120)
        kwargs.setdefault("allow_redirects", False)
        response = self.session.request(method, f"{self.base_url}{path}", **kwargs)
        self.stats.record(method, path.split("?")[0], response.status_code)
        return response

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def jsonrpc_raw(self, path, params, **kwargs):
        payload = {"jsonrpc": "2.0", "method": "call", "id": next(_ids), "params": params}
        return self.request("POST", path, json=payload, **kwargs)

    def jsonrpc(self, path, params):
        """Call a JSON-RPC route; return its result or raise ``RpcError``."""
        response = self.jsonrpc_raw(path, params)
        assert response.status_code < 500, (path, response.status_code, response.text[:500])
        body = response.json()
        if "error" in body:
            error = RpcError(body["error"])
            if error.is_server_error:
                self.stats.server_error(path, error)
            raise error
        return body.get("result")

    # === FLOW === #

    def login(self):
        page = self.get("/web/login")
        token = csrf_token(page.text)
        response = self.request(
            "POST",
            "/web/login",
            data={"login": self.login_name, "password": self.password, "csrf_token": token},
        )
        assert response.status_code in (302, 303), (response.status_code, response.text[:300])
        assert "session_id" in self.session.cookies
        return self

    def open_form(self, amount, line_ids=(), currency_id=None):
        """GET /my/payment?amount=X and read the payment form it renders.

        :param line_ids: "Choose invoices": the ticked receivable lines (repeated ``line_ids``
                         parameters, as the page's checkboxes send them); ``amount`` None pays
                         them in full
        :param currency_id: another currency than the company's (the page's currency switcher)
        """
        params = {"line_ids": [str(line_id) for line_id in line_ids]}
        if amount is not None:
            params["amount"] = amount
        if currency_id:
            params["currency_id"] = currency_id
        response = self.get("/my/payment", params=params)
        assert response.status_code == 200, (response.status_code, response.text[:500])
        return PaymentForm(response.text)

    def create_transaction(self, form, **overrides):
        params = {
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
            **overrides,
        }
        return self.jsonrpc(form.transaction_route, params)

    def simulate(self, reference, state="done"):
        """What the Demo provider's inline form does (its 'webhook')."""
        return self.jsonrpc(
            "/payment/demo/simulate_payment",
            {"reference": reference, "payment_details": "4242", "simulated_state": state},
        )

    def poll(self, max_tries=40, deadline=90):
        """Poll /payment/status/poll until the transaction is post-processed, like the JS."""
        end = time.monotonic() + deadline
        for _attempt in range(max_tries):
            try:
                return self.jsonrpc("/payment/status/poll", {"csrf_token": None})
            except RpcError as error:
                if error.message != POLL_RETRY or time.monotonic() > end:
                    raise
                self.stats.add("poll_retries")
                time.sleep(0.3)
        raise AssertionError("the status poll never converged")

    def pay(self, amount, retry_connection=0):
        """The whole customer flow; return ``(tx processing values, poll result, landing)``."""
        form = self.open_form(amount)
        tx = self.create_transaction(form)
        self.simulate(tx["reference"])
        status = self.poll()
        assert status["state"] == "done", status
        landing = self.get(status["landing_route"])
        return tx, status, landing


class PaymentForm:
    """The attributes of Odoo's payment form (payment.form) the JS reads."""

    def __init__(self, text):
        self.text = text
        tree = html.fromstring(text)
        forms = tree.xpath("//form[@id='o_payment_form']")
        assert forms, "no payment form on the page"
        form = forms[0]
        self.amount = float(form.get("data-amount"))
        self.access_token = form.get("data-access-token")
        self.transaction_route = form.get("data-transaction-route")
        self.landing_route = form.get("data-landing-route")
        options = form.xpath(".//input[@data-payment-option-type='payment_method']")
        demo = [o for o in options if o.get("data-provider-code") == "demo"]
        assert demo, "the Demo provider is not offered"
        self.provider_id = int(demo[0].get("data-provider-id"))
        self.payment_method_id = int(demo[0].get("data-payment-option-id"))
        self.csrf_token = csrf_token(text)


def csrf_token(text):
    match = re.search(r'name="csrf_token"\s+value="([^"]+)"', text) or re.search(
        r'csrf_token:\s*"([^"]+)"', text
    )
    assert match, "no CSRF token on the page"
    return match.group(1)


class Staff:
    """Accounting staff through Odoo's external JSON-RPC API (/jsonrpc), as admin."""

    def __init__(self, base_url, db, login="admin", password="admin"):
        self.url, self.db, self.password = base_url, db, password
        self.uid = self._rpc("common", "login", db, login, password)
        assert self.uid, "admin login failed"

    def _rpc(self, service, method, *args):
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": next(_ids),
            "params": {"service": service, "method": method, "args": list(args)},
        }
        response = requests.post(f"{self.url}/jsonrpc", json=payload, timeout=120)
        assert response.status_code < 500, (response.status_code, response.text[:500])
        body = response.json()
        if "error" in body:
            raise RpcError(body["error"])
        return body.get("result")

    def call(self, model, method, *args, **kwargs):
        return self._rpc(
            "object",
            "execute_kw",
            self.db,
            self.uid,
            self.password,
            model,
            method,
            list(args),
            kwargs,
        )

    def run_post_process_cron(self, cron_id):
        """Run payment.cron_post_process_payment_tx now; when the cron worker is running it
        already (ir.cron refuses a second run), post-process the pending transactions directly."""
        try:
            self.call("ir.cron", "method_direct_trigger", [cron_id])
            return True
        except RpcError as error:
            if "already executing" not in error.message:
                raise
        ids = self.call("payment.transaction", "search", [("is_post_processed", "=", False)])
        if ids:
            self.call("payment.transaction", "action_post_process", ids)
        return False
