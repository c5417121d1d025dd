from decimal import Decimal

from dateutil.relativedelta import relativedelta
from werkzeug.exceptions import NotFound

from odoo import fields, http
from odoo.exceptions import ValidationError
from odoo.fields import Domain
from odoo.http import content_disposition, request
from odoo.tools import date_utils

from odoo.addons.account_payment.controllers import portal
from odoo.addons.payment import utils as payment_utils
from odoo.addons.portal.controllers.portal import pager as portal_pager
from odoo.addons.servicecore_portal_pay import allocation, const


class PortalAccount(portal.PortalAccount):
    # === PORTAL HOME === #

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "portal_pay_balance" in counters:
            context = self._portal_pay_context()
            if context:
                summary = context["summary"]
                values["portal_pay_balance"] = summary["currency"].format(float(summary["balance"]))
            else:
                values["portal_pay_balance"] = 0
        return values

    # === MAKE A PAYMENT === #

    def _portal_pay_context(self, currency_id=None):
        """The payment context of the user, in the currency asked for (default: the company's).

        :raise ValidationError: if the currency is unknown or not accepted for this account
        """
        user = request.env.user
        if user._is_public():
            return None
        currency = None
        if currency_id is not None:
            currency = request.env["res.currency"].browse(self._cast_as_int(currency_id)).exists()
            if not currency:
                raise ValidationError(
                    request.env._("Your account cannot be paid in this currency.")
                )
        return user.partner_id._portal_pay_context(request.env.company, currency)

    @http.route(
        const.PAGE_ROUTE, type="http", auth="user", methods=["GET"], website=True, sitemap=False
    )
    def portal_pay_page(self, amount=None, currency_id=None, show=None, **kwargs):
        """Make a Payment: the account balance and amount step, then the payment form step."""
        try:
            context = self._portal_pay_context(currency_id)
        except ValidationError:
            # An unknown currency or one the account has nothing in: back to the default one.
            return request.redirect(const.PAGE_ROUTE)
        if context is None:
            return request.redirect("/my")
        values = self._portal_pay_page_values(context, show_all=show == "all")
        # "Choose invoices": ticked items arrive as repeated `line_ids` (checkboxes) or a list.
        chosen = ",".join(request.httprequest.args.getlist("line_ids"))
        if amount is None and not chosen:
            return request.render("servicecore_portal_pay.portal_pay_page", values)
        values["amount_input"] = amount
        try:
            if chosen:
                context = self._portal_pay_choose(context, chosen)
                values["chosen_line_ids"] = context["summary"]["debit_lines"].ids
                if not amount:  # Without a typed amount the chosen items are paid in full.
                    amount = values["amount_input"] = f"{context['summary']['balance']:f}"
            amount = context["commercial_partner"]._portal_pay_validate_amount(
                amount, context["summary"]
            )
        except ValidationError as error:
            values["amount_error"] = error.args[0]
            return request.render("servicecore_portal_pay.portal_pay_page", values, status=400)
        values.update(self._portal_pay_form_values(context, amount))
        return request.render("servicecore_portal_pay.portal_pay_form_page", values)

    @staticmethod
    def _portal_pay_choose(context, chosen):
        """The payment context restricted to the chosen items (see `_portal_pay_select`)."""
        commercial = context["commercial_partner"]
        line_ids = commercial._portal_pay_parse_selection(chosen)
        return {**context, "summary": commercial._portal_pay_select(context["summary"], line_ids)}

    def _portal_pay_page_values(self, context, show_all=False):
        summary = context["summary"]
        commercial = context["commercial_partner"]
        default_amount = commercial._portal_pay_default_amount(summary)
        places = summary["currency"].decimal_places
        minimum = commercial._portal_pay_min_amount(summary["company"], summary["currency"])
        # The table lists the oldest items; the others are summed up in one row (with a link to
        # list them all), so the page costs the same for 10 or 5,000 open invoices.
        lines = summary["lines"]
        limit = None if show_all else const.PAGE_ITEMS_LIMIT
        rest = lines[limit:] if limit else lines.browse()
        return {
            "lines_shown": lines[:limit] if limit else lines,
            "rest_count": len(rest),
            "rest_residual": allocation.quantize(
                sum(
                    (
                        Decimal(str(residual))
                        for residual in rest.mapped("amount_residual_currency")
                        if residual > 0
                    ),
                    Decimal(0),
                ),
                places,
            ),
            **self._prepare_portal_layout_values(),
            "page_name": "portal_pay",
            "summary": summary,
            "currency": summary["currency"],
            "today": fields.Date.context_today(commercial),
            "amount_input": f"{default_amount:.{places}f}" if default_amount else "",
            "allow_overpayment": summary["company"].portal_pay_overpayment == "credit",
            # As allocation.check_bounds: a smaller balance can always be paid off in full.
            "min_amount": float(
                min(minimum, summary["balance"]) if summary["balance"] > 0 else minimum
            ),
            "balances": commercial._portal_pay_balances(summary["company"]),
        }

    def _portal_pay_form_values(self, context, amount):
        """Rendering values of Odoo's payment form for exactly ``amount``."""
        partner, company, currency = context["partner"], context["company"], context["currency"]
        availability_report = {}
        providers_sudo = (
            request.env["payment.provider"]
            .sudo()
            ._get_compatible_providers(
                company.id,
                partner.id,
                float(amount),
                currency_id=currency.id,
                report=availability_report,
            )
        )  # In sudo mode to read the providers' fields.
        payment_methods_sudo = (
            request.env["payment.method"]
            .sudo()
            ._get_compatible_payment_methods(
                providers_sudo.ids,
                partner.id,
                currency_id=currency.id,
                report=availability_report,
            )
        )
        tokens_sudo = (
            request.env["payment.token"]
            .sudo()
            ._get_available_tokens(providers_sudo.ids, partner.id)
        )  # In sudo mode to read the tokens of the commercial partner.
        summary = context["summary"]
        plan, remainder = context["commercial_partner"]._portal_pay_preview(
            summary["debit_lines"], amount
        )
        return {
            "amount": float(amount),
            "amount_decimal": amount,
            "plan": plan,
            "remainder": remainder,
            "partner_id": partner.id,
            "providers_sudo": providers_sudo,
            "payment_methods_sudo": payment_methods_sudo,
            "tokens_sudo": tokens_sudo,
            "availability_report": availability_report,
            "show_tokenize_input_mapping": self._compute_show_tokenize_input_mapping(
                providers_sudo
            ),
            # A currency other than the company's and the chosen items are selected by the
            # route, and bound by the access token.
            "transaction_route": self._portal_pay_transaction_route(
                company, currency, summary.get("selection")
            ),
            "landing_route": const.CONFIRMATION_ROUTE,
            "access_token": self._portal_pay_access_token(
                partner, amount, currency, summary.get("selection")
            ),
            "reference_prefix": const.REFERENCE_PREFIX,
        }

    @staticmethod
    def _portal_pay_access_token(partner, amount, currency, selection=None):
        """Bind a payment form to its payer, amount, currency and chosen items (see `const`)."""
        values = [partner.id, f"{amount:f}", currency.id]
        if selection:
            values.append(selection)
        return payment_utils.generate_access_token(const.ACCESS_TOKEN_SCOPE, *values)

    @staticmethod
    def _portal_pay_transaction_route(company, currency, selection=None):
        if selection:
            return f"{const.TRANSACTION_ROUTE}/{currency.id}/{selection}"
        if currency != company.currency_id:
            return f"{const.TRANSACTION_ROUTE}/{currency.id}"
        return const.TRANSACTION_ROUTE

    @http.route(
        const.CONFIRMATION_ROUTE,
        type="http",
        auth="user",
        methods=["GET"],
        website=True,
        sitemap=False,
    )
    def portal_pay_confirmation(self, tx_id=None, **kwargs):
        """The landing page of the payment flow, for the paying user only."""
        tx_id = self._cast_as_int(tx_id)
        tx_sudo = request.env["payment.transaction"].sudo().browse(tx_id).exists()
        if (
            not tx_sudo
            or not tx_sudo.portal_pay_account
            or tx_sudo.partner_id != request.env.user.partner_id
        ):
            raise NotFound()
        # The balance of the account that was paid, in the payment's company and currency, even if
        # the contact has since lost the right to pay (the page must not show a false zero).
        summary = tx_sudo.partner_id.commercial_partner_id._portal_pay_summary(
            tx_sudo.company_id, tx_sudo.currency_id
        )
        values = {
            **self._prepare_portal_layout_values(),
            "page_name": "portal_pay_confirmation",
            "tx_sudo": tx_sudo,
            "payment_sudo": tx_sudo.payment_id,
            "allocations_sudo": tx_sudo.payment_id.portal_pay_allocation_ids,
            "summary": summary,
        }
        return request.render("servicecore_portal_pay.portal_pay_confirmation_page", values)


