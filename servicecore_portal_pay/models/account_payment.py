import logging
from collections import defaultdict
from decimal import Decimal

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain

from odoo.addons.servicecore_portal_pay import allocation, utils

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
    portal_pay_receipt_due = fields.Boolean(
        readonly=True, copy=False, index=True, help="The receipt email is waiting to be sent."
    )

    portal_pay_state = fields.Selection(
        string="Portal Payment Status",
        selection=[
            ("pending", "Pending"),
            ("done", "Done"),
            ("failed", "Failed"),
            ("refunded", "Refunded"),
        ],
        compute="_compute_portal_pay_state",
        store=True,
        index=True,
    )
    portal_pay_refunded = fields.Monetary(
        string="Refunded",
        readonly=True,
        copy=False,
        help="Amount refunded to the customer; taken back from the newest invoices first.",
    )
    portal_pay_anomaly = fields.Selection(
        string="Anomaly",
        selection=[
            ("unapplied", "Left as credit: the balance changed before confirmation"),
            ("refund", "Refunded after it was applied to invoices"),
        ],
        readonly=True,
        copy=False,
        index=True,
    )
    portal_pay_provider_id = fields.Many2one(
        string="Provider", related="payment_transaction_id.provider_id"
    )
    portal_pay_tx_reference = fields.Char(
        string="Transaction Reference", related="payment_transaction_id.reference"
    )
    portal_pay_provider_reference = fields.Char(
        string="Provider Reference", related="payment_transaction_id.provider_reference"
    )
    portal_pay_balance_after = fields.Monetary(
        string="Customer Balance",
        compute="_compute_portal_pay_balance_after",
        help="What the customer owes now (open invoices minus unapplied credits).",
    )
    portal_pay_open_credit = fields.Monetary(
        string="Unapplied Amount",
        compute="_compute_portal_pay_open_credit",
        help="Part of this customer payment not yet matched with any invoice.",
    )

    # === COMPUTE METHODS === #

    @api.depends("state", "payment_transaction_id.state", "portal_pay_refunded")
    def _compute_portal_pay_state(self):
        for payment in self:
            tx_state = payment.payment_transaction_id.state
            if not payment.is_portal_payment:
                payment.portal_pay_state = False
            elif payment.portal_pay_refunded:
                payment.portal_pay_state = "refunded"
            elif payment.state in ("canceled", "rejected") or tx_state in ("cancel", "error"):
                payment.portal_pay_state = "failed"
            elif payment.state in ("in_process", "paid") and tx_state in ("done", False):
                payment.portal_pay_state = "done"
            else:
                payment.portal_pay_state = "pending"

    @api.depends("move_id.line_ids.amount_residual_currency", "state")
    def _compute_portal_pay_open_credit(self):
        for payment in self:
            line = payment._portal_pay_open_credit_line()
            payment.portal_pay_open_credit = -sum(line.mapped("amount_residual_currency"))

    @api.depends_context("company")
    def _compute_portal_pay_balance_after(self):
        # The receipt's "new balance": what the customer owes now, as the portal shows it.
        for payment in self:
            partner = payment.partner_id.commercial_partner_id.sudo()
            if not partner or not payment.company_id:
                payment.portal_pay_balance_after = 0.0
                continue
            summary = partner._portal_pay_summary(payment.company_id, payment.currency_id)
            payment.portal_pay_balance_after = float(summary["balance"])

    # === ACTION METHODS === #

    def action_portal_pay_apply_wizard(self):
        """Preview applying these payments' unapplied amounts to the oldest invoices."""
        return self.env["portal.pay.apply.wizard"]._action_open("account.payment", self.ids)

    def action_portal_pay_view_transaction(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Transaction"),
            "res_model": "payment.transaction",
            "res_id": self.payment_transaction_id.id,
            "view_mode": "form",
        }

    def action_portal_pay_send_receipt(self):
        """Open the composer with the receipt, for staff to send it again."""
        self.ensure_one()
        template = self.company_id._portal_pay_receipt_template()
        return {
            "type": "ir.actions.act_window",
            "res_model": "mail.compose.message",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_model": "account.payment",
                "default_res_ids": self.ids,
                "default_template_id": template.id,
                "default_composition_mode": "comment",
            },
        }

    def action_portal_pay_clear_anomaly(self):
        self.portal_pay_anomaly = False

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
        # Re-read everything about the locked lines: the residuals may have changed before the
        # lock, and a partly filled line cache defeats reconcile()'s batched prefetching (one
        # query per invoice otherwise).
        open_lines.invalidate_recordset()
        debit_lines = open_lines.filtered(lambda line: line.amount_residual_currency > 0)
        if self.company_id.portal_pay_apply_credits:
            debit_lines = self._portal_pay_apply_credits_first(open_lines, debit_lines)
        places = self.currency_id.decimal_places
        amount = allocation.quantize(-payment_line.amount_residual_currency, places)
        # Credits were applied for real just above: the plan must not take them off again.
        plan, remainder = partner._portal_pay_preview(
            debit_lines, amount, credit_lines=self.env["account.move.line"]
        )

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
        if remainder > 0 and self.company_id.portal_pay_overpayment == "reject":
            self._portal_pay_flag_unapplied(remainder)
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
        body = utils.html_list(
            self.env._("Applied to the oldest invoices first:"),
            (
                self.env._(
                    "%(invoice)s: %(amount)s applied, %(left)s left to pay",
                    invoice=record.move_id._get_html_link(),
                    amount=currency.format(record.amount),
                    left=currency.format(record.residual_after),
                )
                for record in records
            ),
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

    # === BUSINESS METHODS - ACCOUNTING STAFF === #

    def _portal_pay_open_credit_line(self):
        """The open receivable credit line of a posted customer payment (money not yet applied).

        :return: the line (at most one), as a sudoed recordset
        :rtype: account.move.line
        """
        self.ensure_one()
        if self.state not in ("in_process", "paid") or self.payment_type != "inbound":
            return self.env["account.move.line"]
        return self.move_id.sudo().line_ids.filtered(
            lambda line: (
                line.account_id == self.destination_account_id
                and line.account_id.account_type == "asset_receivable"
                and not line.reconciled
                and line.amount_residual_currency < 0
            )
        )

    def _portal_pay_apply_credits_first(self, open_lines, debit_lines):
        """Apply the account's open credits to the oldest invoices before this payment.

        :return: the debit lines still open afterwards
        """
        partner = self.partner_id.commercial_partner_id
        credit_lines = open_lines.filtered(lambda line: line.amount_residual_currency < 0)
        plan = partner._portal_pay_apply_credit_lines(credit_lines, debit_lines)
        if plan:
            debit_lines.invalidate_recordset(["amount_residual", "amount_residual_currency"])
            _logger.info("Portal payment %s: applied %s open credits first", self.name, len(plan))
        return debit_lines.filtered(lambda line: line.amount_residual_currency > 0)

    def _portal_pay_flag_unapplied(self, remainder):
        self._portal_pay_raise_anomaly(
            "unapplied",
            self.env._(
                "%(amount)s of portal payment %(payment)s could not be applied: the account "
                "balance changed before the payment was confirmed. Refund it or leave it as "
                "credit.",
                amount=self.currency_id.format(float(remainder)),
                payment=self.name,
            ),
        )

    def _portal_pay_raise_anomaly(self, kind, note):
        """Flag this payment and give the accounting team a to-do about it."""
        self.ensure_one()
        self.sudo().portal_pay_anomaly = kind
        self.sudo()._portal_pay_schedule_activity(note)

    def _portal_pay_schedule_activity(self, note):
        # The post-processing may run as a portal user or the public user: the activity goes
        # to the company's responsible accountant, never to whoever triggered it.
        self.ensure_one()
        user = self.company_id._portal_pay_responsible()
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=self.env._("Portal payment to check"),
            note=note,
            user_id=user.id,
        )

    def _portal_pay_apply_oldest_first(self):
        """Apply this payment's unapplied amount to its customer's oldest open invoices.

        The portal rule, for any posted customer payment: the applied amounts are recorded
        (allocation tab) and posted to the chatter like a portal payment's.

        :return: the allocation records created
        :rtype: portal.pay.allocation
        """
        self.ensure_one()
        credit_line = self._portal_pay_open_credit_line()
        if not credit_line:
            raise UserError(self.env._("%(payment)s has nothing left to apply.", payment=self.name))
        partner = self.partner_id.commercial_partner_id
        open_lines = partner._portal_pay_open_lines(self.company_id, self.currency_id)
        debit_lines = open_lines.filtered(
            lambda line: (
                line.account_id == credit_line.account_id and line.amount_residual_currency > 0
            )
        )
        self._portal_pay_lock_lines(credit_line | debit_lines)
        (credit_line | debit_lines).invalidate_recordset(
            ["amount_residual", "amount_residual_currency"]
        )
        plan = partner._portal_pay_apply_credit_lines(credit_line, debit_lines)
        Allocation = self.env["portal.pay.allocation"].sudo()
        start = max(self.portal_pay_allocation_ids.mapped("sequence") or [-1]) + 1
        debit_lines.invalidate_recordset(["amount_residual", "amount_residual_currency"])
        records = Allocation.create(
            [
                {
                    "payment_id": self.id,
                    "sequence": start + index,
                    "move_line_id": debit.id,
                    "move_id": debit.move_id.id,
                    "partial_id": (
                        credit_line.matched_debit_ids.filtered(
                            lambda part, debit=debit: part.debit_move_id == debit
                        )[-1:].id
                    ),
                    "date_maturity": debit.date_maturity,
                    "amount": float(amount),
                    "residual_after": debit.amount_residual_currency,
                }
                for index, (_credit, debit, amount) in enumerate(plan)
            ]
        )
        remainder = -credit_line.amount_residual_currency
        self.sudo().write({"portal_pay_unapplied": remainder})
        self._portal_pay_log_allocation(
            records, allocation.quantize(remainder, self.currency_id.decimal_places)
        )
        return records

    def _portal_pay_unallocate(self, refund_payment):
        """Take a refund back from this portal payment: newest invoice first, to the cent.

        What was never applied (credit left on the payment) goes back first; then each
        allocated invoice, newest first, is reopened by what the refund still needs. The refund
        payment's receivable line is matched with the payment's, so the refund does not leave
        an open debit on the account.

        :param refund_payment: the outbound payment created for the refund transaction
        :return: ``[(allocation, amount reopened)]``, newest first
        """
        self.ensure_one()
        currency = self.currency_id
        places = currency.decimal_places
        payment_line = self.move_id.line_ids.filtered(
            lambda line: line.account_id == self.destination_account_id
        )
        refund_line = refund_payment.move_id.line_ids.filtered(
            lambda line: line.account_id == self.destination_account_id and not line.reconciled
        )
        amount = allocation.quantize(refund_payment.amount, places)
        self._portal_pay_lock_lines(
            payment_line | refund_line | self.portal_pay_allocation_ids.move_line_id
        )
        payment_line.invalidate_recordset(["amount_residual", "amount_residual_currency"])
        free = allocation.quantize(-payment_line.amount_residual_currency, places)
        needed = max(amount - free, allocation.quantize(0, places))

        records = self.portal_pay_allocation_ids.filtered(lambda rec: rec.move_line_id).sorted(
            "sequence"
        )
        booked = {}
        for record in records:
            parts = payment_line.matched_debit_ids.filtered(
                lambda part, record=record: part.debit_move_id == record.move_line_id
            )
            booked[record.id] = allocation.quantize(
                sum(parts.mapped("debit_amount_currency")), places
            )
        cuts, _left = allocation.unallocate(
            [(record.id, booked[record.id]) for record in records], needed
        )
        by_id = {record.id: record for record in records}
        to_reapply = []
        for record_id, taken in cuts:
            record = by_id[record_id]
            parts = payment_line.matched_debit_ids.filtered(
                lambda part, record=record: part.debit_move_id == record.move_line_id
            )
            parts.unlink()
            if booked[record_id] - taken > 0:
                to_reapply.append(record.move_line_id)
        # The freed credit pays the refund first; what is left goes back to the invoice that was
        # only partly reopened (at most one: the oldest of those cut).
        if refund_line:
            (payment_line + refund_line).reconcile()
        for line in to_reapply:
            (payment_line + line).reconcile()
            record = self.portal_pay_allocation_ids.filtered(
                lambda rec, line=line: rec.move_line_id == line
            )[-1:]
            record.sudo().partial_id = payment_line.matched_debit_ids.filtered(
                lambda part, line=line: part.debit_move_id == line
            )[-1:]

        result = []
        for record_id, taken in cuts:
            record = by_id[record_id]
            record.sudo().write({"amount_refunded": record.amount_refunded + float(taken)})
            result.append((record, taken))
        self.sudo().write({"portal_pay_refunded": self.portal_pay_refunded + float(amount)})
        self._portal_pay_log_refund(result, amount)
        return result

    def _portal_pay_log_refund(self, result, amount):
        currency = self.currency_id
        body = utils.html_list(
            self.env._(
                "Refund of %(amount)s taken back from the newest invoices first:",
                amount=currency.format(float(amount)),
            ),
            (
                self.env._(
                    "%(invoice)s: %(amount)s reopened",
                    invoice=record.move_id._get_html_link(),
                    amount=currency.format(float(taken)),
                )
                for record, taken in result
            ),
        )
        self.sudo().message_post(body=body)
        for record, taken in result:
            record.move_id.sudo().message_post(
                body=self.env._(
                    "Refund of payment %(payment)s reopened %(amount)s on this invoice.",
                    payment=self._get_html_link(),
                    amount=currency.format(float(taken)),
                )
            )
        if result:
            self._portal_pay_raise_anomaly(
                "refund",
                self.env._(
                    "Portal payment %(payment)s was refunded (%(amount)s) after it was applied: "
                    "%(count)s invoice(s) were reopened.",
                    payment=self.name,
                    amount=currency.format(float(amount)),
                    count=len(result),
                ),
            )

    def _portal_pay_queue_receipt(self):
        """Have the receipt sent by the scheduler, after the payment's transaction commits.

        Rendering the PDF makes wkhtmltopdf fetch the report's assets from this very server:
        done inside post-processing, it would hold the payment's row locks while waiting for a
        free worker, and under a burst of payments every worker ends up waiting for the others.
        """
        to_send = self.filtered(
            lambda payment: payment.is_portal_payment and payment.company_id.portal_pay_receipt
        )
        if not to_send:
            return
        to_send.sudo().portal_pay_receipt_due = True
        cron = self.env.ref(
            "servicecore_portal_pay.cron_portal_pay_send_receipts", raise_if_not_found=False
        )
        if cron:
            cron.sudo()._trigger()

    def _cron_portal_pay_send_receipts(self, batch_size=50):
        """Send the queued receipts, one payment per commit (see `_portal_pay_queue_receipt`)."""
        payments = self.sudo().search(
            [("portal_pay_receipt_due", "=", True)], order="id", limit=batch_size
        )
        in_cron = bool(self.env.context.get("cron_id"))
        for index, payment in enumerate(payments):
            payment.portal_pay_receipt_due = False
            payment._portal_pay_send_receipt()
            if in_cron:  # a failure later in the batch must not resend this one
                self.env["ir.cron"]._commit_progress(
                    processed=1, remaining=len(payments) - index - 1
                )

    def _portal_pay_send_receipt(self):
        """Queue the receipt email (with its PDF) to the paying contact, if the company wants it."""
        for payment in self:
            company = payment.company_id
            if not (payment.is_portal_payment and company.portal_pay_receipt):
                continue
            if not payment.portal_pay_contact_id.email:
                continue
            template = company._portal_pay_receipt_template()
            if not template:
                continue
            # The money is applied whatever happens to the email: a broken template or a
            # missing PDF engine is logged, never allowed to undo the payment's allocation.
            try:
                with self.env.cr.savepoint():
                    attachment = payment._portal_pay_receipt_attachment()
                    template.sudo().send_mail(
                        payment.id,
                        email_values={
                            "attachment_ids": [
                                fields.Command.link(att.id)
                                for att in template.attachment_ids | attachment
                            ]
                        },
                    )
            except Exception:
                _logger.exception(
                    "Portal payment %s: the receipt email could not be sent", payment.name
                )

    def _portal_pay_receipt_attachment(self):
        """The PDF receipt as an attachment of the payment (empty if no PDF can be made)."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                pdf, _type = (
                    self.env["ir.actions.report"]
                    .sudo()
                    ._render_qweb_pdf(
                        "servicecore_portal_pay.action_report_portal_pay_receipt", res_ids=self.ids
                    )
                )
        except UserError as error:  # e.g. wkhtmltopdf is not installed
            _logger.warning("Portal payment %s: no PDF receipt (%s)", self.name, error)
            return self.env["ir.attachment"]
        return (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": self._portal_pay_receipt_filename(),
                    "raw": pdf,
                    "res_model": self._name,
                    "res_id": self.id,
                    "mimetype": "application/pdf",
                }
            )
        )

    def _portal_pay_receipt_filename(self):
        self.ensure_one()
        return self.env._("Receipt %(reference)s.pdf", reference=self.name or "")
