"""Make a Payment over real HTTP: who gets the page, what the server accepts, what it refuses."""

import json
from datetime import timedelta
from urllib.parse import urlparse

from freezegun import freeze_time
from lxml import html

from odoo import Command, fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.payment.tests.http_common import PaymentHttpCommon
from odoo.addons.servicecore_portal_pay import const
from odoo.addons.servicecore_portal_pay.tests.common import PortalPayCommon, transaction_params


@tagged("post_install", "-at_install")
class TestPortalController(PortalPayCommon, PaymentHttpCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.inv_later = cls._create_customer_invoice("300.00", due=cls._days(20))
        cls.inv_soon = cls._create_customer_invoice("200.00", due=cls._days(-5))
        cls.inv_oldest = cls._create_customer_invoice("100.00", due=cls._days(-40))
        cls.address_user = cls._create_portal_user_for(cls.delivery, "portal_address")

    # === HELPERS === #

    def _get_page(self, amount=None, allow_redirects=False):
        params = {} if amount is None else {"amount": amount}
        return self.url_open(const.PAGE_ROUTE, params=params, allow_redirects=allow_redirects)

    def _rpc(self, params=None, raw_body=None):
        """POST the transaction route; return the JSON-RPC ``result`` or ``error`` dict."""
        payload = {"jsonrpc": "2.0", "method": "call", "id": 0, "params": params or {}}
        if raw_body is not None:
            response = self.url_open(
                const.TRANSACTION_ROUTE,
                data=raw_body,
                headers={"Content-Type": "application/json"},
            )
        else:
            response = self.url_open(const.TRANSACTION_ROUTE, json=payload)
        self.assertEqual(response.status_code, 200)
        return response.json()

    def _tx_params(self, amount="150.00", **overrides):
        """What the payment form of `GET /my/payment?amount=...` sends (see payment_form.js)."""
        self.authenticate(self.payer_user.login, self.payer_user.login)
        context = self._get_payment_context(self._get_page(amount))
        params = transaction_params(context, self.provider.id, self.payment_method_id)
        params.update(overrides)
        return params

    def _count_transactions(self):
        return self.env["payment.transaction"].sudo().search_count([])

    def assertRefused(self, params, message=None, name="odoo.exceptions.ValidationError", **kw):
        before = self._count_transactions()
        with mute_logger("odoo.http"):
            result = self._rpc(params, **kw)
        self.assertIn("error", result, f"refused expected, got {result}")
        self.assertEqual(result["error"]["data"]["name"], name)
        if message:
            self.assertIn(message, result["error"]["data"]["message"])
        self.assertEqual(self._count_transactions(), before, "nothing may be created")
        return result["error"]["data"]["message"]

    def _amount_error(self, response):
        tree = html.fromstring(response.text)
        field = tree.get_element_by_id("portal_pay_amount")
        self.assertIn("is-invalid", field.get("class"))
        self.assertEqual(field.get("aria-invalid"), "true")
        return tree.get_element_by_id("portal_pay_amount_error").text_content().strip()

    # === ELIGIBILITY === #

    def test_flagged_contact_gets_page_and_form(self):
        self.authenticate(self.payer_user.login, self.payer_user.login)
        response = self._get_page()
        self.assertEqual(response.status_code, 200)
        tree = html.fromstring(response.text)
        self.assertIn("600.00", tree.get_element_by_id("portal_pay_figure_balance").text_content())
        self.assertEqual(tree.get_element_by_id("portal_pay_amount").get("value"), "600.00")
        # Open items in the order payments apply to them.
        rows = tree.xpath(
            "//tr[contains(@class, 'o_servicecore_portal_pay_item')]"
            "//a[contains(@class, 'o_servicecore_portal_pay_item_name')]"
        )
        self.assertEqual(
            [row.text_content() for row in rows],
            [self.inv_oldest.name, self.inv_soon.name, self.inv_later.name],
        )

        response = self._get_page("150.00")
        self.assertEqual(response.status_code, 200)
        context = self._get_payment_context(response)
        self.assertEqual(context["amount"], 150.0)
        self.assertEqual(context["currency_id"], self.currency.id)
        self.assertEqual(context["partner_id"], self.payer.id)
        self.assertEqual(context["transaction_route"], const.TRANSACTION_ROUTE)
        self.assertIn(self.payment_method_id, context["payment_method_ids"])
        plan = html.fromstring(response.text).xpath(
            "//tr[contains(@class, 'o_servicecore_portal_pay_plan_row')]/td[1]"
        )
        self.assertEqual(
            [cell.text_content() for cell in plan], [self.inv_oldest.name, self.inv_soon.name]
        )

    def test_unflagged_contact_refused(self):
        self.authenticate(self.bystander_user.login, self.bystander_user.login)
        for amount in (None, "100.00"):
            # The page that says who pays (test_portal_permission.py), not the form.
            response = self._get_page(amount)
            self.assertEqual(response.status_code, 403)
            self.assertNotIn("portal_pay_amount", response.text)
        home = self.url_open("/my")
        self.assertNotIn("o_servicecore_portal_pay_home", home.text)
        token = self._generate_test_access_token(
            const.ACCESS_TOKEN_SCOPE,
            self.company.id,
            self.bystander.id,
            "100.00",
            self.currency.id,
        )
        self.assertRefused(
            {
                "provider_id": self.provider.id,
                "payment_method_id": self.payment_method_id,
                "amount": 100.0,
                "flow": "direct",
                "access_token": token,
            },
            name="werkzeug.exceptions.Forbidden",
        )

    def test_address_user_refused(self):
        self.authenticate(self.address_user.login, self.address_user.login)
        response = self._get_page("100.00")
        self.assertEqual(response.status_code, 303)
        self.assertEqual(urlparse(response.headers["Location"]).path, "/my")
        self.assertRefused(
            {"amount": 100.0, "provider_id": self.provider.id, "flow": "direct"},
            name="werkzeug.exceptions.Forbidden",
        )

    def test_public_user_sent_to_login(self):
        self.authenticate(None, None)
        response = self._get_page("100.00")
        self.assertEqual(response.status_code, 303)
        location = urlparse(response.headers["Location"])
        self.assertEqual(location.path, "/web/login")
        self.assertIn("redirect=", location.query)
        self.assertRefused({"amount": 100.0}, name="odoo.http.SessionExpiredException")

    def test_user_of_another_company_sees_only_that_company(self):
        other = self.setup_other_company(name="ServiceCore West")["company"]
        elsewhere = self._create_customer_invoice("90.00", due=self._days(-400), company=other)
        contact = self.env["res.partner"].create(
            {
                "name": "West Contact",
                "parent_id": self.customer.id,
                "portal_payment_enabled": True,
                "email": "west@summit.example.com",
            }
        )
        user = self._create_portal_user_for(contact, "portal_west", company=other)
        self.authenticate(user.login, user.login)
        response = self._get_page()
        self.assertEqual(response.status_code, 200)
        tree = html.fromstring(response.text)
        self.assertIn("90.00", tree.get_element_by_id("portal_pay_figure_balance").text_content())
        rows = tree.xpath(
            "//tr[contains(@class, 'o_servicecore_portal_pay_item')]"
            "//a[contains(@class, 'o_servicecore_portal_pay_item_name')]"
        )
        self.assertEqual([row.text_content() for row in rows], [elsewhere.name])
        # The first company's balance cannot be paid from here.
        message = self._amount_error(self._get_page("100.00"))
        self.assertIn("90.00", message)
        # Nor with the first company's provider.
        # (That company has no provider, so no form: the token comes from the real function.)
        Request = self.env["portal.pay.request"].with_company(other)
        token = Request._access_token(Request._with_amount(Request._check(contact, other), "90.00"))
        self.assertRefused(
            {
                "provider_id": self.provider.id,
                "payment_method_id": self.payment_method_id,
                "amount": 90.0,
                "flow": "direct",
                "access_token": token,
            },
            "This payment method is not available",
        )

    def test_home_entry_and_balance_counter(self):
        self.authenticate(self.payer_user.login, self.payer_user.login)
        self.assertIn("o_servicecore_portal_pay_home", self.url_open("/my").text)
        counters = self.make_jsonrpc_request("/my/counters", {"counters": ["portal_pay_balance"]})
        self.assertEqual(counters["portal_pay_balance"], "$\xa0600.00")

        self.authenticate(self.bystander_user.login, self.bystander_user.login)
        self.assertNotIn("o_servicecore_portal_pay_home", self.url_open("/my").text)
        counters = self.make_jsonrpc_request("/my/counters", {"counters": ["portal_pay_balance"]})
        self.assertEqual(counters["portal_pay_balance"], 0)

    def test_default_amount_follows_company_setting(self):
        self.authenticate(self.payer_user.login, self.payer_user.login)
        self.company.portal_pay_default_amount = "overdue"
        tree = html.fromstring(self._get_page().text)
        self.assertEqual(tree.get_element_by_id("portal_pay_amount").get("value"), "300.00")
        self.assertIn("300.00", tree.get_element_by_id("portal_pay_figure_overdue").text_content())
        self.assertIn("300.00", tree.get_element_by_id("portal_pay_figure_not_due").text_content())

    def test_overpayment_accepted_when_company_allows_it(self):
        self.authenticate(self.payer_user.login, self.payer_user.login)
        self.company.portal_pay_overpayment = "credit"
        response = self._get_page("650.00")
        self.assertEqual(response.status_code, 200)
        self.assertIn("o_payment_form", response.text)
        notice = html.fromstring(response.text).xpath("//p[contains(@class, 'alert-info')]")
        self.assertIn("50.00", notice[0].text_content())
        self.assertIn("will stay on your account as credit", notice[0].text_content())
        result = self._rpc(self._tx_params("650.00"))
        self.assertEqual(self._get_tx(result["result"]["reference"]).amount, 650.0)

    def test_overpayment_ceiling(self):
        """In credit mode, at most the open balance (600.00) plus the company's ceiling."""
        self.company.portal_pay_overpayment = "credit"
        self.assertEqual(self.company.portal_pay_overpayment_margin, 1000.0)
        self.authenticate(self.payer_user.login, self.payer_user.login)
        self.assertIn("o_payment_form", self._get_page("1600.00").text)
        message = "The amount cannot exceed $\xa01,600.00"
        self.assertIn(message, self._amount_error(self._get_page("1600.01")))
        self.assertIn(message, self._amount_error(self._get_page("999999999999.99")))
        # The form of an amount accepted before the ceiling was lowered is refused too.
        params = self._tx_params("1600.00")
        self.company.portal_pay_overpayment_margin = 0.0
        self.assertRefused(params, "The amount cannot exceed $\xa0600.00")
        self.assertIn("o_payment_form", self._get_page("600.00").text)

    def test_small_balance_below_minimum_can_be_paid_off(self):
        self._pay("599.50")
        self.authenticate(self.payer_user.login, self.payer_user.login)
        tree = html.fromstring(self._get_page().text)
        self.assertEqual(tree.get_element_by_id("portal_pay_amount").get("value"), "0.50")
        self.assertIn(
            "Minimum $\xa00.50", tree.get_element_by_id("portal_pay_amount_help").text_content()
        )
        response = self._get_page("0.50")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self._get_payment_context(response)["amount"], 0.5)
        self.assertIn("minimum payment is $\xa00.50", self._amount_error(self._get_page("0.49")))

    # === AMOUNTS === #

    def test_bad_amounts_page(self):
        self.authenticate(self.payer_user.login, self.payer_user.login)
        cases = {
            "-5": "cannot be negative",
            "0": "greater than zero",
            "0.00": "greater than zero",
            "abc": "as a number",
            "NaN": "as a number",
            "Infinity": "as a number",
            "1e309": "as a number",
            "1e3": "as a number",
            "10.001": "at most 2 decimals",
            "600.01": "cannot exceed your open balance of $\xa0600.00",
            "0.50": "minimum payment is $\xa01.00",
            "": "Enter the amount you want to pay",
            "   ": "Enter the amount you want to pay",
            "1,000": "cannot exceed your open balance of $\xa0600.00",
            "1,5": "unclear: write it like 1,234.56",
            "<script>alert(1)</script>": "as a number",
        }
        before = self._count_transactions()
        for amount, message in cases.items():
            with self.subTest(amount=amount):
                response = self._get_page(amount)
                self.assertEqual(response.status_code, 400)
                self.assertIn(message, self._amount_error(response))
                self.assertNotIn("o_payment_form", response.text)
                self.assertNotIn("<script>alert(1)</script>", response.text)
        self.assertEqual(self._count_transactions(), before)

    def test_bad_amounts_transaction_route(self):
        params = self._tx_params("150.00")
        cases = [
            (-5.0, "cannot be negative"),
            (0, "greater than zero"),
            ("abc", "as a number"),
            ("NaN", "as a number"),
            ("Infinity", "as a number"),
            ("1e309", "as a number"),
            (10.001, "at most 2 decimals"),
            (600.01, "cannot exceed your open balance"),
            (0.5, "minimum payment"),
            (None, "Enter the amount"),
            ("", "Enter the amount"),
            (True, "as a number"),
            ([150], "as a number"),
            ({"value": 150}, "as a number"),
        ]
        for amount, message in cases:
            with self.subTest(amount=amount):
                self.assertRefused({**params, "amount": amount}, message)
        # JSON literals Python's json accepts but no browser sends.
        for literal in ("NaN", "Infinity", "-Infinity", "1e309"):
            with self.subTest(literal=literal):
                body = json.dumps(
                    {"jsonrpc": "2.0", "method": "call", "id": 0, "params": params}
                ).replace('"amount": 150.0', f'"amount": {literal}')
                self.assertIn(literal, body)
                self.assertRefused(None, "as a number", raw_body=body)

    def test_amount_changed_versus_token(self):
        params = self._tx_params("150.00")
        self.assertRefused({**params, "amount": 160.0}, "expired or was changed")
        self.assertRefused({**params, "access_token": "0" * 64}, "expired or was changed")
        self.assertRefused({**params, "access_token": None}, "expired or was changed")
        # A token of another payer (or of Odoo's generic /payment/pay) does not fit either.
        other_token = self._generate_test_access_token(
            const.ACCESS_TOKEN_SCOPE,
            self.company.id,
            self.bystander.id,
            "150.00",
            self.currency.id,
        )
        self.assertRefused({**params, "access_token": other_token}, "expired or was changed")
        generic_token = self._generate_test_access_token(self.payer.id, 150.0, self.currency.id)
        self.assertRefused({**params, "access_token": generic_token}, "expired or was changed")

    # === TAMPERING === #

    def test_tampered_parameters_rejected(self):
        params = self._tx_params("150.00")
        tampered = {
            "partner_id": self.other_payer.id,
            "reference": "ACCT-FORGED",
            "reference_prefix": "FORGED",
            "currency_id": self.currency_euro.id,
            "invoice_ids": [self.inv_later.id],
            "company_id": self.company.id,
            "custom_create_values": {"amount": 1},
        }
        for key, value in tampered.items():
            with self.subTest(key=key):
                self.assertRefused({**params, key: value}, f"Unexpected parameters: {key}")

    def test_validation_mode_refused(self):
        params = self._tx_params("150.00")
        self.assertRefused({**params, "is_validation": True}, "only takes payments")

    def test_payment_options_checked(self):
        params = self._tx_params("150.00")
        unavailable = "This payment method is not available"

        other_company = self.setup_other_company(name="ServiceCore East")["company"]
        foreign_provider = self.provider.copy({"company_id": other_company.id, "state": "test"})
        self.assertRefused({**params, "provider_id": foreign_provider.id}, unavailable)

        # A payment method that exists and is active, but not for this provider.
        other_method = self.env["payment.method"].search(
            [("id", "!=", self.payment_method_id), ("is_primary", "=", True)], limit=1
        )
        other_method.active = True
        other_provider = self.provider.copy({"state": "test"})
        other_provider.payment_method_ids = [Command.set(other_method.ids)]
        self.assertRefused({**params, "payment_method_id": other_method.id}, unavailable)

        for key, value in (
            ("provider_id", None),
            ("provider_id", "abc"),
            ("provider_id", 999999),
            ("payment_method_id", None),
            ("flow", "dummy"),
            ("flow", None),
        ):
            with self.subTest(key=key, value=value):
                self.assertRefused({**params, key: value}, unavailable)

        # A token of another partner.
        other_token = self._create_token(partner_id=self.other_payer.id)
        self.assertRefused(
            {**params, "flow": "token", "token_id": other_token.id, "payment_method_id": None},
            unavailable,
        )

        self.provider.state = "disabled"
        self.assertRefused(params, unavailable)

    def test_saved_card_of_the_payer_accepted(self):
        token = self._create_token(partner_id=self.payer.id)
        params = self._tx_params("150.00", flow="token", token_id=token.id, payment_method_id=None)
        result = self._rpc(params)
        self.assertIn("result", result, result)
        tx = self._get_tx(result["result"]["reference"])
        self.assertEqual(tx.token_id, token)

    # === THE TRANSACTION === #

    def test_transaction_created_from_server_values(self):
        params = self._tx_params("150.00", landing_route="https://evil.example.com/")
        result = self._rpc(params)
        self.assertIn("result", result, result)
        processing_values = result["result"]
        tx = self._get_tx(processing_values["reference"])
        self.assertRecordValues(
            tx,
            [
                {
                    "amount": 150.0,
                    "currency_id": self.currency.id,
                    "partner_id": self.payer.id,
                    "provider_id": self.provider.id,
                    "company_id": self.company.id,
                    "portal_pay_account": True,
                    "portal_pay_ip": "127.0.0.1",
                    "operation": "online_direct",
                    "state": "draft",
                    "landing_route": f"{const.CONFIRMATION_ROUTE}?tx_id={tx.id}",
                }
            ],
        )
        self.assertFalse(tx.invoice_ids)
        self.assertTrue(tx.reference.startswith(const.REFERENCE_PREFIX))
        self.assertEqual(processing_values["amount"], 150.0)
        self.assertEqual(processing_values["partner_id"], self.payer.id)

    # === CONFIRMATION === #

    def _confirmed_transaction(self, amount="150.00"):
        result = self._rpc(self._tx_params(amount))
        tx = self._get_tx(result["result"]["reference"])
        tx._set_done()
        tx._post_process()
        return tx

    def test_confirmation_only_for_the_paying_user(self):
        tx = self._confirmed_transaction("150.00")
        self.assertResiduals({self.inv_oldest: "0", self.inv_soon: "150.00"})
        url = f"{const.CONFIRMATION_ROUTE}?tx_id={tx.id}"

        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        tree = html.fromstring(response.text)
        rows = tree.xpath("//tr[contains(@class, 'o_servicecore_portal_pay_plan_row')]")
        self.assertEqual(
            [[cell.text_content().strip() for cell in row.xpath("td")] for row in rows],
            [
                [self.inv_oldest.name, "$\xa0100.00", "Paid"],
                [self.inv_soon.name, "$\xa050.00", "$\xa0150.00"],
            ],
        )
        self.assertIn(tx.reference, response.text)
        figures = {
            name: tree.get_element_by_id(f"o_payment_summary_{name}").text_content().strip()
            for name in ("amount", "reference", "new_balance")
        }
        self.assertEqual(
            figures,
            {"amount": "$\xa0150.00", "reference": tx.reference, "new_balance": "$\xa0450.00"},
        )

        for user in (self.bystander_user, self.other_payer_user):
            with self.subTest(user=user.login):
                self.authenticate(user.login, user.login)
                self.assertEqual(self.url_open(url).status_code, 404)
        self.authenticate(self.payer_user.login, self.payer_user.login)
        for bad in ("abc", "999999", "-1", ""):
            with self.subTest(tx_id=bad):
                response = self.url_open(f"{const.CONFIRMATION_ROUTE}?tx_id={bad}")
                self.assertEqual(response.status_code, 404)
        self.authenticate(None, None)
        response = self.url_open(url, allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertEqual(urlparse(response.headers["Location"]).path, "/web/login")

    def test_confirmation_balance_after_the_right_to_pay_was_removed(self):
        tx = self._confirmed_transaction("150.00")
        self.payer.sudo().portal_payment_enabled = False
        response = self.url_open(f"{const.CONFIRMATION_ROUTE}?tx_id={tx.id}")
        self.assertEqual(response.status_code, 200)
        new_balance = html.fromstring(response.text).get_element_by_id(
            "o_payment_summary_new_balance"
        )
        self.assertEqual(new_balance.text_content().strip(), "$\xa0450.00")

    def test_past_payment_pages_after_the_right_to_pay_was_removed(self):
        """Revocation: the payer keeps the confirmation and the receipt of past payments, with
        the figures stored when the payment was booked, never the account's live figures."""
        tx = self._confirmed_transaction("150.00")
        self.payer.sudo().portal_payment_enabled = False
        # The account moves on: the live balance is now 1,450.00, not the stored 450.00.
        self._create_customer_invoice("1000.00", due=self._days(-1))
        pages = {
            "confirmation": self.url_open(f"{const.CONFIRMATION_ROUTE}?tx_id={tx.id}"),
            "receipt": self.url_open(f"{const.RECEIPT_ROUTE}/{tx.id}"),
        }
        for name, response in pages.items():
            with self.subTest(page=name):
                self.assertEqual(response.status_code, 200)
                self.assertIn(tx.reference, response.text)
                self.assertIn("450.00", response.text)
                self.assertNotIn("1,450.00", response.text)
                self.assertNotIn("1,000.00", response.text)
        # Nor an invitation to pay that the contact may no longer follow.
        tree = html.fromstring(pages["confirmation"].text)
        self.assertFalse(tree.xpath(f"//a[@href='{const.PAGE_ROUTE}']"))
        # Other contacts still get nothing.
        self.authenticate(self.other_payer_user.login, self.other_payer_user.login)
        for url in (f"{const.CONFIRMATION_ROUTE}?tx_id={tx.id}", f"{const.RECEIPT_ROUTE}/{tx.id}"):
            with self.subTest(url=url):
                self.assertEqual(self.url_open(url).status_code, 404)

    def test_confirmation_of_another_flow_is_not_found(self):
        # A stock transaction of the same user is not a Make a Payment one.
        tx = self._create_portal_transaction("10.00", portal_pay_account=False, state="done")
        self.authenticate(self.payer_user.login, self.payer_user.login)
        response = self.url_open(f"{const.CONFIRMATION_ROUTE}?tx_id={tx.id}")
        self.assertEqual(response.status_code, 404)

    # === STOCK FLOWS STILL WORK === #

    def test_stock_invoice_payment_still_pays_that_invoice(self):
        """Paying one invoice with "Pay Now" (/invoice/transaction) is untouched by the addon."""
        self.authenticate(self.payer_user.login, self.payer_user.login)
        self.inv_later.message_subscribe(partner_ids=self.payer.ids)
        route_values = self._prepare_pay_values(
            amount=300.0, currency=self.currency, partner=self.customer
        )
        route_values["invoice_id"] = self.inv_later.id
        tx_context = self._get_portal_pay_context(**route_values)
        self.assertEqual(
            tx_context["transaction_route"], f"/invoice/transaction/{self.inv_later.id}"
        )
        processing_values = self._get_processing_values(
            tx_route=tx_context["transaction_route"],
            provider_id=self.provider.id,
            payment_method_id=self.payment_method_id,
            token_id=None,
            amount=tx_context["amount"],
            flow="direct",
            tokenization_requested=False,
            landing_route=tx_context["landing_route"],
            access_token=tx_context["access_token"],
        )
        tx = self._get_tx(processing_values["reference"])
        self.assertFalse(tx.portal_pay_account)
        self.assertEqual(tx.invoice_ids, self.inv_later)
        tx._set_done()
        tx._post_process()
        self.assertFalse(tx.payment_id.is_portal_payment)
        # The newest invoice is paid, as the customer chose; the oldest are not touched.
        self.assertResiduals(
            {self.inv_later: "0", self.inv_oldest: "100.00", self.inv_soon: "200.00"}
        )

    def test_stock_overdue_invoices_payment_still_works(self):
        """Paying the overdue invoices (/my/invoices/overdue) is untouched by the addon."""
        # Stock lists the overdue invoices addressed to the user's own partner.
        mine_old = self._create_customer_invoice("40.00", due=self._days(-10), partner=self.payer)
        mine_older = self._create_customer_invoice("60.00", due=self._days(-20), partner=self.payer)
        self.authenticate(self.payer_user.login, self.payer_user.login)
        response = self.url_open("/my/invoices/overdue")
        self.assertEqual(response.status_code, 200)
        tx_context = self._get_payment_context(response)
        self.assertEqual(tx_context["transaction_route"], "/invoice/transaction/overdue")
        self.assertEqual(tx_context["amount"], 100.0)
        processing_values = self._get_processing_values(
            tx_route=tx_context["transaction_route"],
            provider_id=self.provider.id,
            payment_method_id=self.payment_method_id,
            token_id=None,
            amount=tx_context["amount"],
            flow="direct",
            tokenization_requested=False,
            landing_route=tx_context["landing_route"],
            payment_reference=tx_context["payment_reference"],
        )
        tx = self._get_tx(processing_values["reference"])
        self.assertFalse(tx.portal_pay_account)
        self.assertEqual(tx.invoice_ids, mine_old | mine_older)
        tx._set_done()
        self.assertEqual(self.make_jsonrpc_request("/payment/status/poll")["state"], "done")
        self.assertFalse(tx.payment_id.is_portal_payment)
        self.assertFalse(tx.payment_id.portal_pay_allocation_ids)
        # Exactly the invoices chosen by the customer, not the account's oldest ones.
        self.assertResiduals(
            {mine_old: "0", mine_older: "0", self.inv_oldest: "100.00", self.inv_soon: "200.00"}
        )

    # === ONE FORM, ONE TRANSACTION === #

    def test_replayed_form_returns_its_transaction(self):
        params = self._tx_params("150.00")
        first = self._rpc(params)
        self.assertIn("result", first, first)
        count = self._count_transactions()
        # A double click, a resent request or a replay: the same transaction, nothing new.
        second = self._rpc(params)
        self.assertEqual(second, {**first, "id": second["id"]})
        self.assertEqual(self._count_transactions(), count)

    def test_used_form_of_a_processed_transaction_refused(self):
        params = self._tx_params("150.00")
        tx = self._get_tx(self._rpc(params)["result"]["reference"])
        tx._set_done()
        message = self.assertRefused(params, "already")
        self.assertIn(tx.reference, message)

    def test_fresh_page_gives_fresh_form(self):
        first_params = self._tx_params("150.00")
        second_params = self._tx_params("150.00")
        self.assertNotEqual(first_params["access_token"], second_params["access_token"])
        # Paying the same amount twice on purpose: two page loads, two transactions.
        first = self._rpc(first_params)["result"]["reference"]
        second = self._rpc(second_params)["result"]["reference"]
        self.assertNotEqual(first, second)

    def test_form_expires_after_company_setting(self):
        self.assertEqual(self.company.portal_pay_form_minutes, 60)
        now = fields.Datetime.now()
        with freeze_time(now - timedelta(minutes=61)):
            stale = self._tx_params("150.00")
        self.assertRefused(stale, "expired after")
        with freeze_time(now - timedelta(minutes=50)):
            recent = self._tx_params("150.00")
        self.assertIn("result", self._rpc(recent))
        self.company.portal_pay_form_minutes = 10
        with freeze_time(now - timedelta(minutes=11)):
            stale = self._tx_params("150.00")
        self.assertRefused(stale, "expired after")
        # A token "issued" in the future (a forged clock) is no fresher than an old one.
        with freeze_time(now + timedelta(minutes=30)):
            future = self._tx_params("150.00")
        self.assertRefused(future, "expired after")
