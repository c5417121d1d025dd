import logging

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain

from odoo.addons.servicecore_portal_pay import utils
from odoo.addons.servicecore_portal_pay.rules import amounts, status

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

    # Stored, to search and group by; its labels are the customer's words for each group (the
    # exact word is `portal_pay_customer_status`).
    portal_pay_state = fields.Selection(
        string="Portal Payment Status",
        selection=[
            ("pending", "Processing"),
            ("done", "Paid"),
            ("failed", "Failed"),
            ("refunded", "Refunded"),
        ],
        compute="_compute_portal_pay_state",
        store=True,
        index=True,
    )
    portal_pay_customer_status = fields.Selection(
        selection=status.STATUSES,
        string="Customer Status",
        compute="_compute_portal_pay_customer_status",
        help="The word the customer sees for this payment, on the portal and the receipt.",
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
        string="Balance After This Payment",
        readonly=True,
        copy=False,
        help="What the customer owed right after this payment was applied (a snapshot; the "
        "account may have changed since).",
    )
    portal_pay_open_credit = fields.Monetary(
        string="Unapplied Amount",
        compute="_compute_portal_pay_open_credit",
        help="Part of this customer payment not yet matched with any invoice.",
    )

    # The receipt is the transaction's: a transaction that paid several receivable accounts made
    # one payment per account, and its receipt covers all of them.
    portal_pay_receipt_amount = fields.Monetary(
        string="Amount Paid", compute="_compute_portal_pay_receipt"
    )
    portal_pay_receipt_allocation_ids = fields.Many2many(
        comodel_name="portal.pay.allocation", compute="_compute_portal_pay_receipt"
    )
    # What leads on every page the customer sees: the transaction's reference, else the number.
    portal_pay_reference = fields.Char(string="Reference", compute="_compute_portal_pay_reference")
    portal_pay_receipt_method = fields.Char(compute="_compute_portal_pay_receipt")
    portal_pay_receipt_time = fields.Char(compute="_compute_portal_pay_receipt")
    portal_pay_receipt_sent_to = fields.Char(string="Receipt Emailed To", readonly=True, copy=False)
    portal_pay_receipt_sent_on = fields.Datetime(
        string="Receipt Emailed On", readonly=True, copy=False
    )

    # === COMPUTE METHODS === #

    @api.depends("state", "payment_transaction_id.state", "portal_pay_refunded")
    def _compute_portal_pay_state(self):
        # The group of the customer's word; what was applied does not change the group.
        for payment in self:
            code = payment.is_portal_payment and self.env["portal.pay.status"]._of_payment(payment)
            payment.portal_pay_state = status.GROUPS.get(code, False)

    @api.depends(
        "state",
        "amount",
        "payment_transaction_id.state",
        "portal_pay_refunded",
        "move_id.line_ids.amount_residual_currency",
    )
    def _compute_portal_pay_customer_status(self):
        for payment in self:
            payment.portal_pay_customer_status = self.env["portal.pay.status"]._of_payment(payment)

    def _compute_portal_pay_receipt(self):
        for payment in self:
            tx = payment.payment_transaction_id.sudo()
            payment.portal_pay_receipt_method = (
                self.env["portal.pay.receipt"]._method_label(tx)
                if tx
                else payment.payment_method_line_id.name
            )
            payment.portal_pay_receipt_time = self.env["portal.pay.receipt"]._time(
                payment, tx.last_state_change or payment.create_date
            )
            if tx and tx.operation != "refund" and tx.payment_id == payment:
                payment.portal_pay_receipt_amount = tx.amount
                payment.portal_pay_receipt_allocation_ids = tx._portal_pay_allocations()
            else:
                payment.portal_pay_receipt_amount = payment.amount
                payment.portal_pay_receipt_allocation_ids = payment.portal_pay_allocation_ids

    # Apart from the receipt's figures: the history and the statement show it on every row.
    @api.depends("name", "payment_transaction_id.reference")
    def _compute_portal_pay_reference(self):
        for payment in self:
            payment.portal_pay_reference = (
                payment.sudo().payment_transaction_id.reference or payment.name
            )

    @api.depends("move_id.line_ids.amount_residual_currency", "state")
    def _compute_portal_pay_open_credit(self):
        for payment in self:
            line = payment._portal_pay_open_credit_line()
            payment.portal_pay_open_credit = -sum(line.mapped("amount_residual_currency"))

    def _compute_amount_available_for_refund(self):  # pylint: disable=missing-return
        """Override of `account_payment`: a Make a Payment transaction that paid several
        receivable accounts made one payment per account; the transaction is refunded from its
        main payment, up to its whole amount (`portal.pay.refund._shares` splits the refund
        back over the accounts), and not from the others."""
        super()._compute_amount_available_for_refund()
        for payment in self.filtered("is_portal_payment"):
            tx_sudo = payment.payment_transaction_id.sudo()
            if (
                not tx_sudo
                or tx_sudo.operation == "refund"
                or not payment.amount_available_for_refund
            ):
                continue
            if tx_sudo.payment_id != payment:
                payment.amount_available_for_refund = 0
                continue
            refunds = self.search([("source_payment_id", "=", payment.id)])
            refunded = sum(refunds.mapped("amount")) if refunds else 0.0
            payment.amount_available_for_refund = tx_sudo.amount - abs(refunded)

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
        """Return what this payment paid, as ``[(move, amount, credit)]`` in its currency.

        Portal payments show their allocation records, which live and die with the ledger's
        reconciliations; ``credit`` is the credit note (or earlier payment) applied along with
        the payment, or None for the payment's own money. Other payments show the invoices their
        receivable line is reconciled with, with the amounts booked.

        Note: self.ensure_one()

        :rtype: list
        """
        self.ensure_one()
        if self.is_portal_payment:
            return [
                (
                    record.move_id,
                    record.amount,
                    record.source_move_id if record.kind == "credit" else None,
                )
                for record in self.portal_pay_allocation_ids
            ]
        _liquidity, counterpart_lines, _writeoff = self._seek_for_lines()
        amounts = {}
        for partial in counterpart_lines.matched_debit_ids:
            move = partial.debit_move_id.move_id
            if move.is_sale_document(include_receipts=True):
                amounts[move] = amounts.get(move, 0.0) + partial.credit_amount_currency
        return [(move, amount, None) for move, amount in amounts.items()]

    # === BUSINESS METHODS === #

    def _portal_pay_receivable_line(self):
        self.ensure_one()
        return self.move_id.line_ids.filtered(
            lambda line: line.account_id == self.destination_account_id and not line.reconciled
        )

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

    def _portal_pay_sync_unapplied(self):
        """Set what is left unapplied on these payments from the ledger (after their open credit
        was applied elsewhere or refunded).

        :return: ``{payment: Decimal left}``
        """
        left = {}
        for payment in self:
            line = payment._portal_pay_open_credit_line()
            line.invalidate_recordset(["amount_residual_currency"])
            left[payment] = amounts.quantize(
                -sum(line.mapped("amount_residual_currency")), payment.currency_id.decimal_places
            )
            payment.sudo().portal_pay_unapplied = float(left[payment])
            if not left[payment] and payment.portal_pay_anomaly == "unapplied":
                payment.sudo().portal_pay_anomaly = False  # applied since: nothing to check
        return left

    def _portal_pay_apply_oldest_first(self):
        """Apply these posted payments' unapplied amounts to their customers' oldest invoices,
        recorded like portal payments (allocation tab, chatter).

        :return: the allocation records
        """
        credit_lines = self.env["account.move.line"]
        for payment in self:
            credit_lines |= payment._portal_pay_open_credit_line()
        if not credit_lines:
            raise UserError(self.env._("There is nothing left to apply."))
        return self.env["portal.pay.engine"]._apply_credit_lines(credit_lines)

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
        utils.trigger_cron(self.env, "servicecore_portal_pay.cron_portal_pay_send_receipts")

    def _cron_portal_pay_send_receipts(self, batch_size=50):
        """Send the queued receipts (see `_portal_pay_queue_receipt`)."""
        self.env["portal.pay.receipt"]._send_queued(batch_size)

    def _portal_pay_receipt_emailed_to(self):
        """Where the receipt was emailed, or is being emailed (the receipt attached to the email
        is rendered before the address is recorded)."""
        self.ensure_one()
        return self.portal_pay_receipt_sent_to or self.env.context.get("portal_pay_receipt_to")

    def _portal_pay_receipt_filename(self):
        self.ensure_one()
        return self.env._("Receipt %(reference)s.pdf", reference=self.portal_pay_reference or "")
