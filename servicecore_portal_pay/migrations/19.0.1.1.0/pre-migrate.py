"""19.0.1.1.0: allocation records follow the ledger (bound to their reconciliation)."""


def migrate(cr, version):
    if not version:
        return
    # A record whose reconciliation was removed (unreconciled, reset, refunded) described money
    # the ledger no longer holds: it goes, as it now goes with its reconciliation.
    cr.execute("DELETE FROM portal_pay_allocation WHERE partial_id IS NULL")
    # Records now state what their reconciliation holds: a partly refunded one kept its first
    # amount (and the refund apart); the reconciliation it points to has what is left.
    cr.execute(
        """
        UPDATE portal_pay_allocation allocation
           SET amount = partial.debit_amount_currency
          FROM account_partial_reconcile partial
         WHERE allocation.partial_id = partial.id
           AND allocation.amount != partial.debit_amount_currency
        """
    )
