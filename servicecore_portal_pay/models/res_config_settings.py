from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    portal_pay_overpayment = fields.Selection(
        related="company_id.portal_pay_overpayment", readonly=False
    )
    portal_pay_min_amount = fields.Monetary(
        related="company_id.portal_pay_min_amount",
        readonly=False,
        currency_field="currency_id",
    )
    portal_pay_overpayment_margin = fields.Monetary(
        related="company_id.portal_pay_overpayment_margin",
        readonly=False,
        currency_field="currency_id",
    )
    portal_pay_form_minutes = fields.Integer(
        related="company_id.portal_pay_form_minutes", readonly=False
    )
    portal_pay_default_amount = fields.Selection(
        related="company_id.portal_pay_default_amount", readonly=False
    )
    portal_pay_share_tokens = fields.Boolean(
        related="company_id.portal_pay_share_tokens", readonly=False
    )
    portal_pay_enabled = fields.Boolean(related="company_id.portal_pay_enabled", readonly=False)
    portal_pay_apply_credits = fields.Boolean(
        related="company_id.portal_pay_apply_credits", readonly=False
    )
    portal_pay_default_flag = fields.Selection(
        related="company_id.portal_pay_default_flag", readonly=False
    )
    portal_pay_receipt = fields.Boolean(related="company_id.portal_pay_receipt", readonly=False)
    portal_pay_receipt_template_id = fields.Many2one(
        related="company_id.portal_pay_receipt_template_id", readonly=False
    )
    portal_pay_responsible_id = fields.Many2one(
        related="company_id.portal_pay_responsible_id", readonly=False
    )
    portal_pay_throttle_tx_user = fields.Integer(
        related="company_id.portal_pay_throttle_tx_user", readonly=False
    )
    portal_pay_throttle_tx_ip = fields.Integer(
        related="company_id.portal_pay_throttle_tx_ip", readonly=False
    )
    portal_pay_throttle_tx_minutes = fields.Integer(
        related="company_id.portal_pay_throttle_tx_minutes", readonly=False
    )
    portal_pay_throttle_failed_user = fields.Integer(
        related="company_id.portal_pay_throttle_failed_user", readonly=False
    )
    portal_pay_throttle_failed_ip = fields.Integer(
        related="company_id.portal_pay_throttle_failed_ip", readonly=False
    )
    portal_pay_throttle_failed_minutes = fields.Integer(
        related="company_id.portal_pay_throttle_failed_minutes", readonly=False
    )
    portal_pay_throttle_pdf_user = fields.Integer(
        related="company_id.portal_pay_throttle_pdf_user", readonly=False
    )
    portal_pay_show_payers = fields.Boolean(
        related="company_id.portal_pay_show_payers", readonly=False
    )
    portal_pay_permission_to = fields.Selection(
        related="company_id.portal_pay_permission_to", readonly=False
    )
    portal_pay_restrict_pay_now = fields.Boolean(
        related="company_id.portal_pay_restrict_pay_now", readonly=False
    )
