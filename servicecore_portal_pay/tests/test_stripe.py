"""Make a Payment with Stripe, end to end, with Stripe's HTTP API replaced at the transport.

Real PostgreSQL, real Odoo HTTP server, real invoices and reconciliation; Stripe's API answers
from `fake_stripe.FakeStripe` (see its docstring for the seam) and webhooks are posted to
payment_stripe's own URL with real `Stripe-Signature` headers.
"""

import json
import time
from datetime import timedelta
from unittest.mock import patch
from urllib.parse import urlsplit

import stripe
from lxml import html

from odoo import Command, fields
from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, TransactionCase, tagged
from odoo.tools import mute_logger

from odoo.addons.payment import utils as payment_utils
from odoo.addons.payment_stripe.controllers import main as stripe_main
from odoo.addons.servicecore_portal_pay import const
from odoo.addons.servicecore_portal_pay.controllers.stripe import StripeController
from odoo.addons.servicecore_portal_pay.rules import webhook_signature
from odoo.addons.servicecore_portal_pay.tests.common import PortalPayCommon

from .fake_stripe import API_HOST, FakeStripe, sign, signature

WEBHOOK_URL = "/payment/stripe/webhook"
SECRET = "whsec_portal_pay_current_0123456789"
OLD_SECRET = "whsec_portal_pay_previous_987654321"
CONTROLLER_LOGGER = "odoo.addons.servicecore_portal_pay.controllers.stripe"
ATTEMPT_LOGGER = "odoo.addons.servicecore_portal_pay.models.portal_pay_attempt"
TX_LOGGERS = (
    "odoo.addons.servicecore_portal_pay.models.payment_transaction",
    "odoo.addons.payment.models.payment_transaction",
    "odoo.addons.payment_stripe.models.payment_transaction",
    "odoo.addons.payment_stripe.controllers.main",
    "odoo.addons.payment.models.payment_provider",
    "odoo.addons.servicecore_portal_pay.models.payment_provider",
    CONTROLLER_LOGGER,
)


def _signatures(payload, count, secret=SECRET):
    """A header with ``count`` ``v1`` entries, the one signed with ``secret`` last."""
    now = int(time.time())
    wrong = [f"v1={index:064x}" for index in range(count - 1)]
    return ",".join([f"t={now}", *wrong, f"v1={signature(payload, secret, now)}"])


