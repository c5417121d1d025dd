from decimal import Decimal

from odoo import api, models

from odoo.addons.servicecore_portal_pay import utils
from odoo.addons.servicecore_portal_pay.rules import allocation, amounts


class PortalPayRefund(models.AbstractModel):
    """Takes a refund back from a portal payment's allocation: newest invoice first, to the cent.

    The counterpart of ``portal.pay.engine``: what the engine applied oldest first, a refund
    reopens newest first, and the allocation records follow the ledger.
    """

    _name = "portal.pay.refund"
    _description = "Portal Payment Refund"

    @api.model
    def _shares(self, tx, amount):
        """How much a refund of ``amount`` takes back from each payment of ``tx``.

        Like a refund of one payment: what was never applied goes back first, then what was
        applied, newest first, across all the transaction's payments (one per receivable
        account it paid).

        :return: ``[(account.payment, Decimal)]``, the transaction's payment first, no zero share
                 but the first
        :rtype: list
        """
        payments = tx.payment_id | self.env["account.payment"].search(
            [
                ("payment_transaction_id", "=", tx.id),
                ("state", "in", ("in_process", "paid")),
                ("payment_type", "=", "inbound"),
            ],
            order="id",
        )
        if len(payments) < 2:
            return [(payments, amount)]
        places = tx.currency_id.decimal_places
        taken = dict.fromkeys(payments, Decimal(0))
        left = amount
        for payment in payments:
            free = amounts.quantize(payment.portal_pay_open_credit, places)
            taken[payment] += min(free, left)
            left -= min(free, left)
        records = payments.portal_pay_allocation_ids.filtered(
            lambda record: record.kind == allocation.PAYMENT
        ).sorted("sequence")
        cuts, left = allocation.unallocate(
            [
                (record, amounts.quantize(record.partial_id.debit_amount_currency, places))
                for record in records
            ],
            left,
        )
        for record, cut in cuts:
            taken[record.payment_id] += cut
        taken[payments[:1]] += left  # more than was paid: the main payment's account
        return [
            (payment, share)
            for index, (payment, share) in enumerate(taken.items())
            if share > 0 or index == 0
        ]

    @api.model
    def _unbook(self, payment, refund_payment):
        """Reopen what ``refund_payment`` takes back from ``payment``.

        What the payment never applied (credit left on it) goes back first; then each invoice
        it paid, newest first, is reopened by what the refund still needs. The refund's
        receivable line is matched with the payment's, so no stray debit remains.

        :return: ``[(invoice, Decimal reopened)]``, newest first
        :rtype: list
        """
        places = payment.currency_id.decimal_places
        payment_line = payment.move_id.line_ids.filtered(
            lambda line: line.account_id == payment.destination_account_id
        )
        refund_line = refund_payment.move_id.line_ids.filtered(
            lambda line: line.account_id == payment.destination_account_id and not line.reconciled
        )
        records = payment.portal_pay_allocation_ids.filtered(
            lambda record: (
                record.kind == allocation.PAYMENT
                and record.partial_id.credit_move_id == payment_line
            )
        ).sorted("sequence")
        self.env["portal.pay.engine"]._lock_lines(payment_line | refund_line | records.move_line_id)
        payment_line.invalidate_recordset(["amount_residual", "amount_residual_currency"])
        amount = amounts.quantize(refund_payment.amount, places)
        free = amounts.quantize(-payment_line.amount_residual_currency, places)
        needed = max(amount - free, Decimal(0))
        booked = {
            record.id: amounts.quantize(record.partial_id.debit_amount_currency, places)
            for record in records
        }
        cuts, _left = allocation.unallocate(
            [(record.id, booked[record.id]) for record in records], needed
        )
        by_id = {record.id: record for record in records}
        result, to_reapply = [], []
        for record_id, taken in cuts:
            record = by_id[record_id]
            result.append((record.move_id, taken))
            if booked[record_id] - taken > 0:
                snapshot = {
                    "kind": record.kind,
                    "sequence": record.sequence,
                    "date_maturity": record.date_maturity,
                    "residual_after": record.residual_after,
                }
                to_reapply.append((record.move_line_id, snapshot, taken))
            # The record goes with its reconciliation (ondelete cascade).
            record.partial_id.unlink()
        # The freed credit pays the refund first; what is left goes back to the invoice that was
        # only partly reopened (at most one: the oldest of those cut).
        if refund_line:
            (payment_line + refund_line).reconcile()
        for line, values, taken in to_reapply:
            (payment_line + line).reconcile()
            partial = payment_line.matched_debit_ids.filtered(
                lambda part, line=line: part.debit_move_id == line
            )[-1:]
            self.env["portal.pay.allocation"].sudo().create(
                {
                    "kind": values["kind"],
                    "payment_id": payment.id,
                    "source_move_id": payment.move_id.id,
                    "sequence": values["sequence"],
                    "move_line_id": line.id,
                    "move_id": line.move_id.id,
                    "partial_id": partial.id,
                    "date_maturity": values["date_maturity"],
                    "amount": partial.debit_amount_currency,
                    "residual_after": values["residual_after"] + float(taken),
                    "currency_id": payment.currency_id.id,
                }
            )
        payment.sudo().portal_pay_refunded = payment.portal_pay_refunded + float(amount)
        payment._portal_pay_sync_unapplied()
        self._log(payment, result, amount)
        return result

    @api.model
    def _log(self, payment, result, amount):
        currency = payment.currency_id
        body = utils.html_list(
            self.env._(
                "Refund of %(amount)s taken back from the newest invoices first:",
                amount=currency.format(float(amount)),
            ),
            (
                self.env._(
                    "%(invoice)s: %(amount)s reopened",
                    invoice=invoice._get_html_link(),
                    amount=currency.format(float(taken)),
                )
                for invoice, taken in result
            ),
        )
        payment.sudo().message_post(body=body)
        for invoice, taken in result:
            invoice.sudo().message_post(
                body=self.env._(
                    "Refund of payment %(payment)s reopened %(amount)s on this invoice.",
                    payment=payment._get_html_link(),
                    amount=currency.format(float(taken)),
                )
            )
        if result:
            payment._portal_pay_raise_anomaly(
                "refund",
                self.env._(
                    "Portal payment %(payment)s was refunded (%(amount)s) after it was applied: "
                    "%(count)s invoice(s) were reopened.",
                    payment=payment.name,
                    amount=currency.format(float(amount)),
                    count=len(result),
                ),
            )
