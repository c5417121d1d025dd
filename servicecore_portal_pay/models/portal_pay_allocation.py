from odoo import fields, models


class PortalPayAllocation(models.Model):
    """One invoice line paid (fully or partly) by a portal account payment.

    Written once when the payment is applied oldest-first; it is the record of what the customer
    was told on the confirmation page and in the receipt, kept even if staff later re-match.
    """

    _name = "portal.pay.allocation"
    _description = "Portal Payment Allocation"
    _order = "payment_id, sequence, id"
    _rec_name = "move_id"

    payment_id = fields.Many2one(
        comodel_name="account.payment",
        required=True,
        ondelete="cascade",
        index=True,
        readonly=True,
    )
    sequence = fields.Integer(readonly=True)
    move_line_id = fields.Many2one(
        comodel_name="account.move.line",
        string="Receivable Line",
        ondelete="set null",
        readonly=True,
    )
    move_id = fields.Many2one(
        comodel_name="account.move",
        string="Invoice",
        required=True,
        ondelete="cascade",
        index=True,
        readonly=True,
    )
    partial_id = fields.Many2one(
        comodel_name="account.partial.reconcile",
        string="Reconciliation",
        ondelete="set null",
        readonly=True,
    )
    date_maturity = fields.Date(string="Due Date", readonly=True)
    amount = fields.Monetary(string="Amount Applied", readonly=True)
    residual_after = fields.Monetary(string="Left to Pay", readonly=True)
    amount_refunded = fields.Monetary(
        string="Refunded",
        readonly=True,
        help="Part of the amount applied taken back by refunds (the invoice was reopened by it).",
    )
    currency_id = fields.Many2one(related="payment_id.currency_id", store=True)
    company_id = fields.Many2one(related="payment_id.company_id", store=True, index=True)
    partner_id = fields.Many2one(related="payment_id.partner_id", store=True, index=True)
