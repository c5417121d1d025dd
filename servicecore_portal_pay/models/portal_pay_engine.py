import dataclasses
import logging
from decimal import Decimal

from markupsafe import Markup

from odoo import api, models

from odoo.addons.servicecore_portal_pay import utils
from odoo.addons.servicecore_portal_pay.rules import allocation

_logger = logging.getLogger(__name__)


class PortalPayEngine(models.AbstractModel):
    """Books an allocation plan: lock, reconcile, allocation records, notes.

    The plan comes from the customer's account (``portal.pay.account``); the engine books
    exactly it and checks the ledger against it. Used by the post-processing of Make a Payment
    transactions and by the Apply Oldest-First wizard.
    """

    _name = "portal.pay.engine"
    _description = "Portal Payment Allocation Engine"

    # === LOCKS === #

    @api.model
    def _lock_lines(self, lines):
        """Lock ``lines`` for this transaction, failing fast if another one changed them.

        Under Odoo's REPEATABLE READ isolation, locking a row updated by a concurrent committed
        transaction raises a serialization failure, which Odoo retries with a fresh snapshot: the
        plan is then made again on the new residuals instead of over-applying.
        """
        if lines:
            # A lock that cannot be had in time is expected and handled (retried): not an error
            # for the log.
            self.env.cr.execute(
                "SELECT id FROM account_move_line WHERE id IN %s ORDER BY id FOR UPDATE",
                [tuple(lines.ids)],
                log_exceptions=False,
            )

    # === BOOKING === #

    @api.model
    def _book(self, account, plan, payments):
        """Book ``plan``: the credits, then each payment on the items of its account.

        :param payments: ``{account.account id: account.payment}``, the first being the
                         transaction's payment (it carries the credits and the remainder)
        :return: the allocation records created
        :rtype: portal.pay.allocation
        """
        main = next(iter(payments.values()))
        records = self._book_credits(account, plan.credits, payment=main)
        sequence = len(records)
        for account_id, payment in payments.items():
            applications = [app for app in plan.payments if app.account == account_id]
            payment_line = payment._portal_pay_receivable_line()
            self._reconcile_in_order(account, payment_line, applications)
            records |= self._create_records(
                account, applications, payment_line, payment, sequence=sequence
            )
            sequence += len(applications)
        self._check_booked(account, records)
        balance_after = max(
            account.figures.balance - sum((app.amount for app in plan.payments), Decimal(0)),
            Decimal(0),
        )
        main.sudo().write(
            {
                "portal_pay_unapplied": float(plan.remainder),
                "portal_pay_balance_after": float(balance_after),
            }
        )
        payments_rs = self.env["account.payment"].browse([p.id for p in payments.values()])
        payments_rs.sudo().portal_pay_allocated = True
        self._log(main, records, plan.remainder)
        if plan.remainder > 0 and account.company.portal_pay_overpayment == "reject":
            main._portal_pay_flag_unapplied(plan.remainder)
        return records

    @api.model
    def _credit_plans(self, credit_lines):
        """The plans of applying ``credit_lines`` (and no other credit) to their customers'
        oldest items, one per customer account.

        :return: ``[(Account, Plan)]``
        """
        Account = self.env["portal.pay.account"]
        keys = {
            (line.partner_id.commercial_partner_id, line.company_id, line.currency_id)
            for line in credit_lines
        }
        credits = frozenset(credit_lines.ids)
        plans = []
        for partner, company, currency in sorted(keys, key=lambda key: [r.id for r in key]):
            account = Account._get(partner, company, currency).for_booking()
            items = tuple(
                item for item in account.items if item.residual > 0 or item.key in credits
            )
            plans.append((account, allocation.build_plan(items, 0)))
        return plans

    @api.model
    def _apply_credit_lines(self, credit_lines):
        """Apply open credits to their customers' oldest items now (staff, demo data).

        :return: the allocation records
        """
        records = self.env["portal.pay.allocation"]
        for account, plan in self._credit_plans(credit_lines):
            self._lock_lines(account.lines)
            records |= self._book_credits(account, plan.credits)
        self._log_credits(records)
        return records

    @api.model
    def _book_credits(self, account, applications, payment=None):
        """Reconcile each credit with its items, in plan order.

        The applications of one credit are consecutive in the plan; each credit is reconciled
        with its items like a payment (see :meth:`_reconcile_in_order`), so stock
        ``reconcile()`` books exactly the planned amounts.

        :param payment: the portal payment whose booking applies them; without one (staff's
                        Apply Oldest-First), an earlier payment's unapplied money is recorded as
                        that payment's own application
        :return: the allocation records
        """
        records = self.env["portal.pay.allocation"]
        groups = []
        for application in applications:
            if groups and groups[-1][0] == application.source:
                groups[-1][1].append(application)
            else:
                groups.append((application.source, [application]))
        sequence = 0
        for source, group in groups:
            credit = account.line(source)
            self._reconcile_in_order(account, credit, group)
            owner = payment or self._credit_payment(credit)
            booked = group
            if not payment and owner:
                booked = [dataclasses.replace(app, kind=allocation.PAYMENT) for app in group]
                sequence = max(sequence, len(owner.portal_pay_allocation_ids))
            records |= self._create_records(account, booked, credit, owner, sequence)
            sequence += len(group)
            if payment and (source_payment := self._credit_payment(credit)):
                source_payment._portal_pay_sync_unapplied()
        if applications:
            _logger.info(
                "Portal account %s: applied %s open credits", account.partner.id, len(groups)
            )
        return records

    @api.model
    def _credit_payment(self, credit_line):
        """The customer payment whose unapplied money ``credit_line`` is, if it is one."""
        payment = credit_line.move_id.origin_payment_id
        if payment.payment_type == "inbound" and payment.partner_type == "customer":
            return payment
        return self.env["account.payment"]

    @api.model
    def _log_credits(self, records):
        """Notes of staff's Apply Oldest-First: on each payment applied, invoice and credit."""
        for payment in records.payment_id:
            own = records.filtered(lambda record, payment=payment: record.payment_id == payment)
            remainder = payment._portal_pay_sync_unapplied()[payment]
            self._log(payment, own, remainder)
        credits = records.filtered(lambda record: not record.payment_id)
        for credit_move in credits.source_move_id:
            credits.filtered(
                lambda record, move=credit_move: record.source_move_id == move
            )._queue_notes()

    @api.model
    def _reconcile_in_order(self, account, payment_line, applications):
        """Reconcile the payment with its items so that the plan, not stock's order, decides.

        Stock ``reconcile()`` applies money by due date, then amount: only when the partly paid
        item shares its due date with a fully paid one could it leave another item partly paid.
        Then two reconciliations keep the order ours (the fully paid items together, the money
        covers them all, then the partial one); otherwise one suffices, which halves the fixed
        cost of reconciling.
        """
        if not applications:
            return
        full = [app.item for app in applications if app.left == 0]
        partial = [app.item for app in applications if app.left != 0]
        batches = [full + partial]
        if full and partial:
            due = {item.key: item.due for item in account.items}
            if due[partial[0]] <= max(due[key] for key in full):
                batches = [full, partial]
        Line = account.lines
        # reconcile() re-syncs the tax lines of every invoice it touches; past the ORM's
        # prefetch window (1,000 records) it would read the taxes one line at a time.
        Line.browse([app.item for app in applications]).move_id.line_ids.fetch(["tax_ids"])
        for batch in batches:
            if not payment_line.reconciled:
                (payment_line + Line.browse(batch)).reconcile()

    @api.model
    def _create_records(self, account, applications, source_line, payment, sequence=0):
        """One allocation record per application, bound to the reconciliation that booked it:
        when staff undo the reconciliation, the record goes with it (the ledger is the truth)."""
        Allocation = self.env["portal.pay.allocation"].sudo()
        # The newest reconciliation of each item with this source (one dict, not a search per
        # item: a payment can pay thousands of them).
        partials = {part.debit_move_id.id: part for part in source_line.matched_debit_ids}
        values = []
        for index, application in enumerate(applications):
            item = account.line(application.item)
            partial = partials.get(item.id)
            if not partial:
                continue
            values.append(
                {
                    "kind": application.kind,
                    "payment_id": payment.id if payment else False,
                    "source_move_id": source_line.move_id.id,
                    "sequence": sequence + index,
                    "move_line_id": item.id,
                    "move_id": item.move_id.id,
                    "partial_id": partial.id,
                    "date_maturity": item.date_maturity,
                    # What the ledger booked (the plan's amount, unless reconcile() differed:
                    # _check_booked reports that); the discount is part of the reconciliation.
                    "amount": partial.debit_amount_currency - float(application.discount),
                    "discount": float(application.discount),
                    "residual_after": float(application.left),
                    "currency_id": account.currency.id,
                }
            )
        return Allocation.create(values)

    @api.model
    def _check_booked(self, account, records):
        # The ledger is the truth: if reconcile() booked other amounts than planned, say so.
        for record in records:
            booked = account.quantize(record.partial_id.debit_amount_currency)
            planned = account.quantize(record.amount + record.discount)
            if booked != planned:
                _logger.error(
                    "Portal account %s: planned %s on %s but reconciliation booked %s",
                    account.partner.id,
                    planned,
                    record.move_id.name,
                    booked,
                )

    # === NOTES === #

    @api.model
    def _log(self, payment, records, remainder):
        """Tell the payment, each invoice and each credit what was applied."""
        currency = payment.currency_id
        body = utils.html_list(
            self.env._("Applied to the oldest invoices first:"),
            (record._describe() for record in records),
        )
        if remainder > 0:
            body += Markup("<p>%s</p>") % self.env._(
                "%(amount)s was left as customer credit.",
                amount=currency.format(float(remainder)),
            )
            _logger.info(
                "Portal payment %s left %s unapplied for partner %s",
                payment.name,
                remainder,
                payment.partner_id.id,
            )
        # Notes for staff, no notification: _message_log skips the followers and mail machinery.
        payment.sudo()._message_log(body=body)
        records._queue_notes()
