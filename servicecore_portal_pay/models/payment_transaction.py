import logging
from datetime import timedelta

from odoo import api, fields, models

_logger = logging.getLogger(__name__)


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    portal_pay_account = fields.Boolean(
        string="Account Payment",
        readonly=True,
        copy=False,
        help="Paid on account from the portal: applied to the oldest open invoices first.",
    )
    portal_pay_line_ids = fields.Many2many(
        comodel_name="account.move.line",
        string="Chosen Items",
        readonly=True,
        copy=False,
        help="The open items the customer chose to pay; the payment is applied to them only.",
    )

    # === BUSINESS METHODS - PAYMENT FLOW === #

    def _create_child_transaction(self, amount, is_refund=False, **custom_create_values):
        """Override of `payment` to keep partial captures of account payments on account.

        The captured part of an authorized account payment is a child transaction that creates
        the payment: it must be applied oldest first like its source, not left unreconciled.
        """
        if self.portal_pay_account and not is_refund:
            custom_create_values.setdefault("portal_pay_account", True)
        return super()._create_child_transaction(
            amount, is_refund=is_refund, **custom_create_values
        )

    # === BUSINESS METHODS - POST-PROCESSING === #

    def _create_payment(self, **extra_create_values):
        """Override of `account_payment` to apply account payments oldest invoice first.

        Exactly once per transaction: the transaction row is locked and re-read, so concurrent
        status polls, webhooks and cron runs create a single payment and a single allocation.

        Note: self.ensure_one()
        """
        self.ensure_one()
        if self.operation == "refund" and self.source_transaction_id.portal_pay_account:
            return self._portal_pay_create_refund_payment(**extra_create_values)
        if not self.portal_pay_account or self.operation == "refund":
            return super()._create_payment(**extra_create_values)
        self.env.cr.execute(
            "SELECT payment_id FROM payment_transaction WHERE id = %s FOR UPDATE", [self.id]
        )
        existing_id = self.env.cr.fetchone()[0]
        if existing_id:
            return self.env["account.payment"].browse(existing_id)
        payment = super(
            PaymentTransaction, self.with_context(force_payment_move=True)
        )._create_payment(
            is_portal_payment=True,
            portal_pay_contact_id=self.partner_id.id,
            **extra_create_values,
        )
        records = payment._portal_pay_allocate()
        self.invoice_ids = records.move_id
        payment._portal_pay_send_receipt()
        return payment

    # === ACCOUNTING STAFF: REFUNDS AND ANOMALIES === #

    portal_pay_anomaly = fields.Boolean(
        string="Confirmed Without Payment",
        readonly=True,
        copy=False,
        index=True,
        help="The provider confirmed this portal payment but no posted payment was created.",
    )

    def _portal_pay_create_refund_payment(self, **extra_create_values):
        """Create the refund payment of a portal payment and reopen its invoices, newest first.

        Note: self.ensure_one()
        """
        self.ensure_one()
        refund = super(
            PaymentTransaction, self.with_context(force_payment_move=True)
        )._create_payment(**extra_create_values)
        source_payment = self.source_transaction_id.payment_id
        if source_payment.is_portal_payment and refund.move_id:
            source_payment._portal_pay_unallocate(refund)
        return refund

    @api.model
    def _portal_pay_unposted_domain(self, before):
        return [
            ("portal_pay_account", "=", True),
            ("operation", "!=", "refund"),
            ("state", "=", "done"),
            ("last_state_change", "<", before),
            "|",
            ("payment_id", "=", False),
            ("payment_id.state", "not in", ("in_process", "paid")),
            ("portal_pay_anomaly", "=", False),
        ]

    @api.model
    def _cron_portal_pay_check_unposted(self, minutes=30):
        """Tell the accounting team about portal payments confirmed but never posted.

        The provider took the money, yet the post-processing failed (or was never reached):
        the customer's invoices are still open. Checked after a grace period so the regular
        post-processing cron has had its chance.
        """
        before = fields.Datetime.now() - timedelta(minutes=minutes)
        txs = self.sudo().search(self._portal_pay_unposted_domain(before), limit=200)
        for tx in txs:
            tx.portal_pay_anomaly = True
            partner = tx.partner_id.commercial_partner_id
            user = tx.company_id._portal_pay_responsible()
            partner.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._("Portal payment without accounting entry"),
                note=self.env._(
                    "Transaction %(reference)s (%(amount)s) was confirmed by %(provider)s but "
                    "has no posted payment: the invoices of %(customer)s are still open.",
                    reference=tx.reference,
                    amount=tx.currency_id.format(tx.amount),
                    provider=tx.provider_id.name,
                    customer=partner.name,
                ),
                user_id=user.id,
            )
            _logger.warning(
                "Portal transaction %s confirmed without a posted payment", tx.reference
            )
        return txs
