"""Make a Payment with the Demo provider, driven through the customer's real requests."""

from lxml import html

from odoo.tools import mute_logger

from odoo.addons.payment.tests.http_common import PaymentHttpCommon
from odoo.addons.payment_demo.controllers.main import PaymentDemoController
from odoo.addons.servicecore_portal_pay import const
from odoo.addons.servicecore_portal_pay.tests.common import PortalPayCommon, transaction_params


def setup_demo_tour_company(cls):
    """The tours' company: in USD, refusing overpayments, no minimum, and the Demo provider as
    the only payment option (so the payment form opens on its card input)."""
    cls.company = cls.env.company
    cls.usd = cls.env.ref("base.USD")
    cls.usd.active = True
    if cls.company.currency_id != cls.usd:
        cls.company.currency_id = cls.usd
    cls.company.write({"portal_pay_overpayment": "reject", "portal_pay_min_amount": 0})
    cls.env["payment.provider"].search(
        [("company_id", "=", cls.company.id), ("state", "!=", "disabled")]
    ).state = "disabled"
    cls.provider = cls.env.ref("payment.payment_provider_demo")
    cls.provider.write({"state": "test", "is_published": True})


class DemoPortalPayCommon(PortalPayCommon, PaymentHttpCommon):
    """The product's test account (see `PortalPayCommon`) with the Demo provider as the only
    payment option, and the browser's requests of a payment."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.provider = cls._prepare_provider(code="demo", update_values={"is_published": True})
        cls.payment_method = cls.env.ref("payment_demo.payment_method_demo")
        cls.payment_method_id = cls.payment_method.id
        cls.dummy_provider.state = "disabled"  # Only the Demo provider on the form.

    def _pay_through_the_portal(self, amount, simulated_state="done", lines=None):
        """Drive the customer's browser requests; return the transaction and the landing page.

        :param str amount: the amount typed on the page
        :param str simulated_state: what the Demo provider answers (done, pending, error...)
        :param lines: the receivable lines ticked in "choose invoices" mode, if any
        """
        self.authenticate(self.payer_user.login, self.payer_user.login)
        params = {"amount": amount}
        if lines is not None:
            params["line_ids"] = [str(line.id) for line in lines]
        page = self.url_open(const.PAGE_ROUTE, params=params)
        self.assertEqual(page.status_code, 200, f"the page refuses {params}")
        context = self._get_payment_context(page)
        self.assertEqual(context["payment_method_ids"], [self.payment_method_id])
        if lines is None:
            self.assertEqual(context["transaction_route"], const.TRANSACTION_ROUTE)

        processing_values = self.make_jsonrpc_request(
            context["transaction_route"],
            transaction_params(context, self.provider.id, self.payment_method_id),
        )
        reference = processing_values["reference"]
        tx = self._get_tx(reference)
        self.assertEqual(tx.provider_id, self.provider)
        self.assertEqual(tx.state, "draft")

        # What payment_demo's form does when the customer clicks Pay.
        with mute_logger("odoo.addons.payment.models.payment_transaction"):
            self.make_jsonrpc_request(
                PaymentDemoController._simulation_url,
                {
                    "reference": reference,
                    "payment_details": "4242",
                    "simulated_state": simulated_state,
                },
            )
        # What /payment/status does until the transaction is final.
        status = self.make_jsonrpc_request("/payment/status/poll")
        self.assertEqual(status["state"], tx.state)
        self.assertEqual(status["landing_route"], f"{const.CONFIRMATION_ROUTE}?tx_id={tx.id}")
        landing = self.url_open(status["landing_route"])
        self.assertEqual(landing.status_code, 200)
        return tx, html.fromstring(landing.text)
