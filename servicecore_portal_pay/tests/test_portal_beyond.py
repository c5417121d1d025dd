"""Payment history and statement, through real HTTP with portal users (issue 7)."""

import threading
from datetime import timedelta
from unittest.mock import patch

from lxml import html

from odoo import Command, fields
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import JsonRpcException

from odoo.addons.servicecore_portal_pay.controllers.portal import PortalPayHistory


class PortalBeyondCommon(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.ref("base.main_company")
        cls.env = cls.env(context={**cls.env.context, "tracking_disable": True})
        cls.currency = cls.company.currency_id
        cls.today = fields.Date.context_today(cls.env.user)
        cls.bank_journal = cls.env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", cls.company.id)], limit=1
        )
        Partner = cls.env["res.partner"]
        cls.customer_a = Partner.create({"name": "Beyond Customer A", "is_company": True})
        cls.customer_b = Partner.create({"name": "Beyond Customer B", "is_company": True})
        cls.dana = cls._contact(cls.customer_a, "beyond_dana", allowed=True)
        cls.sam = cls._contact(cls.customer_a, "beyond_sam", allowed=False)
        cls.lee = cls._contact(cls.customer_b, "beyond_lee", allowed=True)

    @classmethod
    def _contact(cls, customer, login, allowed):
        contact = cls.env["res.partner"].create(
            {
                "name": login,
                "parent_id": customer.id,
                "type": "contact",
                "email": f"{login}@example.com",
                "portal_payment_enabled": allowed,
            }
        )
        new_test_user(
            cls.env,
            login=login,
            groups="base.group_portal",
            partner_id=contact.id,
            company_id=cls.company.id,
        )
        return contact

    @classmethod
    def _days(cls, days):
        return cls.today + timedelta(days=days)

    @classmethod
    def _invoice(cls, partner, amount, invoice_days, due_days, move_type="out_invoice"):
        move = cls.env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": partner.id,
                "company_id": cls.company.id,
                "invoice_date": cls._days(invoice_days),
                "invoice_date_due": cls._days(due_days),
                "invoice_line_ids": [
                    Command.create(
                        {"name": "Service", "quantity": 1, "price_unit": amount, "tax_ids": []}
                    )
                ],
            }
        )
        move.action_post()
        return move

    @classmethod
    def _register_payment(cls, invoices, amount, days):
        wizard = (
            cls.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoices.ids)
            .create(
                {
                    "amount": amount,
                    "payment_date": cls._days(days),
                    "journal_id": cls.bank_journal.id,
                }
            )
        )
        return wizard._create_payments()

    @classmethod
    def _payment(cls, partner, amount, days, payment_type="inbound", post=True, **values):
        payment = cls.env["account.payment"].create(
            {
                "payment_type": payment_type,
                "partner_type": "customer",
                "partner_id": partner.id,
                "amount": amount,
                "date": cls._days(days),
                "journal_id": cls.bank_journal.id,
                **values,
            }
        )
        if post:
            payment.action_post()
        return payment

    @classmethod
    def _create_provider(cls):
        """A provider without an external API, like Odoo's own payment tests use, with a
        payment method line on the bank journal so confirmed transactions create payments."""
        method = cls.env.ref("payment.payment_method_unknown")
        provider = cls.env["payment.provider"].create(
            {
                "name": "Beyond Test Provider",
                "code": "none",
                "state": "test",
                "is_published": True,
                "company_id": cls.company.id,
                "payment_method_ids": [Command.set(method.ids)],
                "allow_tokenization": True,
            }
        )
        method.write({"active": True, "support_tokenization": True})
        provider.journal_id = cls.bank_journal
        cls.env["account.payment.method.line"].create(
            {
                "name": "Beyond Test Provider",
                "journal_id": cls.bank_journal.id,
                "payment_method_id": cls.env.ref("account.account_payment_method_manual_in").id,
                "payment_provider_id": provider.id,
            }
        )
        return provider, method

    def _login(self, login):
        self.authenticate(login, login)

    def _get(self, url, **kwargs):
        response = self.url_open(url, allow_redirects=False, **kwargs)
        return response

    def _page(self, url):
        response = self._get(url)
        self.assertEqual(response.status_code, 200, url)
        return html.fromstring(response.content)