class StripePortalPayCase(PortalPayCommon, HttpCase):
    """`PortalPayCommon` with Stripe (cards, a saved card) as the only provider and three open
    invoices of the customer:

    ========  ===========  ========
    invoice   due          amount
    ========  ===========  ========
    inv_old   40 days ago  100.10
    inv_mid   10 days ago  250.25
    inv_new   in 20 days   400.40
    ========  ===========  ========
    """

    @classmethod
    def _request_handler(cls, session, prepared_request, /, **kwargs):
        # The one seam: Stripe's API host answers from the fake, everything else as usual.
        if urlsplit(prepared_request.url).hostname == API_HOST:
            return cls.fake(prepared_request)
        return super()._request_handler(session, prepared_request, **kwargs)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.fake = FakeStripe()
        card = cls.env.ref("payment.payment_method_card")
        cls.stripe_provider = cls._prepare_provider(
            "stripe",
            company=cls.company,
            update_values={
                "stripe_secret_key": "sk_test_portal_pay_fake",
                "stripe_publishable_key": "pk_test_portal_pay_fake",
                "stripe_webhook_secret": SECRET,
                "payment_method_ids": [Command.set(card.ids)],
                "is_published": True,
                "journal_id": cls.company_data["default_journal_bank"].id,
            },
        )
        cls.env["payment.provider"].search(
            [("company_id", "=", cls.company.id), ("id", "!=", cls.stripe_provider.id)]
        ).state = "disabled"
        card.active = True
        cls.token = cls.env["payment.token"].create(
            {
                "provider_id": cls.stripe_provider.id,
                "payment_method_id": card.id,
                "partner_id": cls.payer.id,
                "payment_details": "4242",
                "provider_ref": "cus_saved",
                "stripe_payment_method": "pm_saved",
            }
        )
        cls.inv_old = cls._create_customer_invoice("100.10", due=cls._days(-40))
        cls.inv_mid = cls._create_customer_invoice("250.25", due=cls._days(-10))
        cls.inv_new = cls._create_customer_invoice(
            "400.40", due=cls._days(20), invoice_date=cls._days(-10)
        )

    def setUp(self):
        super().setUp()
        # A fresh Stripe for every test (calls, PaymentIntents, saved idempotent answers).
        type(self).fake = FakeStripe()

    # === THE CUSTOMER'S SIDE === #

    def _open_payment_form(self, amount, currency=None):
        """GET /my/payment?amount=X as the payer; return the form's context and Stripe option."""
        self.authenticate("portal_payer", "portal_payer")
        query = f"amount={amount}" + (f"&currency_id={currency.id}" if currency else "")
        response = self.url_open(f"{const.PAGE_ROUTE}?{query}")
        self.assertEqual(response.status_code, 200, response.text[:500])
        tree = html.fromstring(response.content)
        (form,) = tree.xpath('//form[@id="o_payment_form"]')
        options = [
            option
            for option in tree.xpath("//input[@name='o_payment_radio']")
            if option.get("data-provider-code") == "stripe"
            and option.get("data-payment-option-type") == "payment_method"
        ]
        self.assertTrue(options, "Stripe must be offered on the payment form")
        tokens = tree.xpath(
            "//input[@name='o_payment_radio'][@data-payment-option-type='token']"
            "/@data-payment-option-id"
        )
        return {
            "offers_to_save_card": bool(tree.xpath("//input[@name='o_payment_tokenize_checkbox']")),
            "token_ids": [int(token) for token in tokens],
            "amount": form.get("data-amount"),
            "access_token": form.get("data-access-token"),
            "transaction_route": form.get("data-transaction-route"),
            "landing_route": form.get("data-landing-route"),
            "provider_id": int(options[0].get("data-provider-id")),
            "payment_method_id": int(options[0].get("data-payment-option-id")),
        }

    def _submit(self, form, save_card=False):
        """What the payment form posts to the transaction route for a card (direct flow)."""
        self.assertTrue(form["transaction_route"].startswith(const.TRANSACTION_ROUTE))
        return self.make_jsonrpc_request(
            form["transaction_route"],
            {
                "provider_id": form["provider_id"],
                "payment_method_id": form["payment_method_id"],
                "token_id": None,
                "amount": float(form["amount"]),
                "flow": "direct",
                "tokenization_requested": save_card,
                "landing_route": form["landing_route"],
                "is_validation": False,
                "access_token": form["access_token"],
            },
        )

    def _start_payment(self, amount="300.33", save_card=False, currency=None):
        processing_values = self._submit(self._open_payment_form(amount, currency), save_card)
        tx = self.env["payment.transaction"].search(
            [("reference", "=", processing_values["reference"])]
        )
        self.assertEqual(len(tx), 1)
        return tx, processing_values

    # === STRIPE'S SIDE === #

    def _deliver(self, event, secret=SECRET, header=None, payload=None):
        """POST a webhook delivery to payment_stripe's URL, signed with ``secret`` now."""
        payload = payload if payload is not None else json.dumps(event).encode()
        headers = {"Content-Type": "application/json"}
        header = header if header is not None else sign(payload, secret)
        if header is not False:
            headers["Stripe-Signature"] = header
        with mute_logger(*TX_LOGGERS):
            return self.url_open(WEBHOOK_URL, data=payload, headers=headers)

    def _post_process(self):
        """Run Odoo's post-processing cron, as the scheduler would after a webhook."""
        with mute_logger(*TX_LOGGERS):
            self.env.ref("payment.cron_post_process_payment_tx").method_direct_trigger()

    # === ASSERTIONS === #

    def assertNothingApplied(self, tx, state="draft"):
        tx.invalidate_recordset()
        self.assertEqual(tx.state, state)
        self.assertFalse(tx.payment_id)
        self.assertFalse(
            self.env["account.payment"].search([("partner_id", "=", self.customer.id)])
        )
        self.assertResiduals(
            {self.inv_old: "100.10", self.inv_mid: "250.25", self.inv_new: "400.40"}
        )

    def assertPaidOldestFirst(self, tx):
        payments = self.env["account.payment"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(len(payments), 1, "exactly one payment per transaction")
        self.assertEqual(tx.payment_id, payments)
        self.assertEqual(f"{payments.amount:.2f}", "300.33")
        self.assertEqual(
            [
                (a.move_id, f"{a.amount:.2f}", f"{a.residual_after:.2f}")
                for a in payments.portal_pay_allocation_ids.sorted("sequence")
            ],
            [(self.inv_old, "100.10", "0.00"), (self.inv_mid, "200.23", "50.02")],
        )
        self.assertResiduals({self.inv_old: "0.00", self.inv_mid: "50.02", self.inv_new: "400.40"})


@tagged("post_install", "-at_install")
class TestStripeFlow(StripePortalPayCase):
    def test_full_flow_webhook_pays_oldest_first(self):
        tx, processing_values = self._start_payment("300.33")

        # Odoo asked Stripe for a customer and a PaymentIntent of exactly the validated amount.
        self.assertEqual(
            [(call.method, call.path) for call in self.fake.calls],
            [("POST", "customers"), ("POST", "payment_intents")],
        )
        (intent_call,) = self.fake.calls_to("POST", "payment_intents")
        self.assertEqual(intent_call.params["amount"], "30033")
        self.assertEqual(intent_call.params["currency"], "usd")
        self.assertEqual(intent_call.params["description"], tx.reference)
        self.assertEqual(
            intent_call.idempotency_key,
            payment_utils.generate_idempotency_key(tx, scope="payment_intents"),
        )
        self.assertTrue(intent_call.headers["AUTHORIZATION"].startswith("Bearer sk_test_"))
        (intent_id,) = self.fake.intents
        self.assertEqual(processing_values["client_secret"], f"{intent_id}_secret_fake")
        self.assertEqual(tx.provider_reference, intent_id, "the PaymentIntent is bound at once")
        self.assertEqual((tx.state, tx.amount, tx.partner_id), ("draft", 300.33, self.payer))
        self.assertTrue(tx.portal_pay_account)

        # The card is charged (Stripe.js); Stripe posts payment_intent.succeeded.
        self.fake.settle(intent_id, "succeeded")
        response = self._deliver(self.fake.event("payment_intent.succeeded", intent_id))
        self.assertEqual(response.status_code, 200)
        tx.invalidate_recordset()
        self.assertEqual(tx.state, "done")
        self.assertFalse(tx.payment_id, "post-processing creates the payment, not the webhook")
        cron = self.env.ref("payment.cron_post_process_payment_tx")
        self.assertTrue(
            self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]),
            "the webhook schedules the post-processing: the browser may be gone",
        )

        self._post_process()
        tx.invalidate_recordset()
        self.assertPaidOldestFirst(tx)

        # The customer's landing page shows what was paid.
        response = self.url_open(f"{const.CONFIRMATION_ROUTE}?tx_id={tx.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn(tx.reference, response.text)
        self.assertIn(self.inv_old.name, response.text)

    def test_browser_return_then_status_poll(self):
        # The customer's browser path: Stripe.js redirects to payment_stripe's return route, which
        # asks Stripe for the PaymentIntent; the status page polls, which post-processes.
        tx, _values = self._start_payment("300.33")
        intent_id = tx.provider_reference
        self.fake.settle(intent_id, "succeeded")
        self.fake.calls.clear()
        with mute_logger(*TX_LOGGERS):
            response = self.url_open(
                f"/payment/stripe/return?reference={tx.reference}&payment_intent={intent_id}",
                allow_redirects=False,
            )
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers["Location"].endswith("/payment/status"))
        self.assertEqual(
            [(call.method, call.path) for call in self.fake.calls],
            [("GET", f"payment_intents/{intent_id}")],
        )
        tx.invalidate_recordset()
        self.assertEqual(tx.state, "done")
        with mute_logger(*TX_LOGGERS):
            status = self.make_jsonrpc_request("/payment/status/poll")
        self.assertEqual(status["state"], "done")
        self.assertEqual(status["landing_route"], f"{const.CONFIRMATION_ROUTE}?tx_id={tx.id}")
        tx.invalidate_recordset()
        self.assertPaidOldestFirst(tx)
        # A late webhook for the same payment changes nothing.
        self.assertEqual(
            self._deliver(self.fake.event("payment_intent.succeeded", intent_id)).status_code, 200
        )
        self._post_process()
        tx.invalidate_recordset()
        self.assertPaidOldestFirst(tx)

    def test_same_webhook_twice_one_payment(self):
        tx, _values = self._start_payment("300.33")
        (intent_id,) = self.fake.intents
        self.fake.settle(intent_id, "succeeded")
        event = self.fake.event("payment_intent.succeeded", intent_id)
        payload = json.dumps(event).encode()
        header = sign(payload, SECRET)
        # The very same delivery replayed, then a retry (re-signed, as Stripe retries).
        for delivery_header in (header, header, sign(payload, SECRET)):
            self.assertEqual(self._deliver(event, header=delivery_header).status_code, 200)
            self._post_process()
        tx.invalidate_recordset()
        self.assertEqual(tx.state, "done")
        self.assertPaidOldestFirst(tx)

    def test_bad_signature_refused_nothing_changes(self):
        tx, _values = self._start_payment("300.33")
        (intent_id,) = self.fake.intents
        self.fake.settle(intent_id, "succeeded")
        event = self.fake.event("payment_intent.succeeded", intent_id)
        response = self._deliver(event, secret="whsec_an_attacker_guess")
        self.assertEqual(response.status_code, 403)
        payload = json.dumps(event).encode()
        tampered = json.dumps({**event, "id": "evt_tampered"}).encode()
        response = self._deliver(event, payload=tampered, header=sign(payload, SECRET))
        self.assertEqual(response.status_code, 403, "a signature covers the exact body")
        self._post_process()
        self.assertNothingApplied(tx)

    def test_payment_failed_message_escaped_on_confirmation(self):
        tx, _values = self._start_payment("300.33")
        (intent_id,) = self.fake.intents
        message = '<script>alert("pwned")</script> Your card was declined.'
        self.fake.settle(intent_id, "requires_payment_method", error_message=message)
        response = self._deliver(self.fake.event("payment_intent.payment_failed", intent_id))
        self.assertEqual(response.status_code, 200)
        self._post_process()
        self.assertNothingApplied(tx, state="error")
        self.assertEqual(tx.state_message, message)

        response = self.url_open(f"{const.CONFIRMATION_ROUTE}?tx_id={tx.id}")
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("<script>alert", response.text)
        self.assertIn("&lt;script&gt;alert(", response.text)
        self.assertIn("Your card was declined.", response.text)

    # === SAVED CARD (token flow: Stripe charges during the transaction request) === #

    def _pay_with_saved_card(self, amount="300.33", token=None):
        token = token or self.token
        form = self._open_payment_form(amount)
        self.assertIn(token.id, form["token_ids"])
        with mute_logger(*TX_LOGGERS):
            processing_values = self.make_jsonrpc_request(
                form["transaction_route"],
                {
                    "provider_id": self.stripe_provider.id,
                    "payment_method_id": None,
                    "token_id": token.id,
                    "amount": float(form["amount"]),
                    "flow": "token",
                    "tokenization_requested": False,
                    "landing_route": form["landing_route"],
                    "is_validation": False,
                    "access_token": form["access_token"],
                },
            )
        tx = self.env["payment.transaction"].search(
            [("reference", "=", processing_values["reference"])]
        )
        return tx, processing_values

    def test_saved_card_charged_once_and_applied(self):
        tx, processing_values = self._pay_with_saved_card()
        (intent_call,) = self.fake.calls_to("POST", "payment_intents")
        self.assertEqual(
            {key: intent_call.params.get(key) for key in ("amount", "currency", "confirm")},
            {"amount": "30033", "currency": "usd", "confirm": "True"},
        )
        self.assertEqual(
            (intent_call.params["customer"], intent_call.params["payment_method"]),
            ("cus_saved", "pm_saved"),
        )
        self.assertEqual(
            intent_call.idempotency_key,
            payment_utils.generate_idempotency_key(tx, scope="payment_intents"),
        )
        self.assertEqual((processing_values["state"], tx.state), ("done", "done"))
        self._post_process()
        tx.invalidate_recordset()
        self.assertPaidOldestFirst(tx)

    def test_saved_card_lost_answer_charged_once(self):
        # The charge went through at Stripe but Odoo did not hear back: the retry with the same
        # key returns the saved charge instead of charging again.
        self.fake.fail_next("lost_response", "payment_intents")
        tx, processing_values = self._pay_with_saved_card()
        calls = self.fake.calls_to("POST", "payment_intents")
        self.assertEqual(len(calls), 2)
        self.assertEqual(calls[0].idempotency_key, calls[1].idempotency_key)
        self.assertEqual(len(self.fake.intents), 1, "one PaymentIntent, one charge")
        self.assertEqual(processing_values["state"], "done")
        self._post_process()
        tx.invalidate_recordset()
        self.assertPaidOldestFirst(tx)

    def test_saved_card_declined_not_retried(self):
        self.fake.decline_next("Your card was declined.")
        tx, processing_values = self._pay_with_saved_card()
        self.assertEqual(len(self.fake.calls_to("POST", "payment_intents")), 1)
        self.assertEqual(processing_values["state"], "error")
        self.assertIn("Your card was declined.", processing_values["state_message"])
        self._post_process()
        self.assertNothingApplied(tx, state="error")

    def test_save_my_card_then_pay_with_it(self):
        # Make a Payment with "save my card": Stripe keeps the card for the customer
        # (setup_future_usage), and payment_stripe's webhook fetches the PaymentMethod
        # (GET payment_methods/{id}) to create the token.
        form = self._open_payment_form("300.33")
        self.assertTrue(form["offers_to_save_card"], "Stripe cards can be saved on this page")
        processing_values = self._submit(form, save_card=True)
        tx = self.env["payment.transaction"].search(
            [("reference", "=", processing_values["reference"])]
        )
        self.assertTrue(tx.tokenize)
        (intent_call,) = self.fake.calls_to("POST", "payment_intents")
        self.assertEqual(intent_call.params["setup_future_usage"], "off_session")
        customer = intent_call.params["customer"]
        payment_method = self.fake.add_payment_method(last4="1881")
        self.fake.settle(tx.provider_reference, "succeeded", payment_method=payment_method)
        self.fake.calls.clear()
        response = self._deliver(self.fake.event("payment_intent.succeeded", tx.provider_reference))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            [(call.method, call.path) for call in self.fake.calls],
            [("GET", f"payment_methods/{payment_method}")],
        )
        tx.invalidate_recordset()
        self.assertEqual(tx.state, "done")
        saved = tx.token_id
        self.assertEqual(
            (saved.partner_id, saved.provider_ref, saved.stripe_payment_method),
            (self.payer, customer, payment_method),
        )
        self.assertIn("1881", saved.payment_details)
        self._post_process()
        tx.invalidate_recordset()
        self.assertPaidOldestFirst(tx)

        # A later payment with that card: one PaymentIntent confirmed at once, off session,
        # for the saved customer and card; applied to what is still open, oldest first.
        later, processing_values = self._pay_with_saved_card("50.02", token=saved)
        self.assertEqual(processing_values["state"], "done")
        later_call = self.fake.calls_to("POST", "payment_intents")[-1]
        self.assertEqual(
            {key: later_call.params.get(key) for key in ("customer", "payment_method", "confirm")},
            {"customer": customer, "payment_method": payment_method, "confirm": "True"},
        )
        self.assertEqual(later_call.params["amount"], "5002")
        self._post_process()
        later.invalidate_recordset()
        self.assertEqual(f"{later.payment_id.amount:.2f}", "50.02")
        self.assertResiduals({self.inv_old: "0.00", self.inv_mid: "0.00", self.inv_new: "400.40"})

    def test_3d_secure_then_succeeds(self):
        # The card asks for 3-D Secure: the PaymentIntent waits in requires_action. The
        # customer's return (or a requires_action event, which Odoo does not handle) changes
        # nothing; once authenticated, the payment succeeds and is applied once.
        tx, _values = self._start_payment("300.33")
        intent_id = tx.provider_reference
        self.fake.settle(intent_id, "requires_action")
        with mute_logger(*TX_LOGGERS):
            self.url_open(
                f"/payment/stripe/return?reference={tx.reference}&payment_intent={intent_id}"
            )
        response = self._deliver(self.fake.event("payment_intent.requires_action", intent_id))
        self.assertEqual(response.status_code, 200)
        self._post_process()
        self.assertNothingApplied(tx, state="draft")

        self.fake.settle(intent_id, "succeeded")
        self.assertEqual(
            self._deliver(self.fake.event("payment_intent.succeeded", intent_id)).status_code, 200
        )
        self._post_process()
        tx.invalidate_recordset()
        self.assertPaidOldestFirst(tx)

    def test_key_in_use_409_then_the_webhook_applies_the_charge_once(self):
        # A saved card is charged, but Stripe is still working when Odoo gives up waiting; the
        # retry with the same key meets the request in progress: 409 idempotency_key_in_use
        # (nothing executed). The transaction is in error, no second charge; the charge that
        # went through reaches Odoo by its webhook and is applied once.
        self.fake.fail_next("still_running", "payment_intents")
        tx, processing_values = self._pay_with_saved_card()
        calls = self.fake.calls_to("POST", "payment_intents")
        self.assertEqual(len(calls), 2)
        self.assertEqual(calls[0].idempotency_key, calls[1].idempotency_key)
        self.assertEqual(processing_values["state"], "error")
        self.assertEqual(len(self.fake.intents), 1, "one PaymentIntent, one charge")
        self.fake.finish_running()
        (intent_id,) = self.fake.intents
        self.assertEqual(self.fake.intents[intent_id]["status"], "succeeded")
        self.assertEqual(
            self._deliver(self.fake.event("payment_intent.succeeded", intent_id)).status_code, 200
        )
        self._post_process()
        tx.invalidate_recordset()
        self.assertEqual(tx.state, "done")
        self.assertPaidOldestFirst(tx)

    def test_refund_by_webhook_unallocates_newest_first(self):
        tx, _values = self._start_payment("300.33")
        intent_id = tx.provider_reference
        self.fake.settle(intent_id, "succeeded")
        self._deliver(self.fake.event("payment_intent.succeeded", intent_id))
        self._post_process()
        tx.invalidate_recordset()
        self.assertPaidOldestFirst(tx)

        # 250.00 refunded from Stripe's dashboard: Stripe posts charge.refunded.
        self.fake.refund(intent_id, 25000)
        event = self.fake.charge_event("charge.refunded", intent_id)
        self.assertEqual(self._deliver(event).status_code, 200)
        self._post_process()
        (refund_tx,) = tx.child_transaction_ids
        self.assertEqual(
            (refund_tx.operation, refund_tx.state, f"{refund_tx.amount:.2f}"),
            ("refund", "done", "-250.00"),
        )
        # Taken back from the newest invoice first: inv_mid gets its 200.23 back, inv_old 49.77.
        self.assertResiduals(
            {self.inv_old: "49.77", self.inv_mid: "250.25", self.inv_new: "400.40"}
        )
        self.assertEqual(f"{tx.payment_id.portal_pay_refunded:.2f}", "250.00")
        # The same notification again creates no second refund.
        self.assertEqual(self._deliver(event).status_code, 200)
        self._post_process()
        self.assertEqual(len(tx.child_transaction_ids), 1)
        self.assertResiduals(
            {self.inv_old: "49.77", self.inv_mid: "250.25", self.inv_new: "400.40"}
        )

    def test_zero_and_three_decimal_currencies(self):
        # Items in JPY (no decimals at Stripe) and KWD (three decimals, amounts a multiple of
        # 10 fils at Stripe) are paid in their currency: the PaymentIntent is in the
        # currency's smallest unit, the webhook binds on it, the money is applied oldest first.
        for code, old, new, paid, minor, residuals in (
            ("JPY", "1200", "3400", "2000", "2000", ("0", "2600")),
            ("KWD", "12.340", "5.000", "15.340", "15340", ("0.000", "2.000")),
        ):
            with self.subTest(code):
                currency = self.setup_other_currency(code)
                places = currency.decimal_places
                inv_old = self._create_customer_invoice(old, due=self._days(-30), currency=currency)
                inv_new = self._create_customer_invoice(new, due=self._days(5), currency=currency)
                tx, _values = self._start_payment(paid, currency=currency)
                self.assertEqual(tx.currency_id, currency)
                intent_call = self.fake.calls_to("POST", "payment_intents")[-1]
                self.assertEqual(
                    (intent_call.params["amount"], intent_call.params["currency"]),
                    (minor, code.lower()),
                )
                self.fake.settle(tx.provider_reference, "succeeded")
                event = self.fake.event("payment_intent.succeeded", tx.provider_reference)
                self.assertEqual(self._deliver(event).status_code, 200)
                self._post_process()
                tx.invalidate_recordset()
                self.assertEqual(tx.state, "done")
                self.assertEqual(f"{tx.payment_id.amount:.{places}f}", paid)
                (inv_old | inv_new).invalidate_recordset(["amount_residual"])
                self.assertEqual(
                    (
                        f"{inv_old.amount_residual:.{places}f}",
                        f"{inv_new.amount_residual:.{places}f}",
                    ),
                    residuals,
                )
        # Stripe refuses a three-decimal amount that does not end in 0: a clear message, the
        # transaction in error, nothing applied, no retry (Stripe answered).
        kwd = self.env.ref("base.KWD")
        self._create_customer_invoice("20.000", due=self._days(10), currency=kwd)
        self.fake.calls.clear()
        processing_values = self._submit(self._open_payment_form("10.005", currency=kwd))
        self.assertEqual(processing_values["state"], "error")
        self.assertIn("rounded to the nearest ten", processing_values["state_message"])
        self.assertEqual(len(self.fake.calls_to("POST", "payment_intents")), 1)


