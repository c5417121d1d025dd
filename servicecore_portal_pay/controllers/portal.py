from decimal import Decimal

from werkzeug.exceptions import NotFound

from odoo import fields, http
from odoo.exceptions import ValidationError
from odoo.http import request

from odoo.addons.account_payment.controllers import portal
from odoo.addons.payment import utils as payment_utils
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

    def _portal_pay_context(self):
        user = request.env.user
        if user._is_public():
            return None
        return user.partner_id._portal_pay_context(request.env.company)

    @http.route(
        const.PAGE_ROUTE, type="http", auth="user", methods=["GET"], website=True, sitemap=False
    )
    def portal_pay_page(self, amount=None, show=None, **kwargs):
        """Make a Payment: the account balance and amount step, then the payment form step."""
        context = self._portal_pay_context()
        if context is None:
            return request.redirect("/my")
        values = self._portal_pay_page_values(context, show_all=show == "all")
        if amount is None:
            return request.render("servicecore_portal_pay.portal_pay_page", values)
        values["amount_input"] = amount
        try:
            amount = context["commercial_partner"]._portal_pay_validate_amount(
                amount, context["summary"]
            )
        except ValidationError as error:
            values["amount_error"] = error.args[0]
            return request.render("servicecore_portal_pay.portal_pay_page", values, status=400)
        values.update(self._portal_pay_form_values(context, amount))
        return request.render("servicecore_portal_pay.portal_pay_form_page", values)

    def _portal_pay_page_values(self, context, show_all=False):
        summary = context["summary"]
        commercial = context["commercial_partner"]
        default_amount = commercial._portal_pay_default_amount(summary)
        places = summary["currency"].decimal_places
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
            "min_amount": summary["company"].portal_pay_min_amount,
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
            "transaction_route": const.TRANSACTION_ROUTE,
            "landing_route": const.CONFIRMATION_ROUTE,
            "access_token": self._portal_pay_access_token(partner, amount, currency),
            "reference_prefix": const.REFERENCE_PREFIX,
        }

    @staticmethod
    def _portal_pay_access_token(partner, amount, currency):
        """Bind a payment form to its payer, amount and currency (see `const`)."""
        return payment_utils.generate_access_token(
            const.ACCESS_TOKEN_SCOPE, partner.id, f"{amount:f}", currency.id
        )

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
        context = self._portal_pay_context()
        values = {
            **self._prepare_portal_layout_values(),
            "page_name": "portal_pay_confirmation",
            "tx_sudo": tx_sudo,
            "payment_sudo": tx_sudo.payment_id,
            "allocations_sudo": tx_sudo.payment_id.portal_pay_allocation_ids,
            "summary": context and context["summary"],
        }
        return request.render("servicecore_portal_pay.portal_pay_confirmation_page", values)
