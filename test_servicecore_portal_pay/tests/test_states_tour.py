from decimal import Decimal
from unittest.mock import patch

from odoo.tests import tagged

from odoo.addons.servicecore_portal_pay import const

from . import test_portal_pay_tour


@tagged("post_install", "-at_install")
class TestStatesTour(test_portal_pay_tour.TestPortalPayTour):
    """Failure, retry, pending and Back in a real browser (static/tests/tours/
    portal_pay_states_tour.js), on the account of the main tour: 100.00 (oldest), 250.00 and
    400.00 (not yet due)."""

    # The main tour's data, not its tests: those run once, in their own class.
    test_setup = test_make_a_payment_tour = test_make_a_payment_from_invoices_tour = None
    test_contact_not_allowed_sees_no_entry = None

    def _transactions(self):
        return self.env["payment.transaction"].search(
            [("partner_id", "=", self.payer.id)], order="id"
        )

    def test_error_then_try_again_then_back(self):
        self.start_tour(
            "/my/payment", "servicecore_portal_pay_retry_tour", login=self.payer_user.login
        )
        failed, paid = self._transactions()
        self.assertEqual((failed.state, paid.state), ("error", "done"))
        self.assertEqual(
            (failed.portal_pay_customer_status, paid.portal_pay_customer_status), ("failed", "paid")
        )
        # "Try again" kept the amount and the ticked invoices, and was a new form.
        chosen = (self.invoice_oldest + self.invoice_later).line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        self.assertEqual(failed.portal_pay_line_ids, chosen)
        self.assertEqual(paid.portal_pay_line_ids, chosen)
        self.assertEqual((failed.amount, paid.amount), (500.0, 500.0))
        self.assertNotEqual(failed.portal_pay_form_nonce, paid.portal_pay_form_nonce)
        # Paid once, on the chosen invoices only; Back charged nothing again.
        self.assertFalse(failed.payment_id)
        self.assertEqual(len(paid.payment_id), 1)
        self.assertEqual(self._residuals(), [Decimal("0.00"), Decimal("250.00"), Decimal("0.00")])

    def test_pending_then_back(self):
        # The status page's wait, shortened for the tour (the page's value is checked in
        # test_states.py::test_status_page_stops_waiting).
        with patch.object(const, "PENDING_WAIT_SECONDS", 4):
            self.start_tour(
                "/my/payment?amount=50.00",
                "servicecore_portal_pay_pending_tour",
                login=self.payer_user.login,
            )
        tx = self._transactions()
        self.assertEqual(len(tx), 1, "Back did not start another payment")
        self.assertEqual(tx.state, "pending")
        self.assertEqual(tx.portal_pay_customer_status, "processing")
        self.assertFalse(tx.payment_id)
        self.assertEqual(
            self._residuals(), [Decimal("100.00"), Decimal("250.00"), Decimal("400.00")]
        )