@tagged("post_install", "-at_install")
class TestStripeWebhook(StripePortalPayCase):
    """Issue 5 §3: the webhook's properties, one test each."""

    def _succeeded_event(self):
        before = set(self.fake.intents)
        tx, _values = self._start_payment("300.33")
        (intent_id,) = set(self.fake.intents) - before
        self.fake.settle(intent_id, "succeeded")
        return tx, intent_id, self.fake.event("payment_intent.succeeded", intent_id)

    def test_hardened_inside_payment_stripes_seam(self):
        # The addon's check is payment_stripe's own seam, StripeController._verify_signature:
        # replacing it (as Odoo's own payment_stripe tests do) replaces the addon's check too,
        # and stock's webhook flow calls it once per delivery for a known transaction.
        tx, _intent_id, event = self._succeeded_event()
        with patch.object(stripe_main.StripeController, "_verify_signature") as seam:
            self.assertEqual(self._deliver(event, header=False).status_code, 200)
        self.assertEqual(seam.call_count, 1)
        tx.invalidate_recordset()
        self.assertEqual(tx.state, "done")
        # In a database without the addon, Odoo's controller for the route does not extend the
        # addon's class: stock's check runs unchanged (here: no secret, stock lets it through).
        self.stripe_provider.stripe_webhook_secret = False
        stock_controller = stripe_main.StripeController()
        self.assertIsNone(stock_controller._verify_signature(tx))
        self.assertNotIsInstance(stock_controller, StripeController)

    def test_fails_closed_without_webhook_secret(self):
        tx, _intent_id, event = self._succeeded_event()
        self.env["payment.provider"].search([("code", "=", "stripe")]).stripe_webhook_secret = False
        # Unsigned, as stock Odoo accepts it when no secret is set: refused.
        self.assertEqual(self._deliver(event, header=False).status_code, 403)
        self.assertNothingApplied(tx)
        # Signed with the former secret, logged for the administrator: refused too.
        payload = json.dumps(event).encode()
        with self.assertLogs(CONTROLLER_LOGGER, "ERROR") as logs:
            response = self.url_open(
                WEBHOOK_URL,
                data=payload,
                headers={
                    "Content-Type": "application/json",
                    "Stripe-Signature": sign(payload, SECRET),
                },
            )
        self.assertEqual(response.status_code, 403)
        self.assertIn("no Stripe webhook secret", logs.output[0])
        self._post_process()
        self.assertNothingApplied(tx)

    def test_any_v1_signature_accepted_for_secret_rotation(self):
        tx, _intent_id, event = self._succeeded_event()
        payload = json.dumps(event).encode()
        now = int(time.time())
        current, previous = signature(payload, SECRET, now), signature(payload, OLD_SECRET, now)
        # Odoo keeps only the last v1 of the header; the matching one comes first here.
        header = f"t={now},v1={current},v1={previous},v0=legacy"
        self.assertEqual(self._deliver(event, header=header).status_code, 200)
        tx.invalidate_recordset()
        self.assertEqual(tx.state, "done")

    def test_signed_by_another_providers_secret_refused(self):
        # Another Stripe account (e.g. another company's) signs with its own secret: authentic
        # for that provider, but not for this transaction.
        tx, _intent_id, event = self._succeeded_event()
        other_secret = "whsec_other_account_555"
        self.stripe_provider.copy(
            {
                "name": "Stripe (other account)",
                "stripe_secret_key": "sk_test_other_account",
                "stripe_publishable_key": "pk_test_other_account",
                "stripe_webhook_secret": other_secret,
            }
        ).state = "test"
        self.assertEqual(self._deliver(event, secret=other_secret).status_code, 403)
        self._post_process()
        self.assertNothingApplied(tx)
        self.assertEqual(self._deliver(event).status_code, 200)
        tx.invalidate_recordset()
        self.assertEqual(tx.state, "done")

    def test_timestamp_tolerance_300_seconds(self):
        tx, _intent_id, event = self._succeeded_event()
        payload = json.dumps(event).encode()
        for age in (301, 599, -330):  # 599 s: accepted by stock Odoo (600 s); -330: ahead
            with self.subTest(age=age):
                header = sign(payload, SECRET, timestamp=int(time.time()) - age)
                self.assertEqual(self._deliver(event, header=header).status_code, 403)
        self.assertNothingApplied(tx)
        header = sign(payload, SECRET, timestamp=int(time.time()) - 240)
        self.assertEqual(self._deliver(event, header=header).status_code, 200)
        tx.invalidate_recordset()
        self.assertEqual(tx.state, "done")

    def test_malformed_header_is_400_never_500(self):
        tx, _intent_id, event = self._succeeded_event()
        payload = json.dumps(event).encode()
        good = signature(payload, SECRET, int(time.time()))
        now = int(time.time())
        for header in (
            False,  # no header at all
            "",
            "garbage",
            f"t={now}",
            f"v1={good}",
            f"t=soon,v1={good}",
            f"t={now},v1",
            f"t={now},=abc,v1={good}",
            f"t={now},t={now},v1={good}",
            f"t={now},v1=é",
        ):
            with self.subTest(header=header):
                response = self._deliver(event, header=header)
                self.assertIn(response.status_code, (400, 403))
                if header != f"t={now},v1=é":
                    self.assertEqual(response.status_code, 400)
        self.assertNothingApplied(tx)

    def test_garbage_is_400_and_the_raw_body_is_verified(self):
        tx, intent_id, _event = self._succeeded_event()
        garbage = b"{not json"
        # Not JSON, signed or not, is a bad request, not a server error.
        self.assertEqual(self._deliver(None, payload=garbage, secret=OLD_SECRET).status_code, 400)
        self.assertEqual(self._deliver(None, payload=garbage).status_code, 400)
        # The body is verified byte for byte: the same JSON re-serialized is another body.
        event = self.fake.event("payment_intent.succeeded", intent_id)
        payload = json.dumps(event).encode()
        reformatted = json.dumps(event, indent=2).encode()
        response = self._deliver(event, payload=reformatted, header=sign(payload, SECRET))
        self.assertEqual(response.status_code, 403)
        self.assertNothingApplied(tx)

    def test_each_delivery_verified_once(self):
        tx, _intent_id, event = self._succeeded_event()
        with (
            patch.object(webhook_signature, "verify", wraps=webhook_signature.verify) as verify,
            patch.object(
                webhook_signature, "compute_signature", wraps=webhook_signature.compute_signature
            ) as compute,
        ):
            self.assertEqual(self._deliver(event).status_code, 200)
        self.assertEqual((verify.call_count, compute.call_count), (1, 1))
        tx.invalidate_recordset()
        self.assertEqual(tx.state, "done")

    def test_flood_refused_before_the_body_is_read(self):
        # Issue 11: a multi-megabyte body with thousands of v1 entries (no secret needed) once
        # cost seconds of CPU. Refused on its announced length and header, nothing computed.
        tx, _intent_id, event = self._succeeded_event()
        body = json.dumps({**event, "padding": "x" * (4 * 1024 * 1024)}).encode()
        now = int(time.time())
        # Short entries: about 20 KB of header, which proxies and Odoo's server let through.
        flood = f"t={now}," + ",".join(f"v1={index:x}" for index in range(3000))
        small = json.dumps(event).encode()
        cases = (
            ("4 MB body, 3000 signatures", body, flood, 413),
            ("4 MB body, signed", body, sign(body, SECRET), 413),
            ("small body, 3000 signatures", small, flood, 400),
            ("one signature too many", small, _signatures(small, 6), 400),
        )
        with patch.object(
            webhook_signature, "compute_signature", wraps=webhook_signature.compute_signature
        ) as compute:
            for name, payload, header, status in cases:
                with self.subTest(name):
                    self.assertEqual(
                        self._deliver(None, payload=payload, header=header).status_code, status
                    )
            # A body of unknown length (chunked upload) cannot be bounded before reading it.
            with mute_logger(*TX_LOGGERS):
                response = self.url_open(
                    WEBHOOK_URL,
                    data=iter([small]),
                    headers={"Content-Type": "application/json", "Stripe-Signature": flood},
                )
            self.assertEqual(response.status_code, 411)
        self.assertEqual(compute.call_count, 0, "no HMAC computed for a refused delivery")
        self.assertNothingApplied(tx)
        # At the limits (five v1 entries, the right one last), a real delivery goes through.
        self.assertEqual(self._deliver(event, header=_signatures(small, 5)).status_code, 200)
        tx.invalidate_recordset()
        self.assertEqual(tx.state, "done")

    def test_out_of_order_failure_does_not_undo_done(self):
        tx, intent_id, succeeded = self._succeeded_event()
        failed = self.fake.event(
            "payment_intent.payment_failed",
            intent_id,
            status="requires_payment_method",
            last_payment_error={"message": "Your card was declined."},
        )
        canceled = self.fake.event("payment_intent.canceled", intent_id, status="canceled")
        processing = self.fake.event("payment_intent.processing", intent_id, status="processing")
        self.assertEqual(self._deliver(succeeded).status_code, 200)
        for late in (failed, canceled, processing, succeeded):
            self.assertEqual(self._deliver(late).status_code, 200)
        self._post_process()
        tx.invalidate_recordset()
        self.assertEqual(tx.state, "done")
        self.assertPaidOldestFirst(tx)

    def test_failure_then_success_on_the_same_intent(self):
        # A failure that names no failed charge leaves the PaymentIntent usable (a declined card
        # cancels it: TestStripeCardTesting); a second card may then still succeed on it.
        tx, intent_id, succeeded = self._succeeded_event()
        failed = self.fake.event(
            "payment_intent.payment_failed", intent_id, status="requires_payment_method"
        )
        self.assertEqual(self._deliver(failed).status_code, 200)
        tx.invalidate_recordset()
        self.assertEqual(tx.state, "error")
        self.assertEqual(self._deliver(succeeded).status_code, 200)
        self._post_process()
        tx.invalidate_recordset()
        self.assertPaidOldestFirst(tx)

    def test_unknown_events_and_objects_acknowledged(self):
        tx, intent_id, succeeded = self._succeeded_event()
        unknown_type = {**succeeded, "type": "customer.created"}
        unknown_tx = self.fake.event("payment_intent.succeeded", intent_id, description="ACCT-X")
        no_description = self.fake.event("payment_intent.succeeded", intent_id, description=None)
        not_an_object = {**succeeded, "data": {"object": "pi_123"}}
        no_data = {"id": "evt_1", "type": "payment_intent.succeeded"}
        a_list = [succeeded]
        for event in (unknown_type, unknown_tx, no_description, not_an_object, no_data, a_list):
            with self.subTest(event=str(event)[:60]):
                self.assertEqual(self._deliver(event).status_code, 200)
        self._post_process()
        self.assertNothingApplied(tx)

    def test_applied_only_when_intent_amount_and_currency_match(self):
        # Six payments left unconfirmed on purpose: more than the default failure limits allow
        # (test_throttle.py), which are not under test here.
        self.company.write(
            {"portal_pay_throttle_failed_user": 0, "portal_pay_throttle_failed_ip": 0}
        )
        variants = {
            "another PaymentIntent": {"id": "pi_someone_else"},
            "one cent less": {"amount": 30032},
            "a hundred times more": {"amount": 3003300},
            "another currency": {"currency": "eur"},
        }
        for name, overrides in variants.items():
            with self.subTest(name):
                tx, intent_id, _succeeded = self._succeeded_event()
                event = self.fake.event("payment_intent.succeeded", intent_id, **overrides)
                self.assertEqual(self._deliver(event).status_code, 200)
                self._post_process()
                self.assertNothingApplied(tx)
                self.assertEqual(tx.provider_reference, intent_id)
        # The customer's return route cannot swap in another PaymentIntent either (F2).
        tx, intent_id, _succeeded = self._succeeded_event()
        other_tx_intent = self.fake.settle(self._start_other_intent(), "succeeded")["id"]
        self.assertNotEqual(other_tx_intent, intent_id)
        with mute_logger(*TX_LOGGERS):
            self.url_open(
                f"/payment/stripe/return?reference={tx.reference}&payment_intent={other_tx_intent}"
            )
        self.assertNothingApplied(tx)
        # The right notification is applied.
        self._deliver(self.fake.event("payment_intent.succeeded", intent_id))
        self._post_process()
        tx.invalidate_recordset()
        self.assertPaidOldestFirst(tx)

    def _start_other_intent(self):
        """A second PaymentIntent of the same amount, for another transaction of the payer."""
        before = set(self.fake.intents)
        other_tx, _values = self._start_payment("300.33")
        (intent_id,) = set(self.fake.intents) - before
        self.assertEqual(other_tx.provider_reference, intent_id)
        return intent_id


