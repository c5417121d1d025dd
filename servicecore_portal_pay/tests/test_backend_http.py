"""HTTP side of issue 4: the enable switch and the receipt download (payer only)."""

from odoo.tests import HttpCase, new_test_user, tagged

from .backend_common import PortalPayBackendCommon


@tagged("post_install", "-at_install")
class TestPortalPayBackendHttp(PortalPayBackendCommon, HttpCase):
    def test_disabled_page_redirects_and_route_refuses(self):
        self.company.portal_pay_enabled = False
        self.authenticate("spp_dana", "spp_dana")
        response = self.url_open("/my/payment", allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers["Location"].endswith("/my"))
        count = self.env["payment.transaction"].search_count([])
        response = self.make_jsonrpc_request_raw("/my/payment/transaction", {"amount": "10.00"})
        self.assertIn("error", response)
        self.assertEqual(self.env["payment.transaction"].search_count([]), count)

    def make_jsonrpc_request_raw(self, route, params):
        response = self.url_open(
            route,
            data=__import__("json").dumps({"jsonrpc": "2.0", "method": "call", "params": params}),
            headers={"Content-Type": "application/json"},
        )
        if response.status_code == 403:
            return {"error": "forbidden"}
        return response.json()

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
