"""Pure rules of the customer statement: aging open items into buckets.

Like ``allocation``, nothing here touches the ORM: the statement report feeds it plain values.
"""

from decimal import Decimal

#: Buckets in display order: not yet due, then days past the due date.
BUCKETS = ("current", "1_30", "31_60", "61_90", "90_plus")

# Upper bound (inclusive) of days past due for each overdue bucket; the last one is open-ended.
_LIMITS = ((30, "1_30"), (60, "31_60"), (90, "61_90"))


def bucket(due_date, as_of):
    """Return the aging bucket of an item due on ``due_date``, seen on ``as_of``.

    An item due today or later is ``current``; one day past due is ``1_30``; 31 days ``31_60``;
    61 days ``61_90``; 91 days and more ``90_plus``.

    :param date due_date: the due date (or the document date when there is none)
    :param date as_of: the statement date
    :rtype: str
    """
    days = (as_of - due_date).days
    if days <= 0:
        return "current"
    for limit, name in _LIMITS:
        if days <= limit:
            return name
    return "90_plus"


def age(items, as_of):
    """Sum open items per aging bucket.

    Credits (negative residuals, e.g. unapplied payments or credit notes) are aged by their own
    date like any item, so each bucket shows what is net due in it and the buckets add up to the
    balance.

    :param iterable items: ``(due_date, residual)`` pairs, residuals as Decimals
    :param date as_of: the statement date
    :return: a dict with a Decimal per bucket of ``BUCKETS`` and the ``balance`` (their sum)
    :rtype: dict
    """
    totals = dict.fromkeys(BUCKETS, Decimal(0))
    for due_date, residual in items:
        totals[bucket(due_date, as_of)] += residual
    totals["balance"] = sum((totals[name] for name in BUCKETS), Decimal(0))
    return totals
