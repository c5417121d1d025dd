"""Stripe webhook signatures, checked the way Stripe's own libraries check them.

Pure functions (no Odoo): the controller verifies the raw request body with them before it reads
anything else from the request.

Stripe sends ``Stripe-Signature: t=<unix time>,v1=<hex>[,v1=<hex>...]``; each ``v1`` is the
HMAC-SHA256, keyed with an endpoint secret, of ``"<t>.<raw body>"``. While a secret is being
rotated Stripe signs with both secrets, so the delivery is authentic when *any* ``v1`` matches.
Other schemes (``v0``, test-mode legacy) are ignored, like Stripe's libraries do.
"""

import hashlib
import hmac

SCHEME = "v1"


class SignatureError(Exception):
    """A webhook delivery that must not be processed; ``status`` is the HTTP answer."""

    status = 403


class MissingSecret(SignatureError):
    """No webhook secret is configured: nothing can be authenticated, so nothing is processed."""


class MalformedHeader(SignatureError):
    """The ``Stripe-Signature`` header is missing or cannot be read."""

    status = 400


class InvalidSignature(SignatureError):
    """Well-formed, but no signature matches or the timestamp is outside the tolerance."""


def parse_header(header):
    """Split a ``Stripe-Signature`` header into its timestamp and its ``v1`` signatures.

    :param str header: the header value
    :return: ``(timestamp, signatures)``
    :rtype: tuple[int, list[str]]
    :raise MalformedHeader: if there is no header, an entry is not ``key=value``, the timestamp
                            is missing, repeated or not a number, or there is no ``v1`` entry
    """
    if not header or not isinstance(header, str):
        raise MalformedHeader("missing Stripe-Signature header")
    timestamp = None
    signatures = []
    for entry in header.split(","):
        key, separator, value = entry.strip().partition("=")
        if not separator or not key or not value:
            raise MalformedHeader("malformed Stripe-Signature entry")
        if key == "t":
            if timestamp is not None or not (value.isascii() and value.isdigit()):
                raise MalformedHeader("malformed Stripe-Signature timestamp")
            timestamp = int(value)
        elif key == SCHEME:
            signatures.append(value)
    if timestamp is None:
        raise MalformedHeader("no timestamp in Stripe-Signature header")
    if not signatures:
        raise MalformedHeader(f"no {SCHEME} signature in Stripe-Signature header")
    return timestamp, signatures


def compute_signature(secret, timestamp, payload):
    """The ``v1`` signature of ``payload`` (bytes) sent at ``timestamp`` with ``secret``."""
    signed = str(timestamp).encode() + b"." + payload
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def verify(payload, header, secrets, now, tolerance):
    """Return which of ``secrets`` signed ``payload``.

    :param bytes payload: the raw request body, exactly as received
    :param str header: the ``Stripe-Signature`` header
    :param list[str] secrets: the candidate webhook secrets
    :param float now: the current Unix time
    :param int tolerance: the maximal age (and clock skew) of a delivery, in seconds
    :return: the indexes in ``secrets`` of the secrets with a matching signature (not empty)
    :rtype: list[int]
    :raise SignatureError: if the delivery is not authentic (see the subclasses)
    """
    if not secrets:
        raise MissingSecret("no Stripe webhook secret is configured")
    timestamp, signatures = parse_header(header)
    if abs(now - timestamp) > tolerance:
        raise InvalidSignature(f"timestamp {timestamp} outside the {tolerance} s tolerance")
    received = [signature.encode() for signature in signatures]
    matched = [
        index
        for index, secret in enumerate(secrets)
        if any(
            hmac.compare_digest(compute_signature(secret, timestamp, payload).encode(), signature)
            for signature in received
        )
    ]
    if not matched:
        raise InvalidSignature("no matching signature")
    return matched
