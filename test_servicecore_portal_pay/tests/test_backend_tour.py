"""The accounting staff path in a real headless Chromium (issue 4)."""

from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.servicecore_portal_pay.tests.backend_common import PortalPayBackendCommon


@tagged("post_install", "-at_install")
class TestPortalPayBackendTour(PortalPayBackendCommon, HttpCase):
    def test_staff_path(self):
        staff = new_test_user(
            self.env,
            login="spp_staff",
            groups="base.group_user,account.group_account_invoice",
            company_id=self.company.id,
        )
        tx = self._portal_pay_confirm(150.00)
        tx.reference = "ACCT-TOUR-1"
        tx.payment_id.memo = "ACCT-TOUR-1"
        manual = self._manual_payment(120.00)
        manual.memo = "MANUAL-TOUR"
        self.start_tour(
            f"/odoo/action-account.res_partner_action_customer/{self.customer.id}",
            "servicecore_portal_pay_backend",
            login=staff.login,
        )
        # What the tour confirmed is booked: the portal payment paid A and 50.00 of B, so the
        # manual payment goes to B (the oldest still open).
        self.assertAllocations(manual, [(self.inv_b, "120.00", "30.00")])
        self.assertResiduals({self.inv_a: "0.00", self.inv_b: "30.00", self.inv_c: "300.00"})
