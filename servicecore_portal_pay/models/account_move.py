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
