/**
 * The pure rules of amounts typed by customers, ported line by line from the server's
 * rules/amounts.py, so that the browser refuses exactly what the server refuses. Amounts are
 * integers in minor units (cents) here, Decimals there. The messages are not made here: the
 * server renders them into the amount form (portal.pay.request._amount_rules), so the browser
 * shows the server's words. test_amount_tour.py proves that both give the same answer.
 */

const MAX_INTEGER_DIGITS = 12;
// Longer than any amount as people write it (symbol, spaces and all): refused before it is read.
const MAX_LENGTH = 64;
const DIGITS = new Set("0123456789");
// Spaces people type or copy between thousands: space, no-break space (fr_FR prints it), narrow
// no-break space, thin space, figure space, zero-width no-break space (Odoo puts one after "-").
const SPACES = new Set(" \t\u00a0\u202f\u2009\u2007\ufeff");
// Around the amount, line breaks too (pasted from a document).
const BLANKS = new Set([...SPACES, ..."\n\r\x0b\x0c"]);
const MINUS = new Set("-\u2212");
// What serves as a decimal point or thousands separator in some language: a number written with
// one the language does not use is unclear rather than "not a number".
const SEPARATORS = new Set(".,'\u2019\u00b7_");

export class AmountError extends Error {
    /**
     * The amount typed by the customer is unusable; ``code`` says why (one message per code).
     *
     * @param {string} code
     * @param {Object} params
     */
    constructor(code, params = {}) {
        super(code);
        this.code = code;
        this.params = params;
    }
}

/**
 * How a language writes numbers (Odoo's res.lang) and the currency's symbols, as the server's
 * ``NumberFormat`` (its fields, as JSON, construct this one).
 */
export class NumberFormat {
    constructor({ decimal_point = ".", thousands_sep = "", grouping = [], symbols = [] } = {}) {
        this.decimalPoint = decimal_point;
        this.thousandsSep = thousands_sep;
        this.grouping = grouping;
        this.symbols = symbols;
    }

    /**
     * ``minor`` as the language prints it, without a symbol (e.g. ``"1,234.50"``).
     *
     * @param {number} minor the amount in minor units
     * @param {number} decimalPlaces
     */
    format(minor, decimalPlaces) {
        const scale = 10 ** decimalPlaces;
        const integer = String(Math.floor(minor / scale));
        const decimals = decimalPlaces ? String(minor % scale).padStart(decimalPlaces, "0") : "";
        const grouped = groups(integer, this.grouping).join(this.thousandsSep);
        return decimals ? `${grouped}${this.decimalPoint}${decimals}` : grouped;
    }

    /** The form amounts take in this language, for messages: ``"1,234.56"``. */
    example(decimalPlaces) {
        const integer = groups("1234", this.grouping).join(this.thousandsSep);
        const decimals = "56789".slice(0, decimalPlaces);
        return decimals ? `${integer}${this.decimalPoint}${decimals}` : integer;
    }
}

// What the payment form posts back and what the server writes: digits and a point.
export const CANONICAL = new NumberFormat();

/**
 * ``digits`` cut in groups as Odoo's ``intersperse`` cuts them, left to right: from the right,
 * each count of ``grouping`` in turn, 0 repeating the last one, -1 stopping.
 */
function groups(digits, grouping) {
    const result = [];
    let rest = digits;
    let last = rest.length;
    for (const count of grouping) {
        if (!rest || count === -1) {
            break;
        }
        if (count === 0) {
            while (rest) {
                result.push(rest.slice(-last));
                rest = rest.slice(0, -last);
            }
            break;
        }
        result.push(rest.slice(-count));
        rest = rest.slice(0, -count);
        last = count;
    }
    if (rest) {
        result.push(rest);
    }
    return result.reverse();
}

function stripSpaces(text) {
    let start = 0;
    let end = text.length;
    while (start < end && BLANKS.has(text[start])) {
        start++;
    }
    while (end > start && BLANKS.has(text[end - 1])) {
        end--;
    }
    return text.slice(start, end);
}

/** ``[text without a leading minus, whether there was one]``. */
function stripMinus(text) {
    if (text && MINUS.has(text[0])) {
        return [stripSpaces(text.slice(1)), true];
    }
    return [text, false];
}

