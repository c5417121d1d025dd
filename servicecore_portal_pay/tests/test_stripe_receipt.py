"""The card on the receipt: brand (as Odoo names the payment method) and last 4 digits as Stripe
reports them (issue 13).

Stripe's API answers from `fake_stripe.FakeStripe`, which returns the card as Stripe documents
it: ``payment_method.card`` when the PaymentMethod is expanded (the browser's return, a saved
card), ``charges.data[].payment_method_details.card`` in the PaymentIntent of a webhook event
(API versions before 2022-11-15, as payment_stripe pins).
"""

from lxml import html

from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.servicecore_portal_pay import const

from . import test_stripe
from .test_stripe import TX_LOGGERS, StripePortalPayCase


@tagged("post_install", "-at_install")
class TestStripeReceiptCard(StripePortalPayCase):
    def _shown_method(self, tx):
        """The payment method on the confirmation page and on the receipt, as the payer sees it."""
        shown = {}
        for name, url in (
            ("confirmation", f"{const.CONFIRMATION_ROUTE}?tx_id={tx.id}"),
            ("receipt", f"{const.RECEIPT_ROUTE}/{tx.id}"),
        ):
            response = self.url_open(url)
            self.assertEqual(response.status_code, 200, url)
            (element,) = html.fromstring(response.text).xpath(
                "//*[@id='portal_pay_receipt_method']"
            )
            shown[name] = " ".join(element.text_content().split())
        return shown

    # The saved-card payment of the Stripe flow tests (their class is not imported: it would
    # run its tests again here).
    _pay_with_saved_card = test_stripe.TestStripeFlow._pay_with_saved_card

    def test_card_from_the_webhook_charge(self):
        tx, _values = self._start_payment("300.33")
        (intent_id,) = self.fake.intents
        card = self.fake.add_payment_method(brand="mastercard", last4="4444")
        self.fake.settle(intent_id, "succeeded", payment_method=card)
        event = self.fake.event("payment_intent.succeeded", intent_id)
        self.assertIsInstance(event["data"]["object"]["payment_method"], str, "not expanded")
        self.assertEqual(self._deliver(event).status_code, 200)
        self._post_process()
        tx.invalidate_recordset()
        self.assertEqual(
            (tx.portal_pay_card_brand, tx.portal_pay_card_last4), ("mastercard", "4444")
        )
        self.assertEqual(
            self._shown_method(tx),
            dict.fromkeys(("confirmation", "receipt"), "MasterCard ending in 4444"),
        )

    def test_card_from_the_browser_return(self):
        tx, _values = self._start_payment("300.33")
        intent_id = tx.provider_reference
        card = self.fake.add_payment_method(brand="amex", last4="0005")
        self.fake.settle(intent_id, "succeeded", payment_method=card)
        with mute_logger(*TX_LOGGERS):
            self.url_open(
                f"/payment/stripe/return?reference={tx.reference}&payment_intent={intent_id}"
            )
            self.make_jsonrpc_request("/payment/status/poll")
        tx.invalidate_recordset()
        self.assertTrue(tx.payment_id)
        self.assertEqual((tx.portal_pay_card_brand, tx.portal_pay_card_last4), ("amex", "0005"))
        self.assertEqual(
            self._shown_method(tx),
            dict.fromkeys(("confirmation", "receipt"), "American Express ending in 0005"),
        )

    def test_saved_card_shows_the_tokens_digits(self):
        self.fake.add_payment_method(
            customer="cus_saved", brand="visa", last4="4242", pm_id="pm_saved"
        )
        tx, processing_values = self._pay_with_saved_card()
        self.assertEqual(processing_values["state"], "done")
        self._post_process()
        tx.invalidate_recordset()
        self.assertTrue(tx.payment_id)
        self.assertEqual(tx.token_id, self.token)
        self.assertEqual(
            self._shown_method(tx),
            dict.fromkeys(("confirmation", "receipt"), "VISA ending in 4242"),
        )
