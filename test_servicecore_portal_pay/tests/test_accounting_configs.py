"""One allocation engine, right in every accounting configuration (issue 10), through the routes.

Each test sets up one configuration a real company runs (open credits, a card-clearing account,
a second receivable account, a payment-blocked invoice, a payment in progress, a partial capture,
an early payment discount, staff undoing a reconciliation), then drives the customer's browser
requests only: Make a Payment, the transaction route, the Demo provider's simulation, the status
poll, the confirmation page, the payment history and the statement. Staff actions go through
stock Odoo's own APIs. The ledger is then checked per invoice to the cent, and the pages by
parsing what they render.
"""

import re
from decimal import Decimal

from lxml import html

from odoo import Command
from odoo.tests import tagged
from odoo.tools import format_date

from odoo.addons.servicecore_portal_pay import const
from odoo.addons.test_servicecore_portal_pay.tests.common import DemoPortalPayCommon


@tagged("post_install", "-at_install")
class TestAccountingConfigs(DemoPortalPayCommon):
    # === CONFIGURATIONS === #

    def _create_standard_invoices(self):
        """Three open invoices, oldest first: 100 (due 40 days ago), 200 (5 days ago), 300 (in
        20 days)."""
        return (
            self._create_customer_invoice("100.00", due=self._days(-40)),
            self._create_customer_invoice("200.00", due=self._days(-5)),
            self._create_customer_invoice("300.00", due=self._days(20)),
        )

    def _create_account(self, name, code, account_type):
        return (
            self.env["account.account"]
            .with_company(self.company)
            .create({"name": name, "code": code, "account_type": account_type, "reconcile": True})
        )

    def _set_card_clearing_account(self):
        """A "Card Clearing" account on the Demo provider's payment method lines (in and out)."""
        clearing = self._create_account("Card Clearing", "101990", "asset_current")
        journal = self.provider.journal_id
        provider_line = journal.inbound_payment_method_line_ids.filtered(
            lambda line: line.payment_provider_id == self.provider
        )
        self.assertEqual(len(provider_line), 1)
        provider_line.payment_account_id = clearing
        self.assertTrue(journal.outbound_payment_method_line_ids)
        journal.outbound_payment_method_line_ids.payment_account_id = clearing
        return clearing

    def _create_receivable_mapping(self):
        """A second receivable account "Receivable B", and a fiscal position mapping the
        customer's receivable account to it."""
        receivable_b = self._create_account("Receivable B", "121990", "asset_receivable")
        fiscal_position = self.env["account.fiscal.position"].create(
            {
                "name": "Receivable B customers",
                "company_id": self.company.id,
                "account_ids": [
                    Command.create(
                        {"account_src_id": self.receivable.id, "account_dest_id": receivable_b.id}
                    )
                ],
            }
        )
        return receivable_b, fiscal_position

    def _create_invoice_with_fiscal_position(self, amount, due, fiscal_position):
        """An invoice of the customer while ``fiscal_position`` is its fiscal position: Odoo
        sets it on the invoice, whose receivable account is then mapped."""
        self.customer.property_account_position_id = fiscal_position
        move = self._create_customer_invoice(amount, due=due)
        self.customer.property_account_position_id = False
        self.assertEqual(move.fiscal_position_id, fiscal_position)
        return move

    def _create_invoice_on_account(self, amount, due, account):
        """An invoice whose receivable account is overridden on the move (before posting)."""
        move = self._create_customer_invoice(amount, due=due, post=False)
        move.line_ids.filtered(
            lambda line: line.display_type == "payment_term"
        ).account_id = account
        move.action_post()
        return move

    def _receivable_lines(self, move):
        return move.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )

    def _tx_payments(self, tx):
        """The posted payments booked for a transaction (one per receivable account)."""
        return self.env["account.payment"].search(
            [("payment_transaction_id", "=", tx.id), ("state", "in", ("in_process", "paid"))]
        )

    # === THE CUSTOMER'S REQUESTS === #

    def _get_page(self, params=None):
        """GET Make a Payment as the paying contact; return the response."""
        self.authenticate(self.payer_user.login, self.payer_user.login)
        return self.url_open(const.PAGE_ROUTE, params=params or {})

    def _page(self, params=None):
        response = self._get_page(params)
        self.assertEqual(response.status_code, 200, params)
        return html.fromstring(response.text)

    def _landing(self, tx):
        """The confirmation page of ``tx``, as the paying contact sees it."""
        self.authenticate(self.payer_user.login, self.payer_user.login)
        response = self.url_open(f"{const.CONFIRMATION_ROUTE}?tx_id={tx.id}")
        self.assertEqual(response.status_code, 200)
        return html.fromstring(response.text)

    # === READING THE PAGES === #

    @staticmethod
    def _money(text):
        """``"$ 1,234.50"`` -> ``Decimal("1234.50")``."""
        return Decimal(re.sub(r"[^\d.\-]", "", text))

    @staticmethod
    def _shows_amount(text, amount):
        """Whether ``text`` shows ``amount`` (``"50.00"``) as a whole, not inside ``550.00``."""
        return bool(re.search(rf"(?<![\d,.]){re.escape(amount)}(?!\d)", text))

    @staticmethod
    def _text(element):
        return " ".join(element.text_content().split())

    def _figure(self, tree, element_id):
        """The amount shown in the element ``element_id``; fails if the page has none."""
        found = tree.xpath(f"//*[@id='{element_id}']")
        self.assertEqual(len(found), 1, f"the page shows no #{element_id}")
        return self._money(found[0].text_content())

    def _balance(self, tree):
        return self._figure(tree, "portal_pay_figure_balance")

    def _items_text(self, tree):
        tables = tree.xpath("//table[hasclass('o_servicecore_portal_pay_items')]")
        return " ".join(self._text(table) for table in tables)

    def _rows_naming(self, tree, name):
        """The text of the table rows (any table) that show the document ``name``."""
        return [
            self._text(row)
            for row in tree.xpath("//tr")
            if name in self._text(row) and not row.xpath(".//tr")
        ]

    def _checkable_line_ids(self, tree):
        """The receivable lines the customer can tick in "choose invoices" mode."""
        return {
            int(box.get("value"))
            for box in tree.xpath("//input[@type='checkbox'][@name='line_ids']")
            if box.get("disabled") is None
        }

    def _plan_rows(self, tree):
        """What a page says the payment is (or will be) applied to, one text per row."""
        return [
            self._text(row)
            for row in tree.xpath("//tr[contains(@class, 'o_servicecore_portal_pay_plan_row')]")
        ]

    def _history_rows(self):
        """/my/payments: ``{payment name: [what it paid, one text each]}`` and every row's text."""
        self.authenticate(self.payer_user.login, self.payer_user.login)
        response = self.url_open(const.HISTORY_ROUTE)
        self.assertEqual(response.status_code, 200)
        tree = html.fromstring(response.text)
        rows = {}
        for row in tree.xpath("//tr[hasclass('o_servicecore_portal_pay_history_row')]"):
            rows[row.get("data-payment-name")] = {
                "paid": [
                    self._text(div)
                    for div in row.xpath(
                        ".//td[hasclass('o_servicecore_portal_pay_history_paid')]/div"
                    )
                ],
                "text": self._text(row),
            }
        return rows

    def _statement_balance(self):
        """The balance of the customer's statement (HTML in tests), in the company currency."""
        self.authenticate(self.payer_user.login, self.payer_user.login)
        response = self.url_open(const.STATEMENT_ROUTE)
        self.assertEqual(response.status_code, 200)
        tree = html.fromstring(response.content)
        sections = tree.xpath(
            "//div[hasclass('o_servicecore_portal_pay_statement_section')]"
            f"[@data-currency='{self.currency.name}']"
        )
        if not sections:  # Nothing open: the statement says so instead of a section.
            self.assertTrue(tree.xpath("//*[hasclass('o_servicecore_portal_pay_statement_empty')]"))
            return Decimal("0.00")
        self.assertEqual(len(sections), 1)
        cells = sections[0].xpath(".//td[@data-bucket='balance']")
        self.assertEqual(len(cells), 1)
        return self._money(cells[0].text_content())

    # === 1. CREDITS === #

    def test_credits_whole_balance_leaves_nothing_open(self):
        """Issue 10, item 1 (credits, default on): paying the whole balance applies the open
        credit note to the oldest invoice and leaves nothing open; the confirmation and the
        history show the credit note's application."""
        inv_100, inv_200, inv_300 = self._create_standard_invoices()
        credit_note = self._create_credit_note("50.00")

        self.assertEqual(self._balance(self._page()), Decimal("550.00"))
        tx, landing = self._pay_through_the_portal("550.00")

        self.assertEqual(tx.state, "done")
        self.assertResiduals(
            {inv_100: "0.00", inv_200: "0.00", inv_300: "0.00", credit_note: "0.00"}
        )
        rows = self._plan_rows(landing)
        credit_rows = [row for row in rows if credit_note.name in row]
        self.assertTrue(credit_rows, f"the confirmation shows no credit application: {rows}")
        self.assertTrue(self._shows_amount(credit_rows[0], "50.00"), credit_rows)
        for invoice in (inv_100, inv_200, inv_300):
            self.assertTrue(
                any(invoice.name in row for row in rows), f"{invoice.name} not in {rows}"
            )
        history = self._history_rows()
        applications = [
            text
            for row in history.values()
            for text in (*row["paid"], row["text"])
            if credit_note.name in text
        ]
        self.assertTrue(applications, f"the history shows no credit application: {history}")
        self.assertTrue(self._shows_amount(applications[0], "50.00"), applications)

    def test_credits_in_choose_mode_go_to_the_oldest_invoice(self):
        """Issue 10, item 2: ticking only the newest invoice, the open credit still goes to the
        oldest invoice, the form shows that credit application before the payment, and the
        payment pays the ticked invoice."""
        inv_100, inv_200, inv_300 = self._create_standard_invoices()
        credit_note = self._create_credit_note("50.00")
        (line_300,) = self._receivable_lines(inv_300)

        form = self._page({"line_ids": [str(line_300.id)], "amount": "300.00"})
        rows = self._plan_rows(form)
        credit_index = next((i for i, row in enumerate(rows) if credit_note.name in row), None)
        self.assertIsNotNone(credit_index, f"the form shows no credit application: {rows}")
        self.assertTrue(self._shows_amount(rows[credit_index], "50.00"), rows)
        payment_index = next(i for i, row in enumerate(rows) if inv_300.name in row)
        self.assertLess(credit_index, payment_index, rows)

        tx, _landing = self._pay_through_the_portal("300.00", lines=line_300)
        self.assertEqual(tx.state, "done")
        self.assertResiduals(
            {inv_100: "50.00", inv_200: "200.00", inv_300: "0.00", credit_note: "0.00"}
        )

    # === 3. THE PAYMENT METHOD LINE'S OUTSTANDING ACCOUNT === #

    def test_method_line_outstanding_account_on_payment(self):
        """Issue 10, item 3: a portal payment's liquidity line is on the outstanding account of
        the provider's payment method line (a card-clearing account)."""
        clearing = self._set_card_clearing_account()
        inv_100, _inv_200, _inv_300 = self._create_standard_invoices()

        tx, _landing = self._pay_through_the_portal("100.00")

        payments = self._tx_payments(tx)
        self.assertTrue(payments)
        liquidity = payments.move_id.line_ids.filtered(
            lambda line: line.account_id.account_type != "asset_receivable"
        )
        self.assertEqual(liquidity.account_id, clearing)
        self.assertCents(sum(liquidity.mapped("debit")), "100.00")
        self.assertResiduals({inv_100: "0.00"})

    def test_method_line_outstanding_account_on_refund(self):
        """Issue 10, item 3: the refund of a portal payment (stock refund wizard, Demo provider)
        books its liquidity line on the card-clearing account too."""
        clearing = self._set_card_clearing_account()
        self._create_standard_invoices()
        tx, _landing = self._pay_through_the_portal("100.00")
        payment = tx.payment_id
        self.assertTrue(payment)

        wizard = (
            self.env["payment.refund.wizard"]
            .with_context(active_model="account.payment", active_id=payment.id)
            .create({})
        )
        wizard.amount_to_refund = 100.00
        wizard.action_refund()
        refund_tx = tx.child_transaction_ids.filtered(lambda child: child.operation == "refund")
        self.assertEqual(refund_tx.state, "done")
        refund_tx._post_process()

        refund = refund_tx.payment_id
        self.assertTrue(refund, "the refund transaction booked no payment")
        self.assertEqual(refund.payment_type, "outbound")
        liquidity = refund.move_id.line_ids.filtered(
            lambda line: line.account_id.account_type != "asset_receivable"
        )
        self.assertEqual(liquidity.account_id, clearing)
        self.assertCents(sum(liquidity.mapped("credit")), "100.00")

    # === 4. EVERY RECEIVABLE ACCOUNT === #

    def _create_invoices_on_two_accounts(self):
        """Oldest first: 100 on the default account, 150 on B (fiscal position), 70 on B (account
        set on the move), 200 on the default account."""
        receivable_b, fiscal_position = self._create_receivable_mapping()
        invoices = (
            self._create_customer_invoice("100.00", due=self._days(-40)),
            self._create_invoice_with_fiscal_position("150.00", self._days(-30), fiscal_position),
            self._create_invoice_on_account("70.00", self._days(-10), receivable_b),
            self._create_customer_invoice("200.00", due=self._days(5)),
        )
        accounts = [self._receivable_lines(move).account_id for move in invoices]
        self.assertEqual(accounts, [self.receivable, receivable_b, receivable_b, self.receivable])
        return invoices

    def test_second_receivable_shown_and_counted_like_the_statement(self):
        """Issue 10, item 4: invoices on a second receivable account (fiscal position mapping,
        per-move account) are listed on the page and counted in its balance, which equals the
        statement's."""
        invoices = self._create_invoices_on_two_accounts()

        page = self._page()
        items = self._items_text(page)
        for invoice in invoices:
            self.assertIn(invoice.name, items)
        self.assertEqual(self._balance(page), Decimal("520.00"))
        self.assertEqual(self._statement_balance(), self._balance(page))

    def test_second_receivable_paid_oldest_first_across_accounts(self):
        """Issue 10, item 4: a partial payment goes to the oldest invoices whatever their
        receivable account."""
        inv_a_100, inv_b_150, inv_b_70, inv_a_200 = self._create_invoices_on_two_accounts()

        tx, _landing = self._pay_through_the_portal("250.00")

        self.assertEqual(tx.state, "done")
        self.assertResiduals(
            {inv_a_100: "0.00", inv_b_150: "0.00", inv_b_70: "70.00", inv_a_200: "200.00"}
        )
        self.assertCents(sum(self._tx_payments(tx).mapped("amount")), "250.00")

    def test_second_receivable_whole_balance_leaves_nothing_open(self):
        """Issue 10, item 4: paying the whole balance closes every invoice on both accounts,
        with posted payments (one per receivable account) adding up to the transaction."""
        invoices = self._create_invoices_on_two_accounts()
        self.assertEqual(self._balance(self._page()), Decimal("520.00"))

        tx, _landing = self._pay_through_the_portal("520.00")

        self.assertEqual(tx.state, "done")
        self.assertResiduals(dict.fromkeys(invoices, "0.00"))
        payments = self._tx_payments(tx)
        self.assertCents(sum(payments.mapped("amount")), "520.00")
        self.assertCents(tx.amount, "520.00")
        self.assertIn(tx.payment_id, payments)
        self.assertEqual(self._balance(self._page()), Decimal("0.00"))
        self.assertEqual(self._statement_balance(), Decimal("0.00"))

    def test_second_receivable_refund_reopens_on_each_account(self):
        """Issue 10, item 4 (reviewed): refunding a transaction that paid two receivable accounts
        reopens the newest invoices first on their own accounts, with one refund payment per
        account, each matched: no open debit is left on any account."""
        inv_a_100, inv_b_150, inv_b_70, inv_a_200 = self._create_invoices_on_two_accounts()
        tx, _landing = self._pay_through_the_portal("250.00")
        self.assertResiduals(
            {inv_a_100: "0.00", inv_b_150: "0.00", inv_b_70: "70.00", inv_a_200: "200.00"}
        )

        wizard = (
            self.env["payment.refund.wizard"]
            .with_context(active_model="account.payment", active_id=tx.payment_id.id)
            .create({})
        )
        wizard.amount_to_refund = 200.00
        wizard.action_refund()
        refund_tx = tx.child_transaction_ids.filtered(lambda child: child.operation == "refund")
        refund_tx._post_process()

        # Newest first: the 150 on B, then 50 of the 100 on the default account.
        self.assertResiduals(
            {inv_a_100: "50.00", inv_b_150: "150.00", inv_b_70: "70.00", inv_a_200: "200.00"}
        )
        refunds = self.env["account.payment"].search(
            [("payment_transaction_id", "=", refund_tx.id)]
        )
        self.assertEqual(
            sorted(refunds.mapped("destination_account_id").mapped("code")),
            sorted(
                (
                    self.receivable
                    | inv_b_150.line_ids.account_id.filtered(
                        lambda account: account.account_type == "asset_receivable"
                    )
                ).mapped("code")
            ),
        )
        self.assertCents(sum(refunds.mapped("amount")), "200.00")
        open_refund_lines = refunds.move_id.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable" and not line.reconciled
        )
        self.assertFalse(open_refund_lines, "a refund left an open debit on the account")

    # === 5. BLOCKED INVOICES === #

    def test_blocked_invoice_on_hold_and_never_paid(self):
        """Issue 10, item 5: an invoice whose payment staff blocked shows "On hold", is left out
        of the balance and is not paid by paying the whole balance."""
        inv_100, inv_200, inv_300 = self._create_standard_invoices()
        inv_100.action_toggle_block_payment()
        self.assertEqual(inv_100.payment_state, "blocked")

        page = self._page()
        rows = self._rows_naming(page, inv_100.name)
        self.assertTrue(rows, "the blocked invoice is not shown")
        self.assertTrue(any("On hold" in row for row in rows), rows)
        self.assertEqual(self._balance(page), Decimal("500.00"))

        tx, _landing = self._pay_through_the_portal("500.00")

        self.assertEqual(tx.state, "done")
        self.assertResiduals({inv_100: "100.00", inv_200: "0.00", inv_300: "0.00"})
        self.assertEqual(inv_100.payment_state, "blocked")

    def test_invoice_covered_by_a_payment_without_entry_is_not_paid_twice(self):
        """Issue 10, item 4: an invoice matched with a payment that has no journal entry yet
        (Odoo 19's "In Payment", e.g. a bank transfer registered before its statement) shows "In
        payment", is left out of the balance and is not paid again."""
        inv_100, inv_200, inv_300 = self._create_standard_invoices()
        payment = self.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": self.customer.id,
                "amount": 100.0,
            }
        )
        inv_100.matched_payment_ids = payment
        # What Odoo 19 does when the journal's method has no outstanding account (accounting
        # apps): the payment is in process without any journal entry.
        payment.flush_recordset()
        self.env.cr.execute(
            "UPDATE account_payment SET state = 'in_process', move_id = NULL WHERE id = %s",
            [payment.id],
        )
        payment.invalidate_recordset()
        self.assertFalse(payment.move_id)

        page = self._page()
        rows = self._rows_naming(page, inv_100.name)
        self.assertTrue(any("In payment" in row for row in rows), rows)
        self.assertEqual(self._balance(page), Decimal("500.00"))

        self._pay_through_the_portal("500.00")
        self.assertResiduals({inv_100: "100.00", inv_200: "0.00", inv_300: "0.00"})

    # === 6. PAYMENTS IN PROGRESS === #

    def _assert_processing(self, tree, amount):
        self.assertEqual(self._figure(tree, "portal_pay_figure_processing"), Decimal(amount))
        self.assertTrue("Processing" in self._text(tree), "the page does not say 'Processing'")

    def _assert_not_processing(self, tree):
        for element in tree.xpath("//*[@id='portal_pay_figure_processing']"):
            self.assertEqual(self._money(element.text_content()), Decimal("0.00"))

    def test_pending_payment_is_processing_until_it_fails(self):
        """Issue 10, item 6: a pending payment shows as processing, reduces what may still be
        paid (reject policy), and once it fails everything returns."""
        inv_100, inv_200, inv_300 = self._create_standard_invoices()
        lines = self._receivable_lines(inv_100 | inv_200 | inv_300)
        tx, _landing = self._pay_through_the_portal("310.00", simulated_state="pending")
        self.assertEqual(tx.state, "pending")

        page = self._page()
        self._assert_processing(page, "310.00")
        self.assertEqual(self._balance(page), Decimal("290.00"))
        self.assertEqual(self._get_page({"amount": "600.00"}).status_code, 400)

        tx._set_error("declined")
        tx._post_process()

        page = self._page()
        self._assert_not_processing(page)
        self.assertEqual(self._balance(page), Decimal("600.00"))
        self.assertEqual(self._checkable_line_ids(page), set(lines.ids))
        self.assertEqual(self._get_page({"amount": "600.00"}).status_code, 200)

    def test_pending_chosen_items_cannot_be_ticked_again(self):
        """Issue 10, item 6: the items a pending "choose invoices" payment covers lose their
        checkbox; they get it back when that payment fails."""
        inv_100, inv_200, inv_300 = self._create_standard_invoices()
        lines = self._receivable_lines(inv_100 | inv_200 | inv_300)
        (line_300,) = self._receivable_lines(inv_300)
        self.assertEqual(self._checkable_line_ids(self._page()), set(lines.ids))

        tx, _landing = self._pay_through_the_portal(
            "300.00", simulated_state="pending", lines=line_300
        )
        self.assertEqual(tx.state, "pending")

        page = self._page()
        self._assert_processing(page, "300.00")
        self.assertEqual(self._checkable_line_ids(page), set((lines - line_300).ids))
        self.assertEqual(self._balance(page), Decimal("300.00"))

        tx._set_error("declined")
        tx._post_process()

        page = self._page()
        self.assertEqual(self._checkable_line_ids(page), set(lines.ids))
        self.assertEqual(self._balance(page), Decimal("600.00"))
        self.assertResiduals({inv_100: "100.00", inv_200: "200.00", inv_300: "300.00"})

    def test_chosen_invoice_deleted_before_booking_leaves_credit(self):
        """A "choose invoices" payment whose chosen invoice staff reset and deleted while the
        payment was pending pays no other invoice: the customer chose what to pay, so the
        money stays on account as credit (as when the chosen invoice was paid meanwhile). While
        pending, it does not set the oldest invoices aside either."""
        inv_100, inv_200, inv_300 = self._create_standard_invoices()
        (line_200,) = self._receivable_lines(inv_200)
        tx, _landing = self._pay_through_the_portal(
            "200.00", simulated_state="pending", lines=line_200
        )
        self.assertEqual(tx.state, "pending")

        inv_200.button_draft()
        inv_200.unlink()
        page = self._page()
        self._assert_not_processing(page)
        self.assertEqual(self._balance(page), Decimal("400.00"))

        tx._set_done()
        tx._post_process()

        self.assertTrue(tx.payment_id)
        self.assertResiduals({inv_100: "100.00", inv_300: "300.00"})
        self.assertCents(sum(self._tx_payments(tx).mapped("portal_pay_unapplied")), "200.00")

    def test_authorized_payment_is_processing(self):
        """Issue 10, item 6: an authorized (not yet captured) payment counts as processing the
        same way as a pending one."""
        self.provider.capture_manually = True
        self._create_standard_invoices()
        tx, _landing = self._pay_through_the_portal("310.00")
        self.assertEqual(tx.state, "authorized")

        page = self._page()
        self._assert_processing(page, "310.00")
        self.assertEqual(self._balance(page), Decimal("290.00"))
        self.assertEqual(self._get_page({"amount": "600.00"}).status_code, 400)

    # === 7. PARTIAL CAPTURE === #

    def test_partial_capture_keeps_chosen_items(self):
        """Issue 10, item 7: capturing part of an authorized "choose invoices" payment applies the
        captured amount to the chosen invoice, not to the oldest ones."""
        self.provider.capture_manually = True
        inv_100, inv_200, inv_300 = self._create_standard_invoices()
        (line_300,) = self._receivable_lines(inv_300)
        tx, _landing = self._pay_through_the_portal("300.00", lines=line_300)
        self.assertEqual(tx.state, "authorized")

        # Odoo's capture wizard, as staff use it (payment's test_partial_capture_wizard).
        wizard = self.env["payment.capture.wizard"].create({"transaction_ids": tx.ids})
        wizard.amount_to_capture = 120.00
        wizard.action_capture()
        capture_tx = tx.child_transaction_ids
        self.assertEqual(len(capture_tx), 1)
        self.assertEqual(capture_tx.state, "done")
        capture_tx._post_process()

        self.assertTrue(capture_tx.payment_id)
        self.assertCents(capture_tx.payment_id.amount, "120.00")
        self.assertResiduals({inv_100: "100.00", inv_200: "200.00", inv_300: "180.00"})

    # === 8. THE TRANSACTION'S INVOICES === #

    def test_tx_invoices_are_invoices_only_and_amount_paid_not_inflated(self):
        """Issue 10, item 8: the transaction's invoices are the invoices it paid (no credit note),
        and stock's amount paid over them adds up to the transaction's amount."""
        inv_100, inv_200, inv_300 = self._create_standard_invoices()
        self._create_credit_note("50.00")

        tx, _landing = self._pay_through_the_portal("550.00")

        self.assertEqual(tx.state, "done")
        self.assertEqual(set(tx.invoice_ids.mapped("move_type")), {"out_invoice"})
        self.assertEqual(tx.invoice_ids, inv_100 | inv_200 | inv_300)
        tx.invoice_ids.invalidate_recordset(["amount_paid"])
        self.assertCents(sum(tx.invoice_ids.mapped("amount_paid")), "550.00")

    # === 9. EARLY PAYMENT DISCOUNT === #

    def test_early_payment_discount(self):
        """Issue 10, item 9: an invoice inside its early payment discount window shows its
        discounted amount and the discount's end date, and paying exactly that amount pays it,
        with the discount booked as stock books it."""
        term = self.env["account.payment.term"].create(
            {
                "name": "2% 10 Net 30",
                "early_discount": True,
                "discount_days": 10,
                "discount_percentage": 2,
                "line_ids": [
                    Command.create(
                        {
                            "value": "percent",
                            "value_amount": 100,
                            "delay_type": "days_after",
                            "nb_days": 30,
                        }
                    )
                ],
            }
        )
        invoice = self._create_customer_invoice(
            "1000.00", invoice_date=self.today, payment_term=term
        )
        loss_account = self.company.account_journal_early_pay_discount_loss_account_id
        self.assertTrue(loss_account)

        page = self._page()
        rows = self._rows_naming(page, invoice.name)
        self.assertTrue(rows, "the invoice is not shown")
        self.assertTrue(any(self._shows_amount(row, "980.00") for row in rows), rows)
        discount_end = format_date(self.env, self._days(10))
        self.assertTrue(any(discount_end in row for row in rows), (discount_end, rows))

        tx, _landing = self._pay_through_the_portal("980.00")

        self.assertEqual(tx.state, "done")
        self.assertResiduals({invoice: "0.00"})
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        discount_lines = self.env["account.move.line"].search(
            [
                ("account_id", "=", loss_account.id),
                ("company_id", "=", self.company.id),
                ("parent_state", "=", "posted"),
            ]
        )
        self.assertCents(sum(discount_lines.mapped("balance")), "20.00")

    # === 10. HISTORY EQUALS THE LEDGER === #

    def test_history_follows_unreconcile_and_reset_to_draft(self):
        """Issue 10, item 10: after staff unreconcile an invoice from a portal payment, the
        confirmation and the history no longer list it; after the payment is reset to draft,
        the history shows no application for it."""
        inv_100, inv_200, inv_300 = self._create_standard_invoices()
        tx, landing = self._pay_through_the_portal("350.00")
        payment = tx.payment_id
        self.assertTrue(any(inv_200.name in row for row in self._plan_rows(landing)))
        self.assertResiduals({inv_100: "0.00", inv_200: "0.00", inv_300: "250.00"})

        self._receivable_lines(inv_200).remove_move_reconcile()
        self.assertResiduals({inv_100: "0.00", inv_200: "200.00", inv_300: "250.00"})

        rows = self._plan_rows(self._landing(tx))
        self.assertFalse([row for row in rows if inv_200.name in row], rows)
        self.assertTrue([row for row in rows if inv_100.name in row], rows)
        self.assertTrue([row for row in rows if inv_300.name in row], rows)
        paid = self._history_rows()[payment.name]["paid"]
        self.assertFalse([text for text in paid if inv_200.name in text], paid)
        self.assertTrue([text for text in paid if inv_100.name in text], paid)

        payment.action_draft()
        self.assertEqual(payment.state, "draft")

        history = self._history_rows()
        self.assertFalse(history.get(payment.name, {}).get("paid"), history)

    # === 11. BALANCE RIGHT AFTER THE PAYMENT === #

    def test_confirmation_balance_after_is_stored(self):
        """Issue 10, item 11: the confirmation shows the balance as it was right after the
        payment, labelled so, even once a new invoice has changed the account."""
        self._create_standard_invoices()
        tx, _landing = self._pay_through_the_portal("100.00")
        self._create_customer_invoice("999.00", due=self._days(30))

        landing = self._landing(tx)
        labels = landing.xpath(
            "//label[contains(translate(., 'AFTERTHISPAYMENT', 'afterthispayment'),"
            " 'after this payment')]"
        )
        self.assertEqual(len(labels), 1, "no figure labelled 'after this payment'")
        self.assertEqual(self._figure(landing, labels[0].get("for")), Decimal("500.00"))
