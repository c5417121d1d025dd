"""Settings of issue 4 and "apply existing credits first": figures, preview and allocation agree."""

from decimal import Decimal

from odoo.tests import Form, tagged

from .backend_common import PortalPayBackendCommon


@tagged("post_install", "-at_install")
class TestPortalPaySettings(PortalPayBackendCommon):
    def test_settings_form_writes_company(self):
        settings = Form(self.env["res.config.settings"].with_user(self.manager))
        settings.portal_pay_apply_credits = True
        settings.portal_pay_default_flag = "first"
        settings.portal_pay_receipt = False
        # Disabling hides the other settings (they keep their values).
        settings.portal_pay_enabled = False
        settings.save().execute()
        self.assertFalse(self.company.portal_pay_enabled)
        self.assertTrue(self.company.portal_pay_apply_credits)
        self.assertEqual(self.company.portal_pay_default_flag, "first")
        self.assertFalse(self.company.portal_pay_receipt)

    def test_defaults(self):
        company = self.env["res.company"].create({"name": "Fresh Co"})
        self.assertTrue(company.portal_pay_enabled)
        self.assertEqual(company.portal_pay_overpayment, "reject")
        self.assertFalse(company.portal_pay_apply_credits)
        self.assertEqual(company.portal_pay_default_flag, "none")
        self.assertTrue(company.portal_pay_receipt)
        self.assertEqual(
            company._portal_pay_receipt_template(),
            self.env.ref("servicecore_portal_pay.mail_template_portal_pay_receipt"),
        )

    def test_disabled_company_refuses_payer(self):
        self.assertTrue(self.payer._portal_pay_context(self.company))
        self.company.portal_pay_enabled = False
        self.assertIsNone(self.payer._portal_pay_context(self.company))
        self.assertFalse(self.payer.with_company(self.company)._portal_pay_is_allowed())


@tagged("post_install", "-at_install")
class TestPortalPayCreditsFirst(PortalPayBackendCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A credit note older than every invoice: 150.00 of money already on the account.
        cls.credit_note = cls._portal_pay_invoice(150.00, -90, -90, move_type="out_refund")

    def summary(self):
        return self.customer._portal_pay_summary(self.company, self.currency)

    def preview(self, amount):
        summary = self.summary()
        plan, remainder = self.customer._portal_pay_preview(summary["debit_lines"], Decimal(amount))
        return [(line.move_id, str(applied), str(after)) for line, applied, after in plan], str(
            remainder
        )

    def test_off_credits_stay_apart(self):
        summary = self.summary()
        self.assertEqual(summary["total_open"], Decimal("600.00"))
        self.assertEqual(summary["overdue"], Decimal("300.00"))
        self.assertEqual(summary["credits"], Decimal("150.00"))
        self.assertEqual(summary["balance"], Decimal("450.00"))
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
        self.company.portal_pay_apply_credits = True
        summary = self.summary()
        # The credit pays A (100) and 50 of B: what is left is what the customer sees.
        self.assertEqual(summary["total_open"], Decimal("450.00"))
        self.assertEqual(summary["overdue"], Decimal("150.00"))
        self.assertEqual(summary["not_due"], Decimal("300.00"))
        self.assertEqual(summary["credits"], Decimal("0.00"))
        self.assertEqual(summary["balance"], Decimal("450.00"))
        preview = self.preview("200.00")
        self.assertEqual(
            preview, ([(self.inv_b, "150.00", "0.00"), (self.inv_c, "50.00", "250.00")], "0.00")
        )
        # Nothing is booked by the page.
        self.assertResiduals({self.credit_note: "150.00", self.inv_a: "100.00"})

        tx = self._portal_pay_confirm(200.00)
        self.assertAllocations(
            tx.payment_id, [(self.inv_b, "150.00", "0.00"), (self.inv_c, "50.00", "250.00")]
        )
        self.assertResiduals(
            {self.credit_note: "0.00", self.inv_a: "0.00", self.inv_b: "0.00", self.inv_c: "250.00"}
        )
        self.assertEqual(tx.payment_id.portal_pay_unapplied, 0.0)
        self.assertFalse(tx.payment_id.portal_pay_anomaly)

    def test_on_older_unapplied_payment_is_a_credit_too(self):
        self.company.portal_pay_apply_credits = True
        self.credit_note.button_draft()
        self.credit_note.button_cancel()
        old_payment = self._manual_payment(120.00)
        tx = self._portal_pay_confirm(80.00)
        # The unapplied 120.00 pays A and 20 of B first; the portal payment continues on B.
        self.assertAllocations(tx.payment_id, [(self.inv_b, "80.00", "100.00")])
        self.assertResiduals({self.inv_a: "0.00", self.inv_b: "100.00", self.inv_c: "300.00"})
        self.assertEqual(old_payment.portal_pay_open_credit, 0.0)
