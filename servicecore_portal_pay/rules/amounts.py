"""Pure rules of amounts typed by customers: parsing, rounding, bounds.

Nothing here touches the ORM: the request check and the account feed it plain values.
"""

from decimal import Decimal, InvalidOperation

# Amounts are typed by people: digits, an optional decimal point and decimals. Anything else
# (signs, exponents, NaN, Infinity, thousands separators of unknown locales) is refused.
_MAX_INTEGER_DIGITS = 12


class AmountError(ValueError):
    """The amount typed by the customer is unusable; ``code`` says why (one message per code)."""

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


def check_bounds(amount, minimum, maximum, allow_overpayment, ceiling=None):
    """Check a parsed amount against the company's policy.

    :param Decimal amount: the parsed amount
    :param Decimal minimum: the smallest amount accepted
    :param Decimal maximum: the open balance
    :param bool allow_overpayment: whether amounts above the balance are accepted
    :param Decimal ceiling: with overpayments, the most that may be paid (None: no ceiling)
    :raise AmountError: ``below_minimum``, ``nothing_due``, ``above_balance`` or
        ``above_ceiling``
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
    elif ceiling is not None and amount > ceiling:
        raise AmountError("above_ceiling", maximum=ceiling)


def check_step(amount, step):
    """Check that ``amount`` is a multiple of the currency's smallest unit ``step`` (e.g. 0.05
    for a currency rounded to 5 cents), which may be coarser than its decimals.

    :raise AmountError: ``step``
    """
    if step and amount % step:
        raise AmountError("step", step=step)
