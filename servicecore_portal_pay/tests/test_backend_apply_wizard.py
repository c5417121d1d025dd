"""Apply oldest-first from the backend: preview in the wizard, then exactly that is booked."""

from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .backend_common import PortalPayBackendCommon


@tagged("post_install", "-at_install")
class TestPortalPayApplyWizard(PortalPayBackendCommon):
    def open_wizard(self, records):
        action = records.with_user(self.accountant).action_portal_pay_apply_wizard()
        self.assertEqual(action["res_model"], "portal.pay.apply.wizard")
        return (
            self.env["portal.pay.apply.wizard"].with_user(self.accountant).browse(action["res_id"])
        )

    def preview(self, wizard):
        return [
            (line.credit_move_id, line.move_id, f"{line.amount:.2f}", f"{line.residual_after:.2f}")
            for line in wizard.line_ids
        ]

    def test_manual_payment_preview_then_apply(self):
        payment = self._manual_payment(250.00)
        self.assertEqual(payment.portal_pay_open_credit, 250.0)
        self.assertFalse(payment.is_portal_payment)
        wizard = self.open_wizard(payment)
        self.assertEqual(
            self.preview(wizard),
            [
                (payment.move_id, self.inv_a, "100.00", "0.00"),
                (payment.move_id, self.inv_b, "150.00", "50.00"),
            ],
        )
        with Form(wizard) as form:
            self.assertEqual(form.amount_total, 250.0)
        # Nothing is booked by the preview.
        self.assertResiduals({self.inv_a: "100.00", self.inv_b: "200.00"})
        wizard.action_confirm()
        self.assertResiduals({self.inv_a: "0.00", self.inv_b: "50.00", self.inv_c: "300.00"})
        self.assertAllocations(
            payment, [(self.inv_a, "100.00", "0.00"), (self.inv_b, "150.00", "50.00")]
        )
        self.assertEqual(payment.portal_pay_open_credit, 0.0)
        self.assertIn("Applied to the oldest invoices first", payment.message_ids[0].body)

    def test_portal_payment_left_credit_is_reapplied(self):
        self.company.portal_pay_overpayment = "credit"
        tx = self._portal_pay_confirm(620.00)
        payment = tx.payment_id
        self.assertEqual(payment.portal_pay_unapplied, 20.0)
        new_invoice = self._portal_pay_invoice(50.00, 0, 30)
        self.open_wizard(payment).action_confirm()
        self.assertResiduals({new_invoice: "30.00"})
        self.assertEqual(len(payment.portal_pay_allocation_ids), 4)
        self.assertEqual(payment.portal_pay_allocation_ids[-1].move_id, new_invoice)
        self.assertEqual(payment.portal_pay_unapplied, 0.0)

    def test_customers_mass_action_credit_notes_and_payments(self):
        credit_note = self._portal_pay_invoice(120.00, -100, -100, move_type="out_refund")
        payment = self._manual_payment(90.00)
        other = self.env["res.partner"].create({"name": "No Credit Ltd", "is_company": True})
        wizard = self.open_wizard(self.customer | other)
        # The oldest credit (the credit note) goes first, then the payment.
        self.assertEqual(
            self.preview(wizard),
            [
                (credit_note, self.inv_a, "100.00", "0.00"),
                (credit_note, self.inv_b, "20.00", "180.00"),
                (payment.move_id, self.inv_b, "90.00", "90.00"),
            ],
        )
        wizard.action_confirm()
        self.assertResiduals(
            {credit_note: "0.00", self.inv_a: "0.00", self.inv_b: "90.00", self.inv_c: "300.00"}
        )
        self.assertAllocations(payment, [(self.inv_b, "90.00", "90.00")])

    def test_credit_note_button(self):
        credit_note = self._portal_pay_invoice(30.00, -1, -1, move_type="out_refund")
        self.assertTrue(credit_note.portal_pay_can_apply)
        self.assertFalse(self.inv_a.portal_pay_can_apply)
        self.open_wizard(credit_note).action_confirm()
        self.assertResiduals({credit_note: "0.00", self.inv_a: "70.00"})
        self.assertFalse(credit_note.portal_pay_can_apply)

    def test_changed_since_preview_is_refused(self):
        payment = self._manual_payment(80.00)
        wizard = self.open_wizard(payment)
        self._manual_payment(10.00)  # not applied: does not change this preview
        # A portal payment applies the open credits (90.00) then pays 40.00: the preview is stale.
        self._portal_pay_confirm(40.00)
        with self.assertRaisesRegex(UserError, "changed since the preview"):
            wizard.action_confirm()
        self.assertResiduals({self.inv_a: "0.00", self.inv_b: "170.00"})

    def test_nothing_to_apply(self):
        payment = self._manual_payment(80.00)
        self.open_wizard(payment).action_confirm()
        with self.assertRaises(UserError):
            payment._portal_pay_apply_oldest_first()
