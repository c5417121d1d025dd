"""Issue 13: one customer status word everywhere, and the failure and pending pages, through the
customer's real requests with the Demo provider."""

import threading
from unittest.mock import patch
from urllib.parse import parse_qs, urlsplit

from lxml import html

from odoo.tests import tagged

from odoo.addons.servicecore_portal_pay import const
from odoo.addons.test_servicecore_portal_pay.tests.common import DemoPortalPayCommon


class StatesCommon(DemoPortalPayCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.provider.journal_id = cls.company_data["default_journal_bank"]
        cls.inv_later = cls._create_customer_invoice("300.00", due=cls._days(20))
        cls.inv_soon = cls._create_customer_invoice("200.00", due=cls._days(-5))
        cls.inv_oldest = cls._create_customer_invoice("100.00", due=cls._days(-40))

    @staticmethod
    def _line(invoice):
        return invoice.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )

    @staticmethod
    def _text(tree):
        return " ".join(tree.text_content().split())

    def _history_statuses(self):
        """{payment name: the status cell's text} of the payer's payment history."""
        self.authenticate(self.payer_user.login, self.payer_user.login)
        tree = html.fromstring(self.url_open(const.HISTORY_ROUTE).text)
        return {
            row.get("data-payment-name"): self._text(
                row.xpath(".//*[hasclass('o_servicecore_portal_pay_status')]")[0]
            )
            for row in tree.xpath("//tr[hasclass('o_servicecore_portal_pay_history_row')]")
        }

    def _breadcrumb(self, tree):
        items = tree.xpath("//ol[hasclass('o_portal_submenu')]/li")
        return [text for text in map(self._text, items) if text]  # the home icon has none


@tagged("post_install", "-at_install")
class TestCustomerStatus(StatesCommon):
    def test_paid_in_full(self):
        tx, tree = self._pay_through_the_portal("150.00", "done")
        self.assertEqual(tx.portal_pay_customer_status, "paid")
        self.assertEqual(tx.payment_id.portal_pay_customer_status, "paid")
        # The confirmation says the word the invoices and the history say, not "processed".
        header = self._text(tree.xpath("//*[@name='o_payment_status_alert']")[0])
        self.assertIn("Paid", header)
        self.assertNotIn("processed", self._text(tree))
        self.assertEqual(self._history_statuses(), {tx.payment_id.name: "Paid"})

    def test_overpayment_kept_as_credit_is_partly_applied(self):
        self.company.portal_pay_overpayment = "credit"
        tx, tree = self._pay_through_the_portal("650.00", "done")
        self.assertEqual(tx.payment_id.portal_pay_unapplied, 50.0)
        self.assertEqual(tx.portal_pay_customer_status, "partly_applied")
        self.assertEqual(tx.payment_id.portal_pay_customer_status, "partly_applied")
        self.assertIn(
            "Partly applied", self._text(tree.xpath("//*[@name='o_payment_status_alert']")[0])
        )
        self.assertEqual(self._history_statuses(), {tx.payment_id.name: "Partly applied"})
        # Staff apply the credit later: the same payment now reads Paid.
        extra = self._create_customer_invoice("50.00", due=self._days(30))
        tx.payment_id._portal_pay_apply_oldest_first()
        self.assertResiduals({extra: "0"})
        self.assertEqual(tx.payment_id.portal_pay_customer_status, "paid")
        self.assertEqual(tx.portal_pay_customer_status, "paid")

    def test_partial_then_full_refund(self):
        tx, _tree = self._pay_through_the_portal("300.00", "done")
        payment = tx.payment_id
        tx._refund(amount_to_refund=120.0)  # the Demo provider confirms refunds at once
        self._run_post_processing_cron()
        self.assertEqual(payment.portal_pay_refunded, 120.0)
        self.assertEqual(payment.portal_pay_customer_status, "partly_refunded")
        self.assertEqual(tx.portal_pay_customer_status, "partly_refunded")
        self.assertEqual(self._history_statuses()[payment.name], "Partly refunded")
        refunds = self.env["payment.transaction"].search([("source_transaction_id", "=", tx.id)])
        self.assertTrue(refunds)
        self.assertFalse(any(refunds.mapped("portal_pay_customer_status")), "refunds have no word")
        tx._refund(amount_to_refund=180.0)
        self._run_post_processing_cron()
        self.assertEqual(payment.portal_pay_customer_status, "refunded")
        self.assertEqual(tx.portal_pay_customer_status, "refunded")
        self.assertEqual(self._history_statuses()[payment.name], "Refunded")

    def test_not_booked(self):
        for simulated, expected in (
            ("pending", "processing"),
            ("error", "failed"),
            ("cancel", "cancelled"),
        ):
            with self.subTest(simulated=simulated):
                tx, _tree = self._pay_through_the_portal("10.00", simulated)
                self.assertEqual(tx.portal_pay_customer_status, expected)
        # Confirmed by the provider but not booked yet: still on its way.
        tx = self._create_portal_transaction("10.00", state="done")
        self.assertEqual(tx.portal_pay_customer_status, "processing")

    def test_payments_not_made_through_the_portal(self):
        """Staff's payments get their word from the same rule."""
        bank = self.company_data["default_journal_bank"]
        Payment = self.env["account.payment"]
        values = {
            "payment_type": "inbound",
            "partner_type": "customer",
            "partner_id": self.customer.id,
            "journal_id": bank.id,
        }
        on_account = Payment.create({**values, "amount": 40.0})
        self.assertEqual(on_account.portal_pay_customer_status, "processing")  # a draft
        on_account.action_post()
        self.assertEqual(on_account.portal_pay_customer_status, "partly_applied")
        registered = (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=self.inv_oldest.ids)
            .create({"amount": 100.0, "journal_id": bank.id})
            ._create_payments()
        )
        self.assertEqual(registered.portal_pay_customer_status, "paid")
        self.assertEqual(
            self._history_statuses(),
            {on_account.name: "Partly applied", registered.name: "Paid"},
        )
        cancelled = Payment.create({**values, "amount": 5.0})
        cancelled.action_cancel()
        self.assertEqual(cancelled.portal_pay_customer_status, "cancelled")

    def test_backend_shows_the_word_next_to_odoo_states(self):
        """Staff see the customer's word, labelled, beside stock's technical state."""
        for model, view_types in (
            ("account.payment", ("form", "list")),
            ("payment.transaction", ("form", "list")),
        ):
            views = self.env[model].get_views([(False, view_type) for view_type in view_types])
            for view_type in view_types:
                with self.subTest(model=model, view_type=view_type):
                    arch = html.fromstring(views["views"][view_type]["arch"])
                    self.assertTrue(arch.xpath("//field[@name='portal_pay_customer_status']"))
                    self.assertTrue(arch.xpath("//field[@name='state']"))
            self.assertEqual(
                views["models"][model]["fields"]["portal_pay_customer_status"]["string"],
                "Customer Status",
            )
        portal_list = self.env["account.payment"].get_views(
            [(self.env.ref("servicecore_portal_pay.view_portal_pay_payment_list").id, "list")]
        )
        arch = html.fromstring(portal_list["views"]["list"]["arch"])
        self.assertTrue(arch.xpath("//field[@name='portal_pay_customer_status']"))


