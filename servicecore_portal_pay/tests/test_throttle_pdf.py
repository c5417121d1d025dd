"""The statement and receipt PDFs are rate-limited per contact (property 6): each render counts
against the company's limit, and a receipt is rendered once, stored on its payment, then served
again from the stored attachment (which counts nothing) until its allocation changes."""

from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.servicecore_portal_pay import const

from .backend_common import PortalPayBackendCommon

MESSAGE = "Too many documents requested. Please wait a few minutes before trying again."
LOGGER = "odoo.addons.servicecore_portal_pay.models.portal_pay_attempt"


@tagged("post_install", "-at_install")
class TestThrottlePdf(PortalPayBackendCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.portal_pay_throttle_pdf_user = 2
        cls.sam = cls.env["res.partner"].create(
            {
                "name": "Sam",
                "parent_id": cls.customer.id,
                "type": "contact",
                "portal_payment_enabled": True,
            }
        )
        new_test_user(cls.env, login="spp_sam", groups="base.group_portal", partner_id=cls.sam.id)

    def _get(self, url):
        with mute_logger("odoo.http"):
            return self.url_open(url)

    def assertServed(self, url):
        response = self._get(url)
        self.assertEqual(response.status_code, 200, response.text[:500])
        return response

    def assertTooMany(self, url, partner):
        with self.assertLogs(LOGGER, "WARNING") as logs:
            response = self._get(url)
        self.assertEqual(response.status_code, 429)
        self.assertIn(MESSAGE, response.text)
        self.assertIn(f"partner {partner.id}", logs.output[0])

    def _attempts(self, partner):
        return (
            self.env["portal.pay.attempt"]
            .sudo()
            .search_count([("partner_id", "=", partner.id), ("kind", "=", "pdf")])
        )

    def _receipts(self, payment):
        return (
            self.env["ir.attachment"]
            .sudo()
            .search([("res_model", "=", "account.payment"), ("res_id", "=", payment.id)])
        )

    def test_statement_limit_per_contact(self):
        self.authenticate("spp_dana", "spp_dana")
        self.assertServed(const.STATEMENT_ROUTE)
        self.assertServed(const.STATEMENT_ROUTE)
        self.assertTooMany(const.STATEMENT_ROUTE, self.payer)
        self.assertEqual(self._attempts(self.payer), 2, "a refusal records nothing")
        # Another contact of the same customer has a limit of its own.
        self.authenticate("spp_sam", "spp_sam")
        self.assertServed(const.STATEMENT_ROUTE)
        # 0 lifts the limit.
        self.company.portal_pay_throttle_pdf_user = 0
        self.authenticate("spp_dana", "spp_dana")
        self.assertServed(const.STATEMENT_ROUTE)

    def test_receipt_rendered_once_then_served_from_its_attachment(self):
        tx = self._portal_pay_confirm(150.00)
        url = f"{const.RECEIPT_ROUTE}/{tx.id}"
        self.assertFalse(self._receipts(tx.payment_id))
        self.authenticate("spp_dana", "spp_dana")
        first = self.assertServed(url)
        [stored] = self._receipts(tx.payment_id)
        self.assertEqual(stored.name, tx.payment_id._portal_pay_receipt_filename())
        self.assertEqual(stored.raw, first.content)
        self.assertIn(self.inv_a.name, first.text)  # test mode renders the PDF's HTML
        # Served again from the attachment, however often: no render, nothing counted...
        for _again in range(4):
            self.assertEqual(self.assertServed(url).content, first.content)
        self.assertEqual(self._receipts(tx.payment_id), stored)
        self.assertEqual(self._attempts(self.payer), 1)
        # ...so the contact still has one render left, for the statement.
        self.assertServed(const.STATEMENT_ROUTE)
        self.assertTooMany(const.STATEMENT_ROUTE, self.payer)
        self.assertEqual(self.assertServed(url).content, first.content)

    def test_receipt_limit(self):
        self.company.portal_pay_throttle_pdf_user = 1
        first_tx, second_tx = self._portal_pay_confirm(50.00), self._portal_pay_confirm(60.00)
        self.authenticate("spp_dana", "spp_dana")
        self.assertServed(f"{const.RECEIPT_ROUTE}/{first_tx.id}")
        self.assertTooMany(f"{const.RECEIPT_ROUTE}/{second_tx.id}", self.payer)
        self.assertFalse(self._receipts(second_tx.payment_id))
        self.assertServed(f"{const.RECEIPT_ROUTE}/{first_tx.id}")

    def test_receipt_rendered_again_after_its_allocation_changed(self):
        self.company.portal_pay_throttle_pdf_user = 0
        tx = self._portal_pay_confirm(150.00)
        url = f"{const.RECEIPT_ROUTE}/{tx.id}"
        self.authenticate("spp_dana", "spp_dana")
        self.assertServed(url)
        stored = self._receipts(tx.payment_id)
        self.assertEqual(len(stored), 1)
        # A refund reopens invoice B: the allocation the receipt shows changed.
        self._portal_pay_refund(tx, 30.00)
        again = self.assertServed(url)
        receipts = self._receipts(tx.payment_id)
        self.assertEqual(len(receipts), 2)
        self.assertEqual((receipts - stored).raw, again.content)
        self.assertEqual(self.assertServed(url).content, again.content)
        self.assertEqual(self._receipts(tx.payment_id), receipts)
