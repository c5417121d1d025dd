"""19.0.1.1.0: the money applied is recorded with where it came from; credits apply with payments.

Before, "apply existing credits first" off still deducted open credits from the balance shown
without ever applying them, so paying the balance left invoices open. Credits now apply with each
payment by default; a company that wants its staff to apply them can switch the setting off again,
and the balance shown then no longer deducts them.
"""


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """
        UPDATE portal_pay_allocation allocation
           SET source_move_id = payment.move_id
          FROM account_payment payment
         WHERE allocation.payment_id = payment.id
           AND allocation.source_move_id IS NULL
        """
    )
    cr.execute("UPDATE res_company SET portal_pay_apply_credits = TRUE")
