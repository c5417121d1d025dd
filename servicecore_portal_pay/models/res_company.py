from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    portal_pay_overpayment = fields.Selection(
        string="Portal Overpayments",
        selection=[
            ("reject", "Reject amounts above the open balance"),
            ("credit", "Accept and keep the surplus as customer credit"),
        ],
        default="reject",
        required=True,
    )
    portal_pay_min_amount = fields.Monetary(
        string="Minimum Portal Payment",
        currency_field="currency_id",
        default=1.0,
        help="Smallest amount a customer may pay on account from the portal.",
    )
    portal_pay_default_amount = fields.Selection(
        string="Default Portal Amount",
        selection=[
            ("balance", "Full balance"),
            ("overdue", "Overdue amount"),
        ],
        default="balance",
        required=True,
        help="Amount proposed on the Make a Payment page.",
    )
    portal_pay_share_tokens = fields.Boolean(
        string="Share Saved Payment Methods",
        help="Contacts allowed to pay on account can use and manage the payment methods saved by "
        "the other contacts of the same customer.",
    )
