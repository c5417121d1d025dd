"""Settings of issue 4 and "apply existing credits first": figures, preview and allocation agree."""

from decimal import Decimal

from odoo.tests import Form, tagged

from .backend_common import PortalPayBackendCommon


@tagged("post_install", "-at_install")
class TestPortalPaySettings(PortalPayBackendCommon):
    def test_settings_form_writes_company(self):
        settings = Form(self.env["res.config.settings"].with_user(self.manager))
        settings.portal_pay_apply_credits = False
        settings.portal_pay_default_flag = "first"
        settings.portal_pay_receipt = False
        # Disabling hides the other settings (they keep their values).
        settings.portal_pay_enabled = False
        settings.save().execute()
        self.assertFalse(self.company.portal_pay_enabled)
        self.assertFalse(self.company.portal_pay_apply_credits)
        self.assertEqual(self.company.portal_pay_default_flag, "first")
        self.assertFalse(self.company.portal_pay_receipt)

    def test_defaults(self):
        company = self.env["res.company"].create({"name": "Fresh Co"})
        self.assertTrue(company.portal_pay_enabled)
        self.assertEqual(company.portal_pay_overpayment, "reject")
        self.assertTrue(company.portal_pay_apply_credits)
        self.assertEqual(company.portal_pay_default_flag, "none")
        self.assertTrue(company.portal_pay_receipt)
        self.assertEqual(
            company._portal_pay_receipt_template(),
            self.env.ref("servicecore_portal_pay.mail_template_portal_pay_receipt"),
        )

    def test_disabled_company_refuses_payer(self):
        Request = self.env["portal.pay.request"]
        self.assertTrue(Request._check(self.payer, self.company))
        self.company.portal_pay_enabled = False
        self.assertIsNone(Request._check(self.payer, self.company))
        self.assertFalse(self.payer.with_company(self.company)._portal_pay_is_allowed())


@tagged("post_install", "-at_install")
class TestPortalPayCreditsFirst(PortalPayBackendCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A credit note older than every invoice: 150.00 of money already on the account.
        cls.credit_note = cls._portal_pay_invoice(150.00, -90, -90, move_type="out_refund")

    def pay_account(self):
        return self.env["portal.pay.account"]._get(self.customer, self.company, self.currency)

    def preview(self, amount):
        account = self.pay_account()
        plan = account.plan(Decimal(amount))
        return [
            (account.line(app.item).move_id, str(app.amount), str(app.left))
            for app in plan.payments
        ], str(plan.remainder)

    def figures(self):
        figures = self.pay_account().figures
        return {
            name: str(getattr(figures, name))
            for name in ("open_total", "overdue", "not_due", "credits_applied", "credits_left")
        } | {"balance": str(figures.balance)}

    def test_off_credits_stay_apart(self):
        self.company.portal_pay_apply_credits = False
        # Not applied, so not deducted: the balance closes the invoices, the credit stays.
        self.assertEqual(
            self.figures(),
            {
                "open_total": "600.00",
                "overdue": "300.00",
                "not_due": "300.00",
                "credits_applied": "0.00",
                "credits_left": "150.00",
                "balance": "600.00",
            },
        )
        self.assertEqual(
            self.preview("200.00")[0],
            [(self.inv_a, "100.00", "0.00"), (self.inv_b, "100.00", "100.00")],
        )
        tx = self._portal_pay_confirm(200.00)
        self.assertAllocations(
            tx.payment_id, [(self.inv_a, "100.00", "0.00"), (self.inv_b, "100.00", "100.00")]
        )
        self.assertResiduals({self.credit_note: "150.00", self.inv_c: "300.00"})

    def test_on_figures_preview_and_allocation_agree(self):
        self.assertTrue(self.company.portal_pay_apply_credits, "on by default")
        # The credit pays A (100) and 50 of B: what is left is what the customer sees.
        self.assertEqual(
            self.figures(),
            {
                "open_total": "600.00",
                "overdue": "150.00",
                "not_due": "300.00",
                "credits_applied": "150.00",
                "credits_left": "0.00",
                "balance": "450.00",
            },
        )
        preview = self.preview("200.00")
        self.assertEqual(
            preview, ([(self.inv_b, "150.00", "0.00"), (self.inv_c, "50.00", "250.00")], "0.00")
        )
        # Nothing is booked by the page.
        self.assertResiduals({self.credit_note: "150.00", self.inv_a: "100.00"})

        tx = self._portal_pay_confirm(200.00)
        # The credit's applications are recorded with the payment, before its own.
        self.assertAllocations(
            tx.payment_id,
            [
                (self.inv_a, "100.00", "0.00"),
                (self.inv_b, "50.00", "150.00"),
                (self.inv_b, "150.00", "0.00"),
                (self.inv_c, "50.00", "250.00"),
            ],
        )
        self.assertEqual(
            tx.payment_id.portal_pay_allocation_ids.mapped("kind"),
            ["credit", "credit", "payment", "payment"],
        )
        self.assertResiduals(
            {self.credit_note: "0.00", self.inv_a: "0.00", self.inv_b: "0.00", self.inv_c: "250.00"}
        )
        self.assertEqual(tx.payment_id.portal_pay_unapplied, 0.0)
        self.assertFalse(tx.payment_id.portal_pay_anomaly)

    def test_on_older_unapplied_payment_is_a_credit_too(self):
        self.credit_note.button_draft()
        self.credit_note.button_cancel()
        old_payment = self._manual_payment(120.00)
        tx = self._portal_pay_confirm(80.00)
        # The unapplied 120.00 pays A and 20 of B first; the portal payment continues on B.
        self.assertAllocations(
            tx.payment_id,
            [
                (self.inv_a, "100.00", "0.00"),
                (self.inv_b, "20.00", "180.00"),
                (self.inv_b, "80.00", "100.00"),
            ],
        )
        self.assertResiduals({self.inv_a: "0.00", self.inv_b: "100.00", self.inv_c: "300.00"})
        self.assertEqual(old_payment.portal_pay_open_credit, 0.0)
