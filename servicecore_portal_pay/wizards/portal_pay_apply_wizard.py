from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.servicecore_portal_pay import allocation, utils


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
        groups = self._credit_groups()
        self._lock(groups)
        if self._plan_rows(groups) != self._preview_rows():
            raise UserError(
                self.env._(
                    "The customer's open items changed since the preview. Close this window and "
                    "preview again."
                )
            )
        if not self.line_ids:
            raise UserError(self.env._("There is nothing to apply."))
        for partner, credit_lines, debit_lines in groups:
            self._apply_group(partner, credit_lines, debit_lines)
        return {"type": "ir.actions.act_window_close"}

    # === BUSINESS METHODS === #

    def _credit_groups(self):
        """The open credits to apply, grouped by customer, with the items they may pay.

        :return: a list of ``(commercial_partner, credit_lines, debit_lines)`` (sudoed lines)
        """
        self.ensure_one()
        Line = self.env["account.move.line"].sudo()
        credit_lines = Line
        if self.source_model == "account.payment":
            for payment in self.payment_ids:
                credit_lines |= payment._portal_pay_open_credit_line()
        elif self.source_model == "account.move":
            credit_lines = self.move_ids.sudo().line_ids.filtered(
                lambda line: (
                    line.parent_state == "posted"
                    and line.account_id.account_type == "asset_receivable"
                    and not line.reconciled
                    and line.amount_residual_currency < 0
                )
            )
        else:
            company = self.env.company
            for partner in self.partner_ids.commercial_partner_id:
                credit_lines |= partner._portal_pay_open_credit_lines(company, company.currency_id)
        groups = []
        keys = {}
        for line in credit_lines:
            key = (
                line.partner_id.commercial_partner_id,
                line.company_id,
                line.currency_id,
                line.account_id,
            )
            keys.setdefault(key, Line)
            keys[key] |= line
        for (partner, company, currency, account), lines in keys.items():
            debit_lines = partner._portal_pay_open_lines(company, currency).filtered(
                lambda line, account=account: (
                    line.account_id == account and line.amount_residual_currency > 0
                )
            )
            groups.append((partner, lines, debit_lines))
        return groups

    def _lock(self, groups):
        lines = self.env["account.move.line"]
        for _partner, credit_lines, debit_lines in groups:
            lines |= credit_lines | debit_lines
        if lines:
            self.env.cr.execute(
                "SELECT id FROM account_move_line WHERE id IN %s ORDER BY id FOR UPDATE",
                [tuple(lines.ids)],
            )
            lines.invalidate_recordset(["amount_residual", "amount_residual_currency"])

    def _plan_rows(self, groups):
        rows = []
        for partner, credit_lines, debit_lines in groups:
            for credit, debit, amount in partner._portal_pay_credit_plan(credit_lines, debit_lines):
                places = debit.currency_id.decimal_places
                rows.append((credit.id, debit.id, allocation.quantize(amount, places)))
        return rows

    def _preview_rows(self):
        return [
            (
                line.credit_line_id.id,
                line.debit_line_id.id,
                allocation.quantize(line.amount, line.currency_id.decimal_places),
            )
            for line in self.line_ids
        ]

    def _build_preview(self):
        self.ensure_one()
        commands = [fields.Command.clear()]
        sequence = 0
        for partner, credit_lines, debit_lines in self._credit_groups():
            plan, _debits_left, _credits_left = allocation.allocate_credits(
                partner._portal_pay_credit_items(credit_lines),
                partner._portal_pay_items(debit_lines),
            )
            lines = {line.id: line for line in credit_lines | debit_lines}
            left = {}
            for credit_item, debit_item, amount in plan:
                debit = lines[debit_item.key]
                left[debit.id] = left.get(debit.id, debit_item.residual) - amount
                commands.append(
                    fields.Command.create(
                        {
                            "sequence": sequence,
                            "partner_id": partner.id,
                            "credit_line_id": credit_item.key,
                            "credit_move_id": lines[credit_item.key].move_id.id,
                            "debit_line_id": debit.id,
                            "move_id": debit.move_id.id,
                            "date_maturity": debit.date_maturity,
                            "amount": float(amount),
                            "residual_after": float(left[debit.id]),
                            "currency_id": debit.currency_id.id,
                        }
                    )
                )
                sequence += 1
        self.line_ids = commands

    def _apply_group(self, partner, credit_lines, debit_lines):
        """Apply each credit, oldest first, as the portal rule does for a payment."""
        items = sorted(partner._portal_pay_credit_items(credit_lines), key=allocation.sort_key)
        by_id = {line.id: line for line in credit_lines}
        for item in items:
            credit = by_id[item.key]
            credit.invalidate_recordset(["amount_residual", "amount_residual_currency"])
            if not credit.amount_residual_currency:
                continue
            payment = credit.move_id.origin_payment_id
            if payment and payment.payment_type == "inbound" and payment.partner_type == "customer":
                payment._portal_pay_apply_oldest_first()
                continue
            debit_lines.invalidate_recordset(["amount_residual", "amount_residual_currency"])
            open_debits = debit_lines.filtered(lambda line: line.amount_residual_currency > 0)
            plan = partner._portal_pay_apply_credit_lines(credit, open_debits)
            self._log_credit(credit, plan)

    def _log_credit(self, credit, plan):
        currency = credit.currency_id
        if not plan:
            return
        credit.move_id.sudo().message_post(
            body=utils.html_list(
                self.env._("Applied to the oldest invoices first:"),
                (
                    self.env._(
                        "%(invoice)s: %(amount)s applied",
                        invoice=debit.move_id._get_html_link(),
                        amount=currency.format(float(amount)),
                    )
                    for _credit, debit, amount in plan
                ),
            )
        )
        for _credit, debit, amount in plan:
            debit.move_id.sudo().message_post(
                body=self.env._(
                    "%(credit)s applied %(amount)s to this invoice.",
                    credit=credit.move_id._get_html_link(),
                    amount=currency.format(float(amount)),
                )
            )
