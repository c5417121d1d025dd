from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.servicecore_portal_pay.rules import amounts


class PortalPayApplyWizard(models.TransientModel):
    """Preview, then apply open credits to the oldest invoices, exactly like a portal payment.

    Sources are posted customer payments, credit notes, or customers (all their open credits).
    The preview is what confirming books; if the account changed in between, confirming refuses
    and asks to preview again.
    """

    _name = "portal.pay.apply.wizard"
    _description = "Apply Credits Oldest-First"

    source_model = fields.Selection(
        selection=[
            ("account.payment", "Payments"),
            ("account.move", "Credit Notes"),
            ("res.partner", "Customers"),
        ],
        required=True,
        readonly=True,
    )
    payment_ids = fields.Many2many(comodel_name="account.payment", readonly=True)
    move_ids = fields.Many2many(comodel_name="account.move", readonly=True)
    partner_ids = fields.Many2many(comodel_name="res.partner", readonly=True)
    line_ids = fields.One2many(
        comodel_name="portal.pay.apply.wizard.line",
        inverse_name="wizard_id",
        string="Preview",
        readonly=True,
    )
    currency_id = fields.Many2one(
        comodel_name="res.currency", default=lambda self: self.env.company.currency_id
    )
    amount_total = fields.Monetary(string="Total Applied", compute="_compute_amount_total")

    # === COMPUTE METHODS === #

    @api.depends("line_ids.amount")
    def _compute_amount_total(self):
        for wizard in self:
            wizard.amount_total = sum(wizard.line_ids.mapped("amount"))

    # === ACTION METHODS === #

    @api.model
    def _action_open(self, source_model, source_ids):
        """Create the wizard for these sources, compute its preview, and open it."""
        field = {
            "account.payment": "payment_ids",
            "account.move": "move_ids",
            "res.partner": "partner_ids",
        }[source_model]
        wizard = self.create(
            {"source_model": source_model, field: [fields.Command.set(source_ids)]}
        )
        wizard._build_preview()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Apply Oldest-First"),
            "res_model": self._name,
            "res_id": wizard.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
        }

    def action_confirm(self):
        """Apply what the preview shows, after checking the accounts did not change."""
        self.ensure_one()
        if not self.line_ids:
            raise UserError(self.env._("There is nothing to apply."))
        Engine = self.env["portal.pay.engine"]
        plans = self._plans()
        for account, _plan in plans:
            Engine._lock_lines(account.lines)
        # Under REPEATABLE READ a concurrent change makes the lock above fail (and the request
        # retry); what the locks protect is this very snapshot, so the plans still hold.
        if self._rows(plans) != self._preview_rows():
            raise UserError(
                self.env._(
                    "The customer's open items changed since the preview. Close this window and "
                    "preview again."
                )
            )
        for account, plan in plans:
            records = Engine._book_credits(account, plan.credits)
            Engine._log_credits(records)
        return {"type": "ir.actions.act_window_close"}

    # === BUSINESS METHODS === #

    def _credit_lines(self):
        """The open credits this wizard applies (sudoed receivable lines)."""
        self.ensure_one()
        Line = self.env["account.move.line"].sudo()
        if self.source_model == "account.payment":
            lines = Line
            for payment in self.payment_ids:
                lines |= payment._portal_pay_open_credit_line()
            return lines
        if self.source_model == "account.move":
            return self.move_ids.sudo().line_ids.filtered(
                lambda line: (
                    line.parent_state == "posted"
                    and line.account_id.account_type == "asset_receivable"
                    and not line.reconciled
                    and line.amount_residual_currency < 0
                )
            )
        company = self.env.company
        domain = self.env["portal.pay.account"]._open_lines_domain(
            self.partner_ids.commercial_partner_id, company, company.currency_id
        )
        return Line.search(domain).filtered(lambda line: line.amount_residual_currency < 0)

    def _plans(self):
        return self.env["portal.pay.engine"]._credit_plans(self._credit_lines())

    @staticmethod
    def _rows(plans):
        return [
            (application.source, application.item, account.quantize(application.amount))
            for account, plan in plans
            for application in plan.credits
        ]

    def _preview_rows(self):
        return [
            (
                line.credit_line_id.id,
                line.debit_line_id.id,
                amounts.quantize(line.amount, line.currency_id.decimal_places),
            )
            for line in self.line_ids
        ]

    def _build_preview(self):
        self.ensure_one()
        commands = [fields.Command.clear()]
        for sequence, (account, application) in enumerate(
            (account, application)
            for account, plan in self._plans()
            for application in plan.credits
        ):
            credit, debit = account.line(application.source), account.line(application.item)
            commands.append(
                fields.Command.create(
                    {
                        "sequence": sequence,
                        "partner_id": account.partner.id,
                        "credit_line_id": credit.id,
                        "credit_move_id": credit.move_id.id,
                        "debit_line_id": debit.id,
                        "move_id": debit.move_id.id,
                        "date_maturity": debit.date_maturity,
                        "amount": float(application.amount),
                        "residual_after": float(application.left),
                        "currency_id": account.currency.id,
                    }
                )
            )
        self.line_ids = commands
