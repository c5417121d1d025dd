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

    def test_credit_refund_goes_back_to_the_original_method_only(self):
        """Refunding a customer's credit (a portal overpayment) through the refund wizard can
        only send the money back where it came from: the wizard takes an amount and nothing
        else, and the refund reuses the payment's provider, method and saved card."""
        self.company.portal_pay_overpayment = "credit"
        # The test provider stands for one that refunds, like Stripe.
        self.provider.support_refund = "partial"
        token = self._create_token(partner_id=self.payer.id)
        token.payment_method_id.support_refund = "partial"
        tx = self.env["payment.transaction"].create(
            {
                "provider_id": self.provider.id,
                "payment_method_id": token.payment_method_id.id,
                "token_id": token.id,
                "reference": "ACCT-REFUND-SAME-METHOD",
                "amount": 650.00,
                "currency_id": self.currency.id,
                "partner_id": self.payer.id,
                "operation": "online_token",
                "portal_pay_account": True,
            }
        )
        tx._set_done()
        tx._post_process()
        payment = tx.payment_id
        self.assertEqual(payment.portal_pay_unapplied, 50.0)

        Wizard = self.env["payment.refund.wizard"].with_user(self.accountant)
        editable = {name for name, field in Wizard._fields.items() if not field.readonly}
        self.assertEqual(editable, {"amount_to_refund"}, "only the amount can be chosen")
        wizard = Wizard.with_context(active_id=payment.id).create({"amount_to_refund": 50.00})
        wizard.action_refund()
        refund_tx = tx.child_transaction_ids
        self.assertRecordValues(
            refund_tx,
            [
                {
                    "operation": "refund",
                    "source_transaction_id": tx.id,
                    "provider_id": tx.provider_id.id,
                    "payment_method_id": tx.payment_method_id.id,
                    "token_id": token.id,
                    "partner_id": self.payer.id,
                    "amount": -50.0,
                }
            ],
        )
        refund_tx._set_done()
        refund_tx._post_process()
        self.assertEqual(refund_tx.payment_id.journal_id, payment.journal_id)
        self.assertEqual(payment.portal_pay_refunded, 50.0)
        self.assertResiduals({self.inv_a: "0.00", self.inv_b: "0.00", self.inv_c: "0.00"})
