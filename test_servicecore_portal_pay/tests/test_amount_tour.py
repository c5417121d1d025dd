from decimal import Decimal

from odoo.tests import tagged

from odoo.addons.test_servicecore_portal_pay.tests.common import DemoPortalPayCommon

CENT = Decimal("0.01")


@tagged("post_install", "-at_install")
class TestAmountTour(DemoPortalPayCommon):
    """Amounts as people type them and one voice on the page, in a real browser.

    The tours live in static/tests/tours/portal_pay_amount_tour.js; the data they expect is made
    here: a balance of 2,463.00 in three invoices (300.00, 500.00, 1,663.00, oldest first) and a
    minimum payment of 1.00, paid with the Demo provider only.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for code in ("fr_FR", "de_DE"):
            cls.env["res.lang"]._activate_lang(code)
        # Created newest first, so that ordering by creation would give the wrong answer.
        cls.invoice_later = cls._create_customer_invoice("1663.00", due=cls._days(15))
        cls.invoice_recent = cls._create_customer_invoice("500.00", due=cls._days(-20))
        cls.invoice_oldest = cls._create_customer_invoice("300.00", due=cls._days(-60))
        cls.invoices = cls.invoice_oldest + cls.invoice_recent + cls.invoice_later

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
        self.assertEqual(self.company.portal_pay_min_amount, 1.0)
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
        in en_US, fr_FR and de_DE, with and without chosen invoices; then with overpayments
        kept as credit (the ceilings)."""
        for lang, overpayment in (
            ("en_US", "reject"),
            ("fr_FR", "reject"),
            ("de_DE", "reject"),
            ("en_US", "credit"),
        ):
            with self.subTest(lang=lang, overpayment=overpayment):
                self._as(lang)
                self.company.portal_pay_overpayment = overpayment
                self.start_tour(
                    "/my/payment",
                    "servicecore_portal_pay_amount_parity_tour",
                    login=self.payer_user.login,
                )
        self.assertFalse(self._transactions())
