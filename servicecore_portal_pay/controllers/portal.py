from dataclasses import dataclass
from urllib.parse import urlencode

from dateutil.relativedelta import relativedelta
from werkzeug.exceptions import NotFound

from odoo import fields, http
from odoo.exceptions import ValidationError
from odoo.fields import Domain
from odoo.http import content_disposition, request
from odoo.tools import date_utils

from odoo.addons.account_payment.controllers import portal
from odoo.addons.portal.controllers.portal import pager as portal_pager
from odoo.addons.servicecore_portal_pay import const
from odoo.addons.servicecore_portal_pay.rules import amounts


@dataclass(frozen=True)
class PageRow:
    """One open item of Make a Payment, as the page lists it."""

    line: object
    item: object
    payable: object  # Decimal: what a payment can still apply to it
    processing: object  # Decimal: covered by payments on their way
    credited: list  # the credit applications the next payment books on it
    choosable: bool
    in_payment: bool  # covered by a payment without journal entry (else, on hold: blocked)


class PortalAccount(portal.PortalAccount):
    # === PORTAL HOME === #

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "portal_pay_balance" in counters:
            request_sudo = self._portal_pay_request()
            values["portal_pay_balance"] = (
                request_sudo.account.currency.format(float(request_sudo.account.figures.balance))
                if request_sudo
                else 0
            )
        return values

    # === MAKE A PAYMENT === #

    def _portal_pay_request(self, currency_id=None, line_ids=None):
        """The one request check (``portal.pay.request``) for the user, or None if they may
        not pay on account.

        :raise ValidationError: with a message for the customer
        """
        if request.env.user._is_public():
            return None
        return request.env["portal.pay.request"]._check(
            request.env.user.partner_id, request.env.company, currency_id, line_ids
        )

    @http.route(
        const.PAGE_ROUTE, type="http", auth="user", methods=["GET"], website=True, sitemap=False
    )
    def portal_pay_page(self, amount=None, currency_id=None, show=None, **kwargs):
        """Make a Payment: the account balance and amount step, then the payment form step."""
        try:
            pay_request = self._portal_pay_request(currency_id)
        except ValidationError:
            # An unknown currency or one the account has nothing in: back to the default one.
            return request.redirect(const.PAGE_ROUTE)
        if pay_request is None:
            return self._portal_pay_permission_page()
        values = self._portal_pay_page_values(pay_request.account, show_all=show == "all")
        # "Choose invoices": ticked items arrive as repeated `line_ids` (checkboxes) or a list.
        chosen = ",".join(request.httprequest.args.getlist("line_ids"))
        if amount is None and not chosen:
            return request.render("servicecore_portal_pay.portal_pay_page", values)
        values["amount_input"] = amount
        try:
            if chosen:
                # The account read above, restricted to the ticked items (not read again).
                pay_request = request.env["portal.pay.request"]._with_selection(pay_request, chosen)
                values["chosen_line_ids"] = sorted(pay_request.account.chosen)
                if not amount:  # Without a typed amount the chosen items are paid in full.
                    amount = pay_request.account.figures.balance
                    values["amount_input"] = request.env["portal.pay.request"]._amount_text(
                        pay_request.account.currency, amount
                    )
            # Typed by the customer: read in their language.
            pay_request = request.env["portal.pay.request"]._with_amount(
                pay_request, amount, typed=isinstance(amount, str)
            )
        except ValidationError as error:
            values["amount_error"] = error.args[0]
            return request.render("servicecore_portal_pay.portal_pay_page", values, status=400)
        values.update(self._portal_pay_form_values(pay_request))
        response = request.render("servicecore_portal_pay.portal_pay_form_page", values)
        # A form pays once: kept out of the browser's caches, Back loads the page again, and
        # the page (static/src/interactions/portal_pay_states.js) leaves a form already used.
        response.headers["Cache-Control"] = "no-store"
        return response

    def _portal_pay_page_values(self, account, show_all=False):
        Request = request.env["portal.pay.request"]
        figures = account.figures
        default_amount = Request._default_amount(account)
        minimum = Request._min_amount(account.company, account.currency)
        plan = account.plan(0)
        # The table lists the oldest items; the others are summed up in one row (with a link to
        # list them all), so the page costs the same for 10 or 5,000 open invoices.
        rows = self._portal_pay_rows(account, plan)
        limit = None if show_all else const.PAGE_ITEMS_LIMIT
        rest = rows[limit:] if limit else []
        return {
            "rows_shown": rows[:limit] if limit else rows,
            "rest_count": len(rest),
            "rest_residual": sum((row.payable for row in rest), account.quantize(0)),
            **self._prepare_portal_layout_values(),
            "page_name": "portal_pay",
            "account": account,
            "figures": figures,
            "currency": account.currency,
            "today": account.today,
            "amount_input": Request._amount_text(account.currency, default_amount)
            if default_amount
            else "",
            "amount_rules": Request._amount_rules(account),
            "allow_overpayment": account.company.portal_pay_overpayment == "credit",
            # As amounts.check_bounds: a smaller balance can always be paid off in full.
            "min_amount": float(min(minimum, figures.balance) if figures.balance > 0 else minimum),
            "balances": request.env["portal.pay.account"]._balances(
                account.partner, account.company, known=account
            ),
        }

    @staticmethod
    def _portal_pay_rows(account, plan):
        """The open items as the page lists them, with what is payable on each now."""
        taken = {}
        for application in (*plan.processing, *plan.credits):
            taken.setdefault(application.item, []).append(application)
        payable_keys = account.payable_keys()
        rows = []
        for item in account.items:
            applications = taken.get(item.key, [])
            left = item.residual - sum((app.amount for app in applications), account.quantize(0))
            rows.append(
                PageRow(
                    line=account.line(item.key),
                    item=item,
                    payable=left if item.residual > 0 and not item.on_hold else account.quantize(0),
                    processing=sum(
                        (app.amount for app in applications if app.kind == "processing"),
                        account.quantize(0),
                    ),
                    credited=[app for app in applications if app.kind == "credit"],
                    choosable=item.key in payable_keys and left > 0,
                    in_payment=item.on_hold
                    and account.line(item.key).move_id.payment_state != "blocked",
                )
            )
        return rows

    def _portal_pay_form_values(self, pay_request):
        """Rendering values of Odoo's payment form for exactly the request's amount."""
        partner, account, amount = pay_request.partner, pay_request.account, pay_request.amount
        company, currency = account.company, account.currency
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
        # Stripe's Payment Element starts from the payment's billing details, not the payer's.
        billing = request.env["portal.pay.billing"]._defaults(partner)
        payment_methods_sudo = payment_methods_sudo.with_context(
            portal_pay_billing_details=request.env["portal.pay.stripe"]._billing_details(billing)
        )
        tokens_sudo = (
            request.env["payment.token"]
            .sudo()
            ._get_available_tokens(providers_sudo.ids, partner.id)
        )  # In sudo mode to read the tokens of the commercial partner.
        return {
            "amount": float(amount),
            "amount_decimal": amount,
            "plan": pay_request.plan(),
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
            "transaction_route": self._portal_pay_transaction_route(account),
            "landing_route": const.CONFIRMATION_ROUTE,
            "access_token": request.env["portal.pay.request"]._access_token(pay_request),
            "reference_prefix": const.REFERENCE_PREFIX,
            **self._portal_pay_billing_form_values(billing, account, amount),
        }

    def _portal_pay_billing_form_values(self, billing, account, amount):
        """The billing details shown (and editable) next to the payment form, the route that
        keeps them for the payment, and the label of the form's button, which names the
        amount."""
        transaction_route = self._portal_pay_transaction_route(account)
        return {
            "portal_pay_billing": billing,
            "portal_pay_billing_route": const.BILLING_ROUTE
            + transaction_route[len(const.TRANSACTION_ROUTE) :],
            "portal_pay_countries": request.env["res.country"].sudo().search([]),
            "portal_pay_states": billing["country"].sudo().state_ids,
            "portal_pay_billing_sizes": const.BILLING_FIELD_SIZES,
            "submit_button_label": request.env._(
                "Pay %(amount)s", amount=account.currency.format(float(amount))
            ),
        }

    @staticmethod
    def _portal_pay_transaction_route(account):
        if account.chosen:
            return f"{const.TRANSACTION_ROUTE}/{account.currency.id}/{account.selection}"
        if account.currency != account.company.currency_id:
            return f"{const.TRANSACTION_ROUTE}/{account.currency.id}"
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
        """The landing page of the payment flow, for the paying user only.

        It shows what the ledger holds for the payment, and the balance as it was right after
        the payment (stored when it was booked), never a live figure.
        """
        tx_id = self._cast_as_int(tx_id)
        tx_sudo = request.env["payment.transaction"].sudo().browse(tx_id).exists()
        if (
            not tx_sudo
            or not tx_sudo.portal_pay_account
            or tx_sudo.partner_id != request.env.user.partner_id
        ):
            raise NotFound()
        payment_sudo = tx_sudo.payment_id
        values = {
            **self._prepare_portal_layout_values(),
            "page_name": "portal_pay_confirmation",
            "tx_sudo": tx_sudo,
            "payment_sudo": payment_sudo,
            "allocations_sudo": tx_sudo._portal_pay_allocations(),
            # A contact whose right to pay was removed keeps past confirmations, not the links.
            "portal_pay_may_pay": tx_sudo.partner_id._portal_pay_may_pay_in(tx_sudo.company_id),
        }
        if tx_sudo.state != "done":
            # Failed, cancelled or not confirmed yet: no confirmation, nothing booked to show.
            values.update(self._portal_pay_state_values(tx_sudo))
            return request.render("servicecore_portal_pay.portal_pay_state_page", values)
        return request.render("servicecore_portal_pay.portal_pay_confirmation_page", values)

    # === FAILED, CANCELLED AND PENDING PAYMENTS === #

    def _portal_pay_state_values(self, tx_sudo):
        """Rendering values of the page of a payment that is not confirmed."""
        return {
            "page_name": "portal_pay_state",
            "try_again_url": self._portal_pay_try_again_url(tx_sudo),
            "pending_delay": tx_sudo._portal_pay_pending_delay(),
        }

    @staticmethod
    def _portal_pay_try_again_url(tx_sudo):
        """Make a Payment for the same amount and items: a fresh form, the amount and the
        items checked again against the account as it is now."""
        # Written as the user's language writes amounts, as they will read it (and as the page
        # parses it: in de_DE "12.500" would be twelve thousand five hundred).
        places = tx_sudo.currency_id.decimal_places
        amount = amounts.quantize(tx_sudo.amount, places)
        params = {}
        if tx_sudo.currency_id != tx_sudo.company_id.currency_id:
            params["currency_id"] = tx_sudo.currency_id.id
        # When the invoices it chose are gone, not the same amount on the oldest ones instead.
        if tx_sudo.portal_pay_line_ids or not tx_sudo.portal_pay_chose_items:
            params["amount"] = request.env["portal.pay.request"]._amount_text(
                tx_sudo.currency_id, amount
            )
        if tx_sudo.portal_pay_line_ids:
            params["line_ids"] = ",".join(
                str(key) for key in sorted(tx_sudo.portal_pay_line_ids.ids)
            )
        return f"{const.PAGE_ROUTE}?{urlencode(params)}" if params else const.PAGE_ROUTE

    @http.route(const.FORM_STATE_ROUTE, type="jsonrpc", auth="user")
    def portal_pay_form_state(self, nonce=None, **kwargs):
        """Where a payment form page shown again (Back) leads, if its form was already used.

        :param str nonce: the form's nonce (the middle part of its access token)
        :return: ``{"landing_route": ...}`` for a form of the user's that started a transaction
            past its draft, else ``{}`` (a draft's form may be submitted again)
        """
        if not isinstance(nonce, str) or not nonce:
            return {}
        tx_sudo = (
            request.env["payment.transaction"]
            .sudo()
            .search(
                [
                    ("portal_pay_form_nonce", "=", nonce),
                    ("partner_id", "=", request.env.user.partner_id.id),
                ],
                limit=1,
            )
        )
        if not tx_sudo or tx_sudo.state == "draft":
            return {}
        return {"landing_route": tx_sudo.landing_route}


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
            return self._portal_pay_permission_page()
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
            return self._portal_pay_permission_page()
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
