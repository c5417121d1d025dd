"""Pure rule of the one status word a customer (and staff, next to Odoo's own states) sees for a
payment: on the confirmation, in the payment history, on the receipt and in the backend.

Nothing here touches the ORM: transactions and payments feed it plain values.
"""

PROCESSING = "processing"
PAID = "paid"
PARTLY_APPLIED = "partly_applied"
FAILED = "failed"
CANCELLED = "cancelled"
REFUNDED = "refunded"
PARTLY_REFUNDED = "partly_refunded"

# The codes with their words, in the order of a payment's life; the Selection fields take their
# labels from here (translated by Odoo like any selection label).
STATUSES = [
    (PROCESSING, "Processing"),
    (PAID, "Paid"),
    (PARTLY_APPLIED, "Partly applied"),
    (FAILED, "Failed"),
    (CANCELLED, "Cancelled"),
    (REFUNDED, "Refunded"),
    (PARTLY_REFUNDED, "Partly refunded"),
]

# The coarser groups staff search and group portal payments by (a stored field), labelled with
# the words above: processing, paid (in full or partly applied), failed (or cancelled), refunded.
GROUPS = {
    PROCESSING: "pending",
    PAID: "done",
    PARTLY_APPLIED: "done",
    FAILED: "failed",
    CANCELLED: "failed",
    REFUNDED: "refunded",
    PARTLY_REFUNDED: "refunded",
}

# Provider states of Odoo's payment framework; None: a payment without transaction.
TX_STATES = frozenset({None, "draft", "pending", "authorized", "done", "cancel", "error"})


def customer_status(tx_state, booked, amount, applied, refunded):
    """The customer's status of a payment.

    What the ledger holds decides over what the provider says: money booked is paid, partly
    applied (the rest kept on the account as credit) or refunded; money not booked is on its way
    unless the provider failed or cancelled it (then nothing was charged).

    :param str tx_state: the transaction's state, or None for a payment without transaction
    :param bool booked: whether the payment is posted in the books
    :param Decimal amount: the amount paid
    :param Decimal applied: what it applied to documents (invoices), credits applied along
        with it included
    :param Decimal refunded: what was refunded of it
    :return: one of the codes of :data:`STATUSES`
    :rtype: str
    :raise ValueError: for a transaction state this rule does not know
    """
    if tx_state not in TX_STATES:
        raise ValueError(f"unknown transaction state {tx_state!r}")
    if refunded > 0:
        return REFUNDED if refunded >= amount else PARTLY_REFUNDED
    if booked:
        return PAID if applied >= amount else PARTLY_APPLIED
    if tx_state == "error":
        return FAILED
    if tx_state == "cancel":
        return CANCELLED
    return PROCESSING
