from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models

from odoo.addons.servicecore_portal_pay import utils


class PortalPayAllocation(models.Model):
    """Money applied to one open item, oldest first: by a payment, or by a credit.

    Each record is bound to the reconciliation that booked it (``partial_id``): when staff
    unreconcile, reset or cancel the payment, or a refund reopens the item, the reconciliation
    is removed and the record with it. What customers and staff see is what the ledger holds.
    """

    _name = "portal.pay.allocation"
    _description = "Portal Payment Allocation"
    _order = "payment_id, sequence, id"
    _rec_name = "move_id"

    kind = fields.Selection(
        selection=[("payment", "Payment"), ("credit", "Credit")],
        required=True,
        default="payment",
        readonly=True,
        help="Payment: money of the payment itself. Credit: an open credit (credit note, "
        "unapplied payment) applied along with it.",
    )
    payment_id = fields.Many2one(
        comodel_name="account.payment",
        ondelete="cascade",
        index=True,
        readonly=True,
        help="The payment whose booking made this application.",
    )
    source_move_id = fields.Many2one(
        comodel_name="account.move",
        string="Applied From",
        ondelete="cascade",
        readonly=True,
        help="The entry whose money was applied: the payment's, or the credit's.",
    )
    sequence = fields.Integer(readonly=True)
    move_line_id = fields.Many2one(
        comodel_name="account.move.line",
        string="Receivable Line",
        ondelete="cascade",
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
        required=True,
        ondelete="cascade",
        index=True,
        readonly=True,
    )
    date_maturity = fields.Date(string="Due Date", readonly=True)
    amount = fields.Monetary(string="Amount Applied", readonly=True)
    discount = fields.Monetary(
        string="Early Payment Discount",
        readonly=True,
        help="Discount granted for paying inside the invoice's early-payment window.",
    )
    residual_after = fields.Monetary(
        string="Left After This Payment",
        readonly=True,
        help="What was left to pay on the invoice right after this application (a snapshot).",
    )
    currency_id = fields.Many2one(comodel_name="res.currency", required=True, readonly=True)
    note_due = fields.Boolean(
        readonly=True,
        copy=False,
        index=True,
        help="The note on the invoice (and the credit) is waiting to be posted.",
    )
    company_id = fields.Many2one(related="move_id.company_id", store=True, index=True)
    partner_id = fields.Many2one(
        related="move_id.commercial_partner_id", string="Customer", store=True, index=True
    )

    def _describe(self):
        """One line for notes and receipts: what was applied to which invoice."""
        self.ensure_one()
        values = {
            "invoice": self.move_id._get_html_link(),
            "amount": self.currency_id.format(self.amount),
            "left": self.currency_id.format(self.residual_after),
        }
        if self.kind == "credit":
            return self.env._(
                "%(invoice)s: %(amount)s from %(credit)s, %(left)s left to pay",
                credit=self.source_move_id._get_html_link(),
                **values,
            )
        if self.discount:
            return self.env._(
                "%(invoice)s: %(amount)s applied with an early payment discount of "
                "%(discount)s, %(left)s left to pay",
                discount=self.currency_id.format(self.discount),
                **values,
            )
        return self.env._("%(invoice)s: %(amount)s applied, %(left)s left to pay", **values)

    # === NOTES ON THE DOCUMENTS === #

    def _queue_notes(self):
        """Have the notes on the invoices and credits posted after the booking commits.

        One note per document costs about a millisecond of ORM work: on thousands of invoices
        that would lengthen the booking, which holds the customer's turn and row locks. The
        payment's own note (the list of applications) is written with the booking.
        """
        if not self:
            return
        self.sudo().note_due = True
        utils.trigger_cron(self.env, "servicecore_portal_pay.cron_portal_pay_post_notes")

    @api.model
    def _cron_post_notes(self, batch_size=5000):
        """Post the queued notes: one per invoice and per credit, in a batch per commit."""
        records = self.sudo().search([("note_due", "=", True)], order="id", limit=batch_size)
        records._post_notes()
        records.note_due = False
        if self.env.context.get("cron_id"):
            self.env["ir.cron"]._commit_progress(processed=len(records))

    def _post_notes(self):
        """One note per invoice and per credit, in one batch (not one message_post each)."""
        notes = defaultdict(list)
        for record in self:
            origin = (record.payment_id or record.source_move_id)._get_html_link()
            amount = record.currency_id.format(record.amount)
            if record.kind == "credit":
                notes[record.move_id.id].append(
                    self.env._(
                        "%(credit)s applied %(amount)s to this invoice (with %(origin)s).",
                        credit=record.source_move_id._get_html_link(),
                        amount=amount,
                        origin=origin,
                    )
                )
                notes[record.source_move_id.id].append(
                    self.env._(
                        "%(amount)s of this credit applied to %(invoice)s.",
                        amount=amount,
                        invoice=record.move_id._get_html_link(),
                    )
                )
            else:
                notes[record.move_id.id].append(
                    self.env._(
                        "Payment %(payment)s applied %(amount)s to this invoice.",
                        payment=origin,
                        amount=amount,
                    )
                )
        bodies = {move_id: Markup("<br/>").join(lines) for move_id, lines in notes.items()}
        if bodies:
            self.env["account.move"].browse(list(bodies)).sudo()._message_log_batch(bodies)
