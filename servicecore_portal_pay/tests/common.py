"""Shared set-up of the product tests: a customer account with contacts and open invoices.

Built on Odoo's own test bases (`AccountPaymentCommon`: an accounting company with a chart of
accounts, the dummy payment provider wired to a bank journal), so every test runs on real
invoices, real journal entries and real reconciliations.
"""

from datetime import timedelta
from decimal import Decimal
from unittest.mock import patch

from odoo import Command, fields

from odoo.addons.account_payment.tests.common import AccountPaymentCommon


def transaction_params(context, provider_id, payment_method_id, **overrides):
    """What the payment form rendered with ``context`` (PaymentHttpCommon._get_payment_context)
    posts to the transaction route (see payment_form.js), with ``overrides``."""
    return {
        "provider_id": provider_id,
        "payment_method_id": payment_method_id,
        "token_id": None,
        "amount": context["amount"],
        "flow": "direct",
        "tokenization_requested": False,
        "landing_route": context["landing_route"],
        "is_validation": False,
        "access_token": context["access_token"],
        **overrides,
    }


class PortalPayCommon(AccountPaymentCommon):
    """A company in USD and a customer company, "Summit HVAC", with:

    * ``payer``: a contact allowed to pay (``payer_user``, portal);
    * ``bystander``: a contact not allowed to pay (``bystander_user``, portal);
    * ``delivery``: a delivery address of the customer;
    * ``other_customer``: an unrelated customer with its own invoices.
    """

    @classmethod
    def setup_independent_company(cls, **kwargs):
        # The product is specified for a company in USD; do not depend on the host database.
        usd = cls._enable_currency("USD")
        return super().setup_independent_company(currency_id=usd.id, **kwargs)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.currency = cls.company.currency_id  # PaymentCommon defaults to EUR
        cls.today = fields.Date.context_today(cls.env.user)
        cls.receivable = cls.company_data["default_account_receivable"]
        cls.company.write(
            {
                "portal_pay_overpayment": "reject",
                "portal_pay_min_amount": 1.0,
                "portal_pay_default_amount": "balance",
            }
        )

        Partner = cls.env["res.partner"]
        customer_values = {
            "is_company": True,
            "property_account_receivable_id": cls.receivable.id,
            "property_payment_term_id": False,
            "email": "ap@summit.example.com",
        }
        cls.customer = Partner.create({"name": "Summit HVAC Services", **customer_values})
        cls.other_customer = Partner.create(
            {
                "name": "Lakeside Property Group",
                **customer_values,
                "email": "ap@lakeside.example.com",
            }
        )
        cls.payer = Partner.create(
            {
                "name": "Dana Payer",
                "type": "contact",
                "parent_id": cls.customer.id,
                "email": "dana@summit.example.com",
                "portal_payment_enabled": True,
            }
        )
        cls.bystander = Partner.create(
            {
                "name": "Sam Bystander",
                "type": "contact",
                "parent_id": cls.customer.id,
                "email": "sam@summit.example.com",
            }
        )
        cls.delivery = Partner.create(
            {
                "name": "Summit HVAC, Warehouse",
                "type": "delivery",
                "parent_id": cls.customer.id,
                "street": "1 Dock Road",
            }
        )
        cls.other_payer = Partner.create(
            {
                "name": "Lee Other",
                "type": "contact",
                "parent_id": cls.other_customer.id,
                "email": "lee@lakeside.example.com",
                "portal_payment_enabled": True,
            }
        )
        cls.payer_user = cls._create_portal_user_for(cls.payer, "portal_payer")
        cls.bystander_user = cls._create_portal_user_for(cls.bystander, "portal_bystander")
        cls.other_payer_user = cls._create_portal_user_for(cls.other_payer, "portal_other_payer")

        # Installments: half now, half in 30 days.
        cls.pay_term_installments = cls.env["account.payment.term"].create(
            {
                "name": "50% now, 50% in 30 days",
                "line_ids": [
                    Command.create({"value": "percent", "value_amount": 50.0, "nb_days": 0}),
                    Command.create({"value": "percent", "value_amount": 50.0, "nb_days": 30}),
                ],
            }
        )

    # === HELPERS: PEOPLE === #

    @classmethod
    def _create_portal_user_for(cls, partner, login, company=None):
        company = company or cls.company
        return cls._create_new_portal_user(
            login=login,
            password=login,
            name=partner.name,
            partner_id=partner.id,
            company_id=company.id,
            company_ids=[Command.set(company.ids)],
        )

    # === HELPERS: DOCUMENTS === #

    @classmethod
    def _days(cls, days):
        """The date ``days`` from today (negative: in the past)."""
        return cls.today + timedelta(days=days)

    @classmethod
    def _create_customer_invoice(
        cls,
        amount,
        *,
        due=None,
        invoice_date=None,
        partner=None,
        currency=None,
        company=None,
        payment_term=None,
        move_type="out_invoice",
        post=True,
    ):
        """Create (and post) a customer invoice of one untaxed line of ``amount``.

        :param amount: the total, e.g. ``"125.50"``
        :param date due: the due date (not with a ``payment_term``); defaults to the invoice date
        :param date invoice_date: defaults to ``due`` or today
        """
        company = company or cls.company
        invoice_date = invoice_date or due or cls.today
        values = {
            "move_type": move_type,
            "partner_id": (partner or cls.customer).id,
            "invoice_date": invoice_date,
            "date": invoice_date,
            "currency_id": (currency or company.currency_id).id,
            "invoice_payment_term_id": payment_term.id if payment_term else False,
            "invoice_line_ids": [
                Command.create(
                    {
                        "name": "Quarterly HVAC maintenance",
                        "quantity": 1,
                        "price_unit": float(Decimal(amount)),
                        "tax_ids": [Command.clear()],
                    }
                )
            ],
        }
        if not payment_term:
            values["invoice_date_due"] = due or invoice_date
        move = cls.env["account.move"].with_company(company).create(values)
        if post:
            move.action_post()
        return move

    @classmethod
    def _create_credit_note(cls, amount, invoice_date=None, partner=None):
        return cls._create_customer_invoice(
            amount, invoice_date=invoice_date, partner=partner, move_type="out_refund"
        )

    @classmethod
    def _create_installment_invoice(cls, amount, invoice_date=None, partner=None):
        return cls._create_customer_invoice(
            amount,
            invoice_date=invoice_date,
            partner=partner,
            payment_term=cls.pay_term_installments,
        )

    @classmethod
    def _create_foreign_currency_invoice(cls, amount, due=None, partner=None):
        currency = cls.setup_other_currency("EUR")
        return cls._create_customer_invoice(amount, due=due, partner=partner, currency=currency)

    @classmethod
    def _create_other_company_invoice(cls, amount, due=None, partner=None):
        if not getattr(cls, "other_company_data", None):
            cls.other_company_data = cls.setup_other_company(name="ServiceCore West")
        company = cls.other_company_data["company"]
        return cls._create_customer_invoice(amount, due=due, partner=partner, company=company)

    # === HELPERS: PAYMENTS === #

    def _create_portal_transaction(self, amount, contact=None, state="done", **values):
        """A transaction of the Make a Payment flow, as the transaction route creates it."""
        contact = contact or self.payer
        return (
            self.env["payment.transaction"]
            .sudo()
            .create(
                {
                    "provider_id": self.provider.id,
                    "payment_method_id": self.payment_method_id,
                    "amount": float(Decimal(amount)),
                    "currency_id": self.currency.id,
                    "partner_id": contact.id,
                    "reference": self.env["payment.transaction"]._compute_reference(
                        self.provider.code, prefix="ACCT-TEST"
                    ),
                    "operation": "online_direct",
                    "portal_pay_account": True,
                    "state": state,
                    **values,
                }
            )
        )

    def _pay(self, amount, contact=None):
        """Confirm a portal account payment of ``amount`` and post-process it like Odoo does."""
        tx = self._create_portal_transaction(amount, contact=contact)
        tx._post_process()
        self.assertTrue(tx.payment_id, "post-processing must create the payment")
        return tx

    def _run_post_processing_cron(self, txs=None):
        """Run the post-processing cron (on ``txs``, or on what it finds itself).

        The cron commits after each transaction; a test cannot, so commits become flushes.
        """
        txs = txs if txs is not None else self.env["payment.transaction"]
        with patch.object(self.env.cr, "commit", self.env.cr.flush):
            txs.sudo()._cron_post_process()

    def _account(self, partner=None):
        """The customer's account (``portal.pay.account``) as the page reads it."""
        return self.env["portal.pay.account"]._get(
            partner or self.customer, self.company, self.currency
        )

    def _validate(self, raw_amount, account=None):
        """The request check's amount validation, as the page and the route apply it."""
        return self.env["portal.pay.request"]._validate_amount(
            account or self._account(), raw_amount
        )

    # === ASSERTIONS === #

    def assertCents(self, value, expected, msg=None):
        """Assert a monetary value to the cent: ``expected`` is a string like ``"125.50"``."""
        got = Decimal(str(value)).quantize(Decimal("0.01"))
        self.assertEqual(got, Decimal(expected), msg)

    def assertResiduals(self, expected):
        """``expected``: ``{move: "residual"}``; compares each ``amount_residual`` to the cent."""
        moves = self.env["account.move"].browse([move.id for move in expected])
        moves.invalidate_recordset(["amount_residual", "payment_state"])
        got = {move.name: f"{move.amount_residual:.2f}" for move in moves}
        want = {move.name: f"{Decimal(residual):.2f}" for move, residual in expected.items()}
        self.assertEqual(got, want)
