"""Query-count regressions: the page and the allocation must not issue a query per invoice.

Counts come from the test cursor (``sql_log_count``), which also serves the HTTP requests of
HttpCase; no timing is asserted (timings live in bench/).
"""

from datetime import date, timedelta

from lxml import html

from odoo import Command, fields
from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon
from odoo.addons.servicecore_portal_pay import const


@tagged("post_install", "-at_install")
class TestQueryCounts(AccountTestInvoicingHttpCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.start = date(2026, 1, 1)

    @classmethod
    def _portal_user(cls, contact, login):
        """A portal user of the test company for ``contact`` (password: login + "-password")."""
        return (
            cls.env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "login": login,
                    "password": f"{login}-password",
                    "partner_id": contact.id,
                    "company_id": cls.company.id,
                    "company_ids": [Command.set(cls.company.ids)],
                    "group_ids": [Command.set(cls.env.ref("base.group_portal").ids)],
                }
            )
        )

    @classmethod
    def _customer(cls, name, invoice_count, amount=100.0, start=None, payment_term=None):
        """A company with a portal contact allowed to pay and ``invoice_count`` open invoices,
        dated a day apart from ``start``."""
        start = start or cls.start
        partner = cls.env["res.partner"].create({"name": name, "is_company": True})
        login = name.lower().replace(" ", "_")
        contact = cls.env["res.partner"].create(
            {
                "name": f"{name} payer",
                "parent_id": partner.id,
                "type": "contact",
                "email": f"{login}@example.com",
                "portal_payment_enabled": True,
            }
        )
        cls._portal_user(contact, login)
        invoices = cls.env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "company_id": cls.company.id,
                    "invoice_date": start + timedelta(days=index),
                    "invoice_date_due": start + timedelta(days=30 + index),
                    "invoice_payment_term_id": payment_term and payment_term.id,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": f"Service visit {index + 1}",
                                "quantity": 1,
                                "price_unit": amount,
                                "account_id": cls.company_data["default_account_revenue"].id,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
                for index in range(invoice_count)
            ]
        )
        invoices.action_post()
        return partner, login, invoices

    def _payment(self, partner, amount):
        payment = (
            self.env["account.payment"]
            .with_context(force_payment_move=True)
            .create(
                {
                    "payment_type": "inbound",
                    "partner_type": "customer",
                    "partner_id": partner.id,
                    "amount": amount,
                    "journal_id": self.company_data["default_journal_bank"].id,
                    "is_portal_payment": True,
                }
            )
        )
        payment.action_post()
        return payment

    # === PAGE === #

    def _page_queries(self, login):
        """Queries of a warm GET /my/payment for ``login`` (the first request warms caches)."""
        self.authenticate(login, f"{login}-password")
        self.assertEqual(self.url_open(const.PAGE_ROUTE).status_code, 200)
        self.env.flush_all()
        count0 = self.cr.sql_log_count
        response = self.url_open(const.PAGE_ROUTE)
        count = self.cr.sql_log_count - count0
        self.assertEqual(response.status_code, 200)
        return count, response.text

    def test_page_queries_constant_in_open_invoices(self):
        _small, small_login, _invoices = self._customer("Page Ten", 10)
        _large, large_login, _invoices = self._customer("Page Hundred", 100)
        small_count, small_html = self._page_queries(small_login)
        large_count, large_html = self._page_queries(large_login)
        self.assertEqual(
            large_count,
            small_count,
            "GET /my/payment must not issue queries per open invoice (10 vs 100 invoices)",
        )
        # Ten items are all listed; of a hundred, the 50 oldest are, and one row sums the rest.
        self.assertEqual(small_html.count("o_servicecore_portal_pay_item "), 10)
        self.assertNotIn("o_servicecore_portal_pay_rest", small_html)
        self.assertEqual(large_html.count("o_servicecore_portal_pay_item "), 50 + 1)  # + the sum
        self.assertTrue("50 more open items" in large_html)
        self.assertTrue('data-residual="5000.00"' in large_html, "the summed row is exact")
        # The figures still cover every invoice: the balance (the "Full balance" quick amount)
        # is the whole 10,000.00.
        (full_balance,) = html.fromstring(large_html).xpath(
            "//button[contains(@class, 'o_servicecore_portal_pay_pick')]"
            "[starts-with(normalize-space(.), 'Full balance')]"
        )
        self.assertEqual(full_balance.get("data-amount"), "10000.00")

    def test_page_show_all(self):
        _partner, login, _invoices = self._customer("Page Show All", 60)
        self.authenticate(login, f"{login}-password")
        html = self.url_open(f"{const.PAGE_ROUTE}?show=all").text
        self.assertEqual(html.count("o_servicecore_portal_pay_item "), 60)
        self.assertNotIn("o_servicecore_portal_pay_rest", html)

    def _invoice_list_queries(self, name, invoice_count):
        """Queries of a warm /my/invoices for a contact of ``name`` who may not pay, while
        another contact of the customer may (stock's "Pay Now" is withheld on every row)."""
        partner, _payer_login, _invoices = self._customer(name, invoice_count)
        login = f"{name.lower().replace(' ', '_')}_viewer"
        viewer = self.env["res.partner"].create(
            {"name": f"{name} viewer", "parent_id": partner.id, "type": "contact"}
        )
        self._portal_user(viewer, login)
        self.authenticate(login, f"{login}-password")
        self.assertEqual(self.url_open("/my/invoices").status_code, 200)
        self.env.flush_all()
        count0 = self.cr.sql_log_count
        response = self.url_open("/my/invoices")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.text.count("/my/invoices/"), invoice_count)
        self.assertNotIn("Pay Now", response.text)
        return self.cr.sql_log_count - count0

    def test_invoice_list_decides_pay_now_once(self):
        self.company.write({"portal_pay_enabled": True, "portal_pay_restrict_pay_now": True})
        self.assertEqual(
            self._invoice_list_queries("List Five", 5),
            self._invoice_list_queries("List Fifteen", 15),
            "/my/invoices must not decide Pay Now with a query per invoice",
        )

    def _history_queries(self, name, payment_count):
        """Queries of a warm Payment History of a customer with ``payment_count`` payments, each
        applied to an invoice of its own."""
        partner, login, invoices = self._customer(name, payment_count)
        for invoice in invoices:
            payment = self._payment(partner, invoice.amount_total)
            (payment.move_id.line_ids | invoice.line_ids).filtered(
                lambda line: line.account_id.account_type == "asset_receivable"
            ).reconcile()
        self.authenticate(login, f"{login}-password")
        self.assertEqual(self.url_open(const.HISTORY_ROUTE).status_code, 200)
        self.env.flush_all()
        count0 = self.cr.sql_log_count
        response = self.url_open(const.HISTORY_ROUTE)
        self.assertEqual(response.status_code, 200)
        rows = html.fromstring(response.text).xpath(
            "//tr[contains(@class, 'o_servicecore_portal_pay_history_row')]"
        )
        self.assertEqual(len(rows), payment_count)
        return self.cr.sql_log_count - count0

    def test_page_queries_constant_in_discounted_invoices(self):
        """Invoices inside their early payment discount window are checked for the discount
        (untouched, in the window, the term's rule) without a query per invoice."""
        term = self.env["account.payment.term"].create(
            {
                "name": "2% 30 Net 30",
                "early_discount": True,
                "discount_days": 30,
                "discount_percentage": 2,
                "line_ids": [
                    Command.create(
                        {"value": "percent", "value_amount": 100, "nb_days": 30},
                    )
                ],
            }
        )
        start = fields.Date.context_today(self.env["res.partner"]) - timedelta(days=12)
        _small, small_login, _invoices = self._customer(
            "Discount Three", 3, start=start, payment_term=term
        )
        _large, large_login, _invoices = self._customer(
            "Discount Twelve", 12, start=start, payment_term=term
        )
        small_count, small_html = self._page_queries(small_login)
        large_count, large_html = self._page_queries(large_login)
        # Every invoice is inside its window: each row offers the discounted amount.
        self.assertGreaterEqual(small_html.count("98.00"), 3)
        self.assertGreaterEqual(large_html.count("98.00"), 12)
        self.assertEqual(
            large_count,
            small_count,
            "GET /my/payment must not issue queries per discounted invoice (3 vs 12 invoices)",
        )

    def test_history_queries_constant_in_payments(self):
        self.assertEqual(
            self._history_queries("History Three", 3),
            self._history_queries("History Twelve", 12),
            "/my/payments must not issue queries per payment",
        )

    # === ALLOCATION === #

    def _allocation_queries(self, partner, invoices, amount):
        payment = self._payment(partner, amount)
        self.env.flush_all()
        self.env.invalidate_all()
        count0 = self.cr.sql_log_count
        records = payment._portal_pay_apply_oldest_first()
        self.env.flush_all()
        return self.cr.sql_log_count - count0, payment, records

    def test_allocation_queries_sublinear(self):
        small, _login, small_invoices = self._customer("Allocation Ten", 10)
        large, _login, large_invoices = self._customer("Allocation Sixty", 60)
        small_count, _payment, _records = self._allocation_queries(small, small_invoices, 950.0)
        large_count, payment, records = self._allocation_queries(large, large_invoices, 5950.0)
        self.assertLessEqual(
            large_count - small_count,
            10,
            f"allocation queries grow with the invoices: {small_count} for 10, "
            f"{large_count} for 60",
        )
        # And it did the work: oldest first, 59 paid in full, the newest one half paid.
        self.assertEqual(len(records), 60)
        self.assertEqual(records.mapped("amount"), [100.0] * 59 + [50.0])
        self.assertEqual(records.move_id, large_invoices)
        self.assertEqual(set(large_invoices[:59].mapped("amount_residual")), {0.0})
        self.assertEqual(large_invoices[59].amount_residual, 50.0)
        # Each invoice gets its note in one batch, once the booking committed.
        self.env["portal.pay.allocation"]._cron_post_notes()
        for invoice in large_invoices:
            self.assertIn(payment.name, invoice.message_ids[0].body)

    def test_allocation_same_due_date_keeps_our_order(self):
        """The shortcut to one reconcile() must not let stock's amount tie-break decide."""
        partner, _login, _invoices = self._customer("Allocation Ties", 0)
        due = date(2026, 3, 1)
        first, second = self.env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "company_id": self.company.id,
                    "invoice_date": date(2026, 2, 1),
                    "invoice_date_due": due,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Visit",
                                "quantity": 1,
                                "price_unit": price,
                                "account_id": self.company_data["default_account_revenue"].id,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
                for price in (300.0, 100.0)
            ]
        )
        (first + second).action_post()
        self.assertLess(first.name, second.name)
        # Stock's order (due date, then amount) would pay the 100.00 invoice first.
        records = self._payment(partner, 350.0)._portal_pay_apply_oldest_first()
        self.assertEqual(records.mapped("amount"), [300.0, 50.0])
        self.assertEqual(first.amount_residual, 0.0)
        self.assertEqual(second.amount_residual, 50.0)
