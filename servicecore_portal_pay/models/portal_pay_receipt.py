import hashlib
import logging

import pytz

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import format_datetime

from odoo.addons.servicecore_portal_pay import const

_logger = logging.getLogger(__name__)


def _last4(payment_details):
    """The last four digits of a card as a provider or a saved card shows it ("•••• 4242")."""
    return "".join(filter(str.isdigit, payment_details or ""))[-4:]


class PortalPayReceipt(models.AbstractModel):
    """The receipt of a portal payment: emailed to the payer after the payment commits, and
    downloaded from the portal (rendered once, stored, served again from storage)."""

    _name = "portal.pay.receipt"
    _description = "Portal Payment Receipt"

    @api.model
    def _get(self, tx, contact):
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
        return self._get_payment(tx.payment_id, contact)

    @api.model
    def _get_payment(self, payment, contact):
        """The receipt of ``payment`` (see :meth:`_get`): also of a payment made elsewhere than
        the portal, which the payment history lists too."""
        stored = self._find(payment)
        if stored:
            return stored
        self.env["portal.pay.attempt"].sudo()._portal_pay_reserve_pdf(contact, payment.company_id)
        return self._render(payment)

    @api.model
    def _time(self, payment, moment):
        """``moment`` (UTC) as the customer of ``payment`` reads it: date and time in the paying
        contact's timezone (else the customer's, else the request's), with the zone's
        abbreviation, e.g. "12/02/2026 09:05 AM EST"."""
        if not moment:
            return ""
        tz = (
            payment.portal_pay_contact_id.tz
            or payment.partner_id.tz
            or self.env.context.get("tz")
            or "UTC"
        )
        zone = pytz.timezone(tz) if tz in pytz.all_timezones_set else pytz.utc
        local = pytz.utc.localize(moment).astimezone(zone)
        shown = format_datetime(self.env, moment, tz=zone.zone, dt_format="short")
        return f"{shown} {local.tzname()}"

    @api.model
    def _find(self, payment):
        """The stored receipt of ``payment`` as it is now (see :meth:`_version`), if any."""
        return (
            self.env["ir.attachment"]
            .sudo()
            .search(
                [
                    ("res_model", "=", payment._name),
                    ("res_id", "=", payment.id),
                    ("description", "=", self._version(payment)),
                ],
                order="id desc",
                limit=1,
            )
        )

    @api.model
    def _render(self, payment):
        """Render the receipt of ``payment`` and store it, keyed by its version.

        :raise UserError: if no PDF engine is available
        """
        content, report_type = (
            self.env["ir.actions.report"]
            .sudo()
            ._render_qweb_pdf(const.RECEIPT_REPORT, res_ids=payment.ids)
        )
        return (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": payment._portal_pay_receipt_filename(),
                    "raw": content,
                    "res_model": payment._name,
                    "res_id": payment.id,
                    "description": self._version(payment),
                    # Odoo renders the PDF's HTML when it cannot make PDFs (tests).
                    "mimetype": "application/pdf" if report_type == "pdf" else "text/html",
                }
            )
        )

    @api.model
    def _version(self, payment):
        """A key of what the receipt of ``payment`` shows: the payment and its allocation as the
        ledger holds it. A stored receipt carries it (as its description) and is served again
        only while it is unchanged."""
        shown = [
            payment.amount,
            payment.state,
            payment.portal_pay_unapplied,
            payment.portal_pay_refunded,
            payment.with_env(self.env)._portal_pay_receipt_emailed_to(),
        ]
        if not payment.is_portal_payment:  # what it paid, as the ledger holds it
            shown += [
                (move.id, amount) for move, amount, _credit in payment._portal_pay_paid_documents()
            ]
        shown += [
            (
                record.id,
                record.move_id.id,
                record.kind,
                record.amount,
                record.discount,
                record.residual_after,
            )
            for record in payment.portal_pay_receipt_allocation_ids
        ]
        digest = hashlib.sha256(repr(shown).encode()).hexdigest()[:16]
        return f"Portal payment receipt {digest}"

    @api.model
    def _send(self, payments):
        """Queue the receipt email (with its PDF) to the paying contact, if the company wants it."""
        for payment in payments:
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
            email = payment.portal_pay_contact_id.email
            try:
                with self.env.cr.savepoint():
                    # The receipt attached says where it is sent (rendered with the address in
                    # the context); the address is written only after the render, so that the
                    # payment's row is not locked while the PDF is made (a booking that settles
                    # the payment would wait for it). A failed send rolls both back.
                    attachment = self.with_context(portal_pay_receipt_to=email)._attachment(payment)
                    payment.sudo().write(
                        {
                            "portal_pay_receipt_sent_to": email,
                            "portal_pay_receipt_sent_on": fields.Datetime.now(),
                        }
                    )
                    template.sudo().send_mail(
                        payment.id,
                        email_values={
                            "attachment_ids": [
                                fields.Command.link(att.id)
                                for att in template.attachment_ids | attachment
                            ]
                        },
                    )
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                raise  # not the email's fault: the caller retries
            except Exception:
                _logger.exception(
                    "Portal payment %s: the receipt email could not be sent", payment.name
                )

    @api.model
    def _send_queued(self, batch_size=50):
        """Send the queued receipts, one payment per commit (see
        `account.payment._portal_pay_queue_receipt`)."""
        payments = (
            self.env["account.payment"]
            .sudo()
            .search([("portal_pay_receipt_due", "=", True)], order="id", limit=batch_size)
        )
        in_cron = bool(self.env.context.get("cron_id"))
        for index, payment in enumerate(payments):
            # Render and queue first, then mark it sent: the PDF engine fetches its assets from
            # this server's workers, and the payment's row must not stay locked meanwhile (a
            # booking that touches the payment would wait for the render, the render for a
            # worker, and the worker for the booking).
            try:
                with self.env.cr.savepoint():
                    self._send(payment)
                    payment.portal_pay_receipt_due = False
                    payment.flush_recordset(["portal_pay_receipt_due"])
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                # A booking changed the payment meanwhile (its state follows its invoices): the
                # receipt (and its email) is rolled back with the mark, and sent on the next run.
                _logger.info("Receipt of %s postponed: the payment changed", payment.name)
                continue
            # Committed one by one: a failure later in the batch must not resend this one. A
            # run stops when its time is up (PDFs take seconds each); Odoo runs the rest next.
            if in_cron and not self.env["ir.cron"]._commit_progress(
                processed=1, remaining=len(payments) - index - 1
            ):
                break

    @api.model
    def _attachment(self, payment):
        """The receipt to attach to the email: the stored one, or rendered and stored now (the
        portal download then serves the same file). Empty if no PDF can be made."""
        try:
            with self.env.cr.savepoint():
                return self._find(payment) or self._render(payment)
        except UserError as error:  # e.g. wkhtmltopdf is not installed
            _logger.warning("Portal payment %s: no PDF receipt (%s)", payment.name, error)
            return self.env["ir.attachment"]

    # === THE CARD THAT PAID === #

    @api.model
    def _keep_card(self, tx, payment_data):
        """Store on ``tx`` the card the provider reports it was paid with."""
        if tx.provider_code == "stripe":
            brand, last4 = self.env["portal.pay.stripe"]._card(payment_data)
        elif tx.provider_code == "demo":  # what the customer typed as the card
            brand, last4 = None, _last4(payment_data.get("payment_details"))
        else:
            return
        if last4:
            tx.portal_pay_card_brand, tx.portal_pay_card_last4 = brand, last4

    @api.model
    def _method_label(self, tx):
        """The payment method as the receipt names it: "VISA ending in 4242", or the method's
        name when no card digits are known.

        A saved card shows the digits stored on it; otherwise what the provider reported.
        """
        method = tx.payment_method_id
        if tx.portal_pay_card_brand:
            method = (
                self.env["payment.method"]
                .sudo()
                .with_context(active_test=False)
                .search([("code", "=", tx.portal_pay_card_brand)], limit=1)
            ) or method
        name = method.name or tx.portal_pay_card_brand or ""
        last4 = _last4(tx.token_id.payment_details) or tx.portal_pay_card_last4
        if not last4:
            return name
        return self.env._("%(method)s ending in %(last4)s", method=name, last4=last4)
