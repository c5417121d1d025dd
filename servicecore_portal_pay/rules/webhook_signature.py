"""Stripe webhook signatures, checked the way Stripe's own libraries check them, at a bounded cost.

Pure functions (no Odoo): the controller checks the size of a delivery with them before it reads
the body, and verifies the raw body with them.

Stripe sends ``Stripe-Signature: t=<unix time>,v1=<hex>[,v1=<hex>...]``; each ``v1`` is the
HMAC-SHA256, keyed with an endpoint secret, of ``"<t>.<raw body>"``. While a secret is being
rotated Stripe signs with both secrets, so the delivery is authentic when *any* ``v1`` matches.
Other schemes (``v0``, test-mode legacy) are ignored, like Stripe's libraries do.

The cost of a delivery does not depend on what the sender puts in it: the body is at most
``MAX_PAYLOAD_BYTES`` (refused before it is read), the header at most ``MAX_ENTRIES`` entries
of which at most ``MAX_SIGNATURES`` are ``v1``, and the HMAC over the body is computed once per
secret, then compared in constant time with each ``v1``.
"""

import hashlib
import hmac

SCHEME = "v1"
# Stripe signs a delivery with one secret, two while a secret is being rotated; a few more
# leave room without letting a sender multiply the comparisons.
MAX_SIGNATURES = 5
# ``t``, the ``v1`` entries and legacy ``v0`` ones: anything longer is not from Stripe.
MAX_ENTRIES = 2 * MAX_SIGNATURES + 1
# An event carries one API object (PaymentIntent, Charge, Refund...), a few kilobytes; Stripe
# truncates the lists embedded in objects. Half a megabyte is far above any real event.
MAX_PAYLOAD_BYTES = 512 * 1024


class SignatureError(Exception):
    """A webhook delivery that must not be processed; ``status`` is the HTTP answer."""

    status = 403


class MissingSecret(SignatureError):
    """No webhook secret is configured: nothing can be authenticated, so nothing is processed."""


class MalformedHeader(SignatureError):
    """The ``Stripe-Signature`` header is missing, cannot be read or is too long."""

    status = 400


class InvalidSignature(SignatureError):
    """Well-formed, but no signature matches or the timestamp is outside the tolerance."""


class PayloadTooLarge(SignatureError):
    """The body is larger than any Stripe event: refused before it is read."""

    status = 413


class LengthRequired(SignatureError):
    """The body's length is not announced (chunked upload): it could not be bounded before
    reading it, and Stripe always sends ``Content-Length``."""

    status = 411


def check_payload_size(size):
    """Refuse a body of ``size`` bytes (its announced or its read length) above the limit.

    :param int size: the ``Content-Length`` of the request, or the length of the body read
    :raise LengthRequired: if ``size`` is unknown (``None``)
    :raise PayloadTooLarge: if ``size`` is above ``MAX_PAYLOAD_BYTES``
    """
    if size is None:
        raise LengthRequired("no Content-Length")
    if size > MAX_PAYLOAD_BYTES:
        raise PayloadTooLarge(f"body of {size} bytes, more than {MAX_PAYLOAD_BYTES}")


def parse_header(header):
    """Split a ``Stripe-Signature`` header into its timestamp and its ``v1`` signatures.

    :param str header: the header value
    :return: ``(timestamp, signatures)``
    :rtype: tuple[int, list[str]]
    :raise MalformedHeader: if there is no header, it has more than ``MAX_ENTRIES`` entries or
                            more than ``MAX_SIGNATURES`` ``v1`` entries, an entry is not
                            ``key=value``, the timestamp is missing, repeated or not a number,
                            or there is no ``v1`` entry
    """
    if not header or not isinstance(header, str):
        raise MalformedHeader("missing Stripe-Signature header")
    # Counted before splitting: a header of thousands of entries costs one scan.
    if header.count(",") >= MAX_ENTRIES:
        raise MalformedHeader(f"more than {MAX_ENTRIES} Stripe-Signature entries")
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
    if len(signatures) > MAX_SIGNATURES:
        raise MalformedHeader(f"more than {MAX_SIGNATURES} {SCHEME} signatures")
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
    check_payload_size(len(payload))
    timestamp, signatures = parse_header(header)
    if abs(now - timestamp) > tolerance:
        raise InvalidSignature(f"timestamp {timestamp} outside the {tolerance} s tolerance")
    received = [signature.encode() for signature in signatures]
    matched = []
    for index, secret in enumerate(secrets):
        expected = compute_signature(secret, timestamp, payload).encode()
        # Every entry is compared (no early exit), each in constant time.
        if sum(hmac.compare_digest(expected, signature) for signature in received):
            matched.append(index)
    if not matched:
        raise InvalidSignature("no matching signature")
    return matched
