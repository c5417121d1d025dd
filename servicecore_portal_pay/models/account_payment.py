import logging
from decimal import Decimal

from markupsafe import Markup

from odoo import api, fields, models
from odoo.fields import Domain

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

    # === BUSINESS METHODS - PORTAL HISTORY === #

    @api.model
    def _portal_pay_history_domain(self, commercial_partner, company):
        """Domain of the payments a customer sees in its portal payment history.

        The customer's received payments (portal or not) in ``company``, posted: an explicit
        domain on the commercial partner, meant to be searched under sudo, because portal record
        rules follow followers, not owners, and must not decide whose payments are shown.

        :param commercial_partner: the customer (a commercial partner)
        :param company: the company of the request
        :rtype: odoo.fields.Domain
        """
        return Domain(
            [
                ("partner_id", "=", commercial_partner.id),
                ("company_id", "=", company.id),
                ("payment_type", "=", "inbound"),
                ("partner_type", "=", "customer"),
                ("state", "in", ("in_process", "paid")),
            ]
        )

    def _portal_pay_paid_documents(self):
        """Return what this payment paid, as ``[(move, amount)]`` in the payment currency.

        Portal payments show their recorded allocation (what the customer was told when paying);
        other payments, or portal payments not applied yet, show the invoices their receivable
        line is reconciled with, with the amounts booked.

        Note: self.ensure_one()

        :rtype: list
        """
        self.ensure_one()
        if self.portal_pay_allocation_ids:
            return [(record.move_id, record.amount) for record in self.portal_pay_allocation_ids]
        _liquidity, counterpart_lines, _writeoff = self._seek_for_lines()
        amounts = {}
        for partial in counterpart_lines.matched_debit_ids:
            move = partial.debit_move_id.move_id
            if move.is_sale_document(include_receipts=True):
                amounts[move] = amounts.get(move, 0.0) + partial.credit_amount_currency
        return list(amounts.items())

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
        if chosen := self.payment_transaction_id.portal_pay_line_ids:
            # "Choose invoices" mode: only the items the customer chose, still oldest first.
            open_lines &= chosen
        self._portal_pay_lock_lines(open_lines)
        open_lines.invalidate_recordset(["amount_residual", "amount_residual_currency"])
        debit_lines = open_lines.filtered(lambda line: line.amount_residual_currency > 0)
        places = self.currency_id.decimal_places
        amount = allocation.quantize(-payment_line.amount_residual_currency, places)
        plan, remainder = partner._portal_pay_preview(debit_lines, amount)

        # Two reconciliations keep the order ours whatever stock reconcile() prefers: the fully
        # paid lines together (the money covers them all), then the one partially paid line.
        full = self.env["account.move.line"].browse(
            [line.id for line, _applied, after in plan if after == 0]
        )
        partial = self.env["account.move.line"].browse(
            [line.id for line, _applied, after in plan if after != 0]
        )
        for batch in (full, partial):
            if batch and not payment_line.reconciled:
                (payment_line + batch).reconcile()

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
        self.sudo().message_post(body=body)
        for record in records:
            record.move_id.sudo().message_post(
                body=self.env._(
                    "Payment %(payment)s applied %(amount)s to this invoice.",
                    payment=self._get_html_link(),
                    amount=currency.format(record.amount),
                )
            )