/** ``[text without the currency symbol at its start or end, whether there was one]``. */
function stripSymbol(text, symbols, leading) {
    const folded = text.toLowerCase();
    for (const symbol of [...symbols].sort((a, b) => b.length - a.length)) {
        const foldedSymbol = symbol.toLowerCase();
        if (!foldedSymbol || foldedSymbol.length >= text.length) {
            continue;
        }
        if (leading && folded.startsWith(foldedSymbol)) {
            return [stripSpaces(text.slice(foldedSymbol.length)), true];
        }
        if (!leading && folded.endsWith(foldedSymbol)) {
            return [stripSpaces(text.slice(0, -foldedSymbol.length)), true];
        }
    }
    return [text, false];
}

/** Whether ``text`` holds only digits, spaces and separators (of any language). */
function isNumberLike(text, numberFormat) {
    const allowed = new Set([...DIGITS, ...SPACES, ...SEPARATORS, numberFormat.decimalPoint]);
    if (numberFormat.thousandsSep) {
        allowed.add(numberFormat.thousandsSep);
    }
    const chars = [...text];
    return chars.some((ch) => DIGITS.has(ch)) && chars.every((ch) => allowed.has(ch));
}

/**
 * The digits of the integer part, its separators checked against the language's grouping.
 *
 * @throws {AmountError} ``unclear`` if the separators are not the language's grouping
 */
function integerDigits(integer, numberFormat, unclear) {
    const sep = numberFormat.thousandsSep;
    const found = [""];
    const kinds = new Set();
    let i = 0;
    while (i < integer.length) {
        const ch = integer[i];
        if (DIGITS.has(ch)) {
            found[found.length - 1] += ch;
            i++;
        } else if (SPACES.has(ch)) {
            // A run of spaces is one separator, whichever spaces they are.
            while (i < integer.length && SPACES.has(integer[i])) {
                i++;
            }
            kinds.add("space");
            found.push("");
        } else if (sep && (ch === sep || (sep === "'" && ch === "\u2019"))) {
            kinds.add("sep");
            found.push("");
            i++;
        } else {
            throw unclear;
        }
    }
    const digits = found.join("");
    if (found.length === 1) {
        return digits;
    }
    // One kind of separator, at the places the language puts them; "0,500" is unclear too.
    const expected = groups(digits, numberFormat.grouping);
    if (
        kinds.size > 1 ||
        digits[0] === "0" ||
        found.length !== expected.length ||
        found.some((group, index) => group !== expected[index])
    ) {
        throw unclear;
    }
    return digits;
}

/**
 * Parse an amount as a person types it in a language (see the server's ``parse_amount``).
 *
 * The form the server writes in links (digits, a point and the currency's decimals, e.g.
 * ``"600.00"``) is read the same in every language where it is not one of the language's own
 * numbers; where it is one of another value, it is unclear.
 *
 * @param {string} text the amount as typed, e.g. ``"$1,000.50"``
 * @param {number} decimalPlaces the currency's number of decimals
 * @param {NumberFormat} numberFormat the language's
 * @returns {number} the amount in minor units
 * @throws {AmountError} ``missing``, ``format``, ``grouping``, ``negative``, ``decimals`` or
 *     ``not_positive``
 */
export function parseAmount(text, decimalPlaces, numberFormat = CANONICAL) {
    if (text === null || text === undefined || !stripSpaces(String(text))) {
        throw new AmountError("missing");
    }
    text = String(text);
    if (text.length > MAX_LENGTH) {
        throw new AmountError("format", { example: numberFormat.example(decimalPlaces) });
    }
    if (!numberFormat.grouping.length || !isMachineForm(text, decimalPlaces)) {
        return parse(text, decimalPlaces, numberFormat);
    }
    const machine = parse(text, decimalPlaces, CANONICAL);
    let typed;
    try {
        typed = parse(text, decimalPlaces, numberFormat);
    } catch (error) {
        if (!(error instanceof AmountError)) {
            throw error;
        }
        return machine;
    }
    if (typed !== machine) {
        throw new AmountError("grouping", { example: numberFormat.example(decimalPlaces) });
    }
    return typed;
}

/** Whether ``text`` is written as the server writes amounts: ``"600.00"``. */
function isMachineForm(text, decimalPlaces) {
    return (
        decimalPlaces > 0 &&
        new RegExp(`^[0-9]+\\.[0-9]{${decimalPlaces}}$`).test(stripSpaces(text))
    );
}

/**
 * Whether typed decimals could be a group of thousands: three digits where the currency has
 * fewer decimals, the extra ones zeros (nonzero ones get the decimals message).
 */
function looksGrouped(decimals, decimalPlaces) {
    return (
        decimals.length === 3 &&
        decimalPlaces < 3 &&
        [...decimals.slice(decimalPlaces)].every((ch) => ch === "0")
    );
}

