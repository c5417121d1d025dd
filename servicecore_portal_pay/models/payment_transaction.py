from odoo import fields, models


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
        return payment