@tagged("post_install", "-at_install")
class TestStripeFaults(StripePortalPayCase):
    """Issue 5 §4: Stripe timing out, failing, answering garbage or unreachable."""

    def test_intent_creation_faults_give_a_clear_message(self):
        # PaymentIntent creation carries an idempotency key, so a failure without an answer of
        # Stripe's API is retried once with the same key: two faults in a row reach the
        # customer. A 500 of Stripe's API is its answer for the key (Stripe would replay it):
        # not retried. Customer creation has no key and is not retried.
        # Five failed payments in a row, then a sixth: more than the default attempt limits
        # allow (test_throttle.py), which are not under test here.
        self.company.write(
            {"portal_pay_throttle_failed_user": 0, "portal_pay_throttle_failed_ip": 0}
        )
        for kind, path, attempts in (
            ("timeout", "payment_intents", 2),
            ("connection", "payment_intents", 2),
            ("outage", "payment_intents", 2),
            ("non_json", "payment_intents", 2),
            ("5xx", "payment_intents", 1),
            ("non_json", "customers", 1),
        ):
            with self.subTest(kind=kind, path=path):
                self.fake.calls.clear()
                self.fake.fail_next(kind, path, times=attempts)
                form = self._open_payment_form("300.33")
                before = self.env["payment.transaction"].search([])
                with mute_logger(*TX_LOGGERS):
                    response = self.opener.post(
                        f"{self.base_url()}{const.TRANSACTION_ROUTE}",
                        json={
                            "jsonrpc": "2.0",
                            "method": "call",
                            "id": 1,
                            "params": {
                                "provider_id": form["provider_id"],
                                "payment_method_id": form["payment_method_id"],
                                "token_id": None,
                                "amount": float(form["amount"]),
                                "flow": "direct",
                                "tokenization_requested": False,
                                "landing_route": form["landing_route"],
                                "is_validation": False,
                                "access_token": form["access_token"],
                            },
                        },
                    )
                self.assertEqual(response.status_code, 200)
                body = response.json()
                self.assertNotIn("error", body, "a handled failure, not a server error")
                result = body["result"]
                self.assertEqual(result["state"], "error")
                self.assertFalse(result.get("client_secret"))
                message = result["state_message"]
                self.assertTrue(message)
                for leak in ("Traceback", "<html", "<h1", "JSONDecodeError", "Exception"):
                    self.assertNotIn(leak, message)
                self.assertNotIn("Traceback", response.text)
                new_txs = self.env["payment.transaction"].search([]) - before
                self.assertEqual(len(new_txs), 1, "one transaction per attempt")
                self.assertEqual(new_txs.state, "error", "settled, not left pending")
                calls = self.fake.calls_to("POST", path)
                self.assertEqual(len(calls), attempts)
                self.assertEqual(len({call.idempotency_key for call in calls}), 1)
                self.assertFalse(self.fake.faults)
                self.assertNothingApplied(new_txs, state="error")

        # The customer tries again: a new attempt, a new key, one PaymentIntent, one payment.
        self.fake.calls.clear()
        tx, _values = self._start_payment("300.33")
        (intent_call,) = self.fake.calls_to("POST", "payment_intents")
        failed_keys = {
            payment_utils.generate_idempotency_key(failed_tx, scope="payment_intents")
            for failed_tx in self.env["payment.transaction"].search(
                [("state", "=", "error"), ("portal_pay_account", "=", True)]
            )
        }
        self.assertNotIn(intent_call.idempotency_key, failed_keys)
        self.fake.settle(tx.provider_reference, "succeeded")
        self._deliver(self.fake.event("payment_intent.succeeded", tx.provider_reference))
        self._post_process()
        tx.invalidate_recordset()
        self.assertPaidOldestFirst(tx)

    def test_lost_answer_recovered_with_the_same_key(self):
        # Stripe creates the PaymentIntent but its answer is lost: the retry with the same key
        # gets the saved answer; the customer pays on the one PaymentIntent.
        self.fake.fail_next("lost_response", "payment_intents")
        tx, processing_values = self._start_payment("300.33")
        calls = self.fake.calls_to("POST", "payment_intents")
        self.assertEqual(len(calls), 2)
        self.assertEqual(calls[0].idempotency_key, calls[1].idempotency_key)
        (intent_id,) = self.fake.intents
        self.assertEqual(processing_values["client_secret"], f"{intent_id}_secret_fake")
        self.assertEqual((tx.state, tx.provider_reference), ("draft", intent_id))

    def test_messages_name_the_fault(self):
        provider = self.stripe_provider
        for kind, expected in (
            ("timeout", "Could not establish the connection"),
            ("connection", "Could not establish the connection"),
            ("outage", "Stripe is not available right now (HTTP 503)"),
            ("5xx", "An unknown error occurred while processing the request."),
            ("non_json", "Stripe sent an answer that could not be read"),
        ):
            with self.subTest(kind=kind):
                self.fake.fail_next(kind, "payment_intents/pi_x")
                with mute_logger(*TX_LOGGERS), self.assertRaises(ValidationError) as caught:
                    provider._send_api_request("GET", "payment_intents/pi_x")
                self.assertIn(expected, str(caught.exception))
                self.assertNotIn("<h1", str(caught.exception))

    # === RECOVERY CRON === #

    def _age(self, tx, minutes):
        past = fields.Datetime.now() - timedelta(minutes=minutes)
        self.env.cr.execute(
            "UPDATE payment_transaction SET last_state_change = %s, create_date = %s WHERE id = %s",
            [past, past, tx.id],
        )
        tx.invalidate_recordset()

    def _run_recovery(self):
        with mute_logger(*TX_LOGGERS):
            self.env.ref(
                "servicecore_portal_pay.cron_portal_pay_stripe_recover"
            ).method_direct_trigger()

    def test_recovery_cron_completes_a_stuck_payment(self):
        stuck, _values = self._start_payment("300.33")
        self.fake.settle(stuck.provider_reference, "succeeded")  # paid, but tab closed, no webhook
        fresh, _values = self._start_payment("10.00")  # the customer may still be paying
        self._age(stuck, const.STRIPE_RECOVERY_DELAY_MINUTES + 1)
        self.fake.calls.clear()

        self._run_recovery()
        self.assertEqual(
            [(call.method, call.path) for call in self.fake.calls],
            [("GET", f"payment_intents/{stuck.provider_reference}")],
            "only the stuck transaction is looked up, through the same seam",
        )
        stuck.invalidate_recordset()
        fresh.invalidate_recordset()
        self.assertEqual(fresh.state, "draft")
        self.assertEqual(stuck.state, "done")
        self.assertTrue(stuck.is_post_processed)
        self.assertPaidOldestFirst(stuck)

        # Running again changes nothing and asks Stripe nothing about settled transactions.
        self.fake.calls.clear()
        self._run_recovery()
        self.assertFalse(self.fake.calls)
        self.assertPaidOldestFirst(stuck)

    def test_recovery_cron_fails_a_declined_payment_and_survives_stripe_down(self):
        tx, _values = self._start_payment("300.33")
        message = "Your card has insufficient funds."
        self.fake.settle(tx.provider_reference, "requires_payment_method", error_message=message)
        self._age(tx, const.STRIPE_RECOVERY_DELAY_MINUTES + 1)

        self.fake.fail_next("timeout", f"payment_intents/{tx.provider_reference}")
        self._run_recovery()
        self.assertNothingApplied(tx, state="draft")  # Stripe down: retried on the next run

        self._run_recovery()
        tx.invalidate_recordset()
        self.assertEqual(tx.state, "error")
        self.assertEqual(tx.state_message, message)
        self.assertTrue(tx.is_post_processed)
        self.assertNothingApplied(tx, state="error")

    def test_recovery_cron_window(self):
        tx, _values = self._start_payment("300.33")
        self.fake.settle(tx.provider_reference, "succeeded")
        self._age(tx, const.STRIPE_RECOVERY_WINDOW_DAYS * 24 * 60 + 60)
        self.fake.calls.clear()
        self._run_recovery()
        self.assertFalse(self.fake.calls, "too old: left to staff")
        self.assertNothingApplied(tx)


