"""HTTP side of issue 4: the enable switch and the receipt download (payer only)."""

from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.payment.tests.http_common import PaymentHttpCommon
from odoo.addons.servicecore_portal_pay import const

from .backend_common import PortalPayBackendCommon
from .common import transaction_params


@tagged("post_install", "-at_install")
class TestPortalPayBackendHttp(PortalPayBackendCommon, PaymentHttpCommon, HttpCase):
    def _post_transaction(self, params):
        response = self.url_open(
            const.TRANSACTION_ROUTE,
            json={"jsonrpc": "2.0", "method": "call", "id": 0, "params": params},
        )
        self.assertEqual(response.status_code, 200)
        return response.json()

    def test_disabled_page_redirects_and_route_refuses(self):
        self.authenticate("spp_dana", "spp_dana")
        # A valid request, made while the company still offers the page.
        context = self._get_payment_context(self.url_open(f"{const.PAGE_ROUTE}?amount=10.00"))
        params = transaction_params(context, self.provider.id, self.payment_method_id)
        count = self.env["payment.transaction"].search_count([])

        self.company.portal_pay_enabled = False
        response = self.url_open(const.PAGE_ROUTE, allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers["Location"].endswith("/my"))
        refused = self._post_transaction(params)
        self.assertIn("error", refused)
        self.assertEqual(refused["error"]["data"]["name"], "werkzeug.exceptions.Forbidden")
        self.assertEqual(self.env["payment.transaction"].search_count([]), count)

        # The same request once the company offers the page again: only the switch refused it.
        self.company.portal_pay_enabled = True
        accepted = self._post_transaction(params)
        self.assertNotIn("error", accepted)
        self.assertEqual(self.env["payment.transaction"].search_count([]), count + 1)
        tx = self.env["payment.transaction"].search(
            [("reference", "=", accepted["result"]["reference"])]
        )
        self.assertTrue(tx.portal_pay_account)

    def test_receipt_download_payer_only(self):
        tx = self._portal_pay_confirm(50.00)
        url = f"/my/payment/receipt/{tx.id}?download=1"
        self.authenticate("spp_dana", "spp_dana")
        page = self.url_open(f"/my/payment/confirmation?tx_id={tx.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn(f"/my/payment/receipt/{tx.id}?download=1", page.text)
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        self.assertIn("attachment", response.headers["Content-Disposition"])
        self.assertIn(self.inv_a.name, response.text)  # test mode renders the PDF's HTML

        other = self.env["res.partner"].create(
            {"name": "Sam", "parent_id": self.customer.id, "type": "contact"}
        )
        new_test_user(self.env, login="spp_sam", groups="base.group_portal", partner_id=other.id)
        self.authenticate("spp_sam", "spp_sam")
        self.assertEqual(self.url_open(url).status_code, 404)
        self.assertEqual(self.url_open(f"/my/payment/receipt/{tx.id + 999}").status_code, 404)

        self.authenticate(None, None)
        response = self.url_open(url, allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertIn("/web/login", response.headers["Location"])
