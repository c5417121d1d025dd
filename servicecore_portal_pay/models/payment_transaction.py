import hashlib
import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.payment import utils as payment_utils
from odoo.addons.payment_stripe import const as stripe_const
from odoo.addons.payment_stripe.controllers.main import StripeController
from odoo.addons.servicecore_portal_pay import const

_logger = logging.getLogger(__name__)


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    portal_pay_account = fields.Boolean(
        string="Account Payment",
        readonly=True,
        copy=False,
        help="Paid on account from the portal: applied to the oldest open invoices first.",
    )
    portal_pay_line_ids = fields.Many2many(
        comodel_name="account.move.line",
        string="Chosen Items",
        readonly=True,
        copy=False,
        help="The open items the customer chose to pay; the payment is applied to them only.",
    )
    portal_pay_ip = fields.Char(
        string="Client IP",
        readonly=True,
        copy=False,
        help="Address of the browser that started this account payment, to limit payment "
        "attempts per address.",
    )

    # Not a Many2one: the attempt is committed by a transaction of its own after this request's
    # snapshot was taken, where a foreign key check would not find it.
    portal_pay_attempt_id = fields.Integer(
        string="Throttling Attempt",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The counted payment attempt (portal.pay.attempt) this transaction was started under.",
    )

    # === BUSINESS METHODS - PAYMENT FLOW === #

    def _create_child_transaction(self, amount, is_refund=False, **custom_create_values):
        """Override of `payment` to keep partial captures of account payments on account.

        The captured part of an authorized account payment is a child transaction that creates
        the payment: it must be applied oldest first like its source, not left unreconciled.
        """
        if self.portal_pay_account and not is_refund:
            custom_create_values.setdefault("portal_pay_account", True)
        return super()._create_child_transaction(
            amount, is_refund=is_refund, **custom_create_values
        )

    # === BUSINESS METHODS - POST-PROCESSING === #

    def _create_payment(self, **extra_create_values):
        """Override of `account_payment` to apply account payments oldest invoice first.

        Exactly once per transaction: the transaction row is locked and re-read, so concurrent
        status polls, webhooks and cron runs create a single payment and a single allocation.

        Note: self.ensure_one()
        """
        self.ensure_one()
        if self.operation == "refund" and self.source_transaction_id.portal_pay_account:
            return self._portal_pay_create_refund_payment(**extra_create_values)
        if not self.portal_pay_account or self.operation == "refund":
            return super()._create_payment(**extra_create_values)
        self.env.cr.execute(
            "SELECT payment_id FROM payment_transaction WHERE id = %s FOR UPDATE", [self.id]
        )
        existing_id = self.env.cr.fetchone()[0]
        if existing_id:
            return self.env["account.payment"].browse(existing_id)
        payment = super(
            PaymentTransaction, self.with_context(force_payment_move=True)
        )._create_payment(
            is_portal_payment=True,
            portal_pay_contact_id=self.partner_id.id,
            **extra_create_values,
        )
        records = payment._portal_pay_allocate()
        self.invoice_ids = records.move_id
        payment._portal_pay_queue_receipt()
        return payment

    # === BUSINESS METHODS - RECEIPT === #

    def _portal_pay_receipt(self, contact):
        """The receipt of this transaction's payment, as an attachment of the payment.

        Rendered once and stored, then served again from the attachment: a PDF costs seconds of
        CPU. A stored receipt is used as long as the allocation it shows is unchanged (a refund
        or staff applying the payment further makes a new one). A render counts against the
        contact's PDF limit; serving a stored receipt does not.

        :param res.partner contact: the contact who asks for the receipt
        :return: the stored receipt
        :rtype: ir.attachment
        :raise TooManyDocuments: if a render is needed and the contact's PDF limit is reached
        """
        self.ensure_one()
        payment = self.payment_id
        version = self._portal_pay_receipt_version()
        Attachment = self.env["ir.attachment"].sudo()
        domain = [
            ("res_model", "=", payment._name),
            ("res_id", "=", payment.id),
            ("description", "=", version),
        ]
        stored = Attachment.search(domain, order="id desc", limit=1)
        if stored:
            return stored
        self.env["portal.pay.attempt"].sudo()._portal_pay_reserve_pdf(contact, payment.company_id)
        content, report_type = (
            self.env["ir.actions.report"]
            .sudo()
            ._render_qweb_pdf(const.RECEIPT_REPORT, res_ids=payment.ids)
        )
        return Attachment.create(
            {
                "name": payment._portal_pay_receipt_filename(),
                "raw": content,
                "res_model": payment._name,
                "res_id": payment.id,
                "description": version,
                # Odoo renders the PDF's HTML when it cannot make PDFs (tests).
                "mimetype": "application/pdf" if report_type == "pdf" else "text/html",
            }
        )

    def _portal_pay_receipt_version(self):
        """A key of what the receipt of this transaction's payment shows, but for the live
        balance: the payment and its allocation. A stored receipt carries it (as its
        description) and is served again only while it is unchanged."""
        self.ensure_one()
        payment = self.payment_id
        shown = [
            payment.amount,
            payment.state,
            payment.portal_pay_unapplied,
            payment.portal_pay_refunded,
        ] + [
            (
                record.id,
                record.move_id.id,
                record.amount,
                record.residual_after,
                record.amount_refunded,
            )
            for record in payment.portal_pay_allocation_ids
        ]
        digest = hashlib.sha256(repr(shown).encode()).hexdigest()[:16]
        return f"Portal payment receipt {digest}"

    # === ACCOUNTING STAFF: REFUNDS AND ANOMALIES === #

    portal_pay_anomaly = fields.Boolean(
        string="Confirmed Without Payment",
        readonly=True,
        copy=False,
        index=True,
        help="The provider confirmed this portal payment but no posted payment was created.",
    )

    def _portal_pay_create_refund_payment(self, **extra_create_values):
        """Create the refund payment of a portal payment and reopen its invoices, newest first.

        Note: self.ensure_one()
        """
        self.ensure_one()
        refund = super(
            PaymentTransaction, self.with_context(force_payment_move=True)
        )._create_payment(**extra_create_values)
        source_payment = self.source_transaction_id.payment_id
        if source_payment.is_portal_payment and refund.move_id:
            source_payment._portal_pay_unallocate(refund)
        return refund

    @api.model
    def _portal_pay_unposted_domain(self, before):
        return [
            ("portal_pay_account", "=", True),
            ("operation", "!=", "refund"),
            ("state", "=", "done"),
            ("last_state_change", "<", before),
            "|",
            ("payment_id", "=", False),
            ("payment_id.state", "not in", ("in_process", "paid")),
            ("portal_pay_anomaly", "=", False),
        ]

    @api.model
    def _cron_portal_pay_check_unposted(self, minutes=30):
        """Tell the accounting team about portal payments confirmed but never posted.

        The provider took the money, yet the post-processing failed (or was never reached):
        the customer's invoices are still open. Checked after a grace period so the regular
        post-processing cron has had its chance.
        """
        before = fields.Datetime.now() - timedelta(minutes=minutes)
        txs = self.sudo().search(self._portal_pay_unposted_domain(before), limit=200)
        for tx in txs:
            tx.portal_pay_anomaly = True
            partner = tx.partner_id.commercial_partner_id
            user = tx.company_id._portal_pay_responsible()
            partner.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._("Portal payment without accounting entry"),
                note=self.env._(
                    "Transaction %(reference)s (%(amount)s) was confirmed by %(provider)s but "
                    "has no posted payment: the invoices of %(customer)s are still open.",
                    reference=tx.reference,
                    amount=tx.currency_id.format(tx.amount),
                    provider=tx.provider_id.name,
                    customer=partner.name,
                ),
                user_id=user.id,
            )
            _logger.warning(
                "Portal transaction %s confirmed without a posted payment", tx.reference
            )
        return txs

    # === BUSINESS METHODS - STRIPE === #

    def _stripe_create_intent(self):
        """Override of `payment_stripe` to remember the PaymentIntent as soon as it exists.

        Stock Odoo learns the PaymentIntent id from the first notification; storing it at creation
        binds every later notification to it (see `_process`) and lets the recovery cron ask
        Stripe about transactions whose browser flow and webhook both went missing.
        """
        intent = super()._stripe_create_intent()
        if (
            intent
            and self.portal_pay_account
            and self.operation != "validation"
            and not self.provider_reference
        ):
            self.provider_reference = intent.get("id")
        return intent

    def _process(self, provider_code, payment_data):
        """Override of `payment` to apply a Stripe notification to an account payment only when it
        is about this transaction's PaymentIntent, amount and currency.

        A notification that does not match is logged and left unapplied (the transaction keeps
        its state); `payment` alone would either apply it or, for an amount mismatch, put a
        pending transaction in error. A transaction that becomes done is post-processed soon by
        Odoo's cron, even when the customer's browser is gone.
        """
        if provider_code != "stripe":
            return super()._process(provider_code, payment_data)
        tx = self or self._search_by_reference(provider_code, payment_data)
        if not tx:
            return tx
        if len(tx) != 1 or not tx.portal_pay_account:
            return super(PaymentTransaction, tx)._process(provider_code, payment_data)
        if tx.operation != "refund":
            mismatch = tx._portal_pay_stripe_mismatch(payment_data)
            if mismatch:
                _logger.error(
                    "Stripe notification not applied to transaction %s: %s",
                    tx.reference,
                    mismatch,
                )
                return tx
        previous_state = tx.state
        tx = super(PaymentTransaction, tx)._process(provider_code, payment_data)
        if tx.state == "done" and previous_state != "done":
            self.env.ref("payment.cron_post_process_payment_tx")._trigger()
        return tx

    def _portal_pay_stripe_mismatch(self, payment_data):
        """Say why Stripe payment data is not about this transaction, if it is not.

        :return: the reason, or ``None`` when the PaymentIntent id (once known), the amount in
                 minor units and the currency all match
        :rtype: str|None
        """
        self.ensure_one()
        intent = payment_data.get("payment_intent")
        if not isinstance(intent, dict):
            return "no PaymentIntent in the payment data"
        if self.provider_reference and intent.get("id") != self.provider_reference:
            return f"PaymentIntent {intent.get('id')} is not {self.provider_reference}"
        expected_amount = payment_utils.to_minor_currency_units(
            self.amount,
            self.currency_id,
            arbitrary_decimal_number=stripe_const.CURRENCY_DECIMALS.get(self.currency_id.name),
        )
        if intent.get("amount") != expected_amount:
            return f"amount {intent.get('amount')} instead of {expected_amount}"
        currency = intent.get("currency")
        if not isinstance(currency, str) or currency.upper() != self.currency_id.name:
            return f"currency {currency} instead of {self.currency_id.name}"
        return None

    # === BUSINESS METHODS - STRIPE RECOVERY === #

    @api.model
    def _portal_pay_stripe_stuck_domain(self):
        now = fields.Datetime.now()
        return [
            ("portal_pay_account", "=", True),
            ("provider_code", "=", "stripe"),
            ("operation", "in", ("online_direct", "online_token", "online_redirect")),
            ("state", "in", ("draft", "pending")),
            ("provider_reference", "=like", "pi\\_%"),
            (
                "last_state_change",
                "<=",
                now - timedelta(minutes=const.STRIPE_RECOVERY_DELAY_MINUTES),
            ),
            ("create_date", ">=", now - timedelta(days=const.STRIPE_RECOVERY_WINDOW_DAYS)),
        ]

    @api.model
    def _cron_portal_pay_stripe_recover(self):
        """Settle the account payments left in draft or pending: ask Stripe for the status of
        their PaymentIntent, apply it and post-process, one committed transaction at a time."""
        txs = self.search(self._portal_pay_stripe_stuck_domain(), order="id")
        cron = self.env["ir.cron"]
        cron._commit_progress(remaining=len(txs))
        for tx in txs:
            tx._portal_pay_stripe_recover()
            if not cron._commit_progress(1):
                break

    def _portal_pay_stripe_recover(self):
        """Fetch this transaction's PaymentIntent from Stripe, apply its status, post-process.

        The row is locked without waiting: if a webhook or the customer's return is processing
        it right now, they settle it and this run skips it. A Stripe failure leaves the
        transaction as it is for the next run (the request is a GET, safe to repeat).

        Note: self.ensure_one()
        """
        self.ensure_one()
        self.env.cr.execute(
            "SELECT id FROM payment_transaction WHERE id = %s FOR UPDATE SKIP LOCKED", [self.id]
        )
        if not self.env.cr.fetchone():
            return
        self.invalidate_recordset(["state", "provider_reference"])
        if self.state not in ("draft", "pending"):
            return
        try:
            intent = self._send_api_request(
                "GET",
                f"payment_intents/{self.provider_reference}",
                data={"expand[]": "payment_method"},
            )
        except ValidationError as error:
            _logger.warning(
                "Could not ask Stripe about transaction %s; retrying later: %s",
                self.reference,
                error,
            )
            return
        payment_data = {"reference": self.reference}
        StripeController._include_payment_intent_in_payment_data(intent, payment_data)
        self._process("stripe", payment_data)
        _logger.info("Recovered transaction %s from Stripe: %s", self.reference, self.state)
        if self.state in ("done", "cancel", "error") and not self.is_post_processed:
            self._post_process()
