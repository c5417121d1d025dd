"""Pure business rules of portal account payments: parsing amounts and allocating them.

Nothing here touches the ORM or the database, so the rules can be read, tested and reused
(page preview, transaction route, post-processing, backend wizard) without any glue.
"""

from collections import namedtuple
from datetime import date
from decimal import Decimal, InvalidOperation

#: An open receivable item as the allocation sees it. ``residual`` is a Decimal in the payment
#: currency; the other fields only order the items.
OpenItem = namedtuple(
    "OpenItem", ["key", "residual", "date_maturity", "date", "invoice_date", "name", "line_id"]
)

# Amounts are typed by people: digits, an optional decimal point and decimals. Anything else
# (signs, exponents, NaN, Infinity, thousands separators of unknown locales) is refused.
_MAX_INTEGER_DIGITS = 12


class AmountError(ValueError):
    """The amount typed by the customer is unusable; ``code`` says why (see ``const``)."""

    def __init__(self, code, **params):
        super().__init__(code)
        self.code = code
        self.params = params


def parse_amount(text, decimal_places):
    """Parse a customer-typed amount into a Decimal with the currency's decimals.

    :param str text: the amount as typed, e.g. ``"125.5"``
    :param int decimal_places: the currency's number of decimals
    :return: the amount, quantized to the currency
    :rtype: Decimal
    :raise AmountError: ``missing``, ``format``, ``decimals`` or ``not_positive``
    """
    if text is None or (isinstance(text, str) and not text.strip()):
        raise AmountError("missing")
    if isinstance(text, bool) or not isinstance(text, str | int | float | Decimal):
        raise AmountError("format")
    if isinstance(text, float):
        # JSON numbers arrive as floats; their shortest repr is what the browser sent.
        text = repr(text)
    raw = str(text).strip()
    integer, _dot, decimals = raw.partition(".")
    if not integer.isdigit() or not integer.isascii() or len(integer) > _MAX_INTEGER_DIGITS:
        raise AmountError("format")
    if decimals and not (decimals.isdigit() and decimals.isascii()):
        raise AmountError("format")
    if len(decimals.rstrip("0")) > decimal_places:
        raise AmountError("decimals", decimal_places=decimal_places)
    try:
        amount = Decimal(raw)
    except InvalidOperation as error:  # pragma: no cover - the checks above exclude it
        raise AmountError("format") from error
    if amount <= 0:
        raise AmountError("not_positive")
    return quantize(amount, decimal_places)


def quantize(amount, decimal_places):
    """Return ``amount`` as a Decimal rounded to ``decimal_places`` (half-up, like Odoo)."""
    exponent = Decimal(1).scaleb(-decimal_places)
    return Decimal(str(amount)).quantize(exponent, rounding="ROUND_HALF_UP")


def check_bounds(amount, minimum, maximum, allow_overpayment):
    """Check a parsed amount against the company's policy.

    :param Decimal amount: the parsed amount
    :param Decimal minimum: the smallest amount accepted
    :param Decimal maximum: the open balance
    :param bool allow_overpayment: whether amounts above the balance are accepted
    :raise AmountError: ``below_minimum``, ``nothing_due`` or ``above_balance``
    """
    if maximum > 0:
        # A balance smaller than the minimum payment can still be paid off in full.
        minimum = min(minimum, maximum)
    if amount < minimum:
        raise AmountError("below_minimum", minimum=minimum)
    if not allow_overpayment:
        if maximum <= 0:
            raise AmountError("nothing_due")
        if amount > maximum:
            raise AmountError("above_balance", maximum=maximum)


def sort_key(item):
    """Oldest first: due date (or move date), then invoice date, then name, then line id."""
    return (
        item.date_maturity or item.date or date.max,
        item.invoice_date or item.date or date.max,
        item.name or "",
        item.line_id,
    )


def allocate(items, amount):
    """Apply ``amount`` to ``items`` oldest first, each fully until the money runs out.

    :param iterable items: ``OpenItem`` s with a positive residual; their order does not matter
    :param Decimal amount: the money to apply (positive)
    :return: ``(plan, remainder)``: ``plan`` lists ``(item, applied)`` in application order, with
             at most its last entry partial; ``remainder`` is what no item needed
    :rtype: tuple(list, Decimal)
    """
    remaining = Decimal(amount)
    plan = []
    for item in sorted(items, key=sort_key):
        if remaining <= 0:
            break
        if item.residual <= 0:
            continue
        applied = min(item.residual, remaining)
        plan.append((item, applied))
        remaining -= applied
    return plan, remaining


def allocate_credits(credits, debits):
    """Apply open credits to open debits, the oldest credit to the oldest debits first.

    This is the portal rule for money already on the account (credit notes, unapplied
    payments): each credit, oldest first, pays the oldest open items until it runs out.

    :param iterable credits: ``OpenItem`` s whose ``residual`` is the (positive) credit left
    :param iterable debits: ``OpenItem`` s with a positive residual
    :return: ``(plan, debits_left, credits_left)``: ``plan`` lists ``(credit, debit, amount)`` in
             application order; ``debits_left`` and ``credits_left`` map each item's ``key`` to
             what is left of it afterwards
    :rtype: tuple(list, dict, dict)
    """
    debits = [item for item in sorted(debits, key=sort_key) if item.residual > 0]
    debits_left = {item.key: item.residual for item in debits}
    credits_left = {}
    plan = []
    index = 0
    for credit in sorted(credits, key=sort_key):
        left = credit.residual
        while left > 0 and index < len(debits):
            debit = debits[index]
            applied = min(left, debits_left[debit.key])
            plan.append((credit, debit, applied))
            left -= applied
            debits_left[debit.key] -= applied
            if debits_left[debit.key] == 0:
                index += 1
        credits_left[credit.key] = max(left, Decimal(0))
    return plan, debits_left, credits_left


def unallocate(applied, amount):
    """Take ``amount`` back from an allocation, the newest item first (refunds).

    :param list applied: ``(key, amount)`` pairs in the order they were applied (oldest first)
    :param Decimal amount: the money to take back (positive)
    :return: ``(cuts, remainder)``: ``cuts`` lists ``(key, taken)`` newest first; ``remainder``
             is what the allocation could not give back
    :rtype: tuple(list, Decimal)
    """
    remaining = Decimal(amount)
    cuts = []
    for key, booked in reversed(applied):
        if remaining <= 0:
            break
        if booked <= 0:
            continue
        taken = min(booked, remaining)
        cuts.append((key, taken))
        remaining -= taken
    return cuts, remaining