@tagged("post_install", "-at_install")
class TestStripeCardTesting(StripePortalPayCase):
    """Card testing through one transaction: a declined PaymentIntent is cancelled, so its
    client_secret is worthless, and every failed charge Stripe reports counts toward the
    failure limit."""

    def setUp(self):
        super().setUp()
        self.company.write(
            {
                "portal_pay_throttle_tx_user": 0,
                "portal_pay_throttle_tx_ip": 0,
                "portal_pay_throttle_failed_user": 3,
                "portal_pay_throttle_failed_ip": 0,
            }
        )

    def _decline(self, intent_id, message="Your card was declined."):
        """One more card declined on ``intent_id`` (Stripe.js confirming it in the browser):
        the ``payment_intent.payment_failed`` event Stripe sends about it."""
        self.fake.settle(intent_id, "requires_payment_method", error_message=message)
        return self.fake.event("payment_intent.payment_failed", intent_id)

    def test_declined_intent_cancelled_and_form_used(self):
        form = self._open_payment_form("300.33")
        reference = self._submit(form)["reference"]
        tx = self.env["payment.transaction"].search([("reference", "=", reference)])
        intent_id = tx.provider_reference
        self.assertEqual(self._deliver(self._decline(intent_id)).status_code, 200)
        self.assertEqual(len(self.fake.calls_to("POST", f"payment_intents/{intent_id}/cancel")), 1)
        self.assertEqual(self.fake.intents[intent_id]["status"], "canceled")
        tx.invalidate_recordset()
        self.assertNothingApplied(tx, state="error")
        # The browser still holds the client_secret: Stripe refuses another card on it.
        refused = self.fake.settle(intent_id, "succeeded")
        self.assertEqual(refused["error"]["code"], "payment_intent_unexpected_state")
        # The same form again is no new chance: the customer must start a new, counted attempt.
        with mute_logger("odoo.http"):
            replay = self._post_form(form)
        self.assertIn("already used", str(replay))
        # The same failure reported again (webhook redelivered, then the browser's return)
        # is one failure, and the PaymentIntent is cancelled once.
        self.assertEqual(
            self._deliver(self.fake.event("payment_intent.payment_failed", intent_id)).status_code,
            200,
        )
        self.assertEqual(len(self.fake.calls_to("POST", f"payment_intents/{intent_id}/cancel")), 1)

    def test_repeated_declines_on_one_transaction_hit_the_failure_limit(self):
        tx, _values = self._start_payment("300.33")
        intent_id = tx.provider_reference
        # Three cards tried on the same client_secret before the first webhook arrived.
        events = [self._decline(intent_id) for _card in range(3)]
        for event in (events[0], events[0], events[1]):  # a redelivery counts once
            self.assertEqual(self._deliver(event).status_code, 200)
        # Two failed charges so far, under the limit of 3: a new attempt is accepted.
        second, _values = self._start_payment("300.33")
        self.assertEqual(self._deliver(events[2]).status_code, 200)
        with mute_logger("odoo.http", ATTEMPT_LOGGER):
            refused = self._post_form(self._open_payment_form("300.33"))
        self.assertIn("Too many payment attempts", str(refused))
        self.assertEqual(
            self.env["payment.transaction"].search_count([("partner_id", "=", self.payer.id)]), 2
        )
        self.assertTrue(second)

    def _post_form(self, form):
        """POST the payment form like `_submit`, returning the JSON-RPC reply, error or not."""
        params = {
            "provider_id": form["provider_id"],
            "payment_method_id": form["payment_method_id"],
            "amount": float(form["amount"]),
            "flow": "direct",
            "access_token": form["access_token"],
        }
        payload = {"jsonrpc": "2.0", "method": "call", "id": 0, "params": params}
        return self.url_open(form["transaction_route"], json=payload).json()


