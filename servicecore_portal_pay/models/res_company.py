from odoo import api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.servicecore_portal_pay.rules import throttle


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
    portal_pay_overpayment_margin = fields.Monetary(
        string="Overpayment Ceiling",
        currency_field="currency_id",
        default=1000.0,
        help="With overpayments kept as credit: the most a customer may pay above the open "
        "balance, in the company's currency (0: nothing above the open balance).",
    )
    portal_pay_form_minutes = fields.Integer(
        string="Payment Form Validity (minutes)",
        default=60,
        help="How long a Make a Payment form can be submitted after the page was loaded; each "
        "form pays once, a fresh page load gives a fresh form.",
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

    # === ACCOUNTING STAFF SETTINGS === #

    portal_pay_enabled = fields.Boolean(
        string="Portal Payments Enabled",
        default=True,
        help="When off, Make a Payment is hidden and no transaction can be created.",
    )
    portal_pay_apply_credits = fields.Boolean(
        string="Apply Open Credits With Each Payment",
        default=True,
        help="On: with each portal payment, the customer's open credits (credit notes, "
        "unapplied payments) are applied to the oldest open invoices, oldest credit first, and "
        "the balance shown is net of them. Off: credits stay open for the accounting team to "
        "apply, and the balance shown is the open invoices alone.",
    )
    portal_pay_default_flag = fields.Selection(
        string="Portal Payments on Portal Access",
        selection=[
            ("none", "Nobody: accounting managers enable each contact"),
            ("first", "The first contact of a customer given portal access"),
            ("all", "Every contact given portal access"),
        ],
        default="none",
        required=True,
        help="Which contacts may pay from the portal as soon as they are granted portal access.",
    )
    portal_pay_receipt = fields.Boolean(
        string="Email Portal Payment Receipts",
        default=True,
        help="Email a receipt (with a PDF) to the paying contact when the payment is applied.",
    )
    portal_pay_receipt_template_id = fields.Many2one(
        comodel_name="mail.template",
        string="Portal Receipt Email",
        domain=[("model", "=", "account.payment")],
        help="Email sent to the paying contact; leave empty to use the module's template.",
    )
    portal_pay_responsible_id = fields.Many2one(
        comodel_name="res.users",
        string="Portal Payments Responsible",
        domain=[("share", "=", False)],
        help="Accountant who gets a to-do when a portal payment needs attention; by default "
        "the first accounting manager of the company.",
    )

    # A contact who may not pay: what the page tells them, who hears when they ask, and stock's
    # per-invoice "Pay Now".
    portal_pay_show_payers = fields.Boolean(
        string="Name the Allowed Payers",
        help="A contact who may not pay sees the names of the contacts of their company who "
        "may; off: they are told to ask their account's administrator (privacy).",
    )
    portal_pay_permission_to = fields.Selection(
        string="Permission Requests To",
        selection=[
            ("responsible", "The portal payments responsible"),
            ("salesperson", "The customer's salesperson"),
        ],
        default="responsible",
        required=True,
        help="Who gets the to-do when a contact asks for the right to pay. Without a "
        "salesperson on the customer, the portal payments responsible gets it.",
    )
    portal_pay_restrict_pay_now = fields.Boolean(
        string="Pay Now for Allowed Contacts Only",
        default=True,
        help="On: a contact who may not pay on account cannot pay a single invoice with Pay "
        "Now either, when another contact of the customer may. Payment links sent by staff "
        "and invoices opened without logging in are not affected.",
    )

    # Throttling of Make a Payment against card testing (0: no limit).
    portal_pay_throttle_tx_user = fields.Integer(
        string="Payment Attempts per Contact",
        default=10,
        help="Most account payments a contact may start from the portal within the attempts "
        "window; 0 for no limit.",
    )
    portal_pay_throttle_tx_ip = fields.Integer(
        string="Payment Attempts per IP Address",
        default=30,
        help="Most account payments that may be started from one IP address within the "
        "attempts window; 0 for no limit.",
    )
    portal_pay_throttle_tx_minutes = fields.Integer(
        string="Attempts Window (minutes)",
        default=10,
    )
    portal_pay_throttle_failed_user = fields.Integer(
        string="Failed Payments per Contact",
        default=5,
        help="Once this many of a contact's portal payments within the failures window failed, "
        "were cancelled or are not confirmed yet, new attempts are refused; 0 for no limit.",
    )
    portal_pay_throttle_failed_ip = fields.Integer(
        string="Failed Payments per IP Address",
        default=5,
        help="Once this many portal payments from one IP address within the failures window "
        "failed, were cancelled or are not confirmed yet, new attempts from it are refused; 0 "
        "for no limit.",
    )
    portal_pay_throttle_failed_minutes = fields.Integer(
        string="Failures Window (minutes)",
        default=60,
    )
    portal_pay_throttle_pdf_user = fields.Integer(
        string="PDFs per Contact",
        default=20,
        help="Most statement and receipt PDFs rendered for a contact from the portal within the "
        "attempts window (a receipt already rendered is served again without counting); 0 for "
        "no limit.",
    )

    # === CONSTRAINT METHODS === #

    @api.constrains(
        "portal_pay_throttle_tx_user",
        "portal_pay_throttle_tx_ip",
        "portal_pay_throttle_tx_minutes",
        "portal_pay_throttle_failed_user",
        "portal_pay_throttle_failed_ip",
        "portal_pay_throttle_failed_minutes",
        "portal_pay_throttle_pdf_user",
    )
    def _check_portal_pay_throttle(self):
        for company in self:
            limits = company._portal_pay_throttle_limits()
            if min(limits) < 0 or not (limits.tx_minutes and limits.failed_minutes):
                raise ValidationError(
                    self.env._(
                        "Payment attempt limits cannot be negative and their windows must last "
                        "at least a minute."
                    )
                )

    @api.constrains("portal_pay_overpayment_margin", "portal_pay_form_minutes")
    def _check_portal_pay_form(self):
        for company in self:
            if company.portal_pay_overpayment_margin < 0:
                raise ValidationError(self.env._("The overpayment ceiling cannot be negative."))
            if company.portal_pay_form_minutes < 1:
                raise ValidationError(
                    self.env._("A payment form must stay valid for at least a minute.")
                )

    # === BUSINESS METHODS === #

    def _portal_pay_throttle_limits(self):
        """The payment attempt limits of this company, for `throttle.refusal`."""
        self.ensure_one()
        return throttle.Limits(
            tx_user=self.portal_pay_throttle_tx_user,
            tx_ip=self.portal_pay_throttle_tx_ip,
            tx_minutes=self.portal_pay_throttle_tx_minutes,
            failed_user=self.portal_pay_throttle_failed_user,
            failed_ip=self.portal_pay_throttle_failed_ip,
            failed_minutes=self.portal_pay_throttle_failed_minutes,
            pdf_user=self.portal_pay_throttle_pdf_user,
        )

    def _portal_pay_receipt_template(self):
        """The receipt email template of this company (the module's one by default)."""
        self.ensure_one()
        return self.portal_pay_receipt_template_id or self.env.ref(
            "servicecore_portal_pay.mail_template_portal_pay_receipt", raise_if_not_found=False
        )

    def _portal_pay_responsible(self):
        """Who receives the anomalies' to-dos: the configured user or an accounting manager."""
        self.ensure_one()
        if self.portal_pay_responsible_id.active:
            return self.portal_pay_responsible_id
        group = self.env.ref("account.group_account_manager")
        managers = (
            self.env["res.users"]
            .sudo()
            .search(
                [
                    ("all_group_ids", "in", group.ids),
                    ("share", "=", False),
                    ("company_ids", "in", self.ids),
                ],
                order="id",
                limit=1,
            )
        )
        return managers[:1]