@tagged("post_install", "-at_install")
class TestPortalPayHistory(PortalBeyondCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.inv_1 = cls._invoice(cls.customer_a, 300.00, -100, -95)
        cls.inv_0 = cls._invoice(cls.customer_a, 80.00, -75, -70)
        cls.inv_2 = cls._invoice(cls.customer_a, 200.00, -50, -40)
        cls.inv_3 = cls._invoice(cls.customer_a, 150.00, -20, -10)
        cls.inv_b = cls._invoice(cls.customer_b, 999.00, -20, -10)
        # Staff registered 280.00 on the oldest invoice 40 days ago.
        cls.pay_regular = cls._register_payment(cls.inv_1, 280.00, -40)
        # Dana paid 250.00 from the portal today: applied oldest first.
        cls.pay_portal = cls._payment(
            cls.customer_a, 250.00, 0, is_portal_payment=True, portal_pay_contact_id=cls.dana.id
        )
        cls.pay_portal._portal_pay_apply_oldest_first()
        # Noise that must never show in A's history.
        cls.pay_b = cls._register_payment(cls.inv_b, 100.00, -1)
        cls.pay_draft = cls._payment(cls.customer_a, 77.00, -2, post=False)
        cls.pay_outbound = cls._payment(cls.customer_a, 33.00, -3, payment_type="outbound")

    def _rows(self, tree):
        rows = {}
        for row in tree.xpath("//tr[hasclass('o_servicecore_portal_pay_history_row')]"):
            paid = [
                " ".join(div.text_content().split())
                for div in row.xpath(".//td[hasclass('o_servicecore_portal_pay_history_paid')]/div")
            ]
            rows[row.get("data-payment-name")] = {
                "paid": paid,
                "text": " ".join(row.text_content().split()),
            }
        return rows

    def test_allocation_fixture(self):
        # The portal payment went oldest first: 20.00 left on INV 1, then 80.00, then 150.00.
        self.assertEqual(
            [(a.move_id, a.amount) for a in self.pay_portal.portal_pay_allocation_ids],
            [(self.inv_1, 20.00), (self.inv_0, 80.00), (self.inv_2, 150.00)],
        )

    def test_history_lists_own_payments_with_invoices_paid(self):
        self._login("beyond_dana")
        rows = self._rows(self._page("/my/payments"))
        self.assertEqual(list(rows), [self.pay_portal.name, self.pay_regular.name])
        self.assertEqual(
            rows[self.pay_portal.name]["paid"],
            [
                f"{self.inv_1.name}: $ 20.00",
                f"{self.inv_0.name}: $ 80.00",
                f"{self.inv_2.name}: $ 150.00",
            ],
        )
        self.assertEqual(rows[self.pay_regular.name]["paid"], [f"{self.inv_1.name}: $ 280.00"])
        portal_text = rows[self.pay_portal.name]["text"]
        self.assertIn("$ 250.00", portal_text)
        self.assertIn("Portal", portal_text)
        self.assertIn("Paid", portal_text)  # the customer's word, not Odoo's "In Process"
        self.assertNotIn("In Process", portal_text)
        self.assertIn(self.pay_portal.payment_method_line_id.name, portal_text)
        self.assertIn("$ 280.00", rows[self.pay_regular.name]["text"])

    def test_history_date_filters(self):
        self._login("beyond_dana")
        this_month = self._rows(self._page("/my/payments?filterby=this_month"))
        self.assertEqual(list(this_month), [self.pay_portal.name])
        last_90 = self._rows(self._page("/my/payments?filterby=last_90_days"))
        self.assertEqual(list(last_90), [self.pay_portal.name, self.pay_regular.name])
        day = self._days(-40).isoformat()
        explicit = self._rows(self._page(f"/my/payments?date_begin={day}&date_end={day}"))
        self.assertEqual(list(explicit), [self.pay_regular.name])
        # Unusable values are ignored: the whole history is shown.
        junk = self._rows(self._page("/my/payments?filterby=nope&date_begin=31-02-x"))
        self.assertEqual(list(junk), [self.pay_portal.name, self.pay_regular.name])
        empty = self._page(f"/my/payments?date_end={self._days(-400).isoformat()}")
        self.assertFalse(self._rows(empty))
        self.assertTrue(empty.xpath("//p[hasclass('o_servicecore_portal_pay_history_empty')]"))

    def test_history_paging(self):
        self._login("beyond_dana")
        with patch.object(PortalPayHistory, "_items_per_page", 1):
            first = self._page("/my/payments?filterby=all")
            second = self._page("/my/payments/page/2?filterby=all")
        self.assertEqual(list(self._rows(first)), [self.pay_portal.name])
        self.assertEqual(list(self._rows(second)), [self.pay_regular.name])
        self.assertTrue(first.xpath("//a[contains(@href, '/my/payments/page/2?filterby=all')]"))

    def test_history_access(self):
        self._login("beyond_lee")
        rows = self._rows(self._page("/my/payments"))
        self.assertEqual(list(rows), [self.pay_b.name])
        self.assertNotIn(self.inv_1.name, str(rows))

        self._login("beyond_sam")
        response = self._get("/my/payments")
        # The page that says who pays (test_portal_permission.py), nothing of the account.
        self.assertEqual(response.status_code, 403)
        self.assertIn("o_servicecore_portal_pay_permission", response.text)

        self.authenticate(None, None)
        response = self._get("/my/payments")
        self.assertEqual(response.status_code, 303)
        self.assertIn("/web/login", response.headers["Location"])

    def test_home_entry_and_counter(self):
        self._login("beyond_dana")
        home = self._page("/my/home")
        self.assertTrue(home.xpath("//a[@href='/my/payments']"))
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["portal_pay_payment_count"]}
        )
        self.assertEqual(counters["portal_pay_payment_count"], 2)

        self._login("beyond_sam")
        self.assertFalse(self._page("/my/home").xpath("//a[@href='/my/payments']"))
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["portal_pay_payment_count"]}
        )
        self.assertEqual(counters["portal_pay_payment_count"], 0)