/** ``parseAmount`` of a string in ``numberFormat`` only. */
function parse(text, decimalPlaces, numberFormat) {
    const notANumber = new AmountError("format", { example: numberFormat.example(decimalPlaces) });
    // The canonical form has no grouping: a separator there is not a number, not unclear.
    const unclear = numberFormat.grouping.length
        ? new AmountError("grouping", { example: numberFormat.example(decimalPlaces) })
        : notANumber;
    let [body, negative] = stripMinus(stripSpaces(text));
    let symbolBefore;
    [body, symbolBefore] = stripSymbol(body, numberFormat.symbols, true);
    if (!negative) {
        [body, negative] = stripMinus(body); // "$-5"
    }
    if (!symbolBefore) {
        [body] = stripSymbol(body, numberFormat.symbols, false);
    }
    if (!isNumberLike(body, numberFormat)) {
        throw notANumber;
    }
    if (negative) {
        throw new AmountError("negative");
    }
    const point = body.indexOf(numberFormat.decimalPoint);
    const integer = point === -1 ? body : body.slice(0, point);
    const decimals = point === -1 ? "" : body.slice(point + numberFormat.decimalPoint.length);
    if (![...decimals].every((ch) => DIGITS.has(ch))) {
        throw unclear;
    }
    const digits = integerDigits(integer, numberFormat, unclear);
    if (!digits && !decimals) {
        throw notANumber;
    }
    if (digits.length > MAX_INTEGER_DIGITS) {
        throw notANumber;
    }
    if (numberFormat.grouping.length && looksGrouped(decimals, decimalPlaces)) {
        // "1.000" typed in en_US (or "1,000" in de_DE) is 1000 to a reader of another language:
        // refused, not read as 1.00.
        throw unclear;
    }
    if (decimals.replace(/0+$/, "").length > decimalPlaces) {
        throw new AmountError("decimals", { decimal_places: decimalPlaces });
    }
    const amount = parseInt(
        `${digits || "0"}${decimals.padEnd(decimalPlaces, "0").slice(0, decimalPlaces)}`,
        10
    );
    if (amount <= 0) {
        throw new AmountError("not_positive");
    }
    return amount;
}

/**
 * Check a parsed amount against the company's policy (see the server's ``check_bounds``).
 *
 * @param {number} amount
 * @param {number} minimum
 * @param {number} maximum the open balance (of the chosen items, if ``chosen``)
 * @param {boolean} allowOverpayment
 * @param {number|null} ceiling with overpayments, the most that may be paid
 * @param {{chosen: boolean}} options
 * @throws {AmountError} ``below_minimum``, ``nothing_due``, ``above_balance``,
 *     ``above_ceiling``, ``above_chosen`` or ``above_chosen_ceiling``
 */
export function checkBounds(
    amount,
    minimum,
    maximum,
    allowOverpayment,
    ceiling = null,
    { chosen = false } = {}
) {
    if (maximum > 0) {
        // A balance smaller than the minimum payment can still be paid off in full.
        minimum = Math.min(minimum, maximum);
    }
    if (amount < minimum) {
        throw new AmountError("below_minimum", { minimum });
    }
    if (!allowOverpayment) {
        if (maximum <= 0) {
            throw new AmountError("nothing_due");
        }
        if (amount > maximum) {
            throw new AmountError(chosen ? "above_chosen" : "above_balance", { maximum });
        }
    } else if (ceiling !== null && amount > ceiling) {
        throw new AmountError(chosen ? "above_chosen_ceiling" : "above_ceiling", {
            maximum: ceiling,
        });
    }
}

/**
 * Check that ``amount`` is a multiple of the currency's smallest unit ``step``.
 *
 * @throws {AmountError} ``step``
 */
export function checkStep(amount, step) {
    if (step && amount % step) {
        throw new AmountError("step", { step });
    }
}

/**
 * ``minor`` as the server's ``currency.format`` writes it (Odoo's ``format_amount``): the
 * language's number, no-break spaces, the symbol before or after.
 *
 * @param {number} minor
 * @param {number} decimalPlaces
 * @param {NumberFormat} numberFormat
 * @param {{symbol: string, position: string}} currency
 */
export function formatMoney(minor, decimalPlaces, numberFormat, { symbol, position }) {
    const number = numberFormat.format(minor, decimalPlaces).replaceAll(" ", "\u00a0");
    return position === "before" ? `${symbol}\u00a0${number}` : `${number}\u00a0${symbol}`;
}
