from decimal import Decimal

from odoo import api, models

from odoo.addons.servicecore_portal_pay.rules import amounts, status

# Payment methods whose payments stay pending for days (bank debits and transfers settle through
# the banks' clearing), and methods that card networks confirm within minutes.
PENDING_DAYS_METHODS = frozenset(
    {
        "sepa_direct_debit",
        "ach_direct_debit",
        "bacs_direct_debit",
        "becs_direct_debit",
        "bank_transfer",
    }
)
PENDING_MINUTES_METHODS = frozenset({"card"})

# Payment states of account.payment that stand for a provider's verdict when there is none.
_PAYMENT_VERDICT = {"canceled": "cancel", "rejected": "error"}


class PortalPayStatus(models.AbstractModel):
    """Feeds the pure status rule (``rules.status``) from transactions and payments: the one
    word the customer and staff see for a payment."""

    _name = "portal.pay.status"
    _description = "Portal Payment Customer Status"

    @api.model
    def _of_payment(self, payment):
        """The customer status of an incoming payment (portal or not); False for others."""
        payment = payment.sudo()
        tx = payment.payment_transaction_id
        if payment.payment_type != "inbound" or tx.operation in ("refund", "validation"):
            return False
        booked = payment.state in ("in_process", "paid")
        tx_state = _PAYMENT_VERDICT.get(payment.state) or (tx.state if tx else None)
        places = payment.currency_id.decimal_places
        amount = amounts.quantize(payment.amount, places)
        return status.customer_status(
            tx_state,
            booked,
            amount,
            self._applied(payment, amount, places) if booked else Decimal(0),
            self._refunded(payment, places),
        )

    @api.model
    def _of_transaction(self, tx):
        """The customer status of a payment transaction; False for refunds and validations.

        A transaction that paid several receivable accounts made one payment per account: it
        is paid when all of them together applied its amount.
        """
        tx = tx.sudo()
        if tx.operation in ("refund", "validation"):
            return False
        places = tx.currency_id.decimal_places
        payments = tx.payment_id | self.env["account.payment"].sudo().search(
            [("payment_transaction_id", "=", tx.id), ("payment_type", "=", "inbound")]
        )
        payments = payments.filtered(lambda payment: payment.state in ("in_process", "paid"))
        zero = Decimal(0)
        return status.customer_status(
            tx.state,
            bool(payments),
            amounts.quantize(tx.amount, places),
            sum(
                (
                    self._applied(payment, amounts.quantize(payment.amount, places), places)
                    for payment in payments
                ),
                zero,
            ),
            sum((self._refunded(payment, places) for payment in payments), zero),
        )

    @api.model
    def _applied(self, payment, amount, places):
        """What a posted payment applied: its amount less what is still open on it."""
        return amount - amounts.quantize(max(payment.portal_pay_open_credit, 0.0), places)

    @api.model
    def _refunded(self, payment, places):
        if payment.is_portal_payment:
            return amounts.quantize(payment.portal_pay_refunded, places)
        if not payment.payment_transaction_id:
            return Decimal(0)
        # Stock refunds through the provider: refund payments pointing back at this one.
        refunds = (
            self.env["account.payment"]
            .sudo()
            .search(
                [("source_payment_id", "=", payment.id), ("state", "in", ("in_process", "paid"))]
            )
        )
        return amounts.quantize(sum(abs(amount) for amount in refunds.mapped("amount")), places)

    @api.model
    def _pending_delay(self, tx):
        """Roughly how long ``tx``'s payment method takes to confirm a pending payment:
        ``minutes`` (card networks), ``days`` (bank debits and transfers) or ``unknown``."""
        method = tx.sudo().payment_method_id
        code = (method.primary_payment_method_id or method).code
        if code in PENDING_MINUTES_METHODS:
            return "minutes"
        if code in PENDING_DAYS_METHODS:
            return "days"
        return "unknown"
