import logging
from collections import defaultdict
from decimal import Decimal

from markupsafe import Markup

from odoo import fields, models

from odoo.addons.servicecore_portal_pay import allocation

_logger = logging.getLogger(__name__)


class AccountPayment(models.Model):
    _inherit = "account.payment"

    is_portal_payment = fields.Boolean(
        string="Portal Payment", readonly=True, copy=False, index=True
    )
    portal_pay_contact_id = fields.Many2one(
        comodel_name="res.partner",
        string="Paid by Contact",
        readonly=True,
        copy=False,
        help="The portal contact who made this payment on the account of the customer.",
    )
    portal_pay_allocation_ids = fields.One2many(
        comodel_name="portal.pay.allocation",
        inverse_name="payment_id",
        string="Allocation",
        readonly=True,
    )
    portal_pay_unapplied = fields.Monetary(
        string="Left as Credit",
        readonly=True,
        copy=False,
        help="Part of the payment no open invoice needed when it was applied.",
    )
    portal_pay_allocated = fields.Boolean(readonly=True, copy=False)

    # === BUSINESS METHODS === #

    def _portal_pay_receivable_line(self):
        self.ensure_one()
        return self.move_id.line_ids.filtered(
            lambda line: line.account_id == self.destination_account_id and not line.reconciled
        )

    def _portal_pay_lock_lines(self, lines):
        """Lock ``lines`` for this transaction, failing fast if another one changed them.

        Under Odoo's REPEATABLE READ isolation, locking a row updated by a concurrent committed
        transaction raises a serialization failure, which Odoo retries with a fresh snapshot: the
        allocation is then recomputed on the new residuals instead of over-applying.
        """
        if lines:
            self.env.cr.execute(
                "SELECT id FROM account_move_line WHERE id IN %s ORDER BY id FOR UPDATE",
                [tuple(lines.ids)],
            )

    def _portal_pay_allocate(self):
        """Apply this posted inbound payment to the partner's open invoices, oldest first.

        Runs once per payment; the per-invoice result is recorded and posted to the chatter of the
        payment and of each invoice touched.

        Note: self.ensure_one()

        :return: the allocation records created
        :rtype: portal.pay.allocation
        """
        self.ensure_one()
        Allocation = self.env["portal.pay.allocation"].sudo()
        if self.portal_pay_allocated:
            return self.portal_pay_allocation_ids
        payment_line = self._portal_pay_receivable_line()
        partner = self.partner_id.commercial_partner_id
        open_lines = partner._portal_pay_open_lines(self.company_id, self.currency_id)
        open_lines = open_lines.filtered(
            lambda line: line.account_id == self.destination_account_id and line != payment_line
        )
        self._portal_pay_lock_lines(open_lines)
        # Re-read everything about the locked lines: the residuals may have changed before the
        # lock, and a partly filled line cache defeats reconcile()'s batched prefetching (one
        # query per invoice otherwise).
        open_lines.invalidate_recordset()
        debit_lines = open_lines.filtered(lambda line: line.amount_residual_currency > 0)
        places = self.currency_id.decimal_places
        amount = allocation.quantize(-payment_line.amount_residual_currency, places)
        plan, remainder = partner._portal_pay_preview(debit_lines, amount)

        # Stock reconcile() applies the money by due date, then amount: only when the partly paid
        # line shares its due date with a fully paid one could it choose another line to leave
        # partly paid. Then two reconciliations keep the order ours (the fully paid lines
        # together, the money covers them all, then the partial line); otherwise one suffices,
        # which halves the fixed cost of reconciling.
        full_ids = [line.id for line, _applied, after in plan if after == 0]
        partial_ids = [line.id for line, _applied, after in plan if after != 0]
        batches = [full_ids + partial_ids]
        if full_ids and partial_ids:
            due = {line.id: line.date_maturity or line.date for line, _applied, _after in plan}
            if due[partial_ids[0]] <= max(due[line_id] for line_id in full_ids):
                batches = [full_ids, partial_ids]
        # reconcile() re-syncs the tax lines of every invoice it touches; past the ORM's
        # prefetch window (1,000 records) it would read the taxes one line at a time.
        debit_lines.move_id.line_ids.fetch(["tax_ids"])
        Line = self.env["account.move.line"]
        for batch in batches:
            if batch and not payment_line.reconciled:
                (payment_line + Line.browse(batch)).reconcile()

        partials = {
            part.debit_move_id.id: part
            for part in payment_line.matched_debit_ids
            if part.debit_move_id in debit_lines
        }
        records = Allocation.create(
            [
                {
                    "payment_id": self.id,
                    "sequence": index,
                    "move_line_id": line.id,
                    "move_id": line.move_id.id,
                    "partial_id": partials.get(line.id, Allocation.partial_id).id,
                    "date_maturity": line.date_maturity,
                    "amount": float(applied),
                    "residual_after": float(after),
                }
                for index, (line, applied, after) in enumerate(plan)
            ]
        )
        self.sudo().write({"portal_pay_allocated": True, "portal_pay_unapplied": float(remainder)})
        self._portal_pay_check_applied(plan, partials)
        self._portal_pay_log_allocation(records, remainder)
        return records

    def _portal_pay_check_applied(self, plan, partials):
        # The ledger is the truth: if reconcile() applied other amounts than planned, say so.
        for line, applied, _after in plan:
            part = partials.get(line.id)
            booked = Decimal(str(part.debit_amount_currency)) if part else Decimal(0)
            if allocation.quantize(booked, self.currency_id.decimal_places) != applied:
                _logger.error(
                    "Portal payment %s: planned %s on %s but reconciliation booked %s",
                    self.name,
                    applied,
                    line.move_id.name,
                    booked,
                )

    def _portal_pay_log_allocation(self, records, remainder):
        currency = self.currency_id
        items = Markup("").join(
            Markup("<li>%s</li>")
            % self.env._(
                "%(invoice)s: %(amount)s applied, %(left)s left to pay",
                invoice=record.move_id._get_html_link(),
                amount=currency.format(record.amount),
                left=currency.format(record.residual_after),
            )
            for record in records
        )
        body = Markup("<p>%s</p><ul>%s</ul>") % (
            self.env._("Applied to the oldest invoices first:"),
            items,
        )
        if remainder > 0:
            body += Markup("<p>%s</p>") % self.env._(
                "%(amount)s was left as customer credit.",
                amount=currency.format(float(remainder)),
            )
            _logger.info(
                "Portal payment %s left %s unapplied for partner %s",
                self.name,
                remainder,
                self.partner_id.id,
            )
        # Notes for staff, no notification: _message_log skips the followers and mail machinery.
        self.sudo()._message_log(body=body)
        # One note per invoice, created in a single batch: a payment can touch thousands of
        # invoices, and message_post() costs several queries per record (followers, notify).
        payment_link = self._get_html_link()
        notes = defaultdict(list)  # an invoice with installments gets one note
        for record in records:
            notes[record.move_id.id].append(
                self.env._(
                    "Payment %(payment)s applied %(amount)s to this invoice.",
                    payment=payment_link,
                    amount=currency.format(record.amount),
                )
            )
        bodies = {move_id: Markup("<br/>").join(lines) for move_id, lines in notes.items()}
        records.move_id.sudo()._message_log_batch(bodies)
