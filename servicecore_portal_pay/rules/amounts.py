"""Pure rules of amounts typed by customers: parsing, rounding, bounds.

Nothing here touches the ORM: the request check and the account feed it plain values.
static/src/interactions/portal_pay_amounts.js is a line-by-line port of this file, so that the
browser refuses exactly what the server refuses (test_amount_tour.py proves they agree).
"""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

_MAX_INTEGER_DIGITS = 12
# Longer than any amount as people write it (symbol, spaces and all): refused before it is read.
_MAX_LENGTH = 64
_DIGITS = frozenset("0123456789")
# Spaces people type or copy between thousands: space, no-break space (fr_FR prints it), narrow
# no-break space, thin space, figure space, zero-width no-break space (Odoo puts one after "-").
_SPACES = frozenset(" \t\u00a0\u202f\u2009\u2007\ufeff")
# Around the amount, line breaks too (pasted from a document).
_BLANKS = _SPACES | frozenset("\n\r\x0b\x0c")
_MINUS = frozenset("-\u2212")
# What serves as a decimal point or thousands separator in some language: a number written with
# one the language does not use is unclear rather than "not a number".
_SEPARATORS = frozenset(".,'\u2019\u00b7_")


class AmountError(ValueError):
    """The amount typed by the customer is unusable; ``code`` says why (one message per code)."""

    def __init__(self, code, **params):
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class NumberFormat:
    """How a language writes numbers (Odoo's res.lang) and the currency's symbols.

    :param str decimal_point: e.g. ``"."`` (en_US), ``","`` (fr_FR, de_DE)
    :param str thousands_sep: e.g. ``","`` (en_US), ``"\\u00a0"`` (fr_FR), ``"."`` (de_DE)
    :param tuple grouping: Odoo's grouping, ``(3, 0)`` or ``(3, 2, 0)`` (Indian); empty: the
        digits are never grouped (the canonical form)
    :param tuple symbols: what may stand before or after the number, e.g. ``("$", "USD")``
    """

    decimal_point: str = "."
    thousands_sep: str = ""
    grouping: tuple = ()
    symbols: tuple = ()

    def format(self, amount, decimal_places):
        """``amount`` as the language prints it, without a symbol (e.g. ``"1,234.50"``)."""
        integer, _dot, decimals = f"{quantize(amount, decimal_places):f}".partition(".")
        integer = self.thousands_sep.join(_groups(integer, self.grouping))
        return f"{integer}{self.decimal_point}{decimals}" if decimals else integer

    def example(self, decimal_places):
        """The form amounts take in this language, for messages: ``"1,234.56"``."""
        integer = self.thousands_sep.join(_groups("1234", self.grouping))
        decimals = "56789"[:decimal_places]
        return f"{integer}{self.decimal_point}{decimals}" if decimals else integer


# What the payment form posts back and what the server writes: digits and a point.
CANONICAL = NumberFormat()


def _groups(digits, grouping):
    """``digits`` cut in groups as Odoo's ``intersperse`` cuts them, left to right: from the
    right, each count of ``grouping`` in turn, 0 repeating the last one, -1 stopping."""
    groups = []
    rest = digits
    last = len(rest)
    for count in grouping:
        if not rest or count == -1:
            break
        if count == 0:
            while rest:
                groups.append(rest[-last:])
                rest = rest[:-last]
            break
        groups.append(rest[-count:])
        rest = rest[:-count]
        last = count
    if rest:
        groups.append(rest)
    return groups[::-1]


def _strip_spaces(text):
    start, end = 0, len(text)
    while start < end and text[start] in _BLANKS:
        start += 1
    while end > start and text[end - 1] in _BLANKS:
        end -= 1
    return text[start:end]


def _strip_minus(text):
    """``(text without a leading minus, whether there was one)``."""
    if text and text[0] in _MINUS:
        return _strip_spaces(text[1:]), True
    return text, False