# === PAYMENT HISTORY AND STATEMENT === #
# Kept in its own controller class so the Make a Payment pages above evolve independently; Odoo
# combines both classes into one controller at routing time.


class PortalPayHistory(PortalAccount):
    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "portal_pay_payment_count" in counters:
            commercial = self._portal_pay_history_partner()
            values["portal_pay_payment_count"] = (
                request.env["account.payment"]
                .sudo()
                .search_count(self._portal_pay_history_domain(commercial))
                if commercial
                else 0
            )
        return values

    def _portal_pay_history_partner(self):
        """The customer whose history the user may see, or None if they may not pay."""
        partner = request.env.user.partner_id
        if request.env.user._is_public() or not partner._portal_pay_may_pay_in(request.env.company):
            return None
        return partner.commercial_partner_id.sudo()

    def _portal_pay_history_domain(self, commercial, date_from=None, date_to=None):
        domain = request.env["account.payment"]._portal_pay_history_domain(
            commercial, request.env.company
        )
        if date_from:
            domain &= Domain("date", ">=", date_from)
        if date_to:
            domain &= Domain("date", "<=", date_to)
        return domain

    def _portal_pay_history_filters(self):
        """Date ranges of the payment history, as the portal search bar's filters."""
        today = fields.Date.context_today(request.env.user)
        month = date_utils.start_of(today, "month")
        last_month = month - relativedelta(months=1)
        year = date_utils.start_of(today, "year")
        last_year = year - relativedelta(years=1)
        env = request.env
        return {
            "all": {"label": env._("All"), "range": (None, None)},
            "this_month": {"label": env._("This month"), "range": (month, today)},
            "last_month": {
                "label": env._("Last month"),
                "range": (last_month, date_utils.end_of(last_month, "month")),
            },
            "last_90_days": {
                "label": env._("Last 90 days"),
                "range": (today - relativedelta(days=89), today),
            },
            "this_year": {"label": env._("This year"), "range": (year, today)},
            "last_year": {
                "label": env._("Last year"),
                "range": (last_year, date_utils.end_of(last_year, "year")),
            },
        }

    @staticmethod
    def _portal_pay_parse_date(value):
        # Free-form query parameters: an unusable date is ignored rather than failing the page.
        try:
            return fields.Date.to_date(value) if value else None
        except (TypeError, ValueError):
            return None

    @http.route(
        [const.HISTORY_ROUTE, f"{const.HISTORY_ROUTE}/page/<int:page>"],
        type="http",
        auth="user",
        methods=["GET"],
        website=True,
        sitemap=False,
    )
    def portal_pay_history(self, page=1, filterby=None, date_begin=None, date_end=None, **kwargs):
        """Payment history: the customer's received payments and what each one paid."""
        commercial = self._portal_pay_history_partner()
        if commercial is None:
            return request.redirect("/my")
        filters = self._portal_pay_history_filters()
        if filterby not in filters:
            filterby = "all"
        date_from, date_to = filters[filterby]["range"]
        # Explicit bounds (as /my/invoices takes them) narrow the selected range further.
        begin, end = self._portal_pay_parse_date(date_begin), self._portal_pay_parse_date(date_end)
        date_from = max(filter(None, (date_from, begin)), default=None)
        date_to = min(filter(None, (date_to, end)), default=None)
        domain = self._portal_pay_history_domain(commercial, date_from, date_to)
        Payment = request.env["account.payment"].sudo()
        url_args = {"filterby": filterby}
        if begin:
            url_args["date_begin"] = begin.isoformat()
        if end:
            url_args["date_end"] = end.isoformat()
        pager = portal_pager(
            url=const.HISTORY_ROUTE,
            url_args=url_args,
            total=Payment.search_count(domain),
            page=page,
            step=self._items_per_page,
        )
        payments_sudo = Payment.search(
            domain, order="date desc, id desc", limit=self._items_per_page, offset=pager["offset"]
        )
        values = {
            **self._prepare_portal_layout_values(),
            "page_name": "portal_pay_history",
            "default_url": const.HISTORY_ROUTE,
            "pager": pager,
            "payments": [
                {"payment": payment, "paid": payment._portal_pay_paid_documents()}
                for payment in payments_sudo
            ],
            "searchbar_filters": filters,
            "filterby": filterby,
        }
        return request.render("servicecore_portal_pay.portal_pay_history_page", values)

    @http.route(
        const.STATEMENT_ROUTE,
        type="http",
        auth="user",
        methods=["GET"],
        website=True,
        sitemap=False,
    )
    def portal_pay_statement(self, **kwargs):
        """The customer's statement: open items, aging and balance in the request company."""
        commercial = self._portal_pay_history_partner()
        if commercial is None:
            return request.redirect("/my")
        company = request.env.company
        # Rendering costs seconds of CPU: counted per contact (a 429 page once over the limit).
        request.env["portal.pay.attempt"].sudo()._portal_pay_reserve_pdf(
            request.env.user.partner_id, company
        )
        report_sudo = request.env["ir.actions.report"].sudo().with_company(company)
        data = {"company_ids": company.ids}
        if report_sudo.get_wkhtmltopdf_state() in ("ok", "upgrade"):
            # Odoo itself answers with the HTML rendering when it cannot make PDFs (in tests).
            content, report_type = report_sudo._render_qweb_pdf(
                const.STATEMENT_REPORT, commercial.ids, data=data
            )
        else:
            # Without wkhtmltopdf no PDF can be made: serve the printable HTML statement.
            content, report_type = report_sudo._render_qweb_html(
                const.STATEMENT_REPORT, commercial.ids, data=data
            )
        headers = [("Content-Length", len(content))]
        if report_type == "pdf":
            headers += [
                ("Content-Type", "application/pdf"),
                (
                    "Content-Disposition",
                    content_disposition("statement.pdf", disposition_type="inline"),
                ),
            ]
        else:
            headers.append(("Content-Type", "text/html; charset=utf-8"))
        return request.make_response(content, headers)


# === SAVED PAYMENT METHODS SHARED WITHIN A CUSTOMER === #


class PortalPaySharedTokens(PortalAccount):
    @http.route()
    def archive_token(self, token_id):
        """Override of `payment` to let a payer delete the saved methods their customer shares.

        Stock Odoo lets users archive only their own tokens and their commercial partner's.
        """
        token_sudo = (
            request.env["payment.token"]
            .sudo()
            ._portal_pay_shared_tokens(request.env.user.partner_id)
            .filtered(lambda token: token.id == self._cast_as_int(token_id))
        )
        if token_sudo:
            token_sudo.active = False
            return None
        return super().archive_token(token_id)