@tagged("post_install", "-at_install")
class TestPortalPayStatement(PortalBeyondCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.inv_old = cls._invoice(cls.customer_a, 60.00, -130, -120)  # 90+
        cls.inv_75 = cls._invoice(cls.customer_a, 80.00, -80, -75)  # 61-90
        cls.inv_40 = cls._invoice(cls.customer_a, 200.00, -50, -40)  # 31-60
        cls.inv_10 = cls._invoice(cls.customer_a, 150.00, -20, -10)  # 1-30
        cls.inv_new = cls._invoice(cls.customer_a, 120.00, 0, 30)  # current
        cls.refund = cls._invoice(cls.customer_a, 25.00, -5, -5, move_type="out_refund")
        cls._register_payment(cls.inv_40, 150.00, -1)  # 50.00 left on it
        cls._register_payment(cls._invoice(cls.customer_a, 10.00, -3, -3), 10.00, -1)  # paid
        cls.inv_b = cls._invoice(cls.customer_b, 999.00, -20, -10)

    def _statement(self):
        response = self._get("/my/payment/statement")
        self.assertEqual(response.status_code, 200)
        return response

    def _figures(self, tree):
        sections = tree.xpath("//div[hasclass('o_servicecore_portal_pay_statement_section')]")
        return [
            {
                "currency": section.get("data-currency"),
                "items": [
                    (row.get("data-move"), row.get("data-bucket"))
                    for row in section.xpath(
                        ".//tr[hasclass('o_servicecore_portal_pay_statement_item')]"
                    )
                ],
                "totals": {
                    cell.get("data-bucket"): " ".join(cell.text_content().split())
                    for cell in section.xpath(".//td[@data-bucket]")
                },
            }
            for section in sections
        ]

    def _expected_figures(self):
        return [
            {
                "currency": self.currency.name,
                "items": [
                    (self.inv_old.name, "90_plus"),
                    (self.inv_75.name, "61_90"),
                    (self.inv_40.name, "31_60"),
                    (self.inv_10.name, "1_30"),
                    (self.refund.name, "1_30"),
                    (self.inv_new.name, "current"),
                ],
                "totals": {
                    "current": "$ 120.00",
                    "1_30": "$ 125.00",
                    "31_60": "$ 50.00",
                    "61_90": "$ 80.00",
                    "90_plus": "$ 60.00",
                    "balance": "$ 435.00",
                },
            }
        ]

    def test_statement_report_html(self):
        # QWeb's lazy content checks the thread's database like Odoo's own runner sets it;
        # pytest-odoo's thread has none, so set it as a server thread would have it.
        with patch.object(threading.current_thread(), "dbname", self.env.cr.dbname, create=True):
            content, report_type = self.env["ir.actions.report"]._render_qweb_html(
                "servicecore_portal_pay.action_report_portal_pay_statement",
                self.customer_a.ids,
                data={"company_ids": self.company.ids},
            )
        self.assertEqual(report_type, "html")
        tree = html.fromstring(content)
        self.assertEqual(self._figures(tree), self._expected_figures())
        self.assertNotIn(self.inv_b.name, content.decode())

    def test_statement_route(self):
        self._login("beyond_dana")
        response = self._statement()
        # Odoo makes PDFs with wkhtmltopdf only outside tests; in tests (and on machines without
        # wkhtmltopdf, where the route serves the printable page) it returns the HTML rendering.
        self.assertEqual(response.headers["Content-Type"], "text/html; charset=utf-8")
        tree = html.fromstring(response.content)
        self.assertEqual(self._figures(tree), self._expected_figures())
        self.assertIn("Beyond Customer A", response.text)
        self.assertNotIn(self.inv_b.name, response.text)

    def test_statement_access(self):
        self._login("beyond_lee")
        figures = self._figures(html.fromstring(self._statement().content))
        self.assertEqual(len(figures), 1)
        self.assertEqual(figures[0]["items"], [(self.inv_b.name, "1_30")])
        self.assertEqual(figures[0]["totals"]["balance"], "$ 999.00")

        self._login("beyond_sam")
        response = self._get("/my/payment/statement")
        # The page that says who pays (test_portal_permission.py), nothing of the account.
        self.assertEqual(response.status_code, 403)
        self.assertIn("o_servicecore_portal_pay_permission", response.text)

        self.authenticate(None, None)
        response = self._get("/my/payment/statement")
        self.assertEqual(response.status_code, 303)
        self.assertIn("/web/login", response.headers["Location"])

    def test_statement_empty(self):
        self.inv_b.button_draft()
        self._login("beyond_lee")
        tree = html.fromstring(self._statement().content)
        self.assertFalse(self._figures(tree))
        self.assertTrue(tree.xpath("//p[hasclass('o_servicecore_portal_pay_statement_empty')]"))


@tagged("post_install", "-at_install")
class TestPortalPaySharedTokens(PortalBeyondCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pat = cls._contact(cls.customer_a, "beyond_pat", allowed=True)
        cls._invoice(cls.customer_a, 500.00, -10, 20)
        cls._invoice(cls.customer_b, 300.00, -10, 20)
        cls.provider, method = cls._create_provider()
        cls.tokens = {
            name: cls.env["payment.token"].create(
                {
                    "provider_id": cls.provider.id,
                    "payment_method_id": method.id,
                    "partner_id": partner.id,
                    "payment_details": digits,
                    "provider_ref": f"ref-{name}",
                }
            )
            for name, partner, digits in (
                ("dana", cls.dana, "1111"),
                ("pat", cls.pat, "2222"),
                ("sam", cls.sam, "3333"),
                ("customer", cls.customer_a, "4444"),
                ("lee", cls.lee, "5555"),
            )
        }

    def _share(self, enabled):
        self.company.portal_pay_share_tokens = enabled

    def _token_ids(self, tree):
        return {
            int(value)
            for value in tree.xpath(
                "//form[@id='o_payment_form']//input[@data-payment-option-type='token']"
                "/@data-payment-option-id"
            )
        }

    def _names(self, *names):
        return {self.tokens[name].id for name in names}

    def _pay_page(self):
        return self._page("/my/payment?amount=100.00")

    def _pay_with_token(self, token):
        tree = self._pay_page()
        access_token = tree.xpath("//form[@id='o_payment_form']/@data-access-token")[0]
        return self.make_jsonrpc_request(
            "/my/payment/transaction",
            {
                "provider_id": self.provider.id,
                "payment_method_id": None,
                "token_id": token.id,
                "amount": "100.00",
                "flow": "token",
                "tokenization_requested": False,
                "landing_route": "/my/payment/confirmation",
                "is_validation": False,
                "access_token": access_token,
            },
        )

    def _transactions(self, token):
        return self.env["payment.transaction"].search([("token_id", "=", token.id)])

    def test_stock_rules_without_sharing(self):
        self._share(False)
        self._login("beyond_dana")
        # Paying: only the payer's own cards (stock `_get_available_tokens`).
        self.assertEqual(self._token_ids(self._pay_page()), self._names("dana"))
        # Managing: own cards and the commercial partner's (stock validation rule).
        methods = self._page("/my/payment_method")
        self.assertEqual(self._token_ids(methods), self._names("dana", "customer"))
        with self.assertRaises(JsonRpcException) as caught, self.assertLogs("odoo.http", "WARNING"):
            self._pay_with_token(self.tokens["pat"])
        self.assertEqual(caught.exception.args[0], "odoo.exceptions.ValidationError")
        self.assertFalse(self._transactions(self.tokens["pat"]))

    def test_shared_tokens_listed_for_payers(self):
        self._share(True)
        shared = self._names("dana", "pat", "sam", "customer")
        self._login("beyond_dana")
        self.assertEqual(self._token_ids(self._pay_page()), shared)
        self.assertEqual(self._token_ids(self._page("/my/payment_method")), shared)
        # Another customer's payer never sees them.
        self._login("beyond_lee")
        self.assertEqual(self._token_ids(self._pay_page()), self._names("lee"))
        self.assertEqual(self._token_ids(self._page("/my/payment_method")), self._names("lee"))
        # A contact who may not pay keeps the stock rules.
        self._login("beyond_sam")
        self.assertEqual(
            self._token_ids(self._page("/my/payment_method")), self._names("sam", "customer")
        )

    def test_pay_with_sibling_token(self):
        self._share(True)
        self._login("beyond_dana")
        result = self._pay_with_token(self.tokens["pat"])
        tx = self._transactions(self.tokens["pat"])
        self.assertEqual(len(tx), 1)
        self.assertEqual(result["reference"], tx.reference)
        self.assertEqual(tx.partner_id, self.dana)
        self.assertEqual(tx.amount, 100.00)
        self.assertTrue(tx.portal_pay_account)
        # Another customer's card stays refused.
        with self.assertRaises(JsonRpcException) as caught, self.assertLogs("odoo.http", "WARNING"):
            self._pay_with_token(self.tokens["lee"])
        self.assertEqual(caught.exception.args[0], "odoo.exceptions.ValidationError")
        self.assertFalse(self._transactions(self.tokens["lee"]))

    def test_archive_shared_token(self):
        self._share(True)
        self._login("beyond_lee")
        self.make_jsonrpc_request("/payment/archive_token", {"token_id": self.tokens["pat"].id})
        self.assertTrue(self.tokens["pat"].active)
        self._login("beyond_dana")
        self.make_jsonrpc_request("/payment/archive_token", {"token_id": self.tokens["pat"].id})
        self.assertFalse(self.tokens["pat"].active)

    def test_archive_without_sharing(self):
        self._share(False)
        self._login("beyond_dana")
        self.make_jsonrpc_request("/payment/archive_token", {"token_id": self.tokens["pat"].id})
        self.assertTrue(self.tokens["pat"].active)
        self.make_jsonrpc_request("/payment/archive_token", {"token_id": self.tokens["dana"].id})
        self.assertFalse(self.tokens["dana"].active)


@tagged("post_install", "-at_install")
class TestPortalPayCurrencies(PortalBeyondCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.eur = cls.env.ref("base.EUR")
        cls.eur.active = True
        # 1 USD = 0.80 EUR: the company minimum of 1.00 USD is 0.80 EUR.
        cls.env["res.currency.rate"].create(
            {
                "name": cls._days(-400),
                "rate": 0.8,
                "currency_id": cls.eur.id,
                "company_id": cls.company.id,
            }
        )
        cls.company.portal_pay_min_amount = 1.00
        cls.gbp = cls.env.ref("base.GBP")
        cls.gbp.active = True
        cls.inv_usd = cls._invoice(cls.customer_a, 400.00, -20, -10)
        cls.eur_1 = cls._invoice_in(cls.eur, 100.00, -40, -30)
        cls.eur_2 = cls._invoice_in(cls.eur, 250.00, -10, -5)
        cls.provider, cls.method = cls._create_provider()

    @classmethod
    def _invoice_in(cls, currency, amount, invoice_days, due_days):
        move = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": cls.customer_a.id,
                "currency_id": currency.id,
                "invoice_date": cls._days(invoice_days),
                "invoice_date_due": cls._days(due_days),
                "invoice_line_ids": [
                    Command.create(
                        {"name": "Service", "quantity": 1, "price_unit": amount, "tax_ids": []}
                    )
                ],
            }
        )
        move.action_post()
        return move

    def _text(self, nodes):
        return [" ".join(node.text_content().split()) for node in nodes]

    def _balance(self, tree):
        return self._text(tree.xpath("//*[@id='portal_pay_figure_balance']"))[0]

    def _items(self, tree):
        return self._text(tree.xpath("//tr[hasclass('o_servicecore_portal_pay_item')]/td/a[1]"))

    def _pay(self, currency, amount, route=None):
        tree = self._page(f"/my/payment?currency_id={currency.id}&amount={amount}")
        form = tree.xpath("//form[@id='o_payment_form']")[0]
        return self.make_jsonrpc_request(
            route or form.get("data-transaction-route"),
            {
                "provider_id": self.provider.id,
                "payment_method_id": self.method.id,
                "token_id": None,
                "amount": float(amount),
                "flow": "direct",
                "tokenization_requested": False,
                "landing_route": "/my/payment/confirmation",
                "is_validation": False,
                "access_token": form.get("data-access-token"),
            },
        )

    def test_balance_per_currency(self):
        self._login("beyond_dana")
        tree = self._page("/my/payment")
        switcher = tree.xpath("//nav[hasclass('o_servicecore_portal_pay_currencies')]//a")
        self.assertEqual(self._text(switcher), ["USD: $ 400.00", "EUR: 350.00 €"])
        self.assertEqual(switcher[0].get("aria-current"), "page")
        self.assertEqual(self._balance(tree), "$ 400.00")
        self.assertEqual(self._items(tree), [self.inv_usd.name])

        tree = self._page(f"/my/payment?currency_id={self.eur.id}")
        self.assertEqual(self._balance(tree), "350.00 €")
        self.assertEqual(self._items(tree), [self.eur_1.name, self.eur_2.name])
        self.assertEqual(
            tree.xpath(
                "//form[hasclass('o_servicecore_portal_pay_amount_form')]"
                "//input[@name='currency_id']/@value"
            ),
            [str(self.eur.id)],
        )

    def test_single_currency_has_no_switcher(self):
        self._invoice(self.customer_b, 50.00, -5, 5)
        self._login("beyond_lee")
        tree = self._page("/my/payment")
        self.assertFalse(tree.xpath("//nav[hasclass('o_servicecore_portal_pay_currencies')]"))

    def test_only_currencies_with_open_items(self):
        self._login("beyond_dana")
        for value in (self.gbp.id, "abc", 999999):
            with self.subTest(currency_id=value):
                response = self._get(f"/my/payment?currency_id={value}")
                self.assertEqual(response.status_code, 303)
                self.assertTrue(response.headers["Location"].endswith("/my/payment"))
        self._login("beyond_lee")  # Customer B owes nothing in EUR.
        response = self._get(f"/my/payment?currency_id={self.eur.id}")
        self.assertEqual(response.status_code, 303)

    def test_amount_validated_in_selected_currency(self):
        self._login("beyond_dana")
        base = f"/my/payment?currency_id={self.eur.id}&amount="
        self.assertEqual(self._get(base + "350.01").status_code, 400)  # above the EUR balance
        self.assertEqual(self._get(base + "0.79").status_code, 400)  # below 1.00 USD in EUR
        self.assertEqual(self._get(base + "0.80").status_code, 200)
        tree = self._page(base + "350.00")
        form = tree.xpath("//form[@id='o_payment_form']")[0]
        self.assertEqual(form.get("data-currency-id"), str(self.eur.id))
        self.assertEqual(
            form.get("data-transaction-route"), f"/my/payment/transaction/{self.eur.id}"
        )
        # The USD page keeps the plain route; 400.00 is fine in USD.
        usd = self._page("/my/payment?amount=400.00").xpath("//form[@id='o_payment_form']")[0]
        self.assertEqual(usd.get("data-transaction-route"), "/my/payment/transaction")

    def test_pay_one_currency(self):
        self._login("beyond_dana")
        result = self._pay(self.eur, "150.00")
        tx = self.env["payment.transaction"].search([("reference", "=", result["reference"])])
        self.assertEqual((tx.currency_id, tx.amount, tx.partner_id), (self.eur, 150.00, self.dana))
        tx._set_done()
        tx._post_process()
        payment = tx.payment_id
        self.assertEqual((payment.currency_id, payment.amount), (self.eur, 150.00))
        self.assertEqual(
            [(a.move_id, a.amount, a.residual_after) for a in payment.portal_pay_allocation_ids],
            [(self.eur_1, 100.00, 0.00), (self.eur_2, 50.00, 200.00)],
        )
        self.assertEqual(self.eur_2.amount_residual, 200.00)
        self.assertEqual(self.inv_usd.amount_residual, 400.00)

    def test_token_binds_currency(self):
        self._login("beyond_dana")
        # A EUR form's token is refused by the USD route, and the other way round.
        for currency, route in (
            (self.eur, "/my/payment/transaction"),
            (self.company.currency_id, f"/my/payment/transaction/{self.eur.id}"),
        ):
            with (
                self.subTest(currency=currency.name),
                self.assertRaises(JsonRpcException) as caught,
                self.assertLogs("odoo.http", "WARNING"),
            ):
                self._pay(currency, "100.00", route=route)
            self.assertEqual(caught.exception.args[0], "odoo.exceptions.ValidationError")
        # A currency the account has nothing in is refused before anything else.
        with self.assertRaises(JsonRpcException), self.assertLogs("odoo.http", "WARNING"):
            self._pay(self.eur, "100.00", route=f"/my/payment/transaction/{self.gbp.id}")
        self.assertFalse(
            self.env["payment.transaction"].search([("partner_id", "=", self.dana.id)])
        )


@tagged("post_install", "-at_install")
class TestPortalPayChooseInvoices(PortalBeyondCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.c1 = cls._invoice(cls.customer_a, 100.00, -40, -30)
        cls.c2 = cls._invoice(cls.customer_a, 200.00, -30, -20)
        cls.c3 = cls._invoice(cls.customer_a, 300.00, -20, -10)
        cls.c4 = cls._invoice(cls.customer_a, 400.00, 0, 10)
        cls.refund = cls._invoice(cls.customer_a, 50.00, -5, -5, move_type="out_refund")
        cls.other = cls._invoice(cls.customer_b, 999.00, -20, -10)
        cls.provider, cls.method = cls._create_provider()
        # These tests are about choosing; with the credit applied too (the default), see
        # test_accounting_configs: the credit note here stays a credit for staff.
        cls.company.portal_pay_apply_credits = False

    @staticmethod
    def _line(move):
        return move.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )

    def _ids(self, *moves):
        return ",".join(str(self._line(move).id) for move in moves)

    def _plan(self, tree):
        return [
            " ".join(row.text_content().split())
            for row in tree.xpath("//tr[hasclass('o_servicecore_portal_pay_plan_row')]")
        ]

    def _form(self, query):
        tree = self._page(f"/my/payment?{query}")
        return tree, tree.xpath("//form[@id='o_payment_form']")[0]

    def _post(self, route, access_token, amount):
        return self.make_jsonrpc_request(
            route,
            {
                "provider_id": self.provider.id,
                "payment_method_id": self.method.id,
                "token_id": None,
                "amount": amount,
                "flow": "direct",
                "tokenization_requested": False,
                "landing_route": "/my/payment/confirmation",
                "is_validation": False,
                "access_token": access_token,
            },
        )

    def test_choose_in_browser(self):
        self.start_tour(
            "/my/payment", "servicecore_portal_pay_choose_invoices", login="beyond_dana"
        )

    def test_page_lists_checkboxes(self):
        self._login("beyond_dana")
        tree = self._page("/my/payment")
        boxes = tree.xpath("//input[hasclass('o_servicecore_portal_pay_choose')]")
        # One per open invoice line (not for the credit note), none ticked, bound to the form.
        self.assertEqual(
            [box.get("value") for box in boxes],
            self._ids(self.c1, self.c2, self.c3, self.c4).split(","),
        )
        self.assertFalse([box for box in boxes if box.get("checked")])
        self.assertEqual({box.get("form") for box in boxes}, {"portal_pay_amount_form"})
        self.assertTrue(tree.xpath("//form[@id='portal_pay_amount_form']"))

    def test_chosen_items_paid_in_full_by_default(self):
        self._login("beyond_dana")
        # Repeated checkboxes, in any order: the amount is their total.
        query = f"line_ids={self._line(self.c3).id}&line_ids={self._line(self.c1).id}"
        tree, form = self._form(query)
        self.assertEqual(form.get("data-amount"), "400.0")
        self.assertEqual(
            self._plan(tree), [f"{self.c1.name} $ 100.00 Paid", f"{self.c3.name} $ 300.00 Paid"]
        )
        self.assertEqual(
            form.get("data-transaction-route"),
            f"/my/payment/transaction/{self.currency.id}/{self._ids(self.c1, self.c3)}",
        )

    def test_partial_amount_oldest_first_among_chosen(self):
        self._login("beyond_dana")
        tree, _form = self._form(f"line_ids={self._ids(self.c3, self.c1)}&amount=250.00")
        self.assertEqual(
            self._plan(tree),
            [f"{self.c1.name} $ 100.00 Paid", f"{self.c3.name} $ 150.00 $ 150.00"],
        )

    def test_invalid_choices(self):
        self._login("beyond_dana")
        cases = {
            f"line_ids={self._ids(self.c1, self.c3)}&amount=400.01": "cannot exceed",
            f"line_ids={self._ids(self.c1, self.other)}": "no longer open",
            f"line_ids={self._ids(self.refund)}": "no longer open",
            "line_ids=abc": "Choose the invoices",
            "line_ids=1e3": "Choose the invoices",
        }
        for query, message in cases.items():
            with self.subTest(query=query):
                response = self._get(f"/my/payment?{query}")
                self.assertEqual(response.status_code, 400)
                error = html.fromstring(response.content).xpath(
                    "//*[@id='portal_pay_amount_error']"
                )
                self.assertIn(message, error[0].text_content())

    def test_pay_chosen_items(self):
        self._login("beyond_dana")
        _tree, form = self._form(f"line_ids={self._ids(self.c1, self.c3)}&amount=250.00")
        result = self._post(
            form.get("data-transaction-route"), form.get("data-access-token"), 250.0
        )
        tx = self.env["payment.transaction"].search([("reference", "=", result["reference"])])
        self.assertEqual(tx.portal_pay_line_ids, self._line(self.c1) | self._line(self.c3))
        tx._set_done()
        tx._post_process()
        self.assertEqual(
            [
                (a.move_id, a.amount, a.residual_after)
                for a in tx.payment_id.portal_pay_allocation_ids
            ],
            [(self.c1, 100.00, 0.00), (self.c3, 150.00, 150.00)],
        )
        self.assertEqual(self.c2.amount_residual, 200.00)
        self.assertEqual(self.c4.amount_residual, 400.00)

    def test_token_binds_the_choice(self):
        self._login("beyond_dana")
        _tree, form = self._form(f"line_ids={self._ids(self.c1, self.c3)}&amount=250.00")
        token = form.get("data-access-token")
        base = f"/my/payment/transaction/{self.currency.id}"
        for route in (
            "/my/payment/transaction",  # the whole account instead
            f"{base}/{self._ids(self.c1, self.c2)}",  # other invoices
            f"{base}/{self._ids(self.c1, self.other)}",  # another customer's invoice
        ):
            with (
                self.subTest(route=route),
                self.assertRaises(JsonRpcException) as caught,
                self.assertLogs("odoo.http", "WARNING"),
            ):
                self._post(route, token, 250.0)
            self.assertEqual(caught.exception.args[0], "odoo.exceptions.ValidationError")
        self.assertFalse(
            self.env["payment.transaction"].search([("partner_id", "=", self.dana.id)])
        )
