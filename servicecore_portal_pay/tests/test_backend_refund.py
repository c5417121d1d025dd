"""Refunds through Odoo's refund flow reopen the invoices a portal payment paid, newest first."""

from odoo.tests import tagged

from .backend_common import PortalPayBackendCommon


@tagged("post_install", "-at_install")
class TestPortalPayRefund(PortalPayBackendCommon):
    def test_partial_refunds_to_the_cent(self):
        tx = self._portal_pay_confirm(250.00)
        payment = tx.payment_id
        self.assertAllocations(
            payment, [(self.inv_a, "100.00", "0.00"), (self.inv_b, "150.00", "50.00")]
        )
        self.assertEqual(payment.portal_pay_state, "done")

        refund_tx = self._portal_pay_refund(tx, 120.37)
        self.assertEqual(refund_tx.payment_id.amount, 120.37)
        # Newest invoice first: B is reopened by 120.37, A stays paid.
        self.assertResiduals({self.inv_a: "0.00", self.inv_b: "170.37", self.inv_c: "300.00"})
        # The allocation follows the ledger: B now holds what the refund left on it.
        self.assertAllocations(
            payment, [(self.inv_a, "100.00", "0.00"), (self.inv_b, "29.63", "170.37")]
        )
        self.assertEqual(payment.portal_pay_state, "refunded")
        self.assertEqual(payment.portal_pay_anomaly, "refund")
        self.assertTrue(
            payment.activity_ids.filtered(lambda act: act.user_id == self.manager),
            "the accounting team gets a to-do",
        )
        self.assertEqual(self.inv_b.payment_state, "partial")
        # The refund payment's debit is matched with the portal payment: no stray balance.
        refund_line = refund_tx.payment_id.move_id.line_ids.filtered(
            lambda line: line.account_id == payment.destination_account_id
        )
        self.assertTrue(refund_line.reconciled)

        # The rest: 29.63 more from B, then A (100.00) reopens entirely.
        self._portal_pay_refund(tx, 129.63)
        self.assertResiduals({self.inv_a: "100.00", self.inv_b: "200.00", self.inv_c: "300.00"})
        self.assertFalse(payment.portal_pay_allocation_ids, "nothing is applied any more")
        self.assertEqual(payment.portal_pay_refunded, 250.0)
        self.assertEqual(self.inv_a.payment_state, "not_paid")

    def test_refund_takes_unapplied_credit_first(self):
        self.company.portal_pay_overpayment = "credit"
        tx = self._portal_pay_confirm(650.00)
        payment = tx.payment_id
        self.assertEqual(payment.portal_pay_unapplied, 50.0)
        self.assertResiduals({self.inv_a: "0.00", self.inv_b: "0.00", self.inv_c: "0.00"})
        self._portal_pay_refund(tx, 50.00)
        # The surplus goes back; no invoice is reopened, so nothing to flag.
        self.assertResiduals({self.inv_a: "0.00", self.inv_b: "0.00", self.inv_c: "0.00"})
        self.assertFalse(payment.portal_pay_anomaly)
        self.assertEqual(payment.portal_pay_refunded, 50.0)
        self._portal_pay_refund(tx, 0.01)
        self.assertResiduals({self.inv_a: "0.00", self.inv_b: "0.00", self.inv_c: "0.01"})
        self.assertEqual(payment.portal_pay_anomaly, "refund")
