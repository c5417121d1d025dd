from datetime import timedelta
from decimal import Decimal

from odoo import Command, fields
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.test_servicecore_portal_pay.tests.common import setup_demo_tour_company


@tagged("post_install", "-at_install")
class TestPortalPayTour(HttpCase):
    """Make a Payment in a real browser: the customer's whole journey, with the Demo provider.

    The tours live in static/tests/tours/portal_pay_tour.js; the data they expect is made here.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        setup_demo_tour_company(cls)

        cls.customer = cls.env["res.partner"].create(
            {"name": "Tour Mechanical Inc", "is_company": True, "email": "ap@tour.example.com"}
        )
        cls.payer = cls.env["res.partner"].create(
            {
                "name": "Pat Payer",
                "parent_id": cls.customer.id,
                "type": "contact",
                "email": "pat@tour.example.com",
                "portal_payment_enabled": True,
            }
        )
        cls.viewer = cls.env["res.partner"].create(
            {
                "name": "Val Viewer",
                "parent_id": cls.customer.id,
                "type": "contact",
                "email": "val@tour.example.com",
            }
        )
        cls.payer_user = new_test_user(
            cls.env,
            login="portal_pay_tour",
            groups="base.group_portal",
            name=cls.payer.name,
            partner_id=cls.payer.id,
        )
        cls.viewer_user = new_test_user(
            cls.env,
            login="portal_pay_viewer",
            groups="base.group_portal",
            name=cls.viewer.name,
            partner_id=cls.viewer.id,
        )
        today = fields.Date.context_today(cls.customer)
        # Created newest first, so that ordering by creation would give the wrong answer.
        cls.invoice_later = cls._create_invoice(400.00, today, today + timedelta(days=15))
        cls.invoice_recent = cls._create_invoice(
            250.00, today - timedelta(days=50), today - timedelta(days=20)
        )
        cls.invoice_oldest = cls._create_invoice(
            100.00, today - timedelta(days=90), today - timedelta(days=60)
        )

    @classmethod
    def _create_invoice(cls, amount, invoice_date, due_date):
        invoice = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": cls.customer.id,
                "invoice_date": invoice_date,
                "invoice_date_due": due_date,
                "currency_id": cls.usd.id,
                "invoice_line_ids": [
                    Command.create(
                        {"name": "Service call", "quantity": 1, "price_unit": amount, "tax_ids": []}
                    )
                ],
            }
        )
        invoice.action_post()
        return invoice

    def _residuals(self):
        invoices = self.invoice_oldest + self.invoice_recent + self.invoice_later
        invoices.invalidate_recordset(["amount_residual"])
        return [
            Decimal(str(invoice.amount_residual)).quantize(Decimal("0.01")) for invoice in invoices
        ]

    def test_setup(self):
        """The tours' arithmetic rests on these figures."""
        self.assertEqual(self.company.currency_id, self.usd)
        self.assertEqual(
            self._residuals(), [Decimal("100.00"), Decimal("250.00"), Decimal("400.00")]
        )
        self.assertTrue(self.payer._portal_pay_is_allowed())
        self.assertFalse(self.viewer._portal_pay_is_allowed())

    def test_make_a_payment_tour(self):
        """Portal home → amount and preview → Demo payment → confirmation, then the books."""
        self.start_tour("/my", "servicecore_portal_pay_tour", login=self.payer_user.login)

        transactions = self.env["payment.transaction"].search([("partner_id", "=", self.payer.id)])
        self.assertEqual(len(transactions), 1)
        self.assertEqual(transactions.state, "done")
        self.assertTrue(transactions.portal_pay_account)
        self.assertEqual(transactions.provider_id, self.provider)
        payments = self.env["account.payment"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(len(payments), 1)
        self.assertEqual(payments, transactions.payment_id)
        self.assertIn(payments.state, ("in_process", "paid"))
        self.assertEqual(Decimal(str(payments.amount)).quantize(Decimal("0.01")), Decimal("300.00"))
        self.assertEqual(self._residuals(), [Decimal("0.00"), Decimal("50.00"), Decimal("400.00")])
        allocations = payments.portal_pay_allocation_ids
        self.assertEqual(allocations.move_id, self.invoice_oldest + self.invoice_recent)
        self.assertEqual(
            [(a.move_id, a.amount, a.residual_after) for a in allocations],
            [(self.invoice_oldest, 100.00, 0.00), (self.invoice_recent, 200.00, 50.00)],
        )

    def test_make_a_payment_from_invoices_tour(self):
        """The invoices list's button, the inline amount error and the full-balance shortcut."""
        self.start_tour(
            "/my/invoices", "servicecore_portal_pay_invoices_tour", login=self.payer_user.login
        )
        # The tour stops at the payment form: nothing is paid until the customer pays.
        self.assertFalse(
            self.env["payment.transaction"].search([("partner_id", "=", self.payer.id)])
        )
        self.assertEqual(
            self._residuals(), [Decimal("100.00"), Decimal("250.00"), Decimal("400.00")]
        )

    def test_contact_not_allowed_sees_no_entry(self):
        """A contact not allowed to pay gets neither the home card nor the invoices button."""
        self.authenticate(self.viewer_user.login, self.viewer_user.login)
        home = self.url_open("/my")
        self.assertEqual(home.status_code, 200)
        self.assertNotIn("o_servicecore_portal_pay_home", home.text)
        invoices = self.url_open("/my/invoices")
        self.assertEqual(invoices.status_code, 200)
        self.assertNotIn("o_servicecore_portal_pay_invoices_button", invoices.text)

        self.authenticate(self.payer_user.login, self.payer_user.login)
        self.assertIn("o_servicecore_portal_pay_home", self.url_open("/my").text)
        self.assertIn(
            "o_servicecore_portal_pay_invoices_button", self.url_open("/my/invoices").text
        )
