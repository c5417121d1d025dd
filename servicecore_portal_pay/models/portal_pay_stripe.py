import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.payment import utils as payment_utils
from odoo.addons.payment_stripe import const as stripe_const
from odoo.addons.payment_stripe.controllers.main import StripeController
from odoo.addons.servicecore_portal_pay import const

_logger = logging.getLogger(__name__)


class PortalPayStripe(models.AbstractModel):
    """What Make a Payment adds to Stripe's flow: notifications bound to their PaymentIntent,
    declines counted and their PaymentIntent cancelled, stuck payments recovered.

    `payment.transaction` keeps the hooks Odoo calls (`_stripe_create_intent`, `_process`, the
    recovery cron).
    """

    _name = "portal.pay.stripe"
    _description = "Portal Payment Stripe Rules"

    @api.model
    def _mismatch(self, tx, payment_data):
        """Say why Stripe payment data is not about ``tx``, if it is not.

        :return: the reason, or ``None`` when the PaymentIntent id (once known), the amount in
                 minor units and the currency all match
        :rtype: str|None
        """
        intent = payment_data.get("payment_intent")
        if not isinstance(intent, dict):
            return "no PaymentIntent in the payment data"
        if tx.provider_reference and intent.get("id") != tx.provider_reference:
            return f"PaymentIntent {intent.get('id')} is not {tx.provider_reference}"
        expected_amount = payment_utils.to_minor_currency_units(
            tx.amount,
            tx.currency_id,
            arbitrary_decimal_number=stripe_const.CURRENCY_DECIMALS.get(tx.currency_id.name),
        )
        if intent.get("amount") != expected_amount:
            return f"amount {intent.get('amount')} instead of {expected_amount}"
        currency = intent.get("currency")
        if not isinstance(currency, str) or currency.upper() != tx.currency_id.name:
            return f"currency {currency} instead of {tx.currency_id.name}"
        return None

    @api.model
    def _card(self, payment_data):
        """The card of a PaymentIntent as Stripe reports it: its PaymentMethod's ``card`` when
        expanded (the browser's return, a saved card), else the ``payment_method_details.card``
        of its charge (a webhook event: ``charges``, in the API version payment_stripe pins).

        :return: ``(brand, last4)``, ``(None, None)`` when Stripe said nothing about a card
        """
        card = None
        payment_method = payment_data.get("payment_method")
        if isinstance(payment_method, dict):
            card = payment_method.get("card")
        intent = payment_data.get("payment_intent")
        if not card and isinstance(intent, dict):
            for charge in (intent.get("charges") or {}).get("data") or []:
                card = (charge.get("payment_method_details") or {}).get("card")
                if card:
                    break
        if not isinstance(card, dict):
            return None, None
        return card.get("brand"), card.get("last4")

    @api.model
    def _count_decline(self, tx, intent):
        """Count a failed charge of ``tx``'s PaymentIntent, and cancel the intent.

        The browser holds the PaymentIntent's client_secret: without the cancellation it could
        try card after card on this one transaction, each decline re-erroring it. Cancelled, the
        intent takes no more cards, and a new payment is a new, counted attempt. The webhook,
        the browser's return and the recovery cron may all report one failure: it counts once.
        """
        error = intent.get("last_payment_error") if isinstance(intent, dict) else None
        if intent.get("status") != "requires_payment_method" or not isinstance(error, dict):
            return
        method = error.get("payment_method")
        ref = str(error.get("charge") or (method.get("id") if isinstance(method, dict) else method))
        refs = (tx.portal_pay_failed_charge_refs or "").split()
        if ref in refs:
            return
        tx.write(
            {
                "portal_pay_failed_charges": tx.portal_pay_failed_charges + 1,
                "portal_pay_failed_charge_refs": " ".join([*refs, ref]),
            }
        )
        if tx.state != "error":
            return
        try:
            tx._send_api_request(
                "POST",
                f"payment_intents/{intent['id']}/cancel",
                data={"cancellation_reason": "abandoned"},
            )
        except ValidationError as exc:
            # Already succeeding or cancelled at Stripe: its own notification settles it.
            _logger.warning(
                "PaymentIntent %s of transaction %s not cancelled after a decline: %s",
                intent.get("id"),
                tx.reference,
                exc,
            )

    # === RECOVERY === #

    @api.model
    def _stuck_domain(self):
        now = fields.Datetime.now()
        return [
            ("portal_pay_account", "=", True),
            ("provider_code", "=", "stripe"),
            ("operation", "in", ("online_direct", "online_token", "online_redirect")),
            ("state", "in", ("draft", "pending")),
            ("provider_reference", "=like", "pi\\_%"),
            (
                "last_state_change",
                "<=",
                now - timedelta(minutes=const.STRIPE_RECOVERY_DELAY_MINUTES),
            ),
            ("create_date", ">=", now - timedelta(days=const.STRIPE_RECOVERY_WINDOW_DAYS)),
        ]

    @api.model
    def _recover(self, tx):
        """Fetch ``tx``'s PaymentIntent from Stripe, apply its status, post-process.

        The row is locked without waiting: if a webhook or the customer's return is processing
        it right now, they settle it and this run skips it. A Stripe failure leaves the
        transaction as it is for the next run (the request is a GET, safe to repeat).
        """
        self.env.cr.execute(
            "SELECT id FROM payment_transaction WHERE id = %s FOR UPDATE SKIP LOCKED", [tx.id]
        )
        if not self.env.cr.fetchone():
            return
        tx.invalidate_recordset(["state", "provider_reference"])
        if tx.state not in ("draft", "pending"):
            return
        try:
            intent = tx._send_api_request(
                "GET",
                f"payment_intents/{tx.provider_reference}",
                data={"expand[]": "payment_method"},
            )
        except ValidationError as error:
            _logger.warning(
                "Could not ask Stripe about transaction %s; retrying later: %s",
                tx.reference,
                error,
            )
            return
        payment_data = {"reference": tx.reference}
        StripeController._include_payment_intent_in_payment_data(intent, payment_data)
        tx._process("stripe", payment_data)
        _logger.info("Recovered transaction %s from Stripe: %s", tx.reference, tx.state)
        if tx.state in ("done", "cancel", "error") and not tx.is_post_processed:
            tx._post_process()

    @api.model
    def _billing_details(self, billing):
        """Billing details in the shape of Stripe's PaymentMethods API (``billing_details``),
        without the empty ones.

        :param dict billing: as `portal.pay.billing._defaults` gives them
        """
        address = {
            "line1": billing["street"],
            "line2": billing["street2"],
            "city": billing["city"],
            "state": billing["state"].code,
            "country": billing["country"].code,
            "postal_code": billing["zip"],
        }
        details = {
            "name": billing["name"],
            "email": billing["email"],
            "phone": billing["phone"],
            "address": {key: value for key, value in address.items() if value},
        }
        return {key: value for key, value in details.items() if value}

    @api.model
    def _tx_billing_details(self, tx):
        """The billing details ``tx`` went with, in Stripe's shape (its street lines as one)."""
        return self._billing_details(
            {
                "name": tx.partner_name or "",
                "email": tx.partner_email or "",
                "phone": tx.partner_phone or "",
                "street": tx.partner_address or "",
                "street2": "",
                "city": tx.partner_city or "",
                "zip": tx.partner_zip or "",
                "state": tx.partner_state_id,
                "country": tx.partner_country_id,
            }
        )