def _strip_symbol(text, symbols, leading):
    """``(text without the currency symbol at its start or end, whether there was one)``."""
    folded = text.casefold()
    for symbol in sorted(symbols, key=len, reverse=True):
        folded_symbol = symbol.casefold()
        if not folded_symbol or len(folded_symbol) >= len(text):
            continue
        if leading and folded.startswith(folded_symbol):
            return _strip_spaces(text[len(folded_symbol) :]), True
        if not leading and folded.endswith(folded_symbol):
            return _strip_spaces(text[: -len(folded_symbol)]), True
    return text, False


def _is_number_like(text, number_format):
    """Whether ``text`` holds only digits, spaces and separators (of any language)."""
    allowed = _DIGITS | _SPACES | _SEPARATORS | {number_format.decimal_point}
    if number_format.thousands_sep:
        allowed |= {number_format.thousands_sep}
    return any(ch in _DIGITS for ch in text) and all(ch in allowed for ch in text)


def _integer_digits(integer, number_format, unclear):
    """The digits of the integer part, its separators checked against the language's grouping.

    :raise AmountError: ``unclear`` if the separators are not the language's grouping
    """
    sep = number_format.thousands_sep
    groups = [""]
    kinds = set()
    i = 0
    while i < len(integer):
        ch = integer[i]
        if ch in _DIGITS:
            groups[-1] += ch
            i += 1
        elif ch in _SPACES:
            # A run of spaces is one separator, whichever spaces they are.
            while i < len(integer) and integer[i] in _SPACES:
                i += 1
            kinds.add("space")
            groups.append("")
        elif sep and (ch == sep or (sep == "'" and ch == "\u2019")):
            kinds.add("sep")
            groups.append("")
            i += 1
        else:
            raise unclear
    digits = "".join(groups)
    if len(groups) == 1:
        return digits
    # One kind of separator, at the places the language puts them; "0,500" is unclear too.
    if len(kinds) > 1 or digits[:1] == "0" or groups != _groups(digits, number_format.grouping):
        raise unclear
    return digits


def _as_text(text, decimal_places, number_format):
    """``(text, number_format)`` to parse: numbers are read in the canonical form."""
    if text is None or (isinstance(text, str) and not _strip_spaces(text)):
        raise AmountError("missing")
    if isinstance(text, bool) or not isinstance(text, str | int | float | Decimal):
        raise AmountError("format", example=number_format.example(decimal_places))
    if isinstance(text, str):
        return text, number_format
    # JSON numbers arrive as floats; their shortest repr is what the browser sent.
    return (repr(text) if isinstance(text, float) else str(text)), CANONICAL


def parse_amount(text, decimal_places, number_format=CANONICAL):
    """Parse an amount as a person types it in a language into a Decimal with the currency's
    decimals.

    Accepted: the language's decimal point and thousands separators where the language puts
    them (or spaces there), a currency symbol or code before or after the number, spaces around.
    Numbers (not strings) come from JSON or the server, never typed: read in the canonical form.
    The form the server writes in links (digits, a point and the currency's decimals, e.g.
    ``"600.00"``) is read the same in every language where it is not one of the language's own
    numbers; where it is one of another value (de_DE ``"1.500"`` with 3 decimals), it is
    unclear.

    :param str text: the amount as typed, e.g. ``"$1,000.50"``
    :param int decimal_places: the currency's number of decimals
    :param NumberFormat number_format: the language's (default: the canonical form)
    :return: the amount, quantized to the currency
    :rtype: Decimal
    :raise AmountError: ``missing``, ``format`` (not a number), ``grouping`` (unclear in the
        language), ``negative``, ``decimals`` or ``not_positive``; ``format`` and ``grouping``
        carry the ``example`` of the expected form
    """
    text, number_format = _as_text(text, decimal_places, number_format)
    if len(text) > _MAX_LENGTH:
        raise AmountError("format", example=number_format.example(decimal_places))
    if not number_format.grouping or not _is_machine_form(text, decimal_places):
        return _parse(text, decimal_places, number_format)
    machine = _parse(text, decimal_places, CANONICAL)
    try:
        typed = _parse(text, decimal_places, number_format)
    except AmountError:
        return machine
    if typed != machine:
        raise AmountError("grouping", example=number_format.example(decimal_places))
    return typed


