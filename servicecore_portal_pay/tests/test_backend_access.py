"""Access rights: accounting users read, managers configure, portal users reach nothing in the
backend, and each company's data stays its own. Also the contact and customer figures."""

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import Form, new_test_user, tagged

from .backend_common import PortalPayBackendCommon


@tagged("post_install", "-at_install")
class TestPortalPayAccess(PortalPayBackendCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.auditor = new_test_user(
            cls.env, login="spp_auditor", groups="account.group_account_readonly"
        )

    def setUp(self):
        super().setUp()
        self.tx = self._portal_pay_confirm(150.00)

    def test_accounting_user_reads_and_applies(self):
        payment = self.tx.payment_id.with_user(self.accountant)
        self.assertEqual(payment.portal_pay_state, "done")
        self.assertEqual(payment.portal_pay_allocation_ids.move_id, self.inv_a | self.inv_b)
        self.assertEqual(payment.portal_pay_provider_id, self.provider)
        self.assertEqual(payment.portal_pay_tx_reference, self.tx.reference)
        # Both ways: payment -> transaction -> invoices.
        action = payment.action_portal_pay_view_transaction()
        self.assertEqual(action["res_id"], self.tx.id)
        self.assertEqual(self.tx.invoice_ids, self.inv_a | self.inv_b)
        self.assertEqual(
            self.env["account.payment"].search([("payment_transaction_id", "=", self.tx.id)]),
            payment,
        )
        manual = self._manual_payment(10.00).with_user(self.accountant)
        action = manual.action_portal_pay_apply_wizard()
        self.env["portal.pay.apply.wizard"].with_user(self.accountant).browse(
            action["res_id"]
        ).action_confirm()
        self.assertResiduals({self.inv_b: "140.00"})
        with self.assertRaises(AccessError):
            Form(self.env["res.config.settings"].with_user(self.accountant))
        with self.assertRaises(AccessError):
            self.payer.with_user(self.accountant).portal_payment_enabled = False

    def test_readonly_user_reads_only(self):
        allocations = self.env["portal.pay.allocation"].with_user(self.auditor).search([])
        self.assertEqual(allocations, self.tx.payment_id.portal_pay_allocation_ids)
        with self.assertRaises(AccessError):
            allocations.write({"amount": 1.0})
        with self.assertRaises(AccessError):
            self.env["portal.pay.apply.wizard"].with_user(self.auditor).create(
                {"source_model": "res.partner"}
            )

    def test_manager_configures(self):
        settings = Form(self.env["res.config.settings"].with_user(self.manager))
        settings.portal_pay_overpayment = "credit"
        settings.save().execute()
        self.assertEqual(self.company.portal_pay_overpayment, "credit")

    def test_portal_user_reaches_nothing(self):
        portal_env = self.env(user=self.payer_user)
        for model in (
            "account.payment",
            "portal.pay.allocation",
            "portal.pay.apply.wizard",
            "portal.pay.apply.wizard.line",
            "res.config.settings",
        ):
            with self.subTest(model=model), self.assertRaises(AccessError):
                portal_env[model].search([])
        with self.assertRaises(AccessError):
            self.tx.payment_id.with_user(self.payer_user).action_portal_pay_apply_wizard()
        menu = self.env.ref("servicecore_portal_pay.menu_portal_pay_payments")
        self.assertFalse(menu.group_ids & self.payer_user.all_group_ids)
        self.assertIn(
            menu.id, self.env["ir.ui.menu"].with_user(self.accountant)._visible_menu_ids()
        )

    def test_companies_keep_their_data(self):
        other = self.setup_other_company(name="Other Co")["company"]
        customer = self.env["res.partner"].create({"name": "Other Customer", "is_company": True})
        invoice = (
            self.env["account.move"]
            .with_company(other)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": customer.id,
                    "invoice_date": self.today,
                    "invoice_line_ids": [
                        Command.create({"name": "x", "quantity": 1, "price_unit": 40.0})
                    ],
                }
            )
        )
        invoice.action_post()
        payment = (
            self.env["account.payment"]
            .with_company(other)
            .create(
                {
                    "payment_type": "inbound",
                    "partner_type": "customer",
                    "partner_id": customer.id,
                    "amount": 40.0,
                }
            )
        )
        payment.action_post()
        payment.with_company(other)._portal_pay_apply_oldest_first()
        self.assertEqual(len(payment.portal_pay_allocation_ids), 1)
        seen = self.env["portal.pay.allocation"].with_user(self.accountant).search([])
        self.assertNotIn(payment.portal_pay_allocation_ids, seen)
        self.assertIn(self.tx.payment_id.portal_pay_allocation_ids[0], seen)


@tagged("post_install", "-at_install")
class TestPortalPayContacts(PortalPayBackendCommon):
    def grant_portal(self, partner):
        wizard = (
            self.env["portal.wizard"]
            .with_context(active_ids=partner.ids, active_model="res.partner")
            .create({})
        )
        wizard.user_ids.action_grant_access()

    def new_contact(self, name):
        return self.env["res.partner"].create(
            {
                "name": name,
                "parent_id": self.customer.id,
                "type": "contact",
                "email": f"{name.lower()}@summit.example.com",
            }
        )

    def test_default_flag_when_portal_access_granted(self):
        self.payer.portal_payment_enabled = False
        self.company.portal_pay_default_flag = "none"
        first = self.new_contact("First")
        self.grant_portal(first)
        self.assertFalse(first.portal_payment_enabled)
        self.assertEqual(first.portal_pay_access_state, "portal")

        self.company.portal_pay_default_flag = "first"
        second = self.new_contact("Second")
        third = self.new_contact("Third")
        self.grant_portal(second)
        self.grant_portal(third)
        self.assertTrue(second.portal_payment_enabled)
        self.assertFalse(third.portal_payment_enabled, "the customer already has a payer")

        self.company.portal_pay_default_flag = "all"
        fourth = self.new_contact("Fourth")
        self.grant_portal(fourth)
        self.assertTrue(fourth.portal_payment_enabled)

    def test_access_state_beside_the_flag(self):
        contact = self.new_contact("Nobody")
        self.assertEqual(contact.portal_pay_access_state, "none")
        self.assertEqual(self.payer.portal_pay_access_state, "portal")
        self.payer_user.active = False
        self.payer.invalidate_recordset(["portal_pay_access_state"])
        self.assertEqual(self.payer.portal_pay_access_state, "revoked")
        self.assertEqual(self.accountant.partner_id.portal_pay_access_state, "internal")
        view = self.env.ref("servicecore_portal_pay.view_partner_form")
        self.assertIn('name="portal_pay_access_state"', view.arch)

    def test_customer_figures_and_smart_button(self):
        self._portal_pay_invoice(80.00, -200, -200, move_type="out_refund")
        self._portal_pay_confirm(100.00)
        customer = self.customer.with_user(self.accountant)
        # The payment applied the credit to A first, then paid 20 of A and 80 of B.
        self.assertEqual(customer.portal_pay_balance, 420.0)  # 600 - 80 credit - 100 paid
        self.assertEqual(customer.portal_pay_overdue, 120.0)  # what is left of B
        self.assertEqual(customer.portal_pay_credits, 0.0)
        self.assertEqual(customer.portal_pay_payment_count, 1)
        self.assertEqual(self.payer.portal_pay_payment_count, 1)
        action = customer.action_portal_pay_view_payments()
        payments = self.env["account.payment"].search(action["domain"])
        self.assertEqual(payments.portal_pay_contact_id, self.payer)
