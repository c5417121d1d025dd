from datetime import timedelta

from lxml import html

from odoo import Command, fields
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.servicecore_portal_pay import const
from odoo.addons.test_servicecore_portal_pay.tests.common import setup_demo_tour_company

PARTNER_FIELDS = ["name", "email", "phone", "street", "street2", "city", "zip"]
PARTNER_FIELDS += ["state_id", "country_id"]


@tagged("post_install", "-at_install")
class TestBillingTour(HttpCase):
    """Billing details in a real browser (tour: static/tests/tours/portal_pay_billing_tour.js):
    the payer corrects the invoice address for one payment, pays with the Demo provider, and the
    confirmation and the receipt show the corrected address; no contact is changed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        setup_demo_tour_company(cls)

        Partner = cls.env["res.partner"]
        cls.customer = Partner.create(
            {
                "name": "Billing Tour Mechanical",
                "is_company": True,
                "street": "9 Plant Road",
                "city": "Denver",
                "zip": "80202",
                "state_id": cls.env.ref("base.state_us_6").id,
                "country_id": cls.env.ref("base.us").id,
            }
        )
        cls.invoice_address = Partner.create(
            {
                "name": "Billing Tour Payables",
                "type": "invoice",
                "parent_id": cls.customer.id,
                "email": "payables@billing-tour.example.com",
                "street": "PO Box 77",
                "city": "Boulder",
                "zip": "80301",
                "state_id": cls.env.ref("base.state_us_6").id,
                "country_id": cls.env.ref("base.us").id,
            }
        )
        cls.payer = Partner.create(
            {
                "name": "Robin Billing",
                "parent_id": cls.customer.id,
                "type": "contact",
                "email": "robin@billing-tour.example.com",
                "portal_payment_enabled": True,
            }
        )
        cls.payer_user = new_test_user(
            cls.env,
            login="portal_pay_billing_tour",
            groups="base.group_portal",
            name=cls.payer.name,
            partner_id=cls.payer.id,
        )
        today = fields.Date.context_today(cls.customer)
        cls.invoice = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": cls.customer.id,
                "invoice_date": today - timedelta(days=30),
                "invoice_date_due": today - timedelta(days=1),
                "currency_id": cls.usd.id,
                "invoice_line_ids": [
                    Command.create(
                        {"name": "Service call", "quantity": 1, "price_unit": 600, "tax_ids": []}
                    )
                ],
            }
        )
        cls.invoice.action_post()

    def _partners(self):
        partners = self.customer | self.invoice_address | self.payer
        partners.invalidate_recordset()
        return partners.read(PARTNER_FIELDS)

    def test_billing_details_tour(self):
        before = self._partners()
        self.start_tour(
            f"{const.PAGE_ROUTE}?amount=250",
            "servicecore_portal_pay_billing_tour",
            login=self.payer_user.login,
        )

        tx = self.env["payment.transaction"].search([("partner_id", "=", self.payer.id)])
        self.assertEqual(len(tx), 1)
        self.assertEqual(tx.state, "done")
        self.assertRecordValues(
            tx,
            [
                {
                    "amount": 250.0,
                    "partner_name": "Billing Tour Payables, Toronto office",
                    "partner_email": "payables@billing-tour.example.com",
                    "partner_address": "1 Front Street West Floor 3",
                    "partner_city": "Toronto",
                    "partner_zip": "M5J 2X5",
                    "partner_state_id": self.env.ref("base.state_ca_on").id,
                    "partner_country_id": self.env.ref("base.ca").id,
                }
            ],
        )
        self.assertTrue(tx.payment_id, "the confirmation page books the payment")
        # The payer's corrections were for this payment only.
        self.assertEqual(self._partners(), before)

        # The receipt prints the corrected address.
        self.authenticate(self.payer_user.login, self.payer_user.login)
        receipt = self.url_open(f"{const.RECEIPT_ROUTE}/{tx.id}")
        self.assertEqual(receipt.status_code, 200)
        (block,) = html.fromstring(receipt.text).xpath(
            "//*[contains(@class, 'o_servicecore_portal_pay_billing_address')]"
        )
        shown = " ".join(block.text_content().split())
        for expected in ("Toronto office", "1 Front Street West Floor 3", "Ontario", "Canada"):
            self.assertIn(expected, shown)
        self.assertNotIn("PO Box 77", shown)
