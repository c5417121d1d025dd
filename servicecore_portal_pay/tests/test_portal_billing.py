"""Billing details of a Make a Payment payment, and the pay button that names the amount.

The payment step shows the customer's invoice address next to Odoo's payment form; the payer may
correct it for this payment only. The page posts the details to the billing route with the form's
access token just before the transaction route (which keeps the payment form's standard
parameters only); the server checks them, keeps them for that form, puts them on the transaction
(stock's ``partner_*`` billing fields), gives them to the provider and prints them on the
confirmation and the receipt, without ever changing a contact.
"""

import json

from lxml import html

from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.payment.tests.http_common import PaymentHttpCommon
from odoo.addons.servicecore_portal_pay import const
from odoo.addons.servicecore_portal_pay.tests.common import PortalPayCommon, transaction_params

from .test_stripe import TX_LOGGERS, StripePortalPayCase

PARTNER_FIELDS = ("name", "email", "phone", "street", "street2", "city", "zip")
PARTNER_FIELDS += ("state_id", "country_id")


class BillingAddressMixin:
    """The customer has a main address (its contacts share it) and a separate invoice address,
    so that the billing details can only come from the invoice address."""

    @classmethod
    def _setup_billing_addresses(cls):
        cls.us = cls.env.ref("base.us")
        cls.canada = cls.env.ref("base.ca")
        cls.colorado = cls.env.ref("base.state_us_6")
        cls.ontario = cls.env.ref("base.state_ca_on")
        cls.customer.write(
            {
                "street": "100 Main Street",
                "city": "Denver",
                "zip": "80202",
                "state_id": cls.colorado.id,
                "country_id": cls.us.id,
            }
        )
        cls.invoice_address = cls.env["res.partner"].create(
            {
                "name": "Summit HVAC, Accounts Payable",
                "type": "invoice",
                "parent_id": cls.customer.id,
                "email": "payables@summit.example.com",
                "phone": "+1 303 555 0100",
                "street": "PO Box 4410",
                "street2": "Attn: Payables",
                "city": "Boulder",
                "zip": "80301",
                "state_id": cls.colorado.id,
                "country_id": cls.us.id,
            }
        )

    def _edited_billing(self, **overrides):
        """What the payer types in "Edit for this payment" (the page's field names)."""
        return {
            "name": "Summit HVAC Canada",
            "email": "ap@summit-canada.example.com",
            "phone": "+1 416 555 0199",
            "street": "1 Front Street West",
            "street2": "Floor 3",
            "city": "Toronto",
            "zip": "M5J 2X5",
            "state_id": self.ontario.id,
            "country_id": self.canada.id,
            **overrides,
        }

    def _partners_snapshot(self):
        partners = self.customer | self.invoice_address | self.payer
        partners.invalidate_recordset()
        return partners.read(list(PARTNER_FIELDS))

    def assertEditedBillingOnTransaction(self, tx):
        tx.invalidate_recordset()
        self.assertRecordValues(
            tx,
            [
                {
                    "partner_id": self.payer.id,  # the payer stays the payer
                    "partner_name": "Summit HVAC Canada",
                    "partner_email": "ap@summit-canada.example.com",
                    "partner_phone": "+1 416 555 0199",
                    "partner_address": "1 Front Street West Floor 3",
                    "partner_city": "Toronto",
                    "partner_zip": "M5J 2X5",
                    "partner_state_id": self.ontario.id,
                    "partner_country_id": self.canada.id,
                }
            ],
        )

    def assertShowsEditedBilling(self, text, where):
        block = html.fromstring(text).xpath(
            "//*[contains(@class, 'o_servicecore_portal_pay_billing_address')]"
        )
        self.assertEqual(len(block), 1, f"one billing block on the {where}")
        shown = " ".join(block[0].text_content().split())
        for expected in (
            "Summit HVAC Canada",
            "1 Front Street West Floor 3",
            "Toronto",
            "Ontario",
            "M5J 2X5",
            "Canada",
            "ap@summit-canada.example.com",
            "+1 416 555 0199",
        ):
            self.assertIn(expected, shown, f"the {where} shows the edited billing details")
        self.assertNotIn("PO Box 4410", shown)
        self.assertNotIn("Boulder", shown)


