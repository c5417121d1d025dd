"""Throttling of Make a Payment against card testing (property 6): per contact, per client IP
address, payments started and payments failed, over real HTTP with the counts in the database."""

from itertools import count
from unittest.mock import patch
from urllib.parse import urlparse

import odoo
from odoo.exceptions import ValidationError
from odoo.tests import BaseCase, tagged
from odoo.tools import mute_logger

from odoo.addons.payment.tests.http_common import PaymentHttpCommon
from odoo.addons.servicecore_portal_pay import const, throttle
from odoo.addons.servicecore_portal_pay.tests.common import PortalPayCommon
from odoo.addons.servicecore_portal_pay.throttle import Counts, Limits

MESSAGE = "Too many payment attempts. Please wait a few minutes before trying again."
LOGGER = "odoo.addons.servicecore_portal_pay.controllers.payment"
LOCAL_IP = "127.0.0.1"  # where the test browser connects from
OTHER_IP = "203.0.113.7"  # documentation range (RFC 5737)

_references = count(1)


@tagged("post_install", "-at_install")
class TestThrottleRules(BaseCase):
    """The pure decision (throttle.py): which limit a new attempt breaks, from counts."""

    LIMITS = Limits(
        tx_user=10, tx_ip=30, tx_minutes=10, failed_user=5, failed_ip=5, failed_minutes=60
    )

    def test_under_every_limit_allowed(self):
        for counts in (Counts(0, 0, 0, 0), Counts(9, 29, 4, 4)):
            with self.subTest(counts=counts):
                self.assertIsNone(throttle.refusal(counts, self.LIMITS))

    def test_each_limit_refuses_once_reached(self):
        cases = {
            Counts(10, 0, 0, 0): "tx_user",
            Counts(0, 30, 0, 0): "tx_ip",
            Counts(0, 0, 5, 0): "failed_user",
            Counts(0, 0, 0, 5): "failed_ip",
            Counts(11, 31, 6, 6): "tx_user",  # the first limit reached is the one reported
            Counts(9, 30, 5, 0): "tx_ip",
        }
        for counts, expected in cases.items():
            with self.subTest(counts=counts):
                self.assertEqual(throttle.refusal(counts, self.LIMITS), expected)

    def test_zero_is_no_limit(self):
        limits = self.LIMITS._replace(tx_user=0, failed_ip=0)
        self.assertIsNone(throttle.refusal(Counts(1000, 0, 0, 1000), limits))
        self.assertEqual(throttle.refusal(Counts(1000, 30, 0, 1000), limits), "tx_ip")


