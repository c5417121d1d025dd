"""Fixtures of the accounting staff tests: a customer with contacts, staggered invoices, and
portal transactions confirmed through the payment framework (no provider-specific code)."""

import threading
from datetime import timedelta
from decimal import Decimal

from odoo import Command, fields
from odoo.tests import new_test_user

from odoo.addons.account_payment.tests.common import AccountPaymentCommon


class PortalPayBackendCommon(AccountPaymentCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Odoo's own test runner names the database on its thread (lazy QWeb content such as
        # report layouts checks it); pytest-odoo's main thread does not.
        thread = threading.current_thread()
        if not getattr(thread, "dbname", None):
            thread.dbname = cls.env.cr.dbname
            cls.addClassCleanup(delattr, thread, "dbname")
        cls.company = cls.env.company
        cls.currency = cls.company.currency_id
        cls.today = fields.Date.context_today(cls.env.user)
        cls.customer = cls.env["res.partner"].create(
            {"name": "Summit <HVAC> & Co", "is_company": True, "email": "ap@summit.example.com"}
        )
        cls.payer = cls.env["res.partner"].create(
            {
                "name": "Dana <b>Reyes</b>",
                "parent_id": cls.customer.id,
                "type": "contact",
                "email": "dana@summit.example.com",
                "portal_payment_enabled": True,
            }
        )
        cls.payer_user = new_test_user(
            cls.env, login="spp_dana", groups="base.group_portal", partner_id=cls.payer.id
        )
        cls.payer.name = "Dana <b>Reyes</b>"  # new_test_user renames the partner
        cls.accountant = new_test_user(
            cls.env,
            login="spp_accountant",
            groups="account.group_account_invoice",
            company_id=cls.company.id,
        )
        cls.manager = new_test_user(
            cls.env,
            login="spp_manager",
            groups="account.group_account_manager,base.group_system",
            company_id=cls.company.id,
        )
        cls.company.portal_pay_responsible_id = cls.manager
        # Oldest first: A (45 days overdue), B (10 days overdue), C (due in 20 days).
        cls.inv_a = cls._portal_pay_invoice(100.00, -75, -45)
        cls.inv_b = cls._portal_pay_invoice(200.00, -40, -10)
        cls.inv_c = cls._portal_pay_invoice(300.00, -10, 20)
        cls.provider.journal_id = cls.company_data["default_journal_bank"]

    @classmethod
    def _portal_pay_invoice(cls, amount, invoice_days, due_days, move_type="out_invoice"):
        move = cls.env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": cls.customer.id,
                "invoice_date": cls.today + timedelta(days=invoice_days),
                "invoice_date_due": cls.today + timedelta(days=due_days),
                "currency_id": cls.currency.id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Service",
                            "quantity": 1,
                            "price_unit": amount,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        move.action_post()
        return move

    def _portal_pay_confirm(self, amount, partner=None):
        """A portal account payment confirmed by the provider and post-processed by Odoo."""
        tx = self.env["payment.transaction"].create(
            {
                "provider_id": self.provider.id,
                "payment_method_id": self.payment_method_id,
                "reference": self.env["payment.transaction"]._compute_reference(
                    self.provider.code, prefix="ACCT"
                ),
                "amount": amount,
                "currency_id": self.currency.id,
                "partner_id": (partner or self.payer).id,
                "operation": "online_redirect",
                "portal_pay_account": True,
            }
        )
        tx._set_done()
        tx._post_process()
        self.assertTrue(tx.payment_id, "the confirmed transaction has a payment")
        return tx

    def _portal_pay_refund(self, tx, amount):
        """Refund through Odoo's flow: `_refund` creates the refund child transaction and sends
        the request (a no-op for this provider); the provider confirms; Odoo post-processes."""
        refund_tx = tx._refund(amount_to_refund=amount)
        self.assertEqual(refund_tx.operation, "refund")
        refund_tx._set_done()
        refund_tx._post_process()
        return refund_tx

    def _manual_payment(self, amount, partner=None):
        payment = self.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": (partner or self.customer).id,
                "amount": amount,
                "journal_id": self.company_data["default_journal_bank"].id,
            }
        )
        payment.action_post()
        return payment

    def assertResiduals(self, expected):
        """``expected``: {invoice: "residual"}, compared to the cent."""
        for move, residual in expected.items():
            move.invalidate_recordset(["amount_residual"])
            self.assertEqual(
                Decimal(str(move.amount_residual)).quantize(Decimal("0.01")),
                Decimal(residual),
                f"{move.name} residual",
            )

    def assertAllocations(self, payment, expected):
        """``expected``: [(invoice, "applied", "left")] in application order, to the cent."""
        got = [
            (
                rec.move_id,
                Decimal(str(rec.amount)).quantize(Decimal("0.01")),
                Decimal(str(rec.residual_after)).quantize(Decimal("0.01")),
            )
            for rec in payment.portal_pay_allocation_ids
        ]
        self.assertEqual(
            got, [(move, Decimal(applied), Decimal(left)) for move, applied, left in expected]
        )
