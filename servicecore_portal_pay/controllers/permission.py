from odoo import http
from odoo.exceptions import ValidationError
from odoo.http import request

from odoo.addons.account_payment.controllers import payment
from odoo.addons.payment import utils as payment_utils
from odoo.addons.servicecore_portal_pay import const
from odoo.addons.servicecore_portal_pay.controllers import portal

# The pages a contact who may not pay gets the permission page on; the ask brings them back.
PERMISSION_ORIGINS = (const.PAGE_ROUTE, const.HISTORY_ROUTE, const.STATEMENT_ROUTE)
# The invoices whose payment link (made by staff) this browser opened: paid as stock does.
PAYMENT_LINKS_SESSION_KEY = "portal_pay_payment_links"
PAYMENT_LINKS_KEPT = 20


def _opened_payment_links():
    return request.session.get(PAYMENT_LINKS_SESSION_KEY) or []


class PortalPayPermission(portal.PortalAccount):
    """A contact who may not pay: who pays the account, and a way to ask for the right to.

    Odoo combines this class with the other portal controllers at routing time, so the pages of
    `portal.py` call `_portal_pay_permission_page` where they used to redirect.
    """

    def _portal_pay_permission_page(self):
        """The page shown instead of Make a Payment, the history or the statement (HTTP 403)."""
        user, company = request.env.user, request.env.company
        Permission = request.env["portal.pay.permission"]
        if not Permission._concerns(user, company):
            return request.redirect("/my")
        partner = user.partner_id
        payers = Permission._payers(partner, company)
        path = request.httprequest.path
        values = {
            **self._prepare_portal_layout_values(),
            "page_name": "portal_pay_permission",
            "customer_name": partner.commercial_partner_id.sudo().name,
            "company_name": company.name,
            "has_payers": bool(payers),
            "payer_names": payers.mapped("name") if company.portal_pay_show_payers else [],
            "permission_request": Permission._open_request(partner),
            "already_asked": request.httprequest.args.get("asked") == "already",
            "origin": path if path in PERMISSION_ORIGINS else const.PAGE_ROUTE,
            "permission_route": const.PERMISSION_ROUTE,
        }
        return request.render(
            "servicecore_portal_pay.portal_pay_permission_page", values, status=403
        )

    @http.route(
        const.PERMISSION_ROUTE,
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
        sitemap=False,
    )
    def portal_pay_permission_ask(self, origin=None, **kwargs):
        """Ask the accounting team for the right to pay (CSRF-checked); one open request."""
        origin = origin if origin in PERMISSION_ORIGINS else const.PAGE_ROUTE
        user, company = request.env.user, request.env.company
        if not request.env["portal.pay.permission"]._concerns(user, company):
            return request.redirect(origin)
        created = request.env["portal.pay.permission"]._ask(user.partner_id, company)[1]
        return request.redirect(origin if created else f"{origin}?asked=already")

    @http.route()
    def portal_my_invoice_detail(self, invoice_id, payment_token=None, amount=None, **kw):
        """Override of `account_payment`: a payment link staff made (its token signs the invoice
        and the amount) is paid as stock does, also by a logged-in contact who may not pay."""
        if (
            payment_token
            and amount
            and payment_utils.check_access_token(payment_token, invoice_id, amount)
        ):
            opened = [key for key in _opened_payment_links() if key != invoice_id]
            request.session[PAYMENT_LINKS_SESSION_KEY] = [*opened, invoice_id][-PAYMENT_LINKS_KEPT:]
        return super().portal_my_invoice_detail(
            invoice_id, payment_token=payment_token, amount=amount, **kw
        )

    def _invoice_get_page_view_values(self, invoice, access_token, **kwargs):
        """Override of `account`: name the logged-in portal contact to "Pay Now" (the invoice is
        read as the superuser here), see `account.move._portal_pay_viewer`."""
        user = request.env.user
        if user.share and not user._is_public() and invoice.id not in _opened_payment_links():
            invoice = invoice.with_context(portal_pay_viewer_id=user.partner_id.id)
        return super()._invoice_get_page_view_values(invoice, access_token, **kwargs)

    def _prepare_my_invoices_values(self, *args, **kwargs):
        """Override of `account`: "Pay Now" on the invoice list is decided once per company for
        the page, not once per invoice (see `account.move._portal_pay_viewer_may_pay_now`)."""
        user = request.env.user
        if user.share and not user._is_public():
            Permission = request.env["portal.pay.permission"]
            refused = [
                company.id
                for company in user.company_ids
                if not Permission._may_pay_now(user.partner_id, company)
            ]
            request.update_context(portal_pay_pay_now_refused=tuple(refused))
        return super()._prepare_my_invoices_values(*args, **kwargs)

    @http.route()
    def portal_my_overdue_invoices(self, access_token=None, **kw):
        """Override of `account_payment`: stock's "Pay Now" for overdue invoices, withheld from a
        contact who may not pay, leads to the page that says who pays."""
        user = request.env.user
        if (
            user.share
            and not user._is_public()
            and not request.env["portal.pay.permission"]._may_pay_now(
                user.partner_id, request.env.company
            )
        ):
            return request.redirect(const.PAGE_ROUTE)
        return super().portal_my_overdue_invoices(access_token=access_token, **kw)


class PortalPayPermissionPayment(payment.PaymentPortal):
    def _process_transaction(
        self, partner_id, currency_id, invoice_ids, payment_reference, **kwargs
    ):
        """Override of `account_payment`: the server refuses "Pay Now" (one invoice, or the overdue
        ones) to a logged-in contact who may not pay, whatever the page showed.

        Invoices paid without logging in (their link), or through a payment link staff made that
        this browser opened, are paid as stock does.
        """
        user = request.env.user
        if (
            user.share
            and not user._is_public()
            and not set(invoice_ids or ()) <= set(_opened_payment_links())
        ):
            Permission = request.env["portal.pay.permission"]
            invoices_sudo = request.env["account.move"].sudo().browse(invoice_ids)
            for company in invoices_sudo.company_id:
                if not Permission._may_pay_now(user.partner_id, company):
                    raise ValidationError(Permission._refusal(user.partner_id))
        return super()._process_transaction(
            partner_id, currency_id, invoice_ids, payment_reference, **kwargs
        )