@tagged("post_install", "-at_install")
class TestWebhookSignature(TransactionCase):
    """The pure verification agrees with Stripe's own library (stripe-python)."""

    def test_agrees_with_stripe_library(self):
        """Every header stripe-python accepts or refuses, compared with the addon's verdict.

        Where they differ, the addon is stricter on purpose, and each such case is listed with
        its reason; nothing stripe-python refuses is accepted.
        """
        payload = b'{"id": "evt_1", "type": "payment_intent.succeeded"}'
        now = int(time.time())
        good = signature(payload, SECRET, now)
        zeros = "0" * 64
        big = b'{"id": "evt_1", "padding": "' + b"x" * webhook_signature.MAX_PAYLOAD_BYTES + b'"}'
        # (payload, header, secret) -> (stripe-python accepts, the addon accepts)
        same = {
            (payload, f"t={now},v1={good}", SECRET): True,
            (payload, f"t={now},v1={zeros},v1={good}", SECRET): True,
            (payload, f"t={now},v1={good},v1={zeros}", SECRET): True,
            (payload, f"t={now},v0=abc,v1={good}", SECRET): True,
            (payload, _signatures(payload, webhook_signature.MAX_SIGNATURES), SECRET): True,
            (payload, f"t={now - 299},v1={signature(payload, SECRET, now - 299)}", SECRET): True,
            (payload, f"t={now},v1={signature(payload, OLD_SECRET, now)}", SECRET): False,
            (payload, f"t={now - 400},v1={signature(payload, SECRET, now - 400)}", SECRET): False,
            (payload, f"t={now}", SECRET): False,
            (payload, f"v1={good}", SECRET): False,
            (payload, "garbage", SECRET): False,
            (payload, "", SECRET): False,
            (payload, f"t={now},v1={good}", None): False,
        }
        stricter = {
            # Stripe's library has no limit on the future; the addon refuses clock skew beyond
            # the tolerance both ways (a delivery "from the future" can be replayed longer).
            (payload, f"t={now + 400},v1={signature(payload, SECRET, now + 400)}", SECRET),
            # It reads the first ``t`` of a repeated one; the addon refuses the ambiguity.
            (payload, f"t={now},t={now - 9999},v1={good}", SECRET),
            # It skips entries without ``=``; the addon refuses a header Stripe never sends.
            (payload, f"t={now},v1={good},junk", SECRET),
            # It compares any number of ``v1``; the addon at most MAX_SIGNATURES (cost bound).
            (payload, _signatures(payload, webhook_signature.MAX_SIGNATURES + 1), SECRET),
            # It verifies a body of any size; the addon refuses more than MAX_PAYLOAD_BYTES.
            (big, f"t={now},v1={signature(big, SECRET, now)}", SECRET),
        }
        cases = {case: (authentic, authentic) for case, authentic in same.items()}
        cases.update(dict.fromkeys(stricter, (True, False)))
        for (body, header, secret), expected in cases.items():
            with self.subTest(header=header[:80], size=len(body), secret=secret):
                try:
                    stripe.WebhookSignature.verify_header(body, header, secret, tolerance=300)
                    stripe_says = True
                except stripe.SignatureVerificationError:
                    stripe_says = False
                try:
                    webhook_signature.verify(body, header, [secret] if secret else [], now, 300)
                    we_say = True
                except webhook_signature.SignatureError:
                    we_say = False
                self.assertEqual((stripe_says, we_say), expected)

    def test_status_per_failure(self):
        payload = b"{}"
        now = int(time.time())
        with self.assertRaises(webhook_signature.MissingSecret) as missing:
            webhook_signature.verify(payload, f"t={now},v1=ab", [], now, 300)
        with self.assertRaises(webhook_signature.MalformedHeader) as malformed:
            webhook_signature.verify(payload, "t=,v1=ab", [SECRET], now, 300)
        for header in ("t=١٢٣,v1=ab", "t=1,t=1,v1=ab", "t=1,v1", "t=1,=ab,v1=ab", None):
            with self.subTest(header=header), self.assertRaises(webhook_signature.MalformedHeader):
                webhook_signature.parse_header(header)
        with self.assertRaises(webhook_signature.InvalidSignature) as invalid:
            webhook_signature.verify(payload, f"t={now},v1=ab", [SECRET], now, 300)
        with self.assertRaises(webhook_signature.PayloadTooLarge) as too_large:
            webhook_signature.check_payload_size(webhook_signature.MAX_PAYLOAD_BYTES + 1)
        with self.assertRaises(webhook_signature.LengthRequired) as no_length:
            webhook_signature.check_payload_size(None)
        webhook_signature.check_payload_size(webhook_signature.MAX_PAYLOAD_BYTES)
        self.assertEqual(
            [
                missing.exception.status,
                malformed.exception.status,
                invalid.exception.status,
                too_large.exception.status,
                no_length.exception.status,
            ],
            [403, 400, 403, 413, 411],
        )
        self.assertEqual(
            webhook_signature.verify(
                payload,
                f"t={now},v1={signature(payload, SECRET, now)}",
                [OLD_SECRET, SECRET],
                now,
                300,
            ),
            [1],
        )
