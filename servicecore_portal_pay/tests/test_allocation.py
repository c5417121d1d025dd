"""Applying confirmed portal payments: real invoices, real post-processing, real reconciliation."""

from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.servicecore_portal_pay.tests.common import PortalPayCommon


@tagged("post_install", "-at_install")
class TestAllocation(PortalPayCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Created newest first, so that neither ids nor names give the oldest-first order.
        cls.inv_later = cls._create_customer_invoice("300.00", due=cls._days(20))
        cls.inv_soon = cls._create_customer_invoice("200.00", due=cls._days(-5))
        cls.inv_oldest = cls._create_customer_invoice("100.00", due=cls._days(-40))
        # Another customer's invoice, older than all of them: never touched.
        cls.inv_other = cls._create_customer_invoice(
            "50.00", due=cls._days(-90), partner=cls.other_customer
        )

    def _payment_line(self, payment):
        return payment.move_id.line_ids.filtered(
            lambda line: line.account_id == payment.destination_account_id
        )

    def _term_lines(self, move):
        return move.line_ids.filtered(lambda line: line.display_type == "payment_term")

    def _allocations(self, payment):
        return [
            (record.move_id, f"{record.amount:.2f}", f"{record.residual_after:.2f}")
            for record in payment.portal_pay_allocation_ids
        ]

    def test_exact_amount_pays_everything(self):
        tx = self._pay("600.00")
        payment = tx.payment_id
        self.assertRecordValues(
            payment,
            [
                {
                    "state": "paid",
                    "amount": 600.0,
                    "partner_id": self.customer.id,
                    "portal_pay_contact_id": self.payer.id,
                    "is_portal_payment": True,
                    "portal_pay_allocated": True,
                    "portal_pay_unapplied": 0.0,
                }
            ],
        )
        self.assertResiduals(
            {self.inv_oldest: "0", self.inv_soon: "0", self.inv_later: "0", self.inv_other: "50"}
        )
        self.assertEqual(
            self._allocations(payment),
            [
                (self.inv_oldest, "100.00", "0.00"),
                (self.inv_soon, "200.00", "0.00"),
                (self.inv_later, "300.00", "0.00"),
            ],
        )
        self.assertEqual(
            (self.inv_oldest | self.inv_soon | self.inv_later).mapped("payment_state"),
            [self.env["account.move"]._get_invoice_in_payment_state()] * 3,
        )
        self.assertTrue(self._payment_line(payment).reconciled)
        self.assertEqual(tx.invoice_ids, self.inv_oldest | self.inv_soon | self.inv_later)

    def test_partial_amount_oldest_first(self):
        payment = self._pay("60.00").payment_id
        self.assertResiduals(
            {self.inv_oldest: "40.00", self.inv_soon: "200.00", self.inv_later: "300.00"}
        )
        self.assertEqual(self._allocations(payment), [(self.inv_oldest, "60.00", "40.00")])
        self.assertEqual(self.inv_oldest.payment_state, "partial")

    def test_amount_spanning_several_invoices(self):
        payment = self._pay("350.75").payment_id
        self.assertResiduals(
            {
                self.inv_oldest: "0",
                self.inv_soon: "0",
                self.inv_later: "249.25",
                self.inv_other: "50",
            }
        )
        self.assertEqual(
            self._allocations(payment),
            [
                (self.inv_oldest, "100.00", "0.00"),
                (self.inv_soon, "200.00", "0.00"),
                (self.inv_later, "50.75", "249.25"),
            ],
        )
        allocation = payment.portal_pay_allocation_ids
        self.assertEqual(allocation.mapped("sequence"), [0, 1, 2])
        self.assertEqual(
            allocation.mapped("date_maturity"),
            [
                self.inv_oldest.invoice_date_due,
                self.inv_soon.invoice_date_due,
                self.inv_later.invoice_date_due,
            ],
        )
        # Each record points at the partial reconciliation that booked it, for the same amount.
        for record in allocation:
            self.assertEqual(record.partial_id.debit_move_id, record.move_line_id)
            self.assertCents(record.partial_id.debit_amount_currency, f"{record.amount:.2f}")
            self.assertEqual(record.partner_id, self.customer)
            self.assertEqual(record.company_id, self.company)

    def test_one_cent(self):
        payment = self._pay("0.01").payment_id
        self.assertResiduals({self.inv_oldest: "99.99", self.inv_soon: "200.00"})
        self.assertEqual(self._allocations(payment), [(self.inv_oldest, "0.01", "99.99")])

    def test_same_due_date_tie_break_invoice_date_then_name_not_amount(self):
        due = self._days(-60)
        # Same due date: the invoice dated earlier comes first although it is the larger one (stock
        # reconcile() would take the smaller one first).
        dated_later = self._create_customer_invoice("10.00", due=due, invoice_date=self._days(-75))
        dated_earlier = self._create_customer_invoice(
            "70.00", due=due, invoice_date=self._days(-80)
        )
        # Same due date and invoice date: the name decides, not the id, not the amount. Create
        # `named_second` first (lower id) and post it last (higher name).
        same_day = self._days(-70)
        named_second = self._create_customer_invoice(
            "5.00", due=due, invoice_date=same_day, post=False
        )
        named_first = self._create_customer_invoice("90.00", due=due, invoice_date=same_day)
        named_second.action_post()
        self.assertLess(named_second.id, named_first.id)
        self.assertLess(named_first.name, named_second.name)

        payment = self._pay("172.00").payment_id
        self.assertEqual(
            self._allocations(payment),
            [
                (dated_earlier, "70.00", "0.00"),
                (dated_later, "10.00", "0.00"),
                (named_first, "90.00", "0.00"),
                (named_second, "2.00", "3.00"),
            ],
        )
        self.assertResiduals(
            {
                dated_earlier: "0",
                dated_later: "0",
                named_first: "0",
                named_second: "3.00",
                self.inv_oldest: "100.00",
            }
        )

    def test_installments_are_separate_items(self):
        # 400.00 invoiced 50 days ago: 200.00 due then (oldest of all), 200.00 due 20 days ago.
        installments = self._create_installment_invoice("400.00", invoice_date=self._days(-50))
        terms = self._term_lines(installments)
        self.assertEqual(len(terms), 2)
        first, second = terms.sorted("date_maturity")

        payment = self._pay("450.00").payment_id
        allocations = payment.portal_pay_allocation_ids
        self.assertEqual(
            [(r.move_line_id, f"{r.amount:.2f}", f"{r.residual_after:.2f}") for r in allocations],
            [
                (first, "200.00", "0.00"),
                (self._term_lines(self.inv_oldest), "100.00", "0.00"),
                (second, "150.00", "50.00"),
            ],
        )
        terms.invalidate_recordset(["amount_residual"])
        self.assertCents(first.amount_residual, "0.00")
        self.assertCents(second.amount_residual, "50.00")
        self.assertResiduals({installments: "50.00", self.inv_oldest: "0", self.inv_soon: "200.00"})

    def test_above_balance_rejected_by_default(self):
        account = self._account()
        self.assertCents(account.figures.balance, "600.00")
        with self.assertRaisesRegex(ValidationError, "cannot exceed your open balance"):
            self._validate("600.01", account)
        self.assertEqual(self._validate("600.00", account), account.figures.balance)

    def test_above_balance_kept_as_credit_when_allowed(self):
        self.company.portal_pay_overpayment = "credit"
        self.assertCents(self._validate("650.00"), "650.00")

        payment = self._pay("650.00").payment_id
        self.assertResiduals({self.inv_oldest: "0", self.inv_soon: "0", self.inv_later: "0"})
        self.assertCents(payment.portal_pay_unapplied, "50.00")
        payment_line = self._payment_line(payment)
        self.assertFalse(payment_line.reconciled)
        self.assertCents(payment_line.amount_residual, "-50.00")
        self.assertIn("50.00 was left as customer credit", str(payment.message_ids[:1].body))
        # The surplus is now the customer's credit on the page.
        figures = self._account().figures
        self.assertCents(figures.credits_left, "50.00")
        self.assertCents(figures.balance, "0.00")

    def test_balance_changed_before_confirmation(self):
        # The page accepted 300.00; staff then settled the oldest invoice by other means.
        tx = self._create_portal_transaction("300.00")
        self._register_payment(self.inv_oldest, amount=100.0)
        self.assertResiduals({self.inv_oldest: "0"})
        with mute_logger("odoo.addons.servicecore_portal_pay.models.account_payment"):
            tx._post_process()
        payment = tx.payment_id
        self.assertEqual(
            self._allocations(payment),
            [(self.inv_soon, "200.00", "0.00"), (self.inv_later, "100.00", "200.00")],
        )
        self.assertCents(payment.portal_pay_unapplied, "0.00")
        self.assertResiduals({self.inv_soon: "0", self.inv_later: "200.00"})

    def test_credit_note_applied_with_the_payment(self):
        # The balance is net of the open credit, and paying it leaves nothing open: the credit
        # note goes to the oldest invoice first, then the payment pays the rest.
        credit_note = self._create_credit_note("80.00", invoice_date=self._days(-100))
        figures = self._account().figures
        self.assertCents(figures.open_total, "600.00")
        self.assertCents(figures.credits_applied, "80.00")
        self.assertCents(figures.balance, "520.00")

        payment = self._pay("520.00").payment_id
        self.assertEqual(
            self._allocations(payment),
            [
                (self.inv_oldest, "80.00", "20.00"),
                (self.inv_oldest, "20.00", "0.00"),
                (self.inv_soon, "200.00", "0.00"),
                (self.inv_later, "300.00", "0.00"),
            ],
        )
        credit = payment.portal_pay_allocation_ids.filtered(lambda record: record.kind == "credit")
        self.assertEqual(credit.source_move_id, credit_note)
        self.assertResiduals(
            {credit_note: "0", self.inv_oldest: "0", self.inv_soon: "0", self.inv_later: "0"}
        )
        self.assertCents(self._account().figures.balance, "0.00")

    def test_credit_note_left_to_staff_when_credits_are_off(self):
        self.company.portal_pay_apply_credits = False
        credit_note = self._create_credit_note("80.00", invoice_date=self._days(-100))
        figures = self._account().figures
        # Not applied, so not deducted: the balance is what closes the invoices.
        self.assertCents(figures.balance, "600.00")
        self.assertCents(figures.credits_left, "80.00")
        self._pay("600.00")
        self.assertResiduals(
            {credit_note: "80.00", self.inv_oldest: "0", self.inv_soon: "0", self.inv_later: "0"}
        )

    def test_invoice_addressed_to_a_contact_belongs_to_the_account(self):
        # Invoices sent to a person or an address of the customer are the customer's debt too.
        to_contact = self._create_customer_invoice(
            "40.00", due=self._days(-50), partner=self.bystander
        )
        to_address = self._create_customer_invoice(
            "30.00", due=self._days(-45), partner=self.delivery
        )
        self.assertCents(self._account().figures.balance, "670.00")
        payment = self._pay("100.00").payment_id
        self.assertEqual(
            self._allocations(payment),
            [
                (to_contact, "40.00", "0.00"),
                (to_address, "30.00", "0.00"),
                (self.inv_oldest, "30.00", "70.00"),
            ],
        )
        self.assertResiduals({to_contact: "0", to_address: "0", self.inv_oldest: "70.00"})

    def test_nothing_due(self):
        self._pay("600.00")
        self.assertCents(self._account().figures.balance, "0.00")
        with self.assertRaisesRegex(ValidationError, "no open balance"):
            self._validate("10.00")
        # With overpayments allowed, the whole payment becomes the customer's credit.
        self.company.portal_pay_overpayment = "credit"
        payment = self._pay("10.00").payment_id
        self.assertFalse(payment.portal_pay_allocation_ids)
        self.assertCents(payment.portal_pay_unapplied, "10.00")
        self.assertCents(self._account().figures.credits_left, "10.00")

    def test_other_partner_invoices_untouched(self):
        self._pay("600.00")
        self.assertResiduals({self.inv_other: "50.00"})
        # And the other customer's payment never touches ours.
        other = self._pay("50.00", contact=self.other_payer).payment_id
        self.assertEqual(self._allocations(other), [(self.inv_other, "50.00", "0.00")])

    def test_other_company_and_foreign_currency_excluded(self):
        foreign = self._create_foreign_currency_invoice("70.00", due=self._days(-300))
        elsewhere = self._create_other_company_invoice("90.00", due=self._days(-300))
        account = self._account()
        self.assertCents(account.figures.balance, "600.00")
        self.assertNotIn(foreign, account.lines.move_id)
        self.assertNotIn(elsewhere, account.lines.move_id)

        payment = self._pay("150.00").payment_id
        self.assertEqual(
            self._allocations(payment),
            [(self.inv_oldest, "100.00", "0.00"), (self.inv_soon, "50.00", "150.00")],
        )
        foreign.invalidate_recordset(["amount_residual"])
        self.assertCents(foreign.amount_residual_signed, "35.00")  # 70 EUR at 2 EUR per USD
        self.assertEqual(foreign.payment_state, "not_paid")
        self.assertResiduals({elsewhere: "90.00", self.inv_soon: "150.00"})

    def test_chatter_on_payment_and_invoices(self):
        tx = self._pay("150.00")
        payment = tx.payment_id
        bodies = "\n".join(str(body) for body in payment.message_ids.mapped("body"))
        self.assertIn("Applied to the oldest invoices first", bodies)
        self.assertIn(self.inv_oldest.name, bodies)
        self.assertIn(self.inv_soon.name, bodies)
        # The notes on the invoices are posted once the booking committed (a cron it triggers).
        self.assertFalse(self.inv_oldest.message_ids.filtered(lambda m: payment.name in m.body))
        self.env["portal.pay.allocation"]._cron_post_notes()
        for invoice, applied in ((self.inv_oldest, "100.00"), (self.inv_soon, "50.00")):
            messages = "\n".join(str(body) for body in invoice.message_ids.mapped("body"))
            self.assertIn(f"{applied} to this invoice", messages)
            self.assertIn(payment.name, messages)
        later_messages = "\n".join(str(body) for body in self.inv_later.message_ids.mapped("body"))
        self.assertNotIn(payment.name, later_messages)

    def test_post_processing_twice_is_applied_once(self):
        tx = self._pay("250.00")
        payment = tx.payment_id
        tx._post_process()
        self._run_post_processing_cron(tx)
        # Our override is the last guard: even a direct second call returns the same payment.
        self.assertEqual(tx._create_payment(), payment)

        payments = self.env["account.payment"].search([("payment_transaction_id", "=", tx.id)])
        self.assertEqual(payments, payment)
        self.assertEqual(len(payment.portal_pay_allocation_ids), 2)
        self.assertEqual(
            self.env["portal.pay.allocation"].search_count([("payment_id", "=", payment.id)]), 2
        )
        self.assertResiduals(
            {self.inv_oldest: "0", self.inv_soon: "50.00", self.inv_later: "300.00"}
        )
        applied_messages = payment.message_ids.filtered(
            lambda message: "Applied to the oldest invoices first" in str(message.body)
        )
        self.assertEqual(len(applied_messages), 1)

    def test_partial_capture_is_applied_oldest_first(self):
        # With manual capture, staff may capture part of an authorized payment: the captured
        # part is a child transaction, applied like the payment itself.
        self.provider.support_manual_capture = "partial"
        tx = self._create_portal_transaction("300.00", state="authorized")
        child = tx._create_child_transaction(120.0)
        child._set_done()
        (tx | child)._post_process()
        payment = child.payment_id
        self.assertTrue(payment.is_portal_payment)
        self.assertFalse(tx.payment_id)
        self.assertEqual(
            self._allocations(payment),
            [(self.inv_oldest, "100.00", "0.00"), (self.inv_soon, "20.00", "180.00")],
        )
        self.assertResiduals(
            {self.inv_oldest: "0", self.inv_soon: "180.00", self.inv_later: "300.00"}
        )

    def test_non_portal_transaction_keeps_stock_behaviour(self):
        # A transaction linked to one invoice (stock "Pay Now") still pays exactly that invoice.
        tx = self._create_portal_transaction(
            "300.00", portal_pay_account=False, invoice_ids=[self.inv_later.id]
        )
        tx._post_process()
        self.assertFalse(tx.payment_id.is_portal_payment)
        self.assertFalse(tx.payment_id.portal_pay_allocation_ids)
        self.assertResiduals(
            {self.inv_oldest: "100.00", self.inv_soon: "200.00", self.inv_later: "0"}
        )
