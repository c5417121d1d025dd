import dataclasses
import logging
import random
import time
from decimal import Decimal

from psycopg2 import errors as pg_errors

from odoo import api, models
from odoo.tools import SQL

from odoo.addons.servicecore_portal_pay import const

_logger = logging.getLogger(__name__)


class PortalPayBooking(models.AbstractModel):
    """Turns a confirmed Make a Payment transaction into bookings: the customer's account as the
    payment sees it, one payment per receivable account, and the customer's turn.

    The engine (``portal.pay.engine``) then books the plan; `payment.transaction` keeps only the
    hooks Odoo calls (`_post_process`, `_create_payment`).
    """

    _name = "portal.pay.booking"
    _description = "Portal Payment Booking"

    # === THE CUSTOMER'S TURN === #

    @api.model
    def _book_serialized(self, tx, attempts=5):
        """Post-process ``tx`` in a transaction of its own, committed, holding the customer's
        booking lock (see `payment.transaction._post_process`).

        Every wait is bounded, so that a request never holds a worker for long: the customer's
        turn (`const.BOOKING_WAIT_SECONDS`), then each row lock (`const.BOOKING_LOCK_TIMEOUT`).
        A wait that runs out raises a lock error, which the status poll answers with "retry".

        :return: whether it is booked (or was by someone else); False to book it inline
        :rtype: bool
        :raise psycopg2.errors.LockNotAvailable: if the customer's turn did not come in time
        """
        registry = self.env.registry
        partner_id = tx.partner_id.commercial_partner_id.id
        with registry.cursor() as lock_cr:
            self._wait_for_turn(lock_cr, partner_id)
            for attempt in range(attempts):
                try:
                    with registry.cursor() as cr:
                        cr.execute(SQL("SET LOCAL lock_timeout = %s", const.BOOKING_LOCK_TIMEOUT))
                        if not self._lock_row(cr, tx):
                            return False  # The caller holds the row, or has not committed it.
                        context = dict(tx.env.context, portal_pay_booking=True)
                        context.pop("portal_pay_serialize")
                        env = api.Environment(cr, tx.env.uid, context, su=tx.env.su)
                        own_tx = env[tx._name].browse(tx.id)
                        if own_tx._portal_pay_needs_booking():
                            own_tx.with_company(own_tx.company_id)._post_process()
                    return True
                except (
                    pg_errors.SerializationFailure,
                    pg_errors.DeadlockDetected,
                    pg_errors.LockNotAvailable,
                ):
                    # Someone else than a portal booking (staff, a cron) changed or holds the
                    # invoices meanwhile.
                    _logger.info("Booking of %s collided; retrying (%s)", tx.reference, attempt)
                    time.sleep(random.uniform(0.05, 0.2) * (attempt + 1))
        return False

    @api.model
    def _wait_for_turn(self, lock_cr, partner_id):
        """Take the customer's booking lock on ``lock_cr``, waiting a bounded time for it.

        A blocking lock, not a polled one: PostgreSQL grants a lock to its waiters in the order
        they asked, so the customer's payments are booked first come, first served, and none
        of them keeps losing the turn to later ones.
        """
        lock_cr.execute(SQL("SET LOCAL lock_timeout = %s", f"{const.BOOKING_WAIT_SECONDS}s"))
        lock_cr.execute(
            SQL("SELECT pg_advisory_xact_lock(%s, %s)", const.BOOKING_LOCK, partner_id),
            log_exceptions=False,  # the status poll answers a lock that did not come with "retry"
        )

    @api.model
    def _lock_row(self, cr, tx):
        """Lock ``tx``'s row on ``cr`` without waiting.

        :return: False if the row is not there (the caller has not committed it) or another
                 transaction holds it (the caller, or a cron booking it right now)
        """
        try:
            with cr.savepoint(flush=False):
                cr.execute(
                    "SELECT id FROM payment_transaction WHERE id = %s FOR UPDATE NOWAIT",
                    [tx.id],
                    log_exceptions=False,
                )
                return bool(cr.fetchone())
        except pg_errors.LockNotAvailable:
            return False

    # === THE ACCOUNT AND THE PAYMENTS OF A TRANSACTION === #

    @api.model
    def _account(self, tx):
        """The account of ``tx``'s customer, locked, as the payment being booked sees it."""
        account = self.env["portal.pay.account"]._get(
            tx.partner_id, tx.company_id, tx.currency_id, exclude_tx=tx
        )
        self.env["portal.pay.engine"]._lock_lines(account.lines)
        account = account.for_booking()
        if tx.portal_pay_chose_items or tx.portal_pay_line_ids:
            # "Choose invoices": the chosen items still open (a closed one leaves credit).
            chosen = frozenset(tx.portal_pay_line_ids.ids) & {item.key for item in account.items}
            account = dataclasses.replace(account, chosen=chosen)
        return account

    # === PAYMENTS PER RECEIVABLE ACCOUNT === #

    @api.model
    def _shares(self, account, plan):
        """How the transaction splits into payments: one per receivable account it pays.

        The remainder (customer credit) goes with the customer's default receivable account,
        whose payment comes first and becomes the transaction's payment.

        :return: ``[(account.account, Decimal amount, [payment Application])]``, main first
        """
        default = account.partner.with_company(account.company).property_account_receivable_id
        # The money per account is the plan's (the pure rule); the applications go with it for
        # the early-payment write-offs.
        money = {key: share for key, (share, _discount) in plan.payment_by_account().items()}
        if plan.remainder > 0 or not money:
            money.setdefault(default.id, Decimal(0))
        main_id = default.id if default.id in money else next(iter(money))
        money[main_id] += plan.remainder
        Account = self.env["account.account"].sudo()
        return [
            (
                Account.browse(account_id),
                money[account_id],
                [app for app in plan.payments if app.account == account_id],
            )
            for account_id in [main_id, *(key for key in money if key != main_id)]
        ]

    @api.model
    def _discount_write_offs(self, account, applications):
        """Journal items of the early-payment discounts settled by these applications, as stock's
        register-payment wizard makes them (discount account, taxes per the company's mode)."""
        discounted = [app for app in applications if app.discount]
        if not discounted:
            return []
        company = account.company
        values = []
        for application in discounted:
            line = account.line(application.item)
            values.append(
                {
                    "aml": line,
                    "amount_currency": -line.amount_residual_currency,
                    "balance": line.currency_id._convert(
                        -line.amount_residual_currency,
                        line.company_currency_id,
                        company,
                        account.today,
                    ),
                }
            )
        discount = sum((app.discount for app in discounted), Decimal(0))
        open_balance = account.currency._convert(
            float(discount), company.currency_id, company, account.today
        )
        write_offs = []
        for vals_list in (
            self.env["account.move"]
            ._get_invoice_counterpart_amls_for_early_payment_discount(values, open_balance)
            .values()
        ):
            write_offs += vals_list
        return write_offs