@tagged("post_install", "-at_install")
class TestStatePages(StatesCommon):
    def _try_again(self, tree):
        links = tree.xpath("//a[hasclass('o_servicecore_portal_pay_try_again')]")
        self.assertEqual(len(links), 1, "one Try again")
        url = urlsplit(links[0].get("href"))
        return url.path, parse_qs(url.query)

    def _assert_not_a_confirmation(self, tree):
        self.assertNotIn("Confirmation", self._breadcrumb(tree))
        self.assertFalse(tree.xpath("//*[@id='o_payment_summary_new_balance']"))
        self.assertNotIn("balance", self._text(tree).lower())
        self.assertFalse(tree.xpath("//*[hasclass('o_servicecore_portal_pay_plan_row')]"))

    def test_error_page_and_try_again(self):
        lines = self._line(self.inv_oldest) + self._line(self.inv_later)
        tx, tree = self._pay_through_the_portal("250.00", "error", lines=lines)
        text = self._text(tree)
        self.assertIn("did not go through", text)
        self.assertIn("Nothing was charged", text)
        self.assertIn("You selected the following demo payment status: error", text)  # why
        self.assertIn(tx.reference, text)
        self.assertEqual(self._breadcrumb(tree), ["Make a Payment", "Failed"])
        self._assert_not_a_confirmation(tree)
        self.assertFalse(tree.xpath("//a[text()[contains(., 'Make another payment')]]"))

        path, query = self._try_again(tree)
        self.assertEqual(path, const.PAGE_ROUTE)
        self.assertEqual(query["amount"], ["250.00"])
        self.assertEqual(query["line_ids"], [",".join(str(key) for key in sorted(lines.ids))])
        # A fresh payment form, for the same amount and the same invoices, with a new token.
        page = self.url_open(const.PAGE_ROUTE, params={k: v[0] for k, v in query.items()})
        self.assertEqual(page.status_code, 200)
        context = self._get_payment_context(page)
        self.assertEqual(context["amount"], 250.0)
        self.assertTrue(
            context["transaction_route"].endswith("/" + query["line_ids"][0]),
            context["transaction_route"],
        )
        first_nonce = tx.portal_pay_form_nonce
        self.assertNotIn(first_nonce, context["access_token"])
        # ...which pays: the second attempt goes through.
        tx2, _done = self._pay_through_the_portal("250.00", "done", lines=lines)
        self.assertEqual(tx2.portal_pay_customer_status, "paid")
        self.assertResiduals(
            {self.inv_oldest: "0", self.inv_later: "150.00", self.inv_soon: "200.00"}
        )

    def test_try_again_after_the_chosen_invoice_was_deleted(self):
        """The invoice a failed payment chose is gone: Try again opens the page without that
        amount, rather than offering it to the oldest invoices the customer did not choose."""
        lines = self._line(self.inv_later)
        tx, _tree = self._pay_through_the_portal("150.00", "error", lines=lines)
        self.inv_later.button_draft()
        self.inv_later.unlink()
        self.assertTrue(tx.portal_pay_chose_items)
        page = self.url_open(f"{const.CONFIRMATION_ROUTE}?tx_id={tx.id}")
        self.assertEqual(page.status_code, 200)
        path, query = self._try_again(html.fromstring(page.text))
        self.assertEqual((path, query), (const.PAGE_ROUTE, {}))

    def test_try_again_writes_the_amount_as_the_user_reads_it(self):
        # de_DE writes "250,00" (and groups thousands with "."): the link carries the amount as
        # the page reads it typed, never a machine "250.00" that a currency with three decimals
        # would make "12.500" (twelve thousand five hundred in de_DE).
        self.env["res.lang"]._activate_lang("de_DE")
        self.payer_user.lang = "de_DE"
        _tx, tree = self._pay_through_the_portal("250,00", "error")
        path, query = self._try_again(tree)
        self.assertEqual((path, query), (const.PAGE_ROUTE, {"amount": ["250,00"]}))
        page = self.url_open(const.PAGE_ROUTE, params={"amount": query["amount"][0]})
        self.assertEqual(page.status_code, 200)
        self.assertEqual(self._get_payment_context(page)["amount"], 250.0)

    def test_cancel_page(self):
        tx, tree = self._pay_through_the_portal("120.00", "cancel")
        text = self._text(tree)
        self.assertIn("was cancelled", text)
        self.assertIn("Nothing was charged", text)
        self.assertEqual(self._breadcrumb(tree), ["Make a Payment", "Cancelled"])
        self._assert_not_a_confirmation(tree)
        path, query = self._try_again(tree)
        self.assertEqual((path, query), (const.PAGE_ROUTE, {"amount": ["120.00"]}))
        self.assertEqual(tx.state, "cancel")

    def test_try_again_checks_the_amount_against_today(self):
        """The retried amount is checked again: paid meanwhile, the amount step says why."""
        _tx, tree = self._pay_through_the_portal("600.00", "error")
        _path, query = self._try_again(tree)
        self._pay_through_the_portal("100.00", "done")
        page = self.url_open(const.PAGE_ROUTE, params={k: v[0] for k, v in query.items()})
        self.assertEqual(page.status_code, 400)
        step = html.fromstring(page.text)
        self.assertIn(
            "cannot exceed your open balance of $\xa0500.00",
            step.get_element_by_id("portal_pay_amount_error").text_content(),
        )
        self.assertEqual(step.get_element_by_id("portal_pay_amount").get("value"), "600.00")

    def test_try_again_keeps_the_currency(self):
        invoice = self._create_foreign_currency_invoice("80.00", due=self._days(-3))
        tx = self._create_portal_transaction(
            "80.00", state="error", currency_id=invoice.currency_id.id
        )
        self.authenticate(self.payer_user.login, self.payer_user.login)
        tree = html.fromstring(self.url_open(f"{const.CONFIRMATION_ROUTE}?tx_id={tx.id}").text)
        path, query = self._try_again(tree)
        self.assertEqual(
            (path, query),
            (const.PAGE_ROUTE, {"amount": ["80.00"], "currency_id": [str(invoice.currency_id.id)]}),
        )
        page = self.url_open(const.PAGE_ROUTE, params={k: v[0] for k, v in query.items()})
        self.assertEqual(self._get_payment_context(page)["currency_id"], invoice.currency_id.id)

    def test_try_again_only_for_those_who_may_pay(self):
        tx, _tree = self._pay_through_the_portal("120.00", "error")
        self.payer.sudo().portal_payment_enabled = False
        tree = html.fromstring(self.url_open(tx.landing_route).text)
        self.assertFalse(tree.xpath("//a[hasclass('o_servicecore_portal_pay_try_again')]"))
        self.assertIn("Nothing was charged", self._text(tree))

    def test_pending_page(self):
        tx, tree = self._pay_through_the_portal("150.00", "pending")
        text = self._text(tree)
        self.assertIn("Processing", self._breadcrumb(tree))
        self._assert_not_a_confirmation(tree)
        # What happens next, roughly when, where to watch it and the email.
        self.assertIn("has not confirmed your payment yet", text)
        self.assertIn("within minutes", text)
        self.assertIn("a few business days", text)
        self.assertIn(self.payer.email, text)
        self.assertTrue(tree.xpath(f"//a[@href='{const.HISTORY_ROUTE}']"))
        self.assertTrue(tree.xpath(f"//a[@href='{tx.landing_route}']"), "check again")
        self.assertFalse(tree.xpath("//a[hasclass('o_servicecore_portal_pay_try_again')]"))
        self.assertNotIn("processed", text)
        # Nothing on the page polls: the status page's poller is not on it.
        self.assertFalse(tree.xpath("//*[@name='o_payment_status']"))

    def test_pending_wording_follows_the_payment_method(self):
        tx = self._create_portal_transaction("15.00", state="pending")
        self.assertEqual(tx._portal_pay_pending_delay(), "unknown")
        card = self.env.ref("payment.payment_method_card")
        tx.payment_method_id = card
        self.assertEqual(tx._portal_pay_pending_delay(), "minutes")
        debit = (
            self.env["payment.method"]
            .with_context(active_test=False)
            .search([("code", "=", "sepa_direct_debit")], limit=1)
        )
        tx.payment_method_id = debit
        self.assertEqual(tx._portal_pay_pending_delay(), "days")

    def test_pending_settles_with_a_receipt_email(self):
        tx, _tree = self._pay_through_the_portal("150.00", "pending")
        Mail = self.env["mail.mail"]
        domain = [("model", "=", "account.payment"), ("recipient_ids", "in", self.payer.ids)]
        self.assertFalse(Mail.search(domain))
        # The provider confirms it later; Odoo's cron books it; the receipt follows.
        tx._set_done()
        self._run_post_processing_cron()
        # The receipt's report layout reads the database name from the thread, which Odoo's test
        # runner names and pytest-odoo does not.
        thread = threading.current_thread()
        with patch.object(thread, "dbname", self.env.cr.dbname, create=True):
            self.env["account.payment"]._cron_portal_pay_send_receipts()
        mail = Mail.search(domain)
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.res_id, tx.payment_id.id)
        self.assertIn(tx.reference, mail.subject)
        landing = html.fromstring(self.url_open(tx.landing_route).text)
        self.assertIn("Confirmation", self._breadcrumb(landing))
        self.assertIn("Paid", self._text(landing.xpath("//*[@name='o_payment_status_alert']")[0]))

    def test_status_page_stops_waiting(self):
        """Odoo's status page polls until a final state; for a payment still pending it hands
        over to the pending page after a bounded wait."""
        tx, _tree = self._pay_through_the_portal("15.00", "pending")
        # The transaction route had Odoo monitor it: this is the page the browser goes to.
        tree = html.fromstring(self.url_open("/payment/status").text)
        status = tree.xpath("//*[@name='o_payment_status'][@data-portal-pay-wait]")
        self.assertEqual(len(status), 1)
        self.assertEqual(status[0].get("data-portal-pay-landing"), tx.landing_route)
        self.assertEqual(int(status[0].get("data-portal-pay-wait")), const.PENDING_WAIT_SECONDS)


@tagged("post_install", "-at_install")
class TestUsedForm(StatesCommon):
    def test_form_state_route(self):
        tx, _tree = self._pay_through_the_portal("150.00", "done")
        nonce = tx.portal_pay_form_nonce
        self.assertTrue(nonce)
        route = const.FORM_STATE_ROUTE
        self.assertEqual(
            self.make_jsonrpc_request(route, {"nonce": nonce}), {"landing_route": tx.landing_route}
        )
        self.assertEqual(self.make_jsonrpc_request(route, {"nonce": "0" * 32}), {})
        self.assertEqual(self.make_jsonrpc_request(route, {"nonce": ["x"]}), {})
        # Another customer's payer learns nothing about this form.
        self.authenticate(self.other_payer_user.login, self.other_payer_user.login)
        self.assertEqual(self.make_jsonrpc_request(route, {"nonce": nonce}), {})
        # A form whose transaction is still a draft can be submitted again: no redirection.
        draft = self._create_portal_transaction(
            "10.00", contact=self.other_payer, state="draft", portal_pay_form_nonce="d" * 32
        )
        self.assertEqual(draft.state, "draft")
        self.assertEqual(self.make_jsonrpc_request(route, {"nonce": "d" * 32}), {})
