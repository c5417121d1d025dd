"""Anomalies the accounting team must see: a filter each, and a to-do (mail.activity)."""

from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged

from .backend_common import PortalPayBackendCommon


@tagged("post_install", "-at_install")
class TestPortalPayAnomalies(PortalPayBackendCommon):
    def search_payments(self, name):
        # The filters of the Portal Payments search view, as staff use them.
        view = self.env.ref("servicecore_portal_pay.view_portal_pay_payment_search")
        self.assertIn(f'name="{name}"', view.arch)
        domains = {
            "anomaly_unapplied": [("portal_pay_anomaly", "=", "unapplied")],
            "anomaly_refund": [("portal_pay_anomaly", "=", "refund")],
        }
        return self.env["account.payment"].with_user(self.accountant).search(domains[name])

    def test_balance_changed_leaves_credit(self):
        # The page allowed 600.00; an invoice was paid meanwhile (here: a manual payment applied).
        manual = self._manual_payment(100.00)
        manual._portal_pay_apply_oldest_first()
        tx = self._portal_pay_confirm(600.00)
        payment = tx.payment_id
        self.assertEqual(payment.portal_pay_unapplied, 100.0)
        self.assertEqual(payment.portal_pay_anomaly, "unapplied")
        self.assertEqual(self.search_payments("anomaly_unapplied"), payment)
        activity = payment.activity_ids
        self.assertEqual(activity.user_id, self.manager)
        self.assertIn("could not be applied", str(activity.note))

    def test_accepted_overpayment_is_not_an_anomaly(self):
        self.company.portal_pay_overpayment = "credit"
        tx = self._portal_pay_confirm(700.00)
        self.assertEqual(tx.payment_id.portal_pay_unapplied, 100.0)
        self.assertFalse(tx.payment_id.portal_pay_anomaly)
        self.assertFalse(tx.payment_id.activity_ids)

    def test_refund_after_allocation(self):
        tx = self._portal_pay_confirm(100.00)
        self._portal_pay_refund(tx, 25.00)
        self.assertEqual(self.search_payments("anomaly_refund"), tx.payment_id)

    def test_confirmed_without_payment(self):
        tx = self.env["payment.transaction"].create(
            {
                "provider_id": self.provider.id,
                "payment_method_id": self.payment_method_id,
                "reference": "ACCT-LOST-1",
                "amount": 75.0,
                "currency_id": self.currency.id,
                "partner_id": self.payer.id,
                "operation": "online_redirect",
                "portal_pay_account": True,
            }
        )
        tx._set_done()
        # The post-processing fails (e.g. a misconfigured journal): the money is taken, no entry.
        with (
            patch.object(type(tx), "_create_payment", side_effect=RuntimeError("boom")),
            self.assertRaises(RuntimeError),
        ):
            tx._post_process()
        self.assertFalse(tx.payment_id)
        Tx = self.env["payment.transaction"]
        # Within the grace period the regular post-processing may still succeed: not flagged.
        self.assertFalse(Tx._cron_portal_pay_check_unposted())
        tx.last_state_change = fields.Datetime.now() - timedelta(hours=1)
        self.assertEqual(Tx._cron_portal_pay_check_unposted(), tx)
        self.assertTrue(tx.portal_pay_anomaly)
        activity = self.customer.activity_ids
        self.assertEqual(activity.user_id, self.manager)
        self.assertIn("ACCT-LOST-1", str(activity.note))
        # Flagged once: the next run does not pile up to-dos.
        self.assertFalse(Tx._cron_portal_pay_check_unposted())
        self.assertEqual(len(self.customer.activity_ids), 1)
        self.assertIn(tx, Tx.search([("portal_pay_anomaly", "=", True)]))
        cron = self.env.ref("servicecore_portal_pay.cron_portal_pay_check_unposted")
        self.assertEqual(cron.model_id.model, "payment.transaction")
