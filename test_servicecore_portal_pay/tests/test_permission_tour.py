from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestPermissionTour(HttpCase):
    """A contact who may not pay, in a real browser: the page that says who pays, and the ask.

    The tour lives in static/tests/tours/portal_pay_permission_tour.js.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.write({"portal_pay_enabled": True, "portal_pay_show_payers": True})
        cls.accountant = new_test_user(
            cls.env, login="permission_tour_accountant", groups="account.group_account_manager"
        )
        cls.company.portal_pay_responsible_id = cls.accountant
        Partner = cls.env["res.partner"]
        cls.customer = Partner.create(
            {"name": "Tour Mechanical Inc", "is_company": True, "email": "ap@tour.example.com"}
        )
        cls.payer = Partner.create(
            {
                "name": "Pat Payer",
                "parent_id": cls.customer.id,
                "type": "contact",
                "email": "pat@tour.example.com",
                "portal_payment_enabled": True,
            }
        )
        cls.viewer = Partner.create(
            {
                "name": "Val Viewer",
                "parent_id": cls.customer.id,
                "type": "contact",
                "email": "val@tour.example.com",
            }
        )
        cls.viewer_user = new_test_user(
            cls.env,
            login="permission_tour_viewer",
            groups="base.group_portal",
            name=cls.viewer.name,
            partner_id=cls.viewer.id,
        )

    def test_permission_tour(self):
        self.start_tour(
            "/my", "servicecore_portal_pay_permission_tour", login=self.viewer_user.login
        )
        activity = self.customer.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.accountant)
        self.assertIn("Val Viewer", str(activity.note))
        self.assertEqual(self.viewer.portal_pay_permission_activity_id, activity)
        notes = self.customer.message_ids.filtered(lambda m: m.author_id == self.viewer)
        self.assertEqual(len(notes), 1)
        self.assertFalse(self.viewer._portal_pay_is_allowed(), "asking allows nothing")
