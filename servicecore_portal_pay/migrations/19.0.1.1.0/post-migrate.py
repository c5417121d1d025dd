"""19.0.1.1.0: the money applied is recorded with where it came from.

"Apply open credits with each payment" keeps each company's value: off now means the credits are
neither applied nor deducted from the balance shown (before, they were deducted but never
applied, so paying the balance left invoices open); on (the new default) applies them.
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
