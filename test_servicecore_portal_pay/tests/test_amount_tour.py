from datetime import timedelta
from decimal import Decimal

from odoo import Command, fields
from odoo.tests import HttpCase, new_test_user, tagged

CENT = Decimal("0.01")


@tagged("post_install", "-at_install")
class TestAmountTour(HttpCase):
    """Amounts as people type them and one voice on the page, in a real browser.

    The tours live in static/tests/tours/portal_pay_amount_tour.js; the data they expect is made
    here: a balance of 2,463.00 in three invoices (300.00, 500.00, 1,663.00, oldest first) and a
    minimum payment of 1.00.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.usd = cls.env.ref("base.USD")
        cls.usd.active = True
        if cls.company.currency_id != cls.usd:
            cls.company.currency_id = cls.usd
        cls.company.write({"portal_pay_overpayment": "reject", "portal_pay_min_amount": 1.0})
        for code in ("fr_FR", "de_DE"):
            cls.env["res.lang"]._activate_lang(code)
        # Only the Demo provider is offered, so the payment form opens on its card input.
        cls.env["payment.provider"].search(
            [("company_id", "=", cls.company.id), ("state", "!=", "disabled")]
        ).state = "disabled"
        cls.provider = cls.env.ref("payment.payment_provider_demo")
        cls.provider.write({"state": "test", "is_published": True})

        cls.customer = cls.env["res.partner"].create(
            {"name": "Typed Amounts Inc", "is_company": True, "email": "ap@typed.example.com"}
        )
        cls.payer = cls.env["res.partner"].create(
            {
                "name": "Tess Typist",
                "parent_id": cls.customer.id,
                "type": "contact",
                "email": "tess@typed.example.com",
                "portal_payment_enabled": True,
            }
        )
        cls.payer_user = new_test_user(
            cls.env,
            login="portal_pay_typist",
            groups="base.group_portal",
            name=cls.payer.name,
            partner_id=cls.payer.id,
        )
        today = fields.Date.context_today(cls.customer)
        cls.invoice_later = cls._create_invoice(1663.00, today, today + timedelta(days=15))
        cls.invoice_recent = cls._create_invoice(
            500.00, today - timedelta(days=50), today - timedelta(days=20)
        )
        cls.invoice_oldest = cls._create_invoice(
            300.00, today - timedelta(days=90), today - timedelta(days=60)
        )
        cls.invoices = cls.invoice_oldest + cls.invoice_recent + cls.invoice_later

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
        self.invoices.invalidate_recordset(["amount_residual"])
        return [Decimal(str(invoice.amount_residual)).quantize(CENT) for invoice in self.invoices]

    def _transactions(self):
        return self.env["payment.transaction"].search([("partner_id", "=", self.payer.id)])

    def _as(self, lang):
        self.payer_user.lang = lang

    def assertPaidThousand(self):
        """1,000.00 was booked: 300.00 and 500.00 in full, 200.00 of the 1,663.00."""
        transaction = self._transactions()
        self.assertEqual(len(transaction), 1)
        self.assertEqual(transaction.state, "done")
        self.assertEqual(Decimal(str(transaction.amount)).quantize(CENT), Decimal("1000.00"))
        payment = transaction.payment_id
        self.assertEqual(Decimal(str(payment.amount)).quantize(CENT), Decimal("1000.00"))
        self.assertEqual(
            [(a.move_id, a.amount, a.residual_after) for a in payment.portal_pay_allocation_ids],
            [
                (self.invoice_oldest, 300.00, 0.00),
                (self.invoice_recent, 500.00, 0.00),
                (self.invoice_later, 200.00, 1463.00),
            ],
        )
        self.assertEqual(self._residuals(), [Decimal("0.00"), Decimal("0.00"), Decimal("1463.00")])

    def test_setup(self):
        """The tours' arithmetic rests on these figures."""
        self.assertEqual(
            self._residuals(), [Decimal("300.00"), Decimal("500.00"), Decimal("1663.00")]
        )
        self.assertTrue(self.payer._portal_pay_is_allowed())

    def test_en_us_types_thousands_separators(self):
        """en_US: "1,000.00" as typed pays 1,000.00."""
        self._as("en_US")
        self.start_tour(
            "/my/payment", "servicecore_portal_pay_amount_en_tour", login=self.payer_user.login
        )
        self.assertPaidThousand()

    def test_fr_fr_types_spaces_and_a_comma(self):
        """fr_FR: "1 000,00" as typed pays 1,000.00."""
        self._as("fr_FR")
        self.start_tour(
            "/my/payment", "servicecore_portal_pay_amount_fr_tour", login=self.payer_user.login
        )
        self.assertPaidThousand()

    def test_one_message_at_a_time(self):
        """3000, 0.50, -5, "1,5", over the chosen total: one message, no contradicting preview."""
        self._as("en_US")
        self.start_tour(
            "/my/payment",
            "servicecore_portal_pay_amount_one_voice_tour",
            login=self.payer_user.login,
        )
        self.assertFalse(self._transactions())

    def test_browser_and_server_agree(self):
        """Each case typed in the browser gets the exact message GET /my/payment?amount= gives,
        in en_US, fr_FR and de_DE, with and without chosen invoices."""
        for lang in ("en_US", "fr_FR", "de_DE"):
            with self.subTest(lang=lang):
                self._as(lang)
                self.start_tour(
                    "/my/payment",
                    "servicecore_portal_pay_amount_parity_tour",
                    login=self.payer_user.login,
                )
        self.assertFalse(self._transactions())
