"""Make a Payment end to end with the Demo provider, through the real routes only."""

from lxml import html

from odoo.tests import tagged

from odoo.addons.servicecore_portal_pay import const
from odoo.addons.test_servicecore_portal_pay.tests.common import DemoPortalPayCommon


@tagged("post_install", "-at_install")
class TestDemoFlow(DemoPortalPayCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.inv_later = cls._create_customer_invoice("300.00", due=cls._days(20))
        cls.inv_soon = cls._create_customer_invoice("200.00", due=cls._days(-5))
        cls.inv_oldest = cls._create_customer_invoice("100.00", due=cls._days(-40))

    def _figures(self, tree):
        """The confirmation's figures; the balance after the payment only once it is booked."""
        return {
            name: element.text_content().strip()
            for name in ("amount", "reference", "new_balance")
            if (element := tree.find(f".//*[@id='o_payment_summary_{name}']")) is not None
        }

    def _plan_rows(self, tree):
        return [
            [cell.text_content().strip() for cell in row.xpath("td")]
            for row in tree.xpath("//tr[contains(@class, 'o_servicecore_portal_pay_plan_row')]")
        ]

    def test_done_payment_is_applied_and_confirmed(self):
        tx, tree = self._pay_through_the_portal("350.75", "done")
        self.assertEqual(tx.state, "done")
        self.assertTrue(tx.is_post_processed)
        payment = tx.payment_id
        self.assertRecordValues(
            payment,
            [
                {
                    "amount": 350.75,
                    "partner_id": self.customer.id,
                    "portal_pay_contact_id": self.payer.id,
                    "is_portal_payment": True,
                    "portal_pay_unapplied": 0.0,
                }
            ],
        )
        self.assertResiduals({self.inv_oldest: "0", self.inv_soon: "0", self.inv_later: "249.25"})
        self.assertEqual(
            self._plan_rows(tree),
            [
                [self.inv_oldest.name, "$\xa0100.00", "Paid"],
                [self.inv_soon.name, "$\xa0200.00", "Paid"],
                [self.inv_later.name, "$\xa050.75", "$\xa0249.25"],
            ],
        )
        self.assertEqual(
            self._figures(tree),
            {"amount": "$\xa0350.75", "reference": tx.reference, "new_balance": "$\xa0249.25"},
        )
        self.assertIn("Thank you!", tree.text_content())

        # Webhook retries, more polls and the cron change nothing.
        tx._post_process()
        self._run_post_processing_cron(tx)
        self.make_jsonrpc_request("/payment/status/poll")
        self.assertEqual(
            self.env["account.payment"].search([("payment_transaction_id", "=", tx.id)]), payment
        )
        self.assertEqual(
            self.env["portal.pay.allocation"].search_count([("payment_id", "=", payment.id)]), 3
        )
        self.assertResiduals({self.inv_oldest: "0", self.inv_soon: "0", self.inv_later: "249.25"})
        # Paying again starts from the new balance.
        page = html.fromstring(self.url_open(const.PAGE_ROUTE).text)
        self.assertIn("249.25", page.get_element_by_id("portal_pay_figure_balance").text_content())

    def test_pending_payment_is_not_applied_yet(self):
        tx, tree = self._pay_through_the_portal("150.00", "pending")
        self.assertEqual(tx.state, "pending")
        self.assertFalse(tx.payment_id)
        self.assertFalse(self._plan_rows(tree))
        # The pending page explains what happens next (test_states.py covers its wording).
        self.assertIn("has not confirmed your payment yet", " ".join(tree.text_content().split()))
        self.assertNotIn("Thank you!", tree.text_content())
        # Not booked yet: no balance "after this payment" is shown.
        self.assertNotIn("new_balance", self._figures(tree))
        self.assertResiduals({self.inv_oldest: "100.00", self.inv_soon: "200.00"})

        # When the provider confirms it later, the payment is applied once.
        tx._set_done()
        self._run_post_processing_cron()
        self.assertTrue(tx.payment_id)
        self.assertResiduals({self.inv_oldest: "0", self.inv_soon: "150.00"})
        landing = html.fromstring(self.url_open(tx.landing_route).text)
        self.assertEqual(
            self._plan_rows(landing),
            [
                [self.inv_oldest.name, "$\xa0100.00", "Paid"],
                [self.inv_soon.name, "$\xa050.00", "$\xa0150.00"],
            ],
        )

    def test_error_payment_changes_nothing(self):
        tx, tree = self._pay_through_the_portal("150.00", "error")
        self.assertEqual(tx.state, "error")
        self.assertFalse(tx.payment_id)
        self.assertIn("Your payment did not go through", tree.text_content())
        self.assertFalse(self._plan_rows(tree))
        self.assertNotIn("new_balance", self._figures(tree))
        self.assertFalse(
            self.env["account.payment"].search([("partner_id", "=", self.customer.id)])
        )
        self.assertResiduals(
            {self.inv_oldest: "100.00", self.inv_soon: "200.00", self.inv_later: "300.00"}
        )
