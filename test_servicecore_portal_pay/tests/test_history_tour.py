"""Payment history on a phone, in a real headless Chromium 360 px wide (issue 13)."""

from odoo.tests import tagged

from odoo.addons.test_servicecore_portal_pay.tests.common import DemoPortalPayCommon


@tagged("post_install", "-at_install")
class TestHistoryPhoneTour(DemoPortalPayCommon):
    # HttpCase opens Chromium at this size (Emulation.setDeviceMetricsOverride).
    browser_size = "360x800"

    def test_history_at_360_px(self):
        self._create_customer_invoice("100.00", due=self._days(-40))
        self._create_customer_invoice("300.00", due=self._days(20))
        tx, _landing = self._pay_through_the_portal("350.00")
        self.assertEqual(len(tx.payment_id.portal_pay_allocation_ids), 2)
        self.start_tour(
            "/my/payments", "servicecore_portal_pay_history_phone", login=self.payer_user.login
        )
