"""Throttling of the portal against card testing and PDF floods: pure decisions from counts and
limits.

Card testers script many small payments with stolen card numbers through any form that takes
cards. Make a Payment lets the customer choose the amount, so each contact and each client IP
address may only start so many payments in a short window, and may have only so many payments
that failed or are not confirmed yet. The statement and receipt PDFs cost seconds of CPU each, so
each contact may only have so many rendered in the same window. The counts come from the database
(models/portal_pay_attempt.py), so the limits hold across workers and servers; the decisions are
made here.
"""

from typing import NamedTuple

# Headers a reverse proxy sends with the client's address. Odoo applies X-Forwarded-For only in
# proxy_mode, and only to requests that also carry X-Forwarded-Host; it never reads the others.
FORWARDING_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-IP")


class Limits(NamedTuple):
    """A company's limits; a limit of 0 means no limit."""

    tx_user: int  # payments one contact may start within ``tx_minutes``
    tx_ip: int  # payments that may be started from one IP address within ``tx_minutes``
    tx_minutes: int
    failed_user: int  # payments of one contact within ``failed_minutes`` not confirmed (yet)
    failed_ip: int  # payments from one IP address within ``failed_minutes`` not confirmed (yet)
    failed_minutes: int
    pdf_user: int  # statement and receipt PDFs rendered for one contact within ``tx_minutes``

    def payments_limited(self):
        """Whether any limit applies to payment attempts."""
        return any((self.tx_user, self.tx_ip, self.failed_user, self.failed_ip))

    def per_ip(self):
        """Whether any limit counts per IP address."""
        return bool(self.tx_ip or self.failed_ip)

    def without_ip(self):
        """These limits with the per-IP ones lifted, for a client whose address is unknown."""
        return self._replace(tx_ip=0, failed_ip=0)


class Counts(NamedTuple):
    """The payment attempts already recorded, each within the window of the limit of its name.

    ``failed_*`` count the attempts that failed, were cancelled or are not confirmed yet: an
    attempt counts as failed from the moment it starts until the provider confirms it, so a burst
    of attempts cannot outrun the failure limits while the provider is still answering.
    """

    tx_user: int
    tx_ip: int
    failed_user: int
    failed_ip: int


def refusal(counts, limits):
    """Which limit a new payment attempt would break, if any.

    A limit of ``n`` lets ``n`` payments be started within its window: the next one is refused
    until the oldest of them leaves the window. Once ``n`` payments within the failures window
    failed or are still unconfirmed, no new payment may be started until one is confirmed or
    leaves the window.

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


def pdf_refused(rendered, limits):
    """Whether one more PDF may not be rendered for a contact who had ``rendered`` ones within
    the window.

    :param int rendered: the PDFs rendered for the contact within ``limits.tx_minutes``
    :param Limits limits: the company's limits
    :rtype: bool
    """
    return limits.pdf_user > 0 and rendered >= limits.pdf_user


def ignored_forwarding_header(headers, proxy_applied):
    """The forwarding header a request carries that Odoo did not use for its client address.

    Behind a reverse proxy that Odoo does not trust (proxy_mode off), every request has the
    proxy's address: per-IP limits would then count all customers as one.

    :param headers: the request's headers (a case-insensitive mapping)
    :param bool proxy_applied: whether Odoo applied the proxy's X-Forwarded-* headers to this
        request (proxy_mode)
    :return: the header's name, or ``None`` when the address Odoo sees is the client's
    :rtype: str | None
    """
    if proxy_applied and headers.get("X-Forwarded-For"):
        return None
    return next((name for name in FORWARDING_HEADERS if headers.get(name)), None)
