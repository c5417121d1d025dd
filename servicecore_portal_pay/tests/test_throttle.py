"""Throttling of Make a Payment against card testing (property 6): per contact, per client IP
address, payments started and payments failed or unconfirmed, over real HTTP with the counts in
the database. The bursts on several workers and servers are in the system tests
(tests/test_throttle_burst.py); HTTP tests here are served one request at a time."""

from itertools import count
from unittest.mock import patch
from urllib.parse import urlparse

import odoo
from odoo.exceptions import ValidationError
from odoo.tests import BaseCase, tagged
from odoo.tools import mute_logger

from odoo.addons.payment.tests.http_common import PaymentHttpCommon
from odoo.addons.servicecore_portal_pay import const
from odoo.addons.servicecore_portal_pay.models import portal_pay_attempt
from odoo.addons.servicecore_portal_pay.rules import throttle
from odoo.addons.servicecore_portal_pay.rules.throttle import Counts, Limits
from odoo.addons.servicecore_portal_pay.tests.common import PortalPayCommon, transaction_params

MESSAGE = "Too many payment attempts. Please wait a few minutes before trying again."
LOGGER = "odoo.addons.servicecore_portal_pay.models.portal_pay_attempt"
LOCAL_IP = "127.0.0.1"  # where the test browser connects from
OTHER_IP = "203.0.113.7"  # documentation range (RFC 5737)

# The defaults of a new company.
DEFAULTS = Limits(
    tx_user=10, tx_ip=30, tx_minutes=10, failed_user=5, failed_ip=5, failed_minutes=60, pdf_user=20
)

_references = count(1)