@tagged("post_install", "-at_install")
class TestPortalBilling(BillingAddressMixin, PortalPayCommon, PaymentHttpCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_billing_addresses()
        cls.inv_later = cls._create_customer_invoice("300.00", due=cls._days(20))
        cls.inv_soon = cls._create_customer_invoice("200.00", due=cls._days(-5))
        cls.inv_oldest = cls._create_customer_invoice("100.00", due=cls._days(-40))

    def _open_form(self, amount="150.00"):
        self.authenticate(self.payer_user.login, self.payer_user.login)
        response = self.url_open(const.PAGE_ROUTE, params={"amount": amount})
        self.assertEqual(response.status_code, 200)
        return response

    def _params(self, response, **overrides):
        context = self._get_payment_context(response)
        return transaction_params(context, self.provider.id, self.payment_method_id, **overrides)

    def _post(self, params, route=const.TRANSACTION_ROUTE):
        payload = {"jsonrpc": "2.0", "method": "call", "id": 0, "params": params}
        response = self.url_open(route, json=payload)
        self.assertEqual(response.status_code, 200)
        return response.json()

    def _post_billing(self, params, billing):
        """What the page posts to the billing route just before the transaction route."""
        return self._post(
            {
                "access_token": params["access_token"],
                "amount": params["amount"],
                "billing_details": billing,
            },
            route=const.BILLING_ROUTE,
        )

    def _pay_with_billing(self, response, billing):
        params = self._params(response)
        kept = self._post_billing(params, billing)
        self.assertEqual(kept.get("result"), True, kept)
        result = self._post(params)
        self.assertIn("result", result, result)
        return self._get_tx(result["result"]["reference"])

    def _count_transactions(self):
        return self.env["payment.transaction"].sudo().search_count([])

    # === THE PAYMENT STEP === #

    def test_payment_step_shows_the_invoice_address(self):
        tree = html.fromstring(self._open_form("150.00").text)
        (section,) = tree.xpath("//section[@id='portal_pay_billing']")
        summary = " ".join(
            section.xpath(".//*[@id='portal_pay_billing_summary']")[0].text_content().split()
        )
        for expected in (
            "Summit HVAC, Accounts Payable",
            "PO Box 4410",
            "Attn: Payables",
            "Boulder",
            "Colorado",
            "80301",
            "United States",
            "payables@summit.example.com",
            "+1 303 555 0100",
        ):
            self.assertIn(expected, summary)
        # Not the customer's main address, nor the payer's own details.
        self.assertNotIn("100 Main Street", summary)
        self.assertNotIn("dana@summit.example.com", summary)

        # The inline edit starts from the same values.
        inputs = {
            field.get("name"): field.get("value")
            for field in section.xpath(".//input[starts-with(@name, 'billing_')]")
        }
        self.assertEqual(
            inputs,
            {
                "billing_name": "Summit HVAC, Accounts Payable",
                "billing_email": "payables@summit.example.com",
                "billing_phone": "+1 303 555 0100",
                "billing_street": "PO Box 4410",
                "billing_street2": "Attn: Payables",
                "billing_city": "Boulder",
                "billing_zip": "80301",
            },
        )
        selected = {
            select.get("name"): select.xpath("option[@selected]/@value")
            for select in section.xpath(".//select")
        }
        self.assertEqual(
            selected,
            {
                "billing_country_id": [str(self.us.id)],
                "billing_state_id": [str(self.colorado.id)],
            },
        )
        # Changing them for good is on the customer's account page.
        self.assertTrue(section.xpath(".//a[starts-with(@href, '/my/account')]"))
        # A saved card keeps the details it was saved with: the page says so.
        self.assertIn("saved card", section.text_content())

    def test_details_left_as_shown_always_pass(self):
        # Contacts hold what the checks refuse (two addresses in one email field, a long phone
        # number); the form shows them fitted, so a payer who changes nothing can pay.
        self.invoice_address.write(
            {
                "email": "payables@summit.example.com, cfo@summit.example.com",
                "phone": "+1 303 555 0100 ext. 4410 (accounts payable desk)",
            }
        )
        response = self._open_form("150.00")
        (section,) = html.fromstring(response.text).xpath("//section[@id='portal_pay_billing']")
        billing = {
            field.get("name").removeprefix("billing_"): field.get("value") or ""
            for field in section.xpath(".//input[starts-with(@name, 'billing_')]")
        }
        billing.update(state_id=self.colorado.id, country_id=self.us.id)
        tx = self._pay_with_billing(response, billing)
        self.assertEqual(tx.partner_email, "payables@summit.example.com")
        self.assertEqual(tx.partner_phone, "+1 303 555 0100 ext. 4410 (accou")

    def test_pay_button_shows_the_amount(self):
        for amount, label in (
            ("150.00", "Pay $\xa0150.00"),
            ("600", "Pay $\xa0600.00"),
            ("99.5", "Pay $\xa099.50"),
        ):
            with self.subTest(amount=amount):
                tree = html.fromstring(self._open_form(amount).text)
                (button,) = tree.xpath("//button[@name='o_payment_submit_button']")
                self.assertEqual(button.text_content().strip(), label)

    # === THE TRANSACTION === #

    def test_edited_details_stored_on_the_transaction_and_shown_on_the_receipt(self):
        before = self._partners_snapshot()
        tx = self._pay_with_billing(self._open_form("150.00"), self._edited_billing())
        self.assertEditedBillingOnTransaction(tx)
        # For this payment only: no contact of the customer was changed.
        self.assertEqual(self._partners_snapshot(), before)

        tx._set_done()
        tx._post_process()
        self.assertTrue(tx.payment_id)
        confirmation = self.url_open(f"{const.CONFIRMATION_ROUTE}?tx_id={tx.id}")
        self.assertEqual(confirmation.status_code, 200)
        self.assertShowsEditedBilling(confirmation.text, "confirmation")
        receipt = self.url_open(f"{const.RECEIPT_ROUTE}/{tx.id}")
        self.assertEqual(receipt.status_code, 200)
        self.assertShowsEditedBilling(receipt.text, "receipt")
        self.assertEqual(self._partners_snapshot(), before)

    def test_without_changes_the_invoice_address_goes_with_the_payment(self):
        # An untouched form sends the values it showed; a client that sends none gets the same.
        shown = {field: self.invoice_address[field] for field in PARTNER_FIELDS[:-2]}
        shown.update(state_id=self.colorado.id, country_id=self.us.id)
        for billing in (shown, None):
            with self.subTest(billing=billing):
                response = self._open_form("150.00")  # a fresh form each time
                if billing is None:
                    result = self._post(self._params(response))
                    self.assertIn("result", result, result)
                    tx = self._get_tx(result["result"]["reference"])
                else:
                    tx = self._pay_with_billing(response, billing)
                self.assertRecordValues(
                    tx,
                    [
                        {
                            "partner_id": self.payer.id,
                            "partner_name": "Summit HVAC, Accounts Payable",
                            "partner_email": "payables@summit.example.com",
                            "partner_phone": "+1 303 555 0100",
                            "partner_address": "PO Box 4410 Attn: Payables",
                            "partner_city": "Boulder",
                            "partner_zip": "80301",
                            "partner_state_id": self.colorado.id,
                            "partner_country_id": self.us.id,
                        }
                    ],
                )

    def test_bad_billing_details_refused_and_nothing_created(self):
        params = self._params(self._open_form("150.00"))
        before_partners = self._partners_snapshot()
        edited = self._edited_billing
        cases = {
            "unknown country": (edited(country_id=999999, state_id=False), "country"),
            "country as text": (edited(country_id="Canada", state_id=False), "country"),
            "state of another country": (edited(country_id=self.us.id), "state"),
            "state without a country": (edited(country_id=False), "state"),
            "unknown state": (edited(state_id=999999), "state"),
            "no name": (edited(name="  "), "name"),
            "email without domain": (edited(email="ap@"), "email"),
            "two emails": (edited(email="a@example.com, b@example.com"), "email"),
            "name too long": (edited(name="N" * 129), "128"),
            "street too long": (edited(street="S" * 129), "128"),
            "zip too long": (edited(zip="9" * 21), "20"),
            "line break in a field": (edited(city="Toronto\nON"), "line"),
            "not text": (edited(city=["Toronto"]), "city"),
            "unknown key": (edited(vat="CA123"), "vat"),
            "not a dict": ("1 Front Street West", "billing"),
        }
        before = self._count_transactions()
        for case, (billing, message) in cases.items():
            with self.subTest(case=case), mute_logger("odoo.http"):
                result = self._post_billing(params, billing)
                self.assertIn("error", result, f"{case}: refused expected, got {result}")
                error = result["error"]["data"]
                self.assertEqual(error["name"], "odoo.exceptions.ValidationError")
                self.assertIn(message, error["message"].lower())
                self.assertEqual(self._count_transactions(), before, "nothing may be created")
        self.assertEqual(self._partners_snapshot(), before_partners)
        # Nothing refused was kept: the form's payment goes with the invoice address.
        result = self._post(params)
        self.assertIn("result", result, result)
        tx = self._get_tx(result["result"]["reference"])
        self.assertEqual(tx.partner_address, "PO Box 4410 Attn: Payables")

    def test_billing_route_checks_the_form_and_keeps_details_for_that_form_only(self):
        params = self._params(self._open_form("150.00"))
        edited = self._edited_billing()
        before = self._count_transactions()
        billing_post = {
            "access_token": params["access_token"],
            "amount": params["amount"],
            "billing_details": edited,
        }
        refusals = {
            # The transaction route keeps the payment form's standard parameters only.
            "billing on the transaction route": (
                const.TRANSACTION_ROUTE,
                {**params, "billing_details": edited},
                "unexpected parameters: billing_details",
            ),
            # The billing route takes the form's token, for the form's amount, and its own keys.
            "token of another form": (
                const.BILLING_ROUTE,
                {**billing_post, "access_token": "x" * 40},
                "reload",
            ),
            "another amount": (const.BILLING_ROUTE, {**billing_post, "amount": 149.0}, "reload"),
            "unexpected key": (
                const.BILLING_ROUTE,
                {**billing_post, "partner_id": self.other_customer.id},
                "unexpected parameters: partner_id",
            ),
        }
        with mute_logger("odoo.http"):
            for case, (route, posted, message) in refusals.items():
                with self.subTest(case=case):
                    result = self._post(posted, route=route)
                    self.assertIn("error", result, f"{case}: refused expected, got {result}")
                    self.assertIn(message, result["error"]["data"]["message"].lower())
            # A contact who may not pay gets nothing.
            self.authenticate(self.bystander_user.login, self.bystander_user.login)
            result = self._post_billing(params, edited)
            self.assertEqual(result["error"]["data"]["name"], "werkzeug.exceptions.Forbidden")
        self.assertEqual(self._count_transactions(), before)

        # Kept for one form: another form's payment goes with the invoice address.
        params = self._params(self._open_form("150.00"))
        other = self._params(self._open_form("150.00"))  # another form of the payer
        self.assertEqual(self._post_billing(params, edited).get("result"), True)
        result = self._post(other)
        self.assertEqual(
            self._get_tx(result["result"]["reference"]).partner_address,
            "PO Box 4410 Attn: Payables",
        )
        result = self._post(params)
        self.assertEditedBillingOnTransaction(self._get_tx(result["result"]["reference"]))

    def test_email_is_stored_normalized(self):
        tx = self._pay_with_billing(
            self._open_form("150.00"),
            self._edited_billing(email="  AP@Summit-Canada.Example.com "),
        )
        self.assertEqual(tx.partner_email, "ap@summit-canada.example.com")


@tagged("post_install", "-at_install")
class TestStripeBilling(BillingAddressMixin, StripePortalPayCase):
    """The billing details with Stripe: the Payment Element's defaults, the Customer, the
    PaymentMethod created when Stripe.js confirms the card payment, and saved cards."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_billing_addresses()

    def _submit_with_billing(self, form, billing, **overrides):
        """What the page posts: the billing details, then the payment form's parameters."""
        amount = float(form["amount"])
        kept = self.make_jsonrpc_request(
            const.BILLING_ROUTE,
            {"access_token": form["access_token"], "amount": amount, "billing_details": billing},
        )
        self.assertIs(kept, True)
        return self.make_jsonrpc_request(
            form["transaction_route"],
            {
                **transaction_params(form, form["provider_id"], form["payment_method_id"]),
                "amount": amount,
                **overrides,
            },
        )

    def _confirm_as_stripe_js(self, processing_values):
        """What Stripe.js posts when the page calls ``stripe.confirmPayment`` for a card, with
        ``confirmParams.payment_method_data.billing_details`` set from the processing values
        (the page's patch of the payment form): Stripe's form encoding of nested objects."""
        params = {
            "client_secret": processing_values["client_secret"],
            "return_url": processing_values["return_url"],
            "payment_method_data[type]": "card",
        }

        def flatten(prefix, value):
            for key, item in value.items():
                if isinstance(item, dict):
                    flatten(f"{prefix}[{key}]", item)
                else:
                    params[f"{prefix}[{key}]"] = item

        flatten("payment_method_data[billing_details]", processing_values["billing_details"])
        intent_id = processing_values["client_secret"].split("_secret_")[0]
        return self.fake.post_from_browser(f"payment_intents/{intent_id}/confirm", params)

    def test_card_payment_sends_the_billing_details_to_stripe(self):
        # The page: Stripe's Payment Element starts from the customer's invoice address.
        self.authenticate("portal_payer", "portal_payer")
        page = self.url_open(f"{const.PAGE_ROUTE}?amount=300.33")
        (container,) = html.fromstring(page.content).xpath(
            "//div[@name='o_stripe_element_container']"
        )
        inline_values = json.loads(container.get("data-stripe-inline-form-values"))
        self.assertEqual(
            inline_values["billing_details"],
            {
                "name": "Summit HVAC, Accounts Payable",
                "email": "payables@summit.example.com",
                "phone": "+1 303 555 0100",
                "address": {
                    "line1": "PO Box 4410",
                    "line2": "Attn: Payables",
                    "city": "Boulder",
                    "state": "CO",
                    "country": "US",
                    "postal_code": "80301",
                },
            },
        )

        # The payer corrected them for this payment.
        form = self._open_payment_form("300.33")
        processing_values = self._submit_with_billing(form, self._edited_billing())
        tx = self._get_tx(processing_values["reference"])
        self.assertEditedBillingOnTransaction(tx)
        # The server gives Stripe.js the details it checked, in Stripe's shape.
        expected = {
            "name": "Summit HVAC Canada",
            "email": "ap@summit-canada.example.com",
            "phone": "+1 416 555 0199",
            "address": {
                "line1": "1 Front Street West Floor 3",
                "city": "Toronto",
                "state": "ON",
                "country": "CA",
                "postal_code": "M5J 2X5",
            },
        }
        self.assertEqual(processing_values["billing_details"], expected)
        # The Stripe Customer of the payment is created with them (server side).
        (customer_call,) = self.fake.calls_to("POST", "customers")
        keys = ("name", "email", "phone", "address[line1]", "address[city]")
        keys += ("address[postal_code]", "address[country]")
        self.assertEqual(
            {key: customer_call.params.get(key) for key in keys},
            {
                "name": "Summit HVAC Canada",
                "email": "ap@summit-canada.example.com",
                "phone": "+1 416 555 0199",
                "address[line1]": "1 Front Street West Floor 3",
                "address[city]": "Toronto",
                "address[postal_code]": "M5J 2X5",
                "address[country]": "CA",
            },
        )

        # Stripe.js confirms the card payment: the PaymentMethod carries the billing details.
        status, intent = self._confirm_as_stripe_js(processing_values)
        self.assertEqual((status, intent["status"]), (200, "succeeded"), intent)
        payment_method = self.fake.payment_methods[intent["payment_method"]]
        self.assertEqual(
            payment_method["billing_details"],
            {**expected, "address": {**expected["address"], "line2": None}},
        )

        # Stripe tells Odoo; the payment is booked; the receipt prints the same details.
        self._deliver(self.fake.event("payment_intent.succeeded", tx.provider_reference))
        self._post_process()
        tx.invalidate_recordset()
        self.assertTrue(tx.payment_id)
        self.assertEditedBillingOnTransaction(tx)
        receipt = self.url_open(f"{const.RECEIPT_ROUTE}/{tx.id}")
        self.assertEqual(receipt.status_code, 200)
        self.assertShowsEditedBilling(receipt.text, "receipt")

    def test_stripe_refuses_billing_details_in_another_shape(self):
        # The seam behaves as Stripe documents: a key Stripe does not know is refused, so the
        # shape checked above is the one Stripe takes.
        form = self._open_payment_form("300.33")
        processing_values = self._submit_with_billing(form, self._edited_billing())
        processing_values = {
            **processing_values,
            "billing_details": {"name": "X", "address": {"zip": "M5J 2X5"}},
        }
        status, body = self._confirm_as_stripe_js(processing_values)
        self.assertEqual(status, 400)
        self.assertEqual(
            body["error"]["message"],
            "Received unknown parameter: payment_method_data[billing_details][address][zip]",
        )

    def test_saved_card_keeps_the_details_saved_with_it(self):
        form = self._open_payment_form("300.33")
        with mute_logger(*TX_LOGGERS):
            processing_values = self._submit_with_billing(
                form,
                self._edited_billing(),
                flow="token",
                token_id=self.token.id,
                payment_method_id=None,
            )
        tx = self._get_tx(processing_values["reference"])
        self.assertEqual(tx.token_id, self.token)
        # Charged off session with the saved PaymentMethod as it is at Stripe: nothing about
        # billing details is sent, and Stripe.js has nothing to confirm.
        (intent_call,) = self.fake.calls_to("POST", "payment_intents")
        self.assertEqual(intent_call.params["payment_method"], "pm_saved")
        self.assertFalse(
            [key for key in intent_call.params if "billing" in key or "address" in key]
        )
        self.assertFalse(self.fake.calls_to("POST", "customers"))
        self.assertNotIn("billing_details", processing_values)
        # The payment's own record keeps what the payer chose, for the receipt.
        self.assertEditedBillingOnTransaction(tx)
