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
        """The PDF receipt of a portal payment, for the contact who paid it and the contacts who
        see it in their payment history (those allowed to pay for the same customer): rendered
        once (counted against the contact's PDF limit), then served from the payment's
        attachment. Named by the transaction's reference."""
        tx_sudo = request.env["payment.transaction"].sudo().browse(tx_id).exists()
        payment_sudo = tx_sudo.payment_id
        if (
            not tx_sudo.portal_pay_account
            or not payment_sudo.is_portal_payment
            or not self._portal_pay_may_see_receipt(tx_sudo, request.env.user.partner_id)
        ):
            raise NotFound()
        receipt = (
            request.env["portal.pay.receipt"].sudo()._get(tx_sudo, request.env.user.partner_id)
        )
        return self._portal_pay_serve_receipt(receipt, payment_sudo, download)

    @http.route(
        const.RECEIPT_ROUTE + "/payment/<int:payment_id>",
        type="http",
        auth="user",
        methods=["GET"],
        website=True,
        sitemap=False,
    )
    def portal_pay_payment_receipt(self, payment_id, download=False, **kwargs):
        """The receipt of a payment made elsewhere than the portal (e.g. a cheque staff
        registered), for the contacts who see it in their payment history only."""
        partner = request.env.user.partner_id
        payment_sudo = request.env["account.payment"].sudo().browse(payment_id).exists()
        company = payment_sudo.company_id
        if (
            not payment_sudo
            or not partner._portal_pay_may_pay_in(company)
            or not payment_sudo.filtered_domain(
                payment_sudo._portal_pay_history_domain(partner.commercial_partner_id, company)
            )
        ):
            raise NotFound()
        tx_sudo = payment_sudo.payment_transaction_id
        if tx_sudo.portal_pay_account and payment_sudo.is_portal_payment:
            return request.redirect(f"{const.RECEIPT_ROUTE}/{tx_sudo.id}")
        receipt = request.env["portal.pay.receipt"].sudo()._get_payment(payment_sudo, partner)
        return self._portal_pay_serve_receipt(receipt, payment_sudo, download)

    @staticmethod
    def _portal_pay_serve_receipt(receipt, payment_sudo, download):
        filename = payment_sudo._portal_pay_receipt_filename()
        disposition = "attachment" if download else "inline"
        return request.make_response(
            receipt.raw,
            headers=[
                ("Content-Type", receipt.mimetype),
                ("Content-Length", receipt.file_size),
                ("Content-Disposition", http.content_disposition(filename, disposition)),
            ],
        )

    @staticmethod
    def _portal_pay_may_see_receipt(tx_sudo, partner):
        """The payer, who keeps past receipts, or a contact who may pay for the same customer in
        the transaction's company (the payment history shows them the payment)."""
        if tx_sudo.partner_id == partner:
            return True
        return partner.commercial_partner_id == tx_sudo.partner_id.commercial_partner_id and bool(
            partner._portal_pay_may_pay_in(tx_sudo.company_id)
        )
