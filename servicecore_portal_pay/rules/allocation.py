"""Pure rules of the allocation: which money pays which open item, oldest first.

Nothing here touches the ORM or the database. The account model turns the customer's ledger
into :class:`Item` s and :class:`InFlight` payments; :func:`build_plan` turns them and an amount
into a frozen :class:`Plan`; the page previews the plan and the engine books exactly it. Keeping
the rule in one pure function is what lets the page, the preview, the transaction route, the
post-processing, the wizard and the statement never disagree.

The order of application, for every kind of money, is :func:`sort_key`: due date, then invoice
date, then name, then line id (stock ``reconcile()`` breaks ties by amount instead).
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

ZERO = Decimal(0)

PROCESSING = "processing"
CREDIT = "credit"
PAYMENT = "payment"


@dataclass(frozen=True)
class Item:
    """An open receivable line of the customer, in the payment currency.

    :param key: the line id
    :param residual: what is open, signed: positive when owed, negative for a credit
    :param account: the receivable account; a credit only pays items of its own account
    :param on_hold: never paid automatically (payment blocked by staff, or covered by a
                    payment that has no journal entry)
    :param discounted: the early-payment amount that settles the item in full, while the
                       discount applies and nothing was paid on it yet
    """

    key: int
    residual: Decimal
    due: date | None = None
    invoice_date: date | None = None
    name: str = ""
    account: int = 0
    on_hold: bool = False
    discounted: Decimal | None = None


@dataclass(frozen=True)
class InFlight:
    """A payment in progress (pending, authorized, or confirmed but not booked yet).

    Its money is promised to the oldest items (or to the items it chose), so nobody is asked
    to pay them twice; when it fails, it is simply no longer passed in.
    """

    key: int
    amount: Decimal
    chosen: frozenset | None = None  # the items it chose (maybe none left), None: oldest first


@dataclass(frozen=True)
class Application:
    """Money of one source applied to one item.

    :param kind: ``processing``, ``credit`` or ``payment``
    :param source: the transaction (processing) or credit line (credit); None for the payment
    :param amount: the money taken from the source
    :param discount: the early-payment discount settled with it (the item's residual drops by
                     ``amount + discount``)
    :param left: the item's residual afterwards
    """

    kind: str
    source: int | None
    item: int
    account: int
    amount: Decimal
    left: Decimal
    discount: Decimal = ZERO


@dataclass(frozen=True)
class Plan:
    """What an amount does to the account: the money in progress, the credits, the payment."""

    amount: Decimal
    processing: tuple = ()
    credits: tuple = ()
    payments: tuple = ()
    remainder: Decimal = ZERO

    def payment_by_account(self):
        """The payment's share per receivable account (discounts included), in plan order.

        :return: ``{account: (money, discount)}``
        :rtype: dict
        """
        shares = {}
        for application in self.payments:
            money, discount = shares.get(application.account, (ZERO, ZERO))
            shares[application.account] = (
                money + application.amount,
                discount + application.discount,
            )
        return shares


@dataclass(frozen=True)
class Figures:
    """The account as the customer sees it; ``balance`` is what closes every payable item."""

    open_total: Decimal
    on_hold: Decimal
    processing: Decimal
    credits_applied: Decimal
    credits_left: Decimal
    balance: Decimal
    overdue: Decimal
    discount: Decimal

    @property
    def not_due(self):
        return self.balance - self.overdue


def sort_key(item):
    """Oldest first: due date, then invoice date, then name, then line id."""
    return (
        item.due or date.max,
        item.invoice_date or item.due or date.max,
        item.name or "",
        item.key,
    )


@dataclass(frozen=True)
class _Stage:
    debits: tuple
    left: dict
    processing: tuple
    credits: tuple
    credits_left: Decimal


def _take(kind, source, amount, targets, *, left, applications):
    """Apply ``amount`` of one source to ``targets`` in order, each up to what is ``left``.

    :return: what remains of ``amount``
    """
    remaining = amount
    for item in targets:
        if remaining <= 0:
            break
        taken = min(left[item.key], remaining)
        if taken > 0:
            left[item.key] -= taken
            remaining -= taken
            applications.append(
                Application(kind, source, item.key, item.account, taken, left[item.key])
            )
    return remaining


def _stage(items, in_flight, apply_credits):
    """What is left of each payable item once the money in progress and the credits apply."""
    ordered = sorted(items, key=sort_key)
    debits = tuple(item for item in ordered if item.residual > 0 and not item.on_hold)
    left = {item.key: item.residual for item in debits}
    processing = []
    for payment in sorted(in_flight, key=lambda payment: payment.key):
        targets = [item for item in debits if payment.chosen is None or item.key in payment.chosen]
        _take(PROCESSING, payment.key, payment.amount, targets, left=left, applications=processing)
    credits = []
    credits_left = ZERO
    for credit in (item for item in ordered if item.residual < 0):
        targets = [item for item in debits if apply_credits and item.account == credit.account]
        credits_left += _take(
            CREDIT, credit.key, -credit.residual, targets, left=left, applications=credits
        )
    return _Stage(debits, left, tuple(processing), tuple(credits), credits_left)


def _cost(item, left):
    """What closes ``item`` now: its discounted amount while the discount applies, else ``left``."""
    if item.discounted is not None and left == item.residual:
        return item.discounted
    return left


def figures(items, today, in_flight=(), apply_credits=True, chosen=None):
    """The account's figures: what is open, on hold, in progress, credited, and to pay.

    :param chosen: the keys of the items the customer chose; the balance then covers them only
    :rtype: Figures
    """
    stage = _stage(items, in_flight, apply_credits)
    balance = overdue = discount = ZERO
    for item in stage.debits:
        if chosen is not None and item.key not in chosen:
            continue
        left = stage.left[item.key]
        cost = _cost(item, left)
        balance += cost
        discount += left - cost
        if item.due and item.due < today:
            overdue += cost
    return Figures(
        open_total=sum((item.residual for item in items if item.residual > 0), ZERO),
        on_hold=sum((item.residual for item in items if item.residual > 0 and item.on_hold), ZERO),
        processing=sum((application.amount for application in stage.processing), ZERO),
        credits_applied=sum((application.amount for application in stage.credits), ZERO),
        credits_left=stage.credits_left,
        balance=balance,
        overdue=overdue,
        discount=discount,
    )


def build_plan(items, amount, in_flight=(), apply_credits=True, chosen=None):
    """Apply ``amount`` oldest first, after the money in progress and the open credits.

    Each item in order gets ``min(what is left, what remains)``, so at most one item ends
    partly paid; an item inside its early-payment window is settled by its discounted amount
    when the money covers it. With ``chosen``, only those items are paid (oldest first among
    them); the credits still go to the oldest items of their account.

    :param iterable items: the account's open :class:`Item` s, in any order
    :param Decimal amount: the new payment (zero for the figures alone)
    :param iterable in_flight: the :class:`InFlight` payments of the account, except this one
    :param bool apply_credits: whether the open credits are applied with the payment
    :param chosen: the keys of the chosen items, or None for the whole account
    :rtype: Plan
    """
    stage = _stage(items, in_flight, apply_credits)
    remaining = Decimal(amount)
    payments = []
    for item in stage.debits:
        if remaining <= 0:
            break
        if chosen is not None and item.key not in chosen:
            continue
        left = stage.left[item.key]
        if left <= 0:
            continue
        cost = _cost(item, left)
        if remaining >= cost:
            paid, after = cost, left - left  # zero, with the currency's exponent
        else:
            paid, after = remaining, left - remaining
        payments.append(
            Application(PAYMENT, None, item.key, item.account, paid, after, left - after - paid)
        )
        remaining -= paid
    return Plan(
        amount=Decimal(amount),
        processing=stage.processing,
        credits=stage.credits,
        payments=tuple(payments),
        remainder=remaining,
    )


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