@tagged("post_install", "-at_install")
class TestThrottle(PortalPayCommon, PaymentHttpCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._create_customer_invoice("500.00", due=cls._days(-10))
        cls._create_customer_invoice("400.00", due=cls._days(-5), partner=cls.other_customer)
        # Small limits keep each test short; the defaults are checked in their own test.
        cls.company.write(
            {
                "portal_pay_throttle_tx_user": 3,
                "portal_pay_throttle_tx_ip": 5,
                "portal_pay_throttle_tx_minutes": 10,
                "portal_pay_throttle_failed_user": 2,
                "portal_pay_throttle_failed_ip": 3,
                "portal_pay_throttle_failed_minutes": 60,
            }
        )

    # === HELPERS === #

    def _params(self, user, amount="50.00"):
        """Log in as ``user`` and read what its payment form sends for ``amount``; the same
        parameters start as many payments as they are posted."""
        self.authenticate(user.login, user.login)
        response = self.url_open(const.PAGE_ROUTE, params={"amount": amount})
        self.assertEqual(response.status_code, 200)
        context = self._get_payment_context(response)
        return {
            "provider_id": self.provider.id,
            "payment_method_id": self.payment_method_id,
            "token_id": None,
            "amount": context["amount"],
            "flow": "direct",
            "tokenization_requested": False,
            "landing_route": context["landing_route"],
            "is_validation": False,
            "access_token": context["access_token"],
        }

    def _rpc(self, params, ip=None):
        """POST the transaction route, from ``ip`` if given (behind a proxy, as in production:
        Odoo's `proxy_mode` takes the client address from X-Forwarded-For)."""
        payload = {"jsonrpc": "2.0", "method": "call", "id": 0, "params": params}
        if ip is None:
            response = self.url_open(const.TRANSACTION_ROUTE, json=payload)
        else:
            host = urlparse(self.base_url()).netloc
            headers = {"X-Forwarded-For": ip, "X-Forwarded-Host": host}
            with patch.dict(odoo.tools.config.options, {"proxy_mode": True}):
                response = self.url_open(const.TRANSACTION_ROUTE, json=payload, headers=headers)
        self.assertEqual(response.status_code, 200)
        return response.json()

    def _transactions(self):
        return self.env["payment.transaction"].sudo().search([("portal_pay_account", "=", True)])

    def assertAccepted(self, params, ip=None):
        result = self._rpc(params, ip=ip)
        self.assertIn("result", result, f"accepted expected, got {result}")
        return self._transactions().filtered(
            lambda tx: tx.reference == result["result"]["reference"]
        )

    def assertThrottled(self, params, partner, ip=LOCAL_IP, reason=None):
        before = self._transactions()
        with mute_logger("odoo.http"), self.assertLogs(LOGGER, "WARNING") as logs:
            result = self._rpc(params, ip=None if ip == LOCAL_IP else ip)
        self.assertIn("error", result, f"refused expected, got {result}")
        self.assertEqual(result["error"]["data"]["name"], "odoo.exceptions.ValidationError")
        self.assertEqual(result["error"]["data"]["message"], MESSAGE)
        self.assertEqual(self._transactions(), before, "nothing may be created")
        [line] = logs.output
        self.assertIn(f"partner {partner.id}, IP {ip}", line)
        if reason:
            self.assertIn(f"({reason})", line)

    def _past_attempt(self, partner, ip, state="draft", minutes_ago=0, **values):
        """An account payment started from the portal earlier, as the route records it."""
        tx = self._create_transaction(
            "direct",
            reference=f"THROTTLE-{next(_references)}",
            partner_id=partner.id,
            portal_pay_account=True,
            portal_pay_ip=ip,
            state=state,
            # A past attempt is over: a confirmed one was booked (its money is not on its way).
            is_post_processed=state != "draft",
            **values,
        )
        if minutes_ago:
            tx.flush_recordset()
            self.env.cr.execute(
                "UPDATE payment_transaction"
                "   SET create_date = create_date - make_interval(mins => %s) WHERE id = %s",
                [minutes_ago, tx.id],
            )
            tx.invalidate_recordset(["create_date"])
        return tx

    # === PAYMENTS STARTED === #

    def test_contact_limit(self):
        params = self._params(self.payer_user)
        txs = self.env["payment.transaction"]
        for _attempt in range(3):
            txs |= self.assertAccepted(params)
        self.assertEqual(len(txs), 3)
        self.assertEqual(txs.mapped("portal_pay_ip"), [LOCAL_IP] * 3)
        self.assertEqual(txs.partner_id, self.payer)
        self.assertThrottled(params, self.payer, reason="tx_user")
        # Other amounts and other invoices are the same contact: refused too.
        self.assertThrottled(self._params(self.payer_user, "12.34"), self.payer)

    def test_contact_limit_holds_across_addresses(self):
        params = self._params(self.payer_user)
        for ip in ("198.51.100.1", "198.51.100.2", "198.51.100.3"):
            tx = self.assertAccepted(params, ip=ip)
            self.assertEqual(tx.portal_pay_ip, ip)
        self.assertThrottled(params, self.payer, ip="198.51.100.4", reason="tx_user")

    def test_address_limit_across_contacts(self):
        # Five payments from the browser's address by another customer's contact...
        for _attempt in range(5):
            self._past_attempt(self.other_payer, LOCAL_IP)
        # ...and the payer, who has made none, is refused from that address...
        params = self._params(self.payer_user)
        self.assertThrottled(params, self.payer, reason="tx_ip")
        # ...but not from another one.
        self.assertAccepted(params, ip=OTHER_IP)

    def test_other_contact_on_other_address_unaffected(self):
        for _attempt in range(3):
            self._past_attempt(self.payer, LOCAL_IP)
        self.assertThrottled(self._params(self.payer_user), self.payer, reason="tx_user")
        other_params = self._params(self.other_payer_user)
        tx = self.assertAccepted(other_params, ip=OTHER_IP)
        self.assertEqual(tx.partner_id, self.other_payer)
        self.assertEqual(tx.portal_pay_ip, OTHER_IP)

    # === PAYMENTS FAILED === #

    def test_failed_payments_of_the_contact(self):
        self.company.portal_pay_throttle_tx_user = 10
        params = self._params(self.payer_user)
        self.assertAccepted(params).write({"state": "error"})
        self.assertAccepted(params)  # one failure: still allowed
        # A success is no failure; a cancelled payment is one, from wherever it came.
        self._past_attempt(self.payer, OTHER_IP, state="done")
        self._past_attempt(self.payer, OTHER_IP, state="cancel")
        counts = self.env["payment.transaction"]._portal_pay_attempt_counts(
            self.payer, LOCAL_IP, self.company._portal_pay_throttle_limits()
        )
        self.assertEqual(counts, Counts(tx_user=4, tx_ip=2, failed_user=2, failed_ip=1))
        self.assertThrottled(params, self.payer, reason="failed_user")

    def test_failed_payments_from_the_address(self):
        self.company.portal_pay_throttle_tx_ip = 30
        for partner in (self.other_payer, self.bystander, self.other_payer):
            self._past_attempt(partner, LOCAL_IP, state="error")
        params = self._params(self.payer_user)
        self.assertThrottled(params, self.payer, reason="failed_ip")
        self.assertAccepted(params, ip=OTHER_IP)

    # === THE WINDOWS SLIDE === #

    def test_old_attempts_leave_the_window(self):
        params = self._params(self.payer_user)
        # Payments started 11 minutes ago fall out of the 10-minute window...
        for _attempt in range(3):
            self._past_attempt(self.payer, LOCAL_IP, minutes_ago=11)
        # ...failures 61 minutes ago out of the hour...
        for _attempt in range(2):
            self._past_attempt(self.payer, LOCAL_IP, state="error", minutes_ago=61)
        self.assertAccepted(params)
        self.assertAccepted(params)
        # ...but one still inside the window counts.
        self._past_attempt(self.payer, LOCAL_IP, minutes_ago=9)
        self.assertThrottled(params, self.payer, reason="tx_user")
        # A failure 59 minutes ago is still in the hour (with another recent one: 2 failures).
        self.company.portal_pay_throttle_tx_user = 0
        self._past_attempt(self.payer, OTHER_IP, state="error", minutes_ago=59)
        self.assertAccepted(params)
        self._past_attempt(self.payer, OTHER_IP, state="cancel", minutes_ago=30)
        self.assertThrottled(params, self.payer, reason="failed_user")

    def test_captures_and_refunds_are_not_attempts(self):
        source = self._past_attempt(self.payer, LOCAL_IP, state="done")
        for _attempt in range(3):
            self._past_attempt(self.payer, False, state="done", source_transaction_id=source.id)
        self.assertAccepted(self._params(self.payer_user))

    # === SETTINGS === #

    def test_limits_are_company_settings(self):
        company = self.env["res.company"].create({"name": "Throttle Defaults Ltd"})
        self.assertEqual(
            company._portal_pay_throttle_limits(),
            Limits(
                tx_user=10, tx_ip=30, tx_minutes=10, failed_user=5, failed_ip=5, failed_minutes=60
            ),
        )
        settings = self.env["res.config.settings"].with_company(self.company).create({})
        self.assertEqual(settings.portal_pay_throttle_tx_user, 3)
        settings.portal_pay_throttle_tx_user = 1
        settings.execute()
        self.assertEqual(self.company.portal_pay_throttle_tx_user, 1)
        self.assertEqual(company.portal_pay_throttle_tx_user, 10, "per company")

        params = self._params(self.payer_user)
        self.assertAccepted(params)
        self.assertThrottled(params, self.payer, reason="tx_user")
        self.company.portal_pay_throttle_tx_user = 0  # no limit
        self.assertAccepted(params)

        for field in ("portal_pay_throttle_tx_user", "portal_pay_throttle_failed_ip"):
            with self.subTest(field=field), self.assertRaises(ValidationError):
                company.write({field: -1})
        for field in ("portal_pay_throttle_tx_minutes", "portal_pay_throttle_failed_minutes"):
            with self.subTest(field=field), self.assertRaises(ValidationError):
                company.write({field: 0})
