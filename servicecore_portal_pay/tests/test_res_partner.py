"""Who may pay: the "Portal Payments" flag on contacts and who may change it."""

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged

from odoo.addons.servicecore_portal_pay.tests.common import PortalPayCommon


@tagged("post_install", "-at_install")
class TestPortalPaymentFlag(PortalPayCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.billing_user = new_test_user(
            cls.env,
            login="billing_clerk",
            groups="base.group_user,base.group_partner_manager,account.group_account_invoice",
            company_id=cls.company.id,
            company_ids=cls.company.ids,
        )
        cls.manager_user = new_test_user(
            cls.env,
            login="account_manager",
            groups="base.group_user,base.group_partner_manager,account.group_account_manager",
            company_id=cls.company.id,
            company_ids=cls.company.ids,
        )
        cls.contacts = cls.env["res.partner"].create(
            [
                {"name": f"Contact {index}", "type": "contact", "parent_id": cls.customer.id}
                for index in range(3)
            ]
        )

    def test_flag_on_contact_and_page_eligibility(self):
        self.assertTrue(self.payer._portal_pay_is_allowed())
        self.assertFalse(self.bystander._portal_pay_is_allowed())
        self.bystander.portal_payment_enabled = True
        self.assertTrue(self.bystander._portal_pay_is_allowed())
        # An archived contact may not pay, even if flagged.
        contact = self.contacts[0]
        contact.portal_payment_enabled = True
        self.assertTrue(contact._portal_pay_is_allowed())
        contact.active = False
        self.assertFalse(contact._portal_pay_is_allowed())

    def test_flag_not_copied(self):
        self.assertFalse(self.payer.copy().portal_payment_enabled)

    def test_address_cannot_be_flagged(self):
        with self.assertRaisesRegex(ValidationError, "Only contacts can be allowed") as caught:
            self.delivery.portal_payment_enabled = True
        self.assertIn("is an address", str(caught.exception))
        self.assertIn(self.delivery.name, str(caught.exception))
        for address_type in ("invoice", "delivery", "other"):
            with (
                self.subTest(type=address_type),
                self.assertRaises(ValidationError),
                self.env.cr.savepoint(),
            ):
                self.env["res.partner"].create(
                    {
                        "name": f"{address_type} address",
                        "type": address_type,
                        "parent_id": self.customer.id,
                        "portal_payment_enabled": True,
                    }
                )

    def test_flagged_contact_cannot_become_address(self):
        with self.assertRaises(ValidationError):
            self.payer.type = "invoice"

    def test_only_accounting_managers_change_the_flag(self):
        contact = self.contacts[0]
        for user in (self.billing_user, self.internal_user, self.bystander_user):
            with self.subTest(user=user.login):
                with self.assertRaisesRegex(AccessError, "Only accounting managers"):
                    contact.with_user(user).write({"portal_payment_enabled": True})
                with self.assertRaises(AccessError):
                    self.payer.with_user(user).write({"portal_payment_enabled": False})
        with self.assertRaisesRegex(AccessError, "Only accounting managers"):
            self.env["res.partner"].with_user(self.billing_user).create(
                {"name": "New", "parent_id": self.customer.id, "portal_payment_enabled": True}
            )
        self.assertFalse(contact.portal_payment_enabled)
        self.assertTrue(self.payer.portal_payment_enabled)

        # Other fields stay editable by whoever could edit them before.
        contact.with_user(self.billing_user).write({"function": "Accounts payable"})
        self.env["res.partner"].with_user(self.billing_user).create(
            {"name": "Unflagged", "parent_id": self.customer.id}
        )

        contact.with_user(self.manager_user).write({"portal_payment_enabled": True})
        self.assertTrue(contact.portal_payment_enabled)
        self.assertTrue(contact.with_user(self.manager_user).portal_pay_can_edit)
        self.assertFalse(contact.with_user(self.billing_user).portal_pay_can_edit)

    def test_mass_actions(self):
        self.contacts.with_user(self.manager_user).action_portal_pay_enable()
        self.assertEqual(self.contacts.mapped("portal_payment_enabled"), [True] * 3)
        self.contacts[:2].with_user(self.manager_user).action_portal_pay_disable()
        self.assertEqual(self.contacts.mapped("portal_payment_enabled"), [False, False, True])

        with self.assertRaises(AccessError):
            self.contacts.with_user(self.billing_user).action_portal_pay_enable()
        self.assertEqual(self.contacts.mapped("portal_payment_enabled"), [False, False, True])

        # One address in the selection: nothing is changed, and the message names it.
        with self.assertRaisesRegex(ValidationError, "is an address"), self.env.cr.savepoint():
            (self.contacts + self.delivery).with_user(self.manager_user).action_portal_pay_enable()
        self.assertEqual(self.contacts.mapped("portal_payment_enabled"), [False, False, True])

    def test_server_actions_restricted_to_managers(self):
        manager_group = self.env.ref("account.group_account_manager")
        for xmlid in (
            "servicecore_portal_pay.action_portal_pay_enable",
            "servicecore_portal_pay.action_portal_pay_disable",
        ):
            action = self.env.ref(xmlid)
            self.assertEqual(action.group_ids, manager_group)
            self.assertEqual(action.binding_model_id.model, "res.partner")
        action = self.env.ref("servicecore_portal_pay.action_portal_pay_enable")
        action.with_context(active_model="res.partner", active_ids=self.contacts.ids).with_user(
            self.manager_user
        ).run()
        self.assertEqual(self.contacts.mapped("portal_payment_enabled"), [True] * 3)
