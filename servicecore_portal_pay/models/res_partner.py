from decimal import Decimal

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.fields import Domain

from odoo.addons.servicecore_portal_pay import allocation


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
        string="Portal Balance",
        compute="_compute_portal_pay_figures",
        currency_field="portal_pay_currency_id",
        help="Open receivables minus unapplied credits, as the customer sees it on Make a Payment.",
    )
    portal_pay_overdue = fields.Monetary(
        string="Overdue",
        compute="_compute_portal_pay_figures",
        currency_field="portal_pay_currency_id",
    )
    portal_pay_credits = fields.Monetary(
        string="Unapplied Credits",
        compute="_compute_portal_pay_figures",
        currency_field="portal_pay_currency_id",
    )
    portal_pay_currency_id = fields.Many2one(
        comodel_name="res.currency", compute="_compute_portal_pay_figures"
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
        for partner in self:
            partner.portal_pay_currency_id = currency
            if not partner.id:
                partner.portal_pay_balance = partner.portal_pay_overdue = 0.0
                partner.portal_pay_credits = 0.0
                continue
            summary = partner.commercial_partner_id._portal_pay_summary(company, currency)
            partner.portal_pay_balance = float(summary["balance"])
            partner.portal_pay_overdue = float(summary["overdue"])
            partner.portal_pay_credits = float(summary["credits"])

    def _compute_portal_pay_payment_count(self):
        groups = self.env["account.payment"]._read_group(
            [
                ("is_portal_payment", "=", True),
                ("partner_id", "in", self.commercial_partner_id.ids),
            ],
            groupby=["partner_id"],
            aggregates=["__count"],
        )
        counts = {partner.id: count for partner, count in groups}
        for partner in self:
            partner.portal_pay_payment_count = counts.get(partner.commercial_partner_id.id, 0)

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
        return super().write(vals)

    # === ACTION METHODS === #

    def action_portal_pay_enable(self):
        self.portal_payment_enabled = True

    def action_portal_pay_disable(self):
        self.portal_payment_enabled = False

    def action_portal_pay_view_payments(self):
        """Open the portal payments of this customer (its commercial partner)."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "servicecore_portal_pay.action_portal_pay_payments"
        )
        action["domain"] = [
            ("is_portal_payment", "=", True),
            ("partner_id", "=", self.commercial_partner_id.id),
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

    def _portal_pay_context(self, company, currency=None):
        """Who pays, in which company and currency, and what the account owes.

        :param company: the company of the request
        :param currency: the currency to pay in (default: the company's); only the company
                         currency and the currencies of the account's open items are accepted
        :return: the payment context, or None if this (user's) partner may not pay on account
        :rtype: dict|None
        :raise ValidationError: if the account cannot be paid in ``currency``
        """
        self.ensure_one()
        if not self._portal_pay_may_pay_in(company):
            return None
        commercial_sudo = self.commercial_partner_id.sudo()
        currency = currency or company.currency_id
        # The company currency is always accepted; others only where the account has open items
        # (checked only then, so the usual case costs no query).
        other = currency != company.currency_id
        if other and currency not in commercial_sudo._portal_pay_balances(company):
            raise ValidationError(self.env._("Your account cannot be paid in this currency."))
        return {
            "partner": self,
            "commercial_partner": commercial_sudo,
            "company": company,
            "currency": currency,
            "summary": commercial_sudo._portal_pay_summary(company, currency),
        }

    def _portal_pay_balances(self, company):
        """The currencies this commercial partner can pay in, with the open balance in each.

        The company currency always comes first (even with nothing due), then every other
        currency with open items, by name.

        :return: ``{currency: Decimal balance}`` (the balance is never negative)
        :rtype: dict
        """
        self.ensure_one()
        groups = (
            self.env["account.move.line"]
            .sudo()
            ._read_group(
                self._portal_pay_open_lines_domain(self, company),
                groupby=["currency_id"],
                aggregates=["amount_residual_currency:sum"],
            )
        )
        residuals = dict(groups)
        others = sorted((c for c in residuals if c != company.currency_id), key=lambda c: c.name)
        currencies = company.currency_id | self.env["res.currency"].browse([c.id for c in others])
        return {
            currency: max(
                allocation.quantize(residuals.get(currency, 0), currency.decimal_places),
                allocation.quantize(0, currency.decimal_places),
            )
            for currency in currencies
        }

    @api.model
    def _portal_pay_open_lines_domain(self, commercial_partner, company, currency=None):
        account = commercial_partner.with_company(company).property_account_receivable_id
        domain = Domain(
            [
                ("partner_id", "=", commercial_partner.id),
                ("company_id", "=", company.id),
                ("account_id", "=", account.id),
                ("account_id.account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
                ("reconciled", "=", False),
                ("amount_residual_currency", "!=", 0),
            ]
        )
        # Without a currency: every currency (the balance per currency of the account).
        return domain & Domain("currency_id", "=", currency.id) if currency else domain

    def _portal_pay_open_lines(self, company, currency):
        """Return the open receivable lines of this commercial partner in ``company``/``currency``.

        Read with an explicit domain under sudo: portal record rules follow the followers of the
        documents, not their owner, and must not decide what a customer owes.

        :return: the lines, oldest first (DESIGN.md §3), as a sudoed recordset
        :rtype: account.move.line
        """
        self.ensure_one()
        lines = (
            self.env["account.move.line"]
            .sudo()
            .search(self._portal_pay_open_lines_domain(self, company, currency))
        )
        # Prefetch what the ordering and the page need in a few batched queries.
        lines.fetch(["date_maturity", "date", "amount_residual_currency", "move_id"])
        lines.move_id.fetch(["name", "invoice_date", "move_type", "amount_total", "currency_id"])
        items = {item.key: item for item in self._portal_pay_items(lines)}
        ordered = sorted(items.values(), key=allocation.sort_key)
        return lines.browse([item.key for item in ordered])

    @api.model
    def _portal_pay_items(self, lines):
        """Turn receivable lines into ``allocation.OpenItem`` s (residuals as Decimals)."""
        return [
            allocation.OpenItem(
                key=line.id,
                residual=allocation.quantize(
                    line.amount_residual_currency, line.currency_id.decimal_places
                ),
                date_maturity=line.date_maturity,
                date=line.date,
                invoice_date=line.move_id.invoice_date,
                name=line.move_id.name,
                line_id=line.id,
            )
            for line in lines
        ]

    def _portal_pay_summary(self, company, currency):
        """Compute the account figures shown on the page and used to validate amounts.

        :return: a dict with the ordered open ``lines`` (debit and credit), the ``debit_lines``
                 the payments apply to, and Decimal figures ``total_open``, ``overdue``,
                 ``not_due``, ``credits`` and ``balance`` (total open minus credits)
        :rtype: dict
        """
        self.ensure_one()
        today = fields.Date.context_today(self)
        lines = self._portal_pay_open_lines(company, currency)
        places = currency.decimal_places
        zero = allocation.quantize(0, places)
        total_open = overdue = credits = zero
        for line in lines:
            residual = allocation.quantize(line.amount_residual_currency, places)
            if residual > 0:
                total_open += residual
                if (line.date_maturity or line.date) < today:
                    overdue += residual
            else:
                credits -= residual
        summary = {
            "lines": lines,
            "debit_lines": lines.filtered(lambda line: line.amount_residual_currency > 0),
            "total_open": total_open,
            "overdue": overdue,
            "not_due": total_open - overdue,
            "credits": credits,
            "balance": max(total_open - credits, zero),
            "currency": currency,
            "company": company,
        }
        if company.portal_pay_apply_credits:
            summary.update(self._portal_pay_summary_net_of_credits(summary, today))
        return summary

    @api.model
    def _portal_pay_min_amount(self, company, currency):
        """The company's minimum payment (set in its currency), in ``currency``."""
        minimum = company.portal_pay_min_amount or 0.0
        if currency != company.currency_id:
            minimum = company.currency_id._convert(
                minimum, currency, company, fields.Date.context_today(self)
            )
        return allocation.quantize(minimum, currency.decimal_places)

    @api.model
    def _portal_pay_parse_selection(self, text):
        """Parse the receivable lines ticked in "Choose invoices" mode.

        :param str text: line ids separated by commas, e.g. ``"12,15"``
        :return: the distinct ids, sorted (the canonical selection bound by the access token)
        :rtype: list
        :raise ValidationError: if the text is not a list of ids
        """
        parts = [part.strip() for part in (text or "").split(",") if part.strip()]
        if not parts or not all(part.isdigit() and part.isascii() for part in parts):
            raise ValidationError(self.env._("Choose the invoices you want to pay."))
        return sorted({int(part) for part in parts})

    def _portal_pay_select(self, summary, line_ids):
        """Restrict a summary to the open items the customer chose ("Choose invoices" mode).

        The chosen lines keep the oldest-first order and their total becomes the most that can
        be paid (the same amount rules apply).

        :param dict summary: the result of :meth:`_portal_pay_summary`
        :param list line_ids: the chosen receivable lines (see :meth:`_portal_pay_parse_selection`)
        :return: a copy of ``summary`` with the chosen ``debit_lines``, their total as
                 ``balance`` and the canonical ``selection`` (ids joined by commas)
        :rtype: dict
        :raise ValidationError: if a chosen item is not an open item of this account
        """
        chosen = summary["debit_lines"].filtered(lambda line: line.id in line_ids)
        if len(chosen) != len(line_ids):
            raise ValidationError(
                self.env._("Some of the invoices you chose are no longer open. Reload the page.")
            )
        places = summary["currency"].decimal_places
        total = sum(
            (allocation.quantize(line.amount_residual_currency, places) for line in chosen),
            allocation.quantize(0, places),
        )
        return {
            **summary,
            "debit_lines": chosen,
            "balance": total,
            "selection": ",".join(str(line_id) for line_id in sorted(line_ids)),
        }

    def _portal_pay_default_amount(self, summary):
        """Amount proposed on the page, following the company's setting."""
        company = summary["company"]
        if company.portal_pay_default_amount == "overdue" and summary["overdue"] > 0:
            return min(summary["overdue"], summary["balance"])
        return summary["balance"]

    def _portal_pay_validate_amount(self, raw_amount, summary):
        """Parse and check an amount for this commercial partner's account.

        :param raw_amount: the amount as typed (str) or sent by the payment form (float)
        :param dict summary: the result of :meth:`_portal_pay_summary`
        :return: the amount, quantized to the currency
        :rtype: Decimal
        :raise ValidationError: with a message for the customer
        """
        company, currency = summary["company"], summary["currency"]
        places = currency.decimal_places
        try:
            amount = allocation.parse_amount(raw_amount, places)
            allocation.check_bounds(
                amount,
                minimum=self._portal_pay_min_amount(company, currency),
                maximum=summary["balance"],
                allow_overpayment=company.portal_pay_overpayment == "credit",
            )
        except allocation.AmountError as error:
            raise ValidationError(self._portal_pay_amount_message(error, currency)) from error
        return amount

    @api.model
    def _portal_pay_amount_message(self, error, currency):
        def fmt(value):
            return currency.format(float(value))

        messages = {
            "missing": lambda: self.env._("Enter the amount you want to pay."),
            "format": lambda: self.env._("Enter the amount as a number, for example 125.50."),
            "decimals": lambda: self.env._(
                "The amount can have at most %(places)s decimals.",
                places=error.params.get("decimal_places"),
            ),
            "not_positive": lambda: self.env._("The amount must be greater than zero."),
            "below_minimum": lambda: self.env._(
                "The minimum payment is %(minimum)s.", minimum=fmt(error.params["minimum"])
            ),
            "nothing_due": lambda: self.env._("Your account has no open balance to pay."),
            "above_balance": lambda: self.env._(
                "The amount cannot exceed your open balance of %(maximum)s.",
                maximum=fmt(error.params["maximum"]),
            ),
        }
        return messages[error.code]()

    @api.model
    def _portal_pay_preview(self, debit_lines, amount, credit_lines=None):
        """Allocation of ``amount`` over ``debit_lines`` (already ordered), for display.

        When the company applies existing credits first, the open credits are taken off the
        oldest items before the amount is allocated, exactly as the allocation will do.

        :param credit_lines: the open credits to apply first; by default this partner's open
                             credits when the company applies them first, none otherwise
        :return: ``(plan, remainder)`` with ``plan`` a list of ``(line, applied, residual_after)``
        """
        items = self._portal_pay_items(debit_lines)
        if credit_lines is None:
            credit_lines = self._portal_pay_default_credit_lines(debit_lines)
        if credit_lines:
            _plan, debits_left, _credits_left = allocation.allocate_credits(
                self._portal_pay_credit_items(credit_lines), items
            )
            items = [item._replace(residual=debits_left[item.key]) for item in items]
        plan, remainder = allocation.allocate(items, Decimal(amount))
        by_id = {line.id: line for line in debit_lines}
        return [
            (by_id[item.key], applied, item.residual - applied) for item, applied in plan
        ], remainder

    # === ACCOUNTING STAFF: CREDITS FIRST === #

    def _portal_pay_default_credit_lines(self, debit_lines):
        # The page previews what the allocation will do: with "apply existing credits first",
        # the open credits of the account (same company, currency and account) go first.
        lines = self.env["account.move.line"].sudo()
        if len(self) != 1 or not debit_lines:
            return lines
        company = debit_lines.company_id[:1]
        if not company.portal_pay_apply_credits:
            return lines
        currency = debit_lines.currency_id[:1]
        open_lines = self.commercial_partner_id._portal_pay_open_lines(company, currency)
        return open_lines.filtered(
            lambda line: (
                line.amount_residual_currency < 0 and line.account_id in debit_lines.account_id
            )
        )

    @api.model
    def _portal_pay_credit_items(self, credit_lines):
        """Credit lines as ``allocation.OpenItem`` s, with their residual as a positive Decimal."""
        return [
            item._replace(residual=-item.residual) for item in self._portal_pay_items(credit_lines)
        ]

    def _portal_pay_summary_net_of_credits(self, summary, today):
        """Account figures once the open credits are applied to the oldest items (the setting)."""
        debit_lines = summary["debit_lines"]
        credit_lines = summary["lines"] - debit_lines
        places = summary["currency"].decimal_places
        zero = allocation.quantize(0, places)
        _plan, debits_left, credits_left = allocation.allocate_credits(
            self._portal_pay_credit_items(credit_lines), self._portal_pay_items(debit_lines)
        )
        total_open = overdue = zero
        for line in debit_lines:
            left = debits_left.get(line.id, zero)
            total_open += left
            if (line.date_maturity or line.date) < today:
                overdue += left
        credits = sum(credits_left.values(), zero)
        return {
            "total_open": total_open,
            "overdue": overdue,
            "not_due": total_open - overdue,
            "credits": credits,
            "balance": max(total_open - credits, zero),
        }

    @api.model
    def _portal_pay_credit_plan(self, credit_lines, debit_lines):
        """Which credit line pays how much of which debit line, the oldest first.

        :return: a list of ``(credit_line, debit_line, amount)``, amounts as Decimals
        """
        plan, _debits_left, _credits_left = allocation.allocate_credits(
            self._portal_pay_credit_items(credit_lines), self._portal_pay_items(debit_lines)
        )
        lines = {line.id: line for line in credit_lines | debit_lines}
        return [(lines[credit.key], lines[debit.key], amount) for credit, debit, amount in plan]

    @api.model
    def _portal_pay_apply_credit_lines(self, credit_lines, debit_lines):
        """Reconcile ``credit_lines`` with ``debit_lines``, oldest credit on oldest debits.

        One pair at a time, so that stock ``reconcile()`` (which prefers its own order) books
        exactly the planned amount: each pair's smaller residual is the planned amount.

        :return: the plan applied, as :meth:`_portal_pay_credit_plan`
        """
        plan = self._portal_pay_credit_plan(credit_lines, debit_lines)
        for credit, debit, _amount in plan:
            (credit + debit).reconcile()
        return plan

    # === BUSINESS METHODS - ACCOUNTING STAFF === #

    def _portal_pay_open_credit_lines(self, company, currency):
        """Open credits (credit notes, unapplied payments) of this commercial partner."""
        self.ensure_one()
        return self._portal_pay_open_lines(company, currency).filtered(
            lambda line: line.amount_residual_currency < 0
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
