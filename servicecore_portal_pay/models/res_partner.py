from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

# Account figures are for accounting staff only, like stock's `credit` and `debit`; customers see
# their own figures on the portal pages.
ACCOUNTING_GROUPS = "account.group_account_invoice,account.group_account_readonly"


class ResPartner(models.Model):
    _inherit = "res.partner"

    portal_payment_enabled = fields.Boolean(
        string="Portal Payments",
        copy=False,
        tracking=True,
        help="This contact may pay the account of its company from the customer portal "
        "(Make a Payment). Only contacts, not addresses, can be enabled.",
    )

    portal_pay_can_edit = fields.Boolean(compute="_compute_portal_pay_can_edit")

    portal_pay_access_state = fields.Selection(
        string="Portal Access",
        selection=[
            ("none", "No portal access"),
            ("portal", "Portal access granted"),
            ("revoked", "Portal access revoked"),
            ("internal", "Internal user"),
        ],
        compute="_compute_portal_pay_access_state",
        help="Whether this contact can log in to the portal: Portal Payments only take effect "
        "for contacts with portal access.",
    )
    portal_pay_balance = fields.Monetary(
        groups=ACCOUNTING_GROUPS,
        string="Portal Balance",
        compute="_compute_portal_pay_figures",
        currency_field="portal_pay_currency_id",
        help="What closes every payable invoice, as the customer sees it on Make a Payment: open "
        "invoices minus the credits that apply to them, payments in progress and invoices on "
        "hold.",
    )
    portal_pay_overdue = fields.Monetary(
        groups=ACCOUNTING_GROUPS,
        string="Overdue",
        compute="_compute_portal_pay_figures",
        currency_field="portal_pay_currency_id",
    )
    portal_pay_credits = fields.Monetary(
        groups=ACCOUNTING_GROUPS,
        string="Unapplied Credits",
        compute="_compute_portal_pay_figures",
        currency_field="portal_pay_currency_id",
    )
    portal_pay_currency_id = fields.Many2one(
        comodel_name="res.currency", compute="_compute_portal_pay_figures", groups=ACCOUNTING_GROUPS
    )
    portal_pay_permission_activity_id = fields.Many2one(
        comodel_name="mail.activity",
        string="Open Permission Request",
        readonly=True,
        copy=False,
        ondelete="set null",
        groups="base.group_user",
        help="The to-do this contact's request for the right to pay opened; one at a time.",
    )
    portal_pay_payment_count = fields.Integer(
        string="Portal Payments Count", compute="_compute_portal_pay_payment_count"
    )

    # === COMPUTE METHODS === #

    @api.depends_context("uid")
    def _compute_portal_pay_can_edit(self):
        can_edit = self.env.user.has_group("account.group_account_manager")
        for partner in self:
            partner.portal_pay_can_edit = can_edit

    @api.depends("user_ids", "user_ids.active", "user_ids.share")
    def _compute_portal_pay_access_state(self):
        for partner in self:
            users = partner.with_context(active_test=False).user_ids
            active = users.filtered("active")
            if active.filtered(lambda user: not user.share):
                partner.portal_pay_access_state = "internal"
            elif active:
                partner.portal_pay_access_state = "portal"
            elif users:
                partner.portal_pay_access_state = "revoked"
            else:
                partner.portal_pay_access_state = "none"

    @api.depends_context("company")
    def _compute_portal_pay_figures(self):
        company = self.env.company
        currency = company.currency_id
        Account = self.env["portal.pay.account"]
        for partner in self:
            partner.portal_pay_currency_id = currency
            if not partner.id:
                partner.portal_pay_balance = partner.portal_pay_overdue = 0.0
                partner.portal_pay_credits = 0.0
                continue
            figures = Account._get(partner, company, currency).figures
            partner.portal_pay_balance = float(figures.balance)
            partner.portal_pay_overdue = float(figures.overdue)
            partner.portal_pay_credits = float(figures.credits_applied + figures.credits_left)

    def _compute_portal_pay_payment_count(self):
        # A customer counts every portal payment made on its account, a contact the ones it made.
        Payment = self.env["account.payment"]
        customers = self.filtered(lambda partner: partner == partner.commercial_partner_id)
        by_customer = dict(
            Payment._read_group(
                [("is_portal_payment", "=", True), ("partner_id", "in", customers.ids)],
                groupby=["partner_id"],
                aggregates=["__count"],
            )
        )
        by_contact = dict(
            Payment._read_group(
                [
                    ("is_portal_payment", "=", True),
                    ("portal_pay_contact_id", "in", (self - customers).ids),
                ],
                groupby=["portal_pay_contact_id"],
                aggregates=["__count"],
            )
        )
        for partner in self:
            counts = by_customer if partner in customers else by_contact
            partner.portal_pay_payment_count = counts.get(partner, 0)

    # === CONSTRAINT METHODS === #

    @api.constrains("portal_payment_enabled", "type")
    def _check_portal_payment_enabled_type(self):
        for partner in self:
            if partner.portal_payment_enabled and partner.type != "contact":
                raise ValidationError(
                    self.env._(
                        "Only contacts can be allowed to make portal payments; "
                        "%(name)s is an address.",
                        name=partner.display_name,
                    )
                )

    # === CRUD METHODS === #

    @api.model_create_multi
    def create(self, vals_list):
        if any(vals.get("portal_payment_enabled") for vals in vals_list):
            self._portal_pay_check_flag_rights()
        return super().create(vals_list)

    def write(self, vals):
        if "portal_payment_enabled" in vals:
            self._portal_pay_check_flag_rights()
        result = super().write(vals)
        if vals.get("portal_payment_enabled"):
            # Allowed now: the contact's request for access is answered.
            self.env["portal.pay.permission"]._close_requests(self)
        return result

    # === ACTION METHODS === #

    def action_portal_pay_enable(self):
        self.portal_payment_enabled = True

    def action_portal_pay_disable(self):
        self.portal_payment_enabled = False

    def action_portal_pay_view_payments(self):
        """Open the portal payments of this customer, or the ones this contact made."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "servicecore_portal_pay.action_portal_pay_payments"
        )
        if self == self.commercial_partner_id:
            action["domain"] = [("is_portal_payment", "=", True), ("partner_id", "=", self.id)]
        else:
            action["domain"] = [
                ("is_portal_payment", "=", True),
                ("portal_pay_contact_id", "=", self.id),
            ]
        action["context"] = {"create": False}
        return action

    def action_portal_pay_apply_wizard(self):
        """Preview applying these customers' open credits to their oldest invoices."""
        return self.env["portal.pay.apply.wizard"]._action_open(
            "res.partner", self.commercial_partner_id.ids
        )

    # === BUSINESS METHODS === #

    def _portal_pay_check_flag_rights(self):
        # Who may pay is a financial decision: only accounting managers change it.
        if self.env.su or self.env.user.has_group("account.group_account_manager"):
            return
        raise AccessError(
            self.env._("Only accounting managers can change who may pay from the portal.")
        )

    def _portal_pay_is_allowed(self):
        """Return whether this partner (a user's partner) may use Make a Payment.

        :rtype: bool
        """
        self.ensure_one()
        return bool(
            self.portal_payment_enabled
            and self.type == "contact"
            and self.active
            and self.env.company.portal_pay_enabled
        )

    def _portal_pay_may_pay_in(self, company):
        """Return whether this (user's) partner may use Make a Payment in ``company``.

        The one eligibility rule of every customer-facing page and route: the flag, the
        company's switch, and the contact belonging to that company (or to none).

        :rtype: bool
        """
        self.ensure_one()
        return bool(
            self._portal_pay_is_allowed()
            and company.portal_pay_enabled
            and (not self.company_id or self.company_id == company)
        )

    def _portal_pay_apply_default_flag(self):
        """Allow these contacts to pay when they get portal access, as their company decides.

        Called by the portal access wizard (an administrative action): the flag is written
        as superuser because who grants portal access need not be an accounting manager.
        """
        for partner in self.sudo():
            if partner.is_company or partner.type != "contact" or partner.portal_payment_enabled:
                continue
            policy = (partner.company_id or self.env.company).portal_pay_default_flag
            if policy == "all":
                partner.portal_payment_enabled = True
            elif policy == "first":
                siblings = partner.commercial_partner_id.child_ids - partner
                if not siblings.filtered("portal_payment_enabled"):
                    partner.portal_payment_enabled = True
