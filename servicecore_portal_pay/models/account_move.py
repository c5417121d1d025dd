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

    # === BUSINESS METHODS - STOCK HOOKS === #

    def _has_to_be_paid(self):
        """Override of `account_payment`: no "Pay Now" for a portal contact who may not pay the
        account of a customer paid by chosen contacts (company setting)."""
        return super()._has_to_be_paid() and self._portal_pay_viewer_may_pay_now()

    def _get_online_payment_error(self):
        """Override of `account_payment`: say who pays when "Pay Now" is withheld."""
        if super()._has_to_be_paid() and not self._portal_pay_viewer_may_pay_now():
            return self.env["portal.pay.permission"]._refusal(self._portal_pay_viewer())
        return super()._get_online_payment_error()

    def _portal_pay_viewer(self):
        """The logged-in portal contact looking at the invoice, if any.

        The invoice page reads the invoice in sudo as the superuser, so its controller names the
        viewer in the context (controllers/permission.py); the invoice list reads it as the user.
        """
        viewer_id = self.env.context.get("portal_pay_viewer_id")
        if viewer_id:
            return self.env["res.partner"].browse(viewer_id)
        user = self.env.user
        if user.share and not user._is_public():
            return user.partner_id
        return None

    def _portal_pay_viewer_may_pay_now(self):
        # Without a logged-in portal contact (the invoice's own link, a payment link sent by
        # staff, staff in the backend) stock decides.
        self.ensure_one()
        viewer = self._portal_pay_viewer()
        if viewer is None:
            return True
        refused = self.env.context.get("portal_pay_pay_now_refused")
        if refused is not None:  # decided once for a whole list of invoices
            return self.company_id.id not in refused
        return self.env["portal.pay.permission"]._may_pay_now(viewer, self.company_id)
