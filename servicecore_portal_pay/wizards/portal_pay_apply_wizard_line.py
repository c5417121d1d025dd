from odoo import fields, models


class PortalPayApplyWizardLine(models.TransientModel):
    """One invoice and what an open credit would pay of it (preview of the apply wizard)."""

    _name = "portal.pay.apply.wizard.line"
    _description = "Apply Oldest-First: Preview Line"
    _order = "wizard_id, sequence, id"

    wizard_id = fields.Many2one(
        comodel_name="portal.pay.apply.wizard", required=True, ondelete="cascade", index=True
    )
    sequence = fields.Integer()
    partner_id = fields.Many2one(comodel_name="res.partner", string="Customer", readonly=True)
    credit_line_id = fields.Many2one(comodel_name="account.move.line", readonly=True)
    credit_move_id = fields.Many2one(comodel_name="account.move", string="Credit", readonly=True)
    debit_line_id = fields.Many2one(comodel_name="account.move.line", readonly=True)
    move_id = fields.Many2one(comodel_name="account.move", string="Invoice", readonly=True)
    date_maturity = fields.Date(string="Due Date", readonly=True)
    amount = fields.Monetary(string="Amount Applied", readonly=True)
    residual_after = fields.Monetary(string="Left After Applying", readonly=True)
    currency_id = fields.Many2one(comodel_name="res.currency", readonly=True)
