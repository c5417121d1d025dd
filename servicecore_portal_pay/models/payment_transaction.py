import logging
from datetime import timedelta

from odoo import Command, api, fields, models, modules

from odoo.addons.servicecore_portal_pay import const
from odoo.addons.servicecore_portal_pay.rules import amounts, status

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
    # Kept apart from the chosen items: a chosen line deleted meanwhile (its invoice reset and
    # removed) leaves the relation empty, and the payment must still pay nothing else.
    portal_pay_chose_items = fields.Boolean(
        string="Pays Chosen Items Only", readonly=True, copy=False
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

    # The random part of the Make a Payment form that created this transaction: a second post of
    # the same form finds this transaction, and the unique index decides between parallel posts.
    portal_pay_form_nonce = fields.Char(readonly=True, copy=False)

    _portal_pay_form_nonce_uniq = models.UniqueIndex(
        "(portal_pay_form_nonce) WHERE portal_pay_form_nonce IS NOT NULL"
    )

    # Card testing through one PaymentIntent: each failed charge Stripe reports counts toward the
    # failure limits (models/portal_pay_attempt.py), once, whatever delivers it.
    portal_pay_failed_charges = fields.Integer(readonly=True, copy=False)
    portal_pay_failed_charge_refs = fields.Char(readonly=True, copy=False)

    # The card as the provider reported it, for the receipt (a saved card's own digits win).
    portal_pay_card_brand = fields.Char(string="Card Brand", readonly=True, copy=False)
    portal_pay_card_last4 = fields.Char(string="Card Last 4 Digits", readonly=True, copy=False)

    portal_pay_customer_status = fields.Selection(
        selection=status.STATUSES,
        string="Customer Status",
        compute="_compute_portal_pay_customer_status",
        help="The word the customer sees for this payment, on the portal and the receipt.",
    )

    # === COMPUTE METHODS === #

    @api.depends(
        "state", "amount", "operation", "payment_id.state", "payment_id.portal_pay_refunded"
    )
    def _compute_portal_pay_customer_status(self):
        for tx in self:
            tx.portal_pay_customer_status = self.env["portal.pay.status"]._of_transaction(tx)

    def _portal_pay_pending_delay(self):
        """``minutes``, ``days`` or ``unknown``: roughly when a pending payment is confirmed."""
        self.ensure_one()
        return self.env["portal.pay.status"]._pending_delay(self)

    def _portal_pay_status_wait(self):
        """Seconds Odoo's status page polls this transaction before it shows the pending page
        (a Make a Payment transaction only; others poll as stock does)."""
        self.ensure_one()
        return const.PENDING_WAIT_SECONDS if self.portal_pay_account else False

    # === BUSINESS METHODS - PAYMENT FLOW === #

    def _create_child_transaction(self, amount, is_refund=False, **custom_create_values):
        """Override of `payment` to keep partial captures of account payments on account.

        The captured part of an authorized account payment is a child transaction that creates
        the payment: it is applied like its source, to the items its source chose.
        """
        if self.portal_pay_account and not is_refund:
            custom_create_values.setdefault("portal_pay_account", True)
            custom_create_values.setdefault(
                "portal_pay_line_ids", [Command.set(self.portal_pay_line_ids.ids)]
            )
            custom_create_values.setdefault("portal_pay_chose_items", self.portal_pay_chose_items)
        return super()._create_child_transaction(
            amount, is_refund=is_refund, **custom_create_values
        )

    def _get_invoices_to_notify(self):
        """Override of `account_payment`: the allocation notes each invoice with what it got;
        stock's note would repeat it with the whole amount of the transaction."""
        if self.portal_pay_account or self.source_transaction_id.portal_pay_account:
            return self.env["account.move"]
        return super()._get_invoices_to_notify()

    def _apply_updates(self, payment_data):
        """Override of `payment` to keep the card an account payment was made with, as the
        provider reports it, for the confirmation and the receipt."""
        result = super()._apply_updates(payment_data)
        if (
            self.portal_pay_account
            and self.operation not in ("validation", "refund")
            and self.state in ("authorized", "done")  # a declined card is not the card that paid
        ):
            self.env["portal.pay.receipt"]._keep_card(self, payment_data)
        return result

    # === BUSINESS METHODS - POST-PROCESSING === #

    def _post_process(self):
        """Override of `payment` to book Make a Payment transactions one customer at a time.

        Under REPEATABLE READ the caller's snapshot is older than any lock it takes, so two
        payments of one customer booked at once would collide on the customer's invoices, fail
        and be retried (the status poll answers "retry"). Instead each confirmed account payment
        is booked in a transaction of its own, started only once the customer's lock is held
        (taken on a separate connection), so it sees every booking committed before it and waits
        for them instead of failing. The status poll asks for it (`portal_pay_serialize`): it
        holds no lock when it post-processes. Everywhere else (crons, tests, a caller that has
        not committed the transaction or holds its row) it is booked in the caller's transaction.
        """
        if (
            not self.env.context.get("portal_pay_serialize")
            or self.env.context.get("portal_pay_booking")
            # A test runs in one transaction that must not commit.
            or modules.module.current_test
        ):
            return super()._post_process()
        booked = self.browse()
        for tx in self.filtered(lambda tx: tx._portal_pay_needs_booking()):
            if self.env["portal.pay.booking"]._book_serialized(tx):
                booked |= tx
        return super(PaymentTransaction, self - booked)._post_process()

    def _portal_pay_needs_booking(self):
        self.ensure_one()
        return (
            self.portal_pay_account
            and self.state == "done"
            and self.operation not in ("validation", "refund")
            and not self.payment_id
            and not self.is_post_processed
        )

    def _portal_pay_allocations(self):
        """What this transaction's payments applied, as the ledger holds it now."""
        self.ensure_one()
        return (
            self.env["portal.pay.allocation"]
            .sudo()
            .search([("payment_id.payment_transaction_id", "=", self.id)], order="sequence, id")
        )

    def _create_payment(self, **extra_create_values):
        """Override of `account_payment` to apply account payments oldest invoice first.

        Exactly once per transaction: the transaction row is locked and re-read, so concurrent
        status polls, webhooks and cron runs create a single booking. The customer's account is
        read and locked, a plan is made, one payment is created per receivable account the plan
        pays, and the engine books exactly the plan.

        Note: self.ensure_one()
        """
        self.ensure_one()
        if self.operation == "refund" and self.source_transaction_id.portal_pay_account:
            return self._portal_pay_create_refund_payment(**extra_create_values)
        if not self.portal_pay_account or self.operation == "refund":
            return super()._create_payment(**extra_create_values)
        self.env.cr.execute(
            "SELECT payment_id FROM payment_transaction WHERE id = %s FOR UPDATE",
            [self.id],
            log_exceptions=False,  # a lock timeout of the serialized booking is handled there
        )
        existing_id = self.env.cr.fetchone()[0]
        if existing_id:
            return self.env["account.payment"].browse(existing_id)
        Booking = self.env["portal.pay.booking"]
        account = Booking._account(self)
        plan = account.plan(account.quantize(self.amount))
        payments = {}
        for receivable, amount, applications in Booking._shares(account, plan):
            payments[receivable.id] = self._portal_pay_create_payment(
                receivable,
                amount,
                Booking._discount_write_offs(account, applications),
                **extra_create_values,
            )
        main = next(iter(payments.values()))
        self.payment_id = main
        records = self.env["portal.pay.engine"]._book(account, plan, payments)
        self.invoice_ids = records.move_id.filtered(lambda move: move.move_type == "out_invoice")
        main._portal_pay_queue_receipt()
        return main

    def _portal_pay_method_account(self):
        """The outstanding account of the payment method line stock's payments use (for refunds
        too: stock takes the provider's inbound line for both), if it has one."""
        return self.provider_id.journal_id.inbound_payment_method_line_ids.filtered(
            lambda line: line.payment_provider_id == self.provider_id
        )[:1].payment_account_id

    def _portal_pay_create_payment(self, receivable, amount, write_offs, **extra_create_values):
        """One payment of this transaction, on one receivable account, through stock's path.

        The outstanding account is the payment method line's when it has one (e.g. a card
        clearing account the provider's payouts are reconciled against); only without one is
        the chart's Outstanding Receipts forced, so that the payment still gets its entry.
        """
        tx = self.with_context(force_payment_move=not self._portal_pay_method_account())
        return super(PaymentTransaction, tx)._create_payment(
            amount=float(amount),
            destination_account_id=receivable.id,
            write_off_line_vals=write_offs,
            is_portal_payment=True,
            portal_pay_contact_id=self.partner_id.id,
            **extra_create_values,
        )

    # === ACCOUNTING STAFF: REFUNDS AND ANOMALIES === #

    portal_pay_anomaly = fields.Boolean(
        string="Confirmed Without Payment",
        readonly=True,
        copy=False,
        index=True,
        help="The provider confirmed this portal payment but no posted payment was created.",
    )

    def _portal_pay_create_refund_payment(self, **extra_create_values):
        """Create the refund payment(s) of a portal payment and reopen its invoices, newest first.

        A transaction that paid several receivable accounts made one payment per account; its
        refund makes one refund payment per account it takes money back from, so that each
        refund is matched on its own account and no stray debit is left (see
        `portal.pay.refund._shares`).

        Note: self.ensure_one()
        """
        self.ensure_one()
        Refund = self.env["portal.pay.refund"]
        places = self.currency_id.decimal_places
        shares = Refund._shares(self.source_transaction_id, amounts.quantize(-self.amount, places))
        tx = self.with_context(force_payment_move=not self._portal_pay_method_account())
        refunds = []
        for payment, amount in shares:
            values = dict(extra_create_values, amount=float(amount))
            if payment:
                values["destination_account_id"] = payment.destination_account_id.id
            refunds.append((payment, super(PaymentTransaction, tx)._create_payment(**values)))
        self.payment_id = refunds[0][1]
        for payment, refund in refunds:
            if payment.is_portal_payment and refund.move_id:
                Refund._unbook(payment, refund)
        return self.payment_id

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

    # === BUSINESS METHODS - BILLING DETAILS === #

    def _get_specific_processing_values(self, processing_values):
        """Override of `payment_stripe` to give Stripe.js the billing details of a card payment
        on account: the page passes them when it confirms the PaymentIntent
        (``payment_method_data``), so the card's PaymentMethod carries the details the server
        checked. A saved card is charged off session with the details saved with it."""
        values = super()._get_specific_processing_values(processing_values)
        if (
            self.portal_pay_account
            and self.provider_code == "stripe"
            and self.operation == "online_direct"
        ):
            values["billing_details"] = self.env["portal.pay.stripe"]._tx_billing_details(self)
        return values

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
            mismatch = self.env["portal.pay.stripe"]._mismatch(tx, payment_data)
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
        if tx.operation != "refund":
            self.env["portal.pay.stripe"]._count_decline(tx, payment_data.get("payment_intent"))
        return tx

    # === BUSINESS METHODS - STRIPE RECOVERY === #

    @api.model
    def _cron_portal_pay_stripe_recover(self):
        """Settle the account payments left in draft or pending: ask Stripe for the status of
        their PaymentIntent, apply it and post-process, one committed transaction at a time."""
        Stripe = self.env["portal.pay.stripe"]
        txs = self.search(Stripe._stuck_domain(), order="id")
        cron = self.env["ir.cron"]
        cron._commit_progress(remaining=len(txs))
        for tx in txs:
            Stripe._recover(tx)
            if not cron._commit_progress(1):
                break
