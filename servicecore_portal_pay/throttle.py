"""Throttling of Make a Payment against card testing: pure decisions from counts and limits.

Card testers script many small payments with stolen card numbers through any form that takes
cards. Make a Payment lets the customer choose the amount, so each contact and each client IP
address may only start so many payments in a short window, and may no longer pay at all for a
while after a few failed ones. The counts come from the database (controllers/payment.py), so
the limits hold across workers and servers; the decision is made here.
"""

from typing import NamedTuple


class Limits(NamedTuple):
    """A company's limits; a limit of 0 means no limit."""

    tx_user: int  # payments one contact may start within ``tx_minutes``
    tx_ip: int  # payments that may be started from one IP address within ``tx_minutes``
    tx_minutes: int
    failed_user: int  # failed or cancelled payments of one contact within ``failed_minutes``
    failed_ip: int  # failed or cancelled payments from one IP address within ``failed_minutes``
    failed_minutes: int


class Counts(NamedTuple):
    """The attempts already made, each within the window of the limit of the same name."""

    tx_user: int
    tx_ip: int
    failed_user: int
    failed_ip: int


def refusal(counts, limits):
    """Which limit a new payment attempt would break, if any.

    A limit of ``n`` lets ``n`` payments be started within its window: the next one is refused
    until the oldest of them leaves the window. Failures are limits on what already happened: once
    ``n`` payments failed within the window, no new payment may be started.

    :param Counts counts: the attempts already recorded
    :param Limits limits: the company's limits
    :return: the name of the first limit reached (``"tx_user"``, ``"tx_ip"``, ``"failed_user"``
             or ``"failed_ip"``), or ``None`` if the attempt is allowed
    :rtype: str | None
    """
    for name in Counts._fields:
        limit = getattr(limits, name)
        if limit > 0 and getattr(counts, name) >= limit:
            return name
    return None