@tagged("post_install", "-at_install")
class TestThrottleRules(BaseCase):
    """The pure decisions (rules/throttle.py): which limit a new attempt breaks, from counts."""

    LIMITS = DEFAULTS

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
        self.assertFalse(throttle.pdf_refused(1000, limits._replace(pdf_user=0)))

    def test_unknown_address_lifts_the_per_ip_limits_only(self):
        limits = self.LIMITS.without_ip()
        self.assertFalse(limits.per_ip())
        self.assertTrue(limits.payments_limited())
        self.assertIsNone(throttle.refusal(Counts(0, 1000, 0, 1000), limits))
        self.assertEqual(throttle.refusal(Counts(10, 1000, 0, 1000), limits), "tx_user")
        none = Limits(0, 0, 10, 0, 0, 60, 20)
        self.assertFalse(none.payments_limited())

    def test_pdf_limit(self):
        self.assertFalse(throttle.pdf_refused(19, self.LIMITS))
        self.assertTrue(throttle.pdf_refused(20, self.LIMITS))

    def test_ignored_forwarding_headers(self):
        cases = [
            ({}, False, None),
            ({}, True, None),
            ({"X-Forwarded-For": "198.51.100.1"}, False, "X-Forwarded-For"),
            ({"X-Forwarded-For": "198.51.100.1"}, True, None),
            ({"Forwarded": "for=198.51.100.1"}, False, "Forwarded"),
            ({"X-Real-IP": "198.51.100.1"}, False, "X-Real-IP"),
            # proxy_mode applied X-Forwarded-Host but the address came in another header
            ({"X-Real-IP": "198.51.100.1"}, True, "X-Real-IP"),
            ({"X-Forwarded-For": ""}, False, None),
        ]
        for headers, applied, expected in cases:
            with self.subTest(headers=headers, applied=applied):
                self.assertEqual(throttle.ignored_forwarding_header(headers, applied), expected)


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
                "portal_pay_throttle_failed_user": 0,
                "portal_pay_throttle_failed_ip": 0,
                "portal_pay_throttle_failed_minutes": 60,
            }
        )

    # === HELPERS === #

    def _params(self, user, amount="50.00"):
        """What the payment form of ``user`` sends for ``amount``. A form pays once, so each
        post of these parameters (see `_rpc`) is a fresh page load: a new payment each time."""
        return {**self._form(user, amount), "_fresh_form": (user, amount)}

    def _form(self, user, amount):
        """Log in as ``user`` and read what its payment form sends for ``amount``."""
        self.authenticate(user.login, user.login)
        response = self.url_open(const.PAGE_ROUTE, params={"amount": amount})
        self.assertEqual(response.status_code, 200)
        context = self._get_payment_context(response)
        return transaction_params(context, self.provider.id, self.payment_method_id)

    def _rpc(self, params, ip=None, headers=None, proxy_mode=None):
        """POST the transaction route, from ``ip`` if given (behind a proxy, as in production:
        Odoo's `proxy_mode` takes the client address from X-Forwarded-For)."""
        if "_fresh_form" in params:
            params = self._form(*params["_fresh_form"])
        payload = {"jsonrpc": "2.0", "method": "call", "id": 0, "params": params}
        headers = dict(headers or {})
        if ip is not None:
            host = urlparse(self.base_url()).netloc
            headers.update({"X-Forwarded-For": ip, "X-Forwarded-Host": host})
            proxy_mode = True if proxy_mode is None else proxy_mode
        with patch.dict(odoo.tools.config.options, {"proxy_mode": bool(proxy_mode)}):
            response = self.url_open(const.TRANSACTION_ROUTE, json=payload, headers=headers)
        self.assertEqual(response.status_code, 200)
        return response.json()

    def _transactions(self):
        return self.env["payment.transaction"].sudo().search([("portal_pay_account", "=", True)])

    def assertAccepted(self, params, ip=None, **kwargs):
        result = self._rpc(params, ip=ip, **kwargs)
        self.assertIn("result", result, f"accepted expected, got {result}")
        return self._transactions().filtered(
            lambda tx: tx.reference == result["result"]["reference"]
        )

    def assertThrottled(self, params, partner, ip=LOCAL_IP, reason=None, logged_ip=None, **kwargs):
        before = self._transactions()
        with mute_logger("odoo.http"), self.assertLogs(LOGGER, "WARNING") as logs:
            result = self._rpc(params, ip=None if ip == LOCAL_IP else ip, **kwargs)
        self.assertIn("error", result, f"refused expected, got {result}")
        self.assertEqual(result["error"]["data"]["name"], "odoo.exceptions.ValidationError")
        self.assertEqual(result["error"]["data"]["message"], MESSAGE)
        self.assertEqual(self._transactions(), before, "nothing may be created")
        throttled = [line for line in logs.output if "throttled" in line]
        self.assertEqual(len(throttled), 1, logs.output)
        self.assertIn(f"partner {partner.id}, IP {logged_ip or ip}", throttled[0])
        if reason:
            self.assertIn(f"({reason})", throttled[0])
        return logs.output

    def _past_attempt(self, partner, ip, state=None, minutes_ago=0):
        """A Make a Payment attempt made earlier, as the transaction route records it: the
        counted attempt and, unless ``state`` is None (the request never created one), its
        transaction in ``state``."""
        attempt = (
            self.env["portal.pay.attempt"]
            .sudo()
            .create({"kind": "payment", "partner_id": partner.id, "ip": ip})
        )
        tx = self.env["payment.transaction"]
        if state:
            tx = self._create_transaction(
                "direct",
                reference=f"THROTTLE-{next(_references)}",
                partner_id=partner.id,
                portal_pay_account=True,
                portal_pay_ip=ip,
                portal_pay_attempt_id=attempt.id,
                state=state,
                # A past attempt is over: a confirmed one was booked (its money is not on its
                # way any more, see portal.pay.account).
                is_post_processed=state != "draft",
            )
        if minutes_ago:
            self.env.flush_all()
            for table, record in (("portal_pay_attempt", attempt), ("payment_transaction", tx)):
                self.env.cr.execute(
                    f"UPDATE {table}"
                    "   SET create_date = create_date - make_interval(mins => %s)"
                    " WHERE id = ANY(%s)",
                    [minutes_ago, record.ids],
                )
            self.env.invalidate_all()
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
        attempts = (
            self.env["portal.pay.attempt"].sudo().search([("partner_id", "=", self.payer.id)])
        )
        self.assertEqual(sorted(txs.mapped("portal_pay_attempt_id")), sorted(attempts.ids))
        self.assertThrottled(params, self.payer, reason="tx_user")
        # Other amounts and other invoices are the same contact: refused too.
        self.assertThrottled(self._params(self.payer_user, "12.34"), self.payer)
        self.assertEqual(len(attempts.search([("partner_id", "=", self.payer.id)])), 3)

    def test_contact_limit_holds_across_addresses(self):
        params = self._params(self.payer_user)
        for ip in ("198.51.100.1", "198.51.100.2", "198.51.100.3"):
            tx = self.assertAccepted(params, ip=ip)
            self.assertEqual(tx.portal_pay_ip, ip)
        self.assertThrottled(params, self.payer, ip="198.51.100.4", reason="tx_user")

    def test_address_limit_across_contacts(self):
        # Five payments from the browser's address by another customer's contact...
        for _attempt in range(5):
            self._past_attempt(self.other_payer, LOCAL_IP, state="draft")
        # ...and the payer, who has made none, is refused from that address...
        params = self._params(self.payer_user)
        self.assertThrottled(params, self.payer, reason="tx_ip")
        # ...but not from another one.
        self.assertAccepted(params, ip=OTHER_IP)

    def test_other_contact_on_other_address_unaffected(self):
        for _attempt in range(3):
            self._past_attempt(self.payer, LOCAL_IP, state="done")
        self.assertThrottled(self._params(self.payer_user), self.payer, reason="tx_user")
        other_params = self._params(self.other_payer_user)
        tx = self.assertAccepted(other_params, ip=OTHER_IP)
        self.assertEqual(tx.partner_id, self.other_payer)
        self.assertEqual(tx.portal_pay_ip, OTHER_IP)

    # === PAYMENTS FAILED OR NOT CONFIRMED === #

    def test_failed_and_unconfirmed_payments_of_the_contact(self):
        self.company.write(
            {"portal_pay_throttle_tx_user": 10, "portal_pay_throttle_failed_user": 2}
        )
        params = self._params(self.payer_user)
        first = self.assertAccepted(params)
        # The first attempt is not confirmed yet: it counts as failed until it is...
        second = self.assertAccepted(params)
        self.assertThrottled(params, self.payer, reason="failed_user")
        # ...confirmed, it frees its place; a failed or cancelled one does not.
        first._set_done()
        third = self.assertAccepted(params)
        second._set_canceled()
        third._set_error("Declined")
        self.assertThrottled(params, self.payer, reason="failed_user")
        # An attempt whose request failed before creating its transaction counts too; a
        # success from anywhere does not.
        self.company.portal_pay_throttle_failed_user = 3
        self._past_attempt(self.payer, OTHER_IP, state="done")
        self._past_attempt(self.payer, OTHER_IP, state=None)
        self.assertThrottled(params, self.payer, reason="failed_user")

    def test_failed_payments_from_the_address(self):
        self.company.write({"portal_pay_throttle_tx_ip": 30, "portal_pay_throttle_failed_ip": 3})
        for partner, state in ((self.other_payer, "error"), (self.bystander, "cancel")):
            self._past_attempt(partner, LOCAL_IP, state=state)
        self._past_attempt(self.other_payer, LOCAL_IP, state="draft")
        self._past_attempt(self.other_payer, LOCAL_IP, state="done")
        params = self._params(self.payer_user)
        self.assertThrottled(params, self.payer, reason="failed_ip")
        self.assertAccepted(params, ip=OTHER_IP)

    # === THE WINDOWS SLIDE === #

    def test_old_attempts_leave_the_window(self):
        self.company.portal_pay_throttle_failed_user = 2
        params = self._params(self.payer_user)
        # Payments started 11 minutes ago fall out of the 10-minute window...
        for _attempt in range(3):
            self._past_attempt(self.payer, LOCAL_IP, state="done", minutes_ago=11)
        # ...failures 61 minutes ago out of the hour...
        for _attempt in range(2):
            self._past_attempt(self.payer, LOCAL_IP, state="error", minutes_ago=61)
        self.assertAccepted(params)._set_done()
        self.assertAccepted(params)._set_done()
        # ...but one still inside the window counts.
        self._past_attempt(self.payer, LOCAL_IP, state="done", minutes_ago=9)
        self.assertThrottled(params, self.payer, reason="tx_user")
        # A failure 59 minutes ago is still in the hour (with another recent one: 2 failures).
        self.company.portal_pay_throttle_tx_user = 0
        self._past_attempt(self.payer, OTHER_IP, state="error", minutes_ago=59)
        self.assertAccepted(params)._set_done()
        self._past_attempt(self.payer, OTHER_IP, state="cancel", minutes_ago=30)
        self.assertThrottled(params, self.payer, reason="failed_user")

    def test_captures_and_refunds_are_not_attempts(self):
        source = self._past_attempt(self.payer, LOCAL_IP, state="done")
        for _attempt in range(3):
            self._create_transaction(
                "direct",
                reference=f"THROTTLE-{next(_references)}",
                partner_id=self.payer.id,
                portal_pay_account=True,
                source_transaction_id=source.id,
                state="done",
                is_post_processed=True,  # past captures: booked
            )
        self.assertAccepted(self._params(self.payer_user))

    # === PROXIES === #

    def test_untrusted_proxy_headers_rely_on_contact_limits(self):
        """Forwarding headers Odoo ignores (no proxy_mode): every customer would share the
        proxy's address, so the per-IP limits are left out, with one warning per process; the
        per-contact limits still hold."""
        self.company.write({"portal_pay_throttle_tx_user": 4, "portal_pay_throttle_failed_ip": 1})
        for _attempt in range(5):
            self._past_attempt(self.other_payer, LOCAL_IP, state="error")
        params = self._params(self.payer_user)
        forwarded = {"X-Forwarded-For": OTHER_IP, "X-Forwarded-Host": "shop.example.com"}
        with (
            patch.object(portal_pay_attempt, "_warned", set()),
            self.assertLogs(LOGGER, "WARNING") as logs,
        ):
            tx = self.assertAccepted(params, headers=forwarded, proxy_mode=False)
            self.assertAccepted(params, headers={"X-Real-IP": OTHER_IP})
            self.assertAccepted(params, headers={"Forwarded": f"for={OTHER_IP}"})
            # proxy_mode on, but the proxy does not send X-Forwarded-Host: Odoo ignores it.
            self.assertAccepted(params, headers={"X-Forwarded-For": OTHER_IP}, proxy_mode=True)
            self.assertThrottled(
                params, self.payer, reason="tx_user", logged_ip="unknown", headers=forwarded
            )
        [warning] = [line for line in logs.output if "proxy" in line]
        self.assertIn("X-Forwarded-For header", warning)
        self.assertIn("per-IP payment attempt limits are not applied", warning)
        self.assertFalse(tx.portal_pay_ip, "the proxy's address is not the client's")
        # Without the headers the address is the client's: its limits apply.
        self.company.portal_pay_throttle_tx_user = 0
        self.assertThrottled(params, self.payer, reason="tx_ip")

    def test_no_warning_without_per_ip_limits(self):
        self.company.write({"portal_pay_throttle_tx_ip": 0, "portal_pay_throttle_failed_ip": 0})
        params = self._params(self.payer_user)
        with (
            patch.object(portal_pay_attempt, "_warned", set()),
            self.assertNoLogs(LOGGER, "WARNING"),
        ):
            self.assertAccepted(params, headers={"X-Real-IP": OTHER_IP})

    # === SETTINGS === #

    def test_limits_are_company_settings(self):
        company = self.env["res.company"].create({"name": "Throttle Defaults Ltd"})
        self.assertEqual(company._portal_pay_throttle_limits(), DEFAULTS)
        settings = self.env["res.config.settings"].with_company(self.company).create({})
        self.assertEqual(settings.portal_pay_throttle_tx_user, 3)
        settings.portal_pay_throttle_tx_user = 1
        settings.portal_pay_throttle_pdf_user = 7
        settings.execute()
        self.assertEqual(self.company.portal_pay_throttle_tx_user, 1)
        self.assertEqual(self.company.portal_pay_throttle_pdf_user, 7)
        self.assertEqual(company.portal_pay_throttle_tx_user, 10, "per company")

        params = self._params(self.payer_user)
        self.assertAccepted(params)
        self.assertThrottled(params, self.payer, reason="tx_user")
        self.company.portal_pay_throttle_tx_user = 0  # no limit
        self.assertAccepted(params)

        for field in (
            "portal_pay_throttle_tx_user",
            "portal_pay_throttle_failed_ip",
            "portal_pay_throttle_pdf_user",
        ):
            with self.subTest(field=field), self.assertRaises(ValidationError):
                company.write({field: -1})
        for field in ("portal_pay_throttle_tx_minutes", "portal_pay_throttle_failed_minutes"):
            with self.subTest(field=field), self.assertRaises(ValidationError):
                company.write({field: 0})

    def test_no_limits_record_nothing(self):
        self.company.write({"portal_pay_throttle_tx_user": 0, "portal_pay_throttle_tx_ip": 0})
        tx = self.assertAccepted(self._params(self.payer_user))
        self.assertFalse(tx.portal_pay_attempt_id)
        self.assertEqual(tx.portal_pay_ip, LOCAL_IP)
        self.assertFalse(self.env["portal.pay.attempt"].sudo().search_count([]))

    def test_old_attempts_are_forgotten(self):
        """The daily autovacuum forgets the attempts older than every company's windows (a day at
        least), and keeps the others."""
        old = self._past_attempt(self.payer, LOCAL_IP, state="done", minutes_ago=1500)
        recent = self._past_attempt(self.payer, LOCAL_IP, state="done", minutes_ago=1380)
        attempts = self.env["portal.pay.attempt"].sudo()
        old_attempt = attempts.browse(old.portal_pay_attempt_id)
        recent_attempt = attempts.browse(recent.portal_pay_attempt_id)
        attempts._gc_portal_pay_attempts()
        self.assertFalse(old_attempt.exists())
        self.assertTrue(recent_attempt.exists())