def _is_machine_form(text, decimal_places):
    """Whether ``text`` is written as the server writes amounts: ``"600.00"``."""
    return bool(decimal_places) and bool(
        re.fullmatch(rf"[0-9]+\.[0-9]{{{decimal_places}}}", _strip_spaces(text))
    )


def _looks_grouped(decimals, decimal_places):
    """Whether typed decimals could be a group of thousands: three digits where the currency has
    fewer decimals, the extra ones zeros (nonzero ones get the decimals message)."""
    return (
        len(decimals) == 3
        and decimal_places < 3
        and all(ch == "0" for ch in decimals[decimal_places:])
    )


def _parse(text, decimal_places, number_format):
    """:func:`parse_amount` of a string in ``number_format`` only."""
    not_a_number = AmountError("format", example=number_format.example(decimal_places))
    # The canonical form has no grouping: a separator there is not a number, not unclear.
    unclear = (
        AmountError("grouping", example=number_format.example(decimal_places))
        if number_format.grouping
        else not_a_number
    )
    body, negative = _strip_minus(_strip_spaces(text))
    body, symbol_before = _strip_symbol(body, number_format.symbols, leading=True)
    if not negative:
        body, negative = _strip_minus(body)  # "$-5"
    if not symbol_before:
        body, _symbol = _strip_symbol(body, number_format.symbols, leading=False)
    if not _is_number_like(body, number_format):
        raise not_a_number
    if negative:
        raise AmountError("negative")
    integer, _point, decimals = body.partition(number_format.decimal_point)
    if not all(ch in _DIGITS for ch in decimals):
        raise unclear
    digits = _integer_digits(integer, number_format, unclear)
    if not digits and not decimals:
        raise not_a_number
    if len(digits) > _MAX_INTEGER_DIGITS:
        raise not_a_number
    if number_format.grouping and _looks_grouped(decimals, decimal_places):
        # "1.000" typed in en_US (or "1,000" in de_DE) is 1000 to a reader of another language:
        # refused, not read as 1.00.
        raise unclear
    if len(decimals.rstrip("0")) > decimal_places:
        raise AmountError("decimals", decimal_places=decimal_places)
    try:
        amount = Decimal(f"{digits or '0'}.{decimals or '0'}")
    except InvalidOperation as error:  # pragma: no cover - the checks above exclude it
        raise not_a_number from error
    if amount <= 0:
        raise AmountError("not_positive")
    return quantize(amount, decimal_places)


def quantize(amount, decimal_places):
    """Return ``amount`` as a Decimal rounded to ``decimal_places`` (half-up, like Odoo)."""
    exponent = Decimal(1).scaleb(-decimal_places)
    return Decimal(str(amount)).quantize(exponent, rounding="ROUND_HALF_UP")


def check_bounds(amount, minimum, maximum, allow_overpayment, ceiling=None, *, chosen=False):
    """Check a parsed amount against the company's policy.

    :param Decimal amount: the parsed amount
    :param Decimal minimum: the smallest amount accepted
    :param Decimal maximum: the open balance (of the chosen items, if ``chosen``)
    :param bool allow_overpayment: whether amounts above the balance are accepted
    :param Decimal ceiling: with overpayments, the most that may be paid (None: no ceiling)
    :param bool chosen: whether items were chosen ("choose invoices"): the limits then name
        the chosen items' total
    :raise AmountError: ``below_minimum``, ``nothing_due``, ``above_balance`` or
        ``above_ceiling`` (``above_chosen`` or ``above_chosen_ceiling`` if ``chosen``)
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
            raise AmountError("above_chosen" if chosen else "above_balance", maximum=maximum)
    elif ceiling is not None and amount > ceiling:
        raise AmountError("above_chosen_ceiling" if chosen else "above_ceiling", maximum=ceiling)


def check_step(amount, step):
    """Check that ``amount`` is a multiple of the currency's smallest unit ``step`` (e.g. 0.05
    for a currency rounded to 5 cents), which may be coarser than its decimals.

    :raise AmountError: ``step``
    """
    if step and amount % step:
        raise AmountError("step", step=step)
