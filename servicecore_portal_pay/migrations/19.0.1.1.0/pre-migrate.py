"""19.0.1.1.0: allocation records follow the ledger (bound to their reconciliation)."""


def migrate(cr, version):
    if not version:
        return
    # A record whose reconciliation was removed (unreconciled, reset, refunded) described money
    # the ledger no longer holds: it goes, as it now goes with its reconciliation.
    cr.execute("DELETE FROM portal_pay_allocation WHERE partial_id IS NULL")
