"""Amounts as people type them, in the user's language, through GET /my/payment?amount= and the
transaction route; one message per refusal, the same the browser shows (test_amount_tour.py)."""

import json

from lxml import html

from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.payment.tests.http_common import PaymentHttpCommon
from odoo.addons.servicecore_portal_pay import const
from odoo.addons.servicecore_portal_pay.tests.common import PortalPayCommon, transaction_params


@tagged("post_install", "-at_install")
class TestAmountLanguages(PortalPayCommon, PaymentHttpCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for code in ("fr_FR", "de_DE"):
            cls.env["res.lang"]._activate_lang(code)
        # A balance of 2,463.00: the page prints it with thousands separators.
        cls.inv_old = cls._create_customer_invoice("1500.00", due=cls._days(-30))
        cls.inv_new = cls._create_customer_invoice("963.00", due=cls._days(10))

    def _as(self, lang):
        self.payer_user.lang = lang
        self.authenticate(self.payer_user.login, self.payer_user.login)

    def _page(self, params):
        """GET /my/payment (following the language's URL prefix): the response and its tree."""
        response = self.url_open(const.PAGE_ROUTE, params=params)
        return response, html.fromstring(response.text)

    @staticmethod
    def _params(amount, lines):
        params = {"amount": amount}
        if lines:
            params["line_ids"] = ",".join(str(line.id) for line in lines)
        return params

    def assertAccepted(self, amount, expected, lines=None):
        response, tree = self._page(self._params(amount, lines))
        errors = tree.xpath("//*[@id='portal_pay_amount_error']")
        self.assertEqual(
            response.status_code, 200, f"{amount!r}: {errors and errors[0].text_content()}"
        )
        self.assertEqual(self._get_payment_context(response)["amount"], expected, amount)
        return response

    def assertRefusedWith(self, amount, message, lines=None):
        response, tree = self._page(self._params(amount, lines))
        self.assertEqual(response.status_code, 400, amount)
        self.assertNotIn("o_payment_form", response.text)
        field = tree.get_element_by_id("portal_pay_amount")
        self.assertEqual(field.get("aria-invalid"), "true")
        self.assertEqual(field.get("value"), amount, "the field keeps what was typed")
        error = tree.get_element_by_id("portal_pay_amount_error").text_content().strip()
        self.assertEqual(error, message, amount)

    def _line(self, invoice):
        return invoice.line_ids.filtered(lambda line: line.account_id == self.receivable)

    def test_en_us(self):
        self._as("en_US")
        for amount, expected in {
            "1,000": 1000.0,
            "1,000.00": 1000.0,
            "$50": 50.0,
            "50 $": 50.0,
            "USD 2,463.00": 2463.0,
            " 1 000.50 ": 1000.5,
        }.items():
            with self.subTest(amount=amount):
                self.assertAccepted(amount, expected)
        for amount, message in {
            "1,5": "The separators in this amount are unclear: write it like 1,234.56.",
            "1,00": "The separators in this amount are unclear: write it like 1,234.56.",
            "1.000,00": "The separators in this amount are unclear: write it like 1,234.56.",
            "-5": "The amount cannot be negative.",
            "abc": "Enter the amount as a number, for example 1,234.56.",
            "1e3": "Enter the amount as a number, for example 1,234.56.",
            "10.001": "The amount can have at most 2 decimals.",
            "0": "The amount must be greater than zero.",
            "0.50": "The minimum payment is $\xa01.00.",
            "3000": "The amount cannot exceed your open balance of $\xa02,463.00.",
        }.items():
            with self.subTest(amount=amount):
                self.assertRefusedWith(amount, message)

    def test_fr_fr(self):
        self._as("fr_FR")
        response, tree = self._page({})
        self.assertEqual(response.status_code, 200)
        # The proposed amount is written as the language writes it, and reads back.
        proposed = tree.get_element_by_id("portal_pay_amount").get("value")
        self.assertEqual(proposed, "2\xa0463,00")
        for amount, expected in {
            proposed: 2463.0,
            "1 000,00": 1000.0,
            "1\xa0000,00": 1000.0,
            "1\u202f000,00": 1000.0,
            "1000,5": 1000.5,
            "50 $": 50.0,
            "$50": 50.0,
        }.items():
            with self.subTest(amount=amount):
                self.assertAccepted(amount, expected)
        for amount, message in {
            "1.5": "The separators in this amount are unclear: write it like 1\xa0234,56.",
            "1,000.00": "The separators in this amount are unclear: write it like 1\xa0234,56.",
            "abc": "Enter the amount as a number, for example 1\xa0234,56.",
            "-5": "The amount cannot be negative.",
            "3000": "The amount cannot exceed your open balance of $\xa02\xa0463,00.",
        }.items():
            with self.subTest(amount=amount):
                self.assertRefusedWith(amount, message)

    def test_de_de(self):
        self._as("de_DE")
        _response, tree = self._page({})
        self.assertEqual(tree.get_element_by_id("portal_pay_amount").get("value"), "2.463,00")
        for amount, expected in {"1.000,00": 1000.0, "1.000": 1000.0, "12,5": 12.5}.items():
            with self.subTest(amount=amount):
                self.assertAccepted(amount, expected)
        for amount in ("1.5", "600.0", "1,000.00"):
            with self.subTest(amount=amount):
                self.assertRefusedWith(
                    amount, "The separators in this amount are unclear: write it like 1.234,56."
                )

    def test_links_the_server_makes_work_in_every_language(self):
        """A link with the machine form of an amount (a retry, an outside caller:
        /my/payment?amount=600.00&line_ids=...) opens the payment form in any language."""
        for lang in ("en_US", "fr_FR", "de_DE"):
            with self.subTest(lang=lang):
                self._as(lang)
                self.assertAccepted("600.00", 600.0)
                self.assertAccepted("1.50", 1.5)
                self.assertAccepted("1500.00", 1500.0, lines=self._line(self.inv_old))

    def test_chosen_items_name_their_total(self):
        self._as("en_US")
        # Ticked without an amount: paid in full, whatever the language writes.
        for lang in ("en_US", "de_DE", "fr_FR"):
            with self.subTest(lang=lang):
                self._as(lang)
                response, _tree = self._page({"line_ids": str(self._line(self.inv_old).id)})
                self.assertEqual(response.status_code, 200)
                self.assertEqual(self._get_payment_context(response)["amount"], 1500.0)
        self._as("en_US")
        self.assertRefusedWith(
            "1,700.00",
            "The amount cannot exceed your chosen invoices' total of $\xa01,500.00.",
            lines=self._line(self.inv_old),
        )
        self.assertAccepted("1,000", 1000.0, lines=self._line(self.inv_old))
        # Overpayments kept as credit: at most the chosen total and the company's margin.
        self.company.write(
            {"portal_pay_overpayment": "credit", "portal_pay_overpayment_margin": 100.0}
        )
        self.assertAccepted("1,600.00", 1600.0, lines=self._line(self.inv_old))
        self.assertRefusedWith(
            "1,600.01",
            "The amount cannot exceed $\xa01,600.00: your chosen invoices' total and at most a "
            "fixed amount paid in advance.",
            lines=self._line(self.inv_old),
        )
        self.assertRefusedWith(
            "2,563.01",
            "The amount cannot exceed $\xa02,563.00: your open balance and at most a fixed "
            "amount paid in advance.",
        )

    def test_transaction_route_takes_the_canonical_amount(self):
        """The payment form posts the amount the page fixed, never what was typed: in any
        language the transaction route reads it as a plain number, bound by the token."""
        for lang, typed in (("de_DE", "1.000,00"), ("fr_FR", "1 000,00")):
            with self.subTest(lang=lang):
                self._as(lang)
                context = self._get_payment_context(self.assertAccepted(typed, 1000.0))
                params = transaction_params(context, self.provider.id, self.payment_method_id)
                self.assertEqual(params["amount"], 1000.0)
                result = self.make_jsonrpc_request(const.TRANSACTION_ROUTE, params)
                self.assertEqual(self._get_tx(result["reference"]).amount, 1000.0)
                # The canonical string is read the same way; a typed form is not accepted.
                context = self._get_payment_context(self.assertAccepted(typed, 1000.0))
                params = transaction_params(
                    context, self.provider.id, self.payment_method_id, amount="1000.00"
                )
                result = self.make_jsonrpc_request(const.TRANSACTION_ROUTE, params)
                self.assertEqual(self._get_tx(result["reference"]).amount, 1000.0)
                context = self._get_payment_context(self.assertAccepted(typed, 1000.0))
                params = transaction_params(
                    context, self.provider.id, self.payment_method_id, amount=typed
                )
                with mute_logger("odoo.http"):
                    response = self.url_open(
                        const.TRANSACTION_ROUTE,
                        json={"jsonrpc": "2.0", "method": "call", "id": 0, "params": params},
                    )
                self.assertIn("as a number", response.json()["error"]["data"]["message"])

    def test_amount_form_carries_the_rules_and_words(self):
        """What the browser needs to refuse exactly what the server refuses, with its words."""
        self._as("fr_FR")
        _response, tree = self._page({})
        form = tree.xpath("//form[hasclass('o_servicecore_portal_pay_amount_form')]")[0]
        rules = json.loads(form.get("data-amount-rules"))
        self.assertEqual(
            rules["format"],
            {
                "decimal_point": ",",
                "thousands_sep": "\xa0",
                "grouping": [3, 0],
                "symbols": ["$", "USD"],
            },
        )
        self.assertEqual(rules["messages"]["negative"], "The amount cannot be negative.")
        self.assertEqual(
            rules["messages"]["above_balance"],
            "The amount cannot exceed your open balance of $\xa02\xa0463,00.",
        )
        self.assertEqual(
            rules["chosen_messages"]["above_chosen"],
            "The amount cannot exceed your chosen invoices' total of %(maximum)s.",
        )
