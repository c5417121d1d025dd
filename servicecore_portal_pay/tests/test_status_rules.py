"""The pure rule of the customer status words (rules/status.py)."""

from decimal import Decimal

from odoo.tests import BaseCase, tagged

from odoo.addons.servicecore_portal_pay.rules import status

D = Decimal


@tagged("post_install", "-at_install")
class TestCustomerStatus(BaseCase):
    def test_not_booked_follows_the_provider(self):
        cases = {
            "draft": status.PROCESSING,
            "pending": status.PROCESSING,
            "authorized": status.PROCESSING,
            # Confirmed by the provider, not applied yet: still on its way for the customer.
            "done": status.PROCESSING,
            "error": status.FAILED,
            "cancel": status.CANCELLED,
            None: status.PROCESSING,
        }
        for tx_state, expected in cases.items():
            with self.subTest(tx_state=tx_state):
                self.assertEqual(
                    status.customer_status(tx_state, False, D("100"), D("0"), D("0")), expected
                )

    def test_booked_in_full_is_paid(self):
        for tx_state in ("done", None):
            with self.subTest(tx_state=tx_state):
                self.assertEqual(
                    status.customer_status(tx_state, True, D("100"), D("100"), D("0")),
                    status.PAID,
                )
        # Credits applied along with the payment: more went to the invoices than was paid.
        self.assertEqual(
            status.customer_status("done", True, D("100"), D("130"), D("0")), status.PAID
        )

    def test_credit_kept_is_partly_applied(self):
        self.assertEqual(
            status.customer_status("done", True, D("100"), D("99.99"), D("0")),
            status.PARTLY_APPLIED,
        )
        self.assertEqual(
            status.customer_status(None, True, D("100"), D("0"), D("0")), status.PARTLY_APPLIED
        )

    def test_refunds(self):
        self.assertEqual(
            status.customer_status("done", True, D("100"), D("60"), D("40")),
            status.PARTLY_REFUNDED,
        )
        self.assertEqual(
            status.customer_status("done", True, D("100"), D("0"), D("100")), status.REFUNDED
        )
        self.assertEqual(
            status.customer_status("done", True, D("100"), D("100"), D("0.01")),
            status.PARTLY_REFUNDED,
        )

    def test_booked_money_outweighs_a_later_provider_state(self):
        # What the ledger holds is what the customer paid, whatever the provider says later.
        self.assertEqual(
            status.customer_status("error", True, D("100"), D("100"), D("0")), status.PAID
        )

    def test_every_code_has_a_label(self):
        self.assertEqual(
            [code for code, _label in status.STATUSES],
            [
                status.PROCESSING,
                status.PAID,
                status.PARTLY_APPLIED,
                status.FAILED,
                status.CANCELLED,
                status.REFUNDED,
                status.PARTLY_REFUNDED,
            ],
        )
        self.assertEqual(
            [label for _code, label in status.STATUSES],
            [
                "Processing",
                "Paid",
                "Partly applied",
                "Failed",
                "Cancelled",
                "Refunded",
                "Partly refunded",
            ],
        )

    def test_every_code_has_a_group(self):
        self.assertEqual(set(status.GROUPS), {code for code, _label in status.STATUSES})
        self.assertEqual(set(status.GROUPS.values()), {"pending", "done", "failed", "refunded"})

    def test_unknown_state_is_refused(self):
        with self.assertRaises(ValueError):
            status.customer_status("paid", False, D("100"), D("0"), D("0"))
