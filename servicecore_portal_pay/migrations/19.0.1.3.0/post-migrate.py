"""19.0.1.3.0: a "choose invoices" payment remembers that it chose (portal_pay_chose_items), so
that it pays nothing else when its chosen invoices are deleted before it is booked. The
transactions that chose items before the upgrade are marked from the items they still have."""


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """
        UPDATE payment_transaction tx
           SET portal_pay_chose_items = TRUE
         WHERE tx.portal_pay_account
           AND EXISTS (
                SELECT 1
                  FROM account_move_line_payment_transaction_rel chosen
                 WHERE chosen.payment_transaction_id = tx.id
               )
        """
    )
