import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.http import request
from odoo.sql_db import Cursor
from odoo.tools import SQL

from odoo.addons.payment import utils as payment_utils
from odoo.addons.servicecore_portal_pay import const
from odoo.addons.servicecore_portal_pay.rules import throttle

_logger = logging.getLogger(__name__)

# Where a request keeps the attempt it reserved: Odoo replays a whole request after a
# serialization failure, and the replay must not count the attempt a second time.
RESERVED_ENVIRON_KEY = "servicecore_portal_pay.attempt"

# What this process has already warned about (once per process is enough for a configuration).
_warned = set()


class TooManyDocuments(UserError):
    """Shown by Odoo as a "429 Too Many Requests" page on the portal's PDF routes."""

    http_status = 429


class PortalPayAttempt(models.Model):
    """One Make a Payment attempt, or one PDF rendered, counted against the company's limits.

    An attempt is reserved, counted and committed in a transaction of its own before anything
    else happens: the counts of parallel requests, on any worker of any server, are taken one
    after the other, and no lock is held while the request goes on to call the payment provider.
    """

    _name = "portal.pay.attempt"
    _description = "Portal Payment Attempt"
    _order = "id desc"

    kind = fields.Selection(
        selection=[("payment", "Payment"), ("pdf", "PDF")],
        required=True,
        readonly=True,
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Contact",
        required=True,
        readonly=True,
        ondelete="cascade",
    )
    ip = fields.Char(string="Client IP", readonly=True)

    _partner_kind_date_idx = models.Index("(partner_id, kind, create_date)")
    _ip_kind_date_idx = models.Index("(ip, kind, create_date) WHERE ip IS NOT NULL")

    # === BUSINESS METHODS === #

    @api.model
    def _portal_pay_reserve_payment(self, partner, company):
        """Count a new Make a Payment attempt of ``partner`` from the request's client address,
        or refuse it.

        :param res.partner partner: the paying contact
        :param res.company company: the company paid
        :return: the values that tie the new transaction to its attempt and client address
        :rtype: dict
        :raise ValidationError: if a limit is reached; nothing is recorded then
        """
        limits = company._portal_pay_throttle_limits()
        ip = self._portal_pay_client_ip(limits)
        if ip is None:
            limits = limits.without_ip()
        values = {"portal_pay_ip": ip or False}
        if limits.payments_limited():
            values["portal_pay_attempt_id"] = self._portal_pay_reserve(
                "payment", partner, ip, limits
            )
        return values

    @api.model
    def _portal_pay_reserve_pdf(self, partner, company):
        """Count one more statement or receipt PDF rendered for ``partner``, or refuse it.

        :raise TooManyDocuments: if the contact's limit is reached
        """
        limits = company._portal_pay_throttle_limits()
        if limits.pdf_user:
            self._portal_pay_reserve("pdf", partner, None, limits)

    @api.model
    def _portal_pay_reserve(self, kind, partner, ip, limits):
        """Count and record an attempt in a short transaction of its own, committed at once.

        The contact's lock, then the address's when per-IP limits are set (always in this order:
        no lock cycle), serialize the attempts to count. Under Odoo's REPEATABLE READ the
        snapshot would predate the locks, so this transaction runs READ COMMITTED: each count sees
        every attempt committed before the locks were granted. The locks end with the
        transaction, before the request goes on.

        :return: the id of the recorded attempt
        :rtype: int
        :raise ValidationError: (payments) or TooManyDocuments (PDFs) if a limit is reached
        """
        environ = request.httprequest.environ if request else {}
        key = f"{RESERVED_ENVIRON_KEY}.{kind}"
        if key in environ:
            return environ[key]
        with self.env.registry.cursor() as cr:
            # Tests run on their own transaction, where requests are serialized anyway.
            if isinstance(cr, Cursor):
                cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
            cr.execute(
                SQL("SELECT pg_advisory_xact_lock(%s, %s)", const.THROTTLE_LOCK_PARTNER, partner.id)
            )
            if ip and limits.per_ip():
                cr.execute(
                    SQL(
                        "SELECT pg_advisory_xact_lock(%s, hashtext(%s))", const.THROTTLE_LOCK_IP, ip
                    )
                )
            attempts = self.with_env(self.env(cr=cr))
            if kind == "pdf":
                rendered = attempts._portal_pay_count_pdfs(partner, limits)
                if throttle.pdf_refused(rendered, limits):
                    _logger.warning(
                        "Portal PDFs throttled: partner %s, %s rendered", partner.id, rendered
                    )
                    raise TooManyDocuments(
                        self.env._(
                            "Too many documents requested. Please wait a few minutes before "
                            "trying again."
                        )
                    )
            else:
                counts = attempts._portal_pay_count_payments(partner, ip, limits)
                reached = throttle.refusal(counts, limits)
                if reached:
                    _logger.warning(
                        "Make a Payment throttled (%s): partner %s, IP %s, %s",
                        reached,
                        partner.id,
                        ip or "unknown",
                        counts,
                    )
                    raise ValidationError(
                        self.env._(
                            "Too many payment attempts. Please wait a few minutes before trying "
                            "again."
                        )
                    )
            attempt = attempts.create({"kind": kind, "partner_id": partner.id, "ip": ip})
        environ[key] = attempt.id
        return attempt.id

    def _portal_pay_count_payments(self, partner, ip, limits):
        """Count the payment attempts of a contact and from an address within the windows.

        An attempt counts as failed until its transaction is confirmed: when the transaction
        failed, was cancelled, is still a draft, or does not exist (yet: the request that
        reserved it is still running, or it failed before creating it). A transaction on which
        Stripe reported several failed charges (cards tried on one PaymentIntent) counts each.

        :param str ip: the client address (``None``: nothing is counted for it)
        :rtype: throttle.Counts
        """
        now = self.env.cr.now()
        tx_since = now - timedelta(minutes=limits.tx_minutes)
        failed_since = now - timedelta(minutes=limits.failed_minutes)
        failures = SQL(
            """CASE WHEN a.create_date < %s THEN 0
                    WHEN t.id IS NULL OR t.state IN ('draft', 'error', 'cancel')
                    THEN GREATEST(t.portal_pay_failed_charges, 1)
                    ELSE COALESCE(t.portal_pay_failed_charges, 0) END""",
            failed_since,
        )
        self.env.cr.execute(
            SQL(
                """
                SELECT count(*) FILTER (WHERE a.partner_id = %(partner)s AND %(started)s),
                       count(*) FILTER (WHERE a.ip = %(ip)s AND %(started)s),
                       COALESCE(sum(%(failures)s) FILTER (WHERE a.partner_id = %(partner)s), 0),
                       COALESCE(sum(%(failures)s) FILTER (WHERE a.ip = %(ip)s), 0)
                  FROM portal_pay_attempt a
                  LEFT JOIN payment_transaction t ON t.portal_pay_attempt_id = a.id
                 WHERE a.kind = 'payment'
                   AND a.create_date >= %(since)s
                   AND (a.partner_id = %(partner)s OR a.ip = %(ip)s)
                """,
                partner=partner.id,
                ip=ip,
                started=SQL("a.create_date >= %s", tx_since),
                failures=failures,
                since=min(tx_since, failed_since),
            )
        )
        return throttle.Counts(*(int(count) for count in self.env.cr.fetchone()))

    def _portal_pay_count_pdfs(self, partner, limits):
        """The PDFs rendered for a contact within the attempts window."""
        since = self.env.cr.now() - timedelta(minutes=limits.tx_minutes)
        return self.search_count(
            [("kind", "=", "pdf"), ("partner_id", "=", partner.id), ("create_date", ">=", since)]
        )

    @api.model
    def _portal_pay_client_ip(self, limits):
        """The request's client address, or ``None`` when it is a proxy's.

        A request that carries forwarding headers Odoo did not apply (no proxy_mode) comes from a
        reverse proxy: every customer would share its address, and one customer's failures
        would lock out all the others. The per-IP limits are then left out (with a warning once
        per process, when they are set) and the per-contact limits still apply.
        """
        ip = payment_utils.get_customer_ip_address() or None
        if not request or not ip:
            return ip
        httprequest = request.httprequest
        header = throttle.ignored_forwarding_header(
            httprequest.headers, "werkzeug.proxy_fix.orig" in httprequest.environ
        )
        if not header:
            return ip
        if limits.per_ip() and "proxy" not in _warned:
            _warned.add("proxy")
            _logger.warning(
                "Portal requests come through a proxy (%s header) but Odoo does not use its "
                "headers (proxy_mode is off, or X-Forwarded-For/X-Forwarded-Host are missing): "
                "the per-IP payment attempt limits are not applied, only the per-contact ones. "
                "Run Odoo with --proxy-mode behind a proxy that sets X-Forwarded-For and "
                "X-Forwarded-Host.",
                header,
            )
        return None

    @api.autovacuum
    def _gc_portal_pay_attempts(self):
        """Forget the attempts older than every company's windows."""
        companies = self.env["res.company"].sudo().search([])
        minutes = max(
            1440,
            *companies.mapped("portal_pay_throttle_tx_minutes"),
            *companies.mapped("portal_pay_throttle_failed_minutes"),
        )
        before = self.env.cr.now() - timedelta(minutes=minutes)
        self.sudo().search([("create_date", "<", before)]).unlink()
