from odoo import api, fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    portal_pay_can_apply = fields.Boolean(compute="_compute_portal_pay_can_apply")

    # === COMPUTE METHODS === #

    @api.depends("state", "move_type", "amount_residual")
    def _compute_portal_pay_can_apply(self):
        for move in self:
            move.portal_pay_can_apply = (
                move.state == "posted"
                and move.move_type == "out_refund"
                and not move.currency_id.is_zero(move.amount_residual)
            )

    # === ACTION METHODS === #

    def action_portal_pay_apply_wizard(self):
        """Preview applying these credit notes to their customers' oldest invoices."""
        return self.env["portal.pay.apply.wizard"]._action_open("account.move", self.ids)

    # === COMPUTE METHODS - STOCK HOOKS === #

    # A compute returns nothing (pylint-odoo expects super()'s result to be returned).
    def _compute_amount_paid(self):  # pylint: disable=missing-return
        """Override of `account_payment`: a Make a Payment transaction pays each invoice only
        what its allocation gave it, not its whole amount."""
        super()._compute_amount_paid()
        records = (
            self.env["portal.pay.allocation"]
            .sudo()
            .search(
                [
                    ("move_id", "in", self.ids),
                    ("kind", "=", "payment"),
                    ("payment_id.payment_transaction_id", "!=", False),
                ]
            )
        )
        for invoice in self:
            portal_txs = invoice.transaction_ids.filtered(
                lambda tx: tx.portal_pay_account and tx.state in ("authorized", "done")
            )
            if not portal_txs:
                continue
            portal_paid = sum(
                record.amount
                for record in records
                if record.move_id == invoice
                and record.payment_id.payment_transaction_id in portal_txs
            )
            invoice.amount_paid += portal_paid - sum(portal_txs.mapped("amount"))
