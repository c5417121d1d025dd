from werkzeug.exceptions import NotFound

from odoo import http
from odoo.http import request

from odoo.addons.servicecore_portal_pay import const


class PortalPayReceipt(http.Controller):
    @http.route(
        const.RECEIPT_ROUTE + "/<int:tx_id>",
        type="http",
        auth="user",
        methods=["GET"],
        website=True,
        sitemap=False,
    )
    def portal_pay_receipt(self, tx_id, download=False, **kwargs):
        """The PDF receipt of a portal payment, for the contact who paid it only."""
        tx_sudo = request.env["payment.transaction"].sudo().browse(tx_id).exists()
        payment_sudo = tx_sudo.payment_id
        if (
            not tx_sudo.portal_pay_account
            or tx_sudo.partner_id != request.env.user.partner_id
            or not payment_sudo.is_portal_payment
        ):
            raise NotFound()
        pdf, _type = (
            request.env["ir.actions.report"]
            .sudo()
            ._render_qweb_pdf(const.RECEIPT_REPORT, res_ids=payment_sudo.ids)
        )
        filename = payment_sudo._portal_pay_receipt_filename()
        disposition = "attachment" if download else "inline"
        return request.make_response(
            pdf,
            headers=[
                ("Content-Type", "application/pdf"),
                ("Content-Length", len(pdf)),
                ("Content-Disposition", http.content_disposition(filename, disposition)),
            ],
        )
