import dataclasses
import json
import secrets
import time
from dataclasses import dataclass
from decimal import Decimal

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import consteq, get_lang

from odoo.addons.payment import utils as payment_utils
from odoo.addons.servicecore_portal_pay import const
from odoo.addons.servicecore_portal_pay.rules import amounts


@dataclass(frozen=True)
class PaymentRequest:
    """A checked Make a Payment request: who pays, on which account, how much.

    The amount is a Decimal from the moment it is parsed until the ORM boundary.
    """

    partner: object  # the paying contact
    account: object  # models.portal_pay_account.Account, restricted to the chosen items if any
    amount: Decimal | None = None

    @property
    def token_values(self):
        """What the payment form's access token binds: company, payer, amount, currency and
        chosen items. Built here only, for the page and for the transaction route."""
        values = [
            self.account.company.id,
            self.partner.id,
            f"{self.amount:f}",
            self.account.currency.id,
        ]
        if self.account.chosen:
            values.append(self.account.selection)
        return values

    def plan(self):
        return self.account.plan(self.amount)


class PortalPayRequest(models.AbstractModel):
    """The one request check of the page (GET /my/payment?amount=) and of the transaction route
    (POST /my/payment/transaction): currency, chosen items, amount, token."""

    _name = "portal.pay.request"
    _description = "Portal Payment Request Check"

    @api.model
    def _check(self, partner, company, currency_id=None, line_ids=None):
        """Check who pays and on which account (see :meth:`_with_amount` for the amount).

        :param partner: the user's partner
        :param currency_id: the currency asked for (default: the company's)
        :param str line_ids: the chosen items, ids separated by commas (None: the whole account)
        :return: the request, or None if ``partner`` may not pay on account in ``company``
        :rtype: PaymentRequest|None
        :raise ValidationError: with a message for the customer
        """
        if not partner._portal_pay_may_pay_in(company):
            return None
        currency = self._currency(company, currency_id)
        account = self.env["portal.pay.account"]._get(partner, company, currency)
        if currency != company.currency_id and not account.lines:
            raise ValidationError(self.env._("Your account cannot be paid in this currency."))
        request = PaymentRequest(partner=partner, account=account)
        return request if line_ids is None else self._with_selection(request, line_ids)

    @api.model
    def _with_selection(self, request, line_ids):
        """``request`` restricted to the items ticked in "Choose invoices" mode.

        :param str line_ids: the chosen items, ids separated by commas
        :raise ValidationError: if they are not a list of open, payable items of the account
        """
        return dataclasses.replace(
            request, account=request.account.select(self._parse_selection(line_ids))
        )

    @api.model
    def _with_amount(self, request, amount, typed=False):
        """``request`` for ``amount``, checked against its account.

        :param amount: as the payment form sends it (a number, or digits and a point), or, if
            ``typed``, as the customer typed it in their language
        :raise ValidationError: with a message for the customer
        """
        return dataclasses.replace(
            request, amount=self._validate_amount(request.account, amount, typed=typed)
        )

    @api.model
    def _currency(self, company, currency_id):
        if currency_id in (None, ""):
            return company.currency_id
        try:
            currency = self.env["res.currency"].browse(int(currency_id)).exists()
        except (TypeError, ValueError):
            currency = None
        if not currency:
            raise ValidationError(self.env._("Your account cannot be paid in this currency."))
        return currency

    @api.model
    def _parse_selection(self, text):
        """Parse the items ticked in "Choose invoices" mode (``"12,15"``).

        :return: the distinct ids
        :rtype: set
        :raise ValidationError: if the text is not a list of ids
        """
        parts = [part.strip() for part in (text or "").split(",") if part.strip()]
        if not parts or not all(part.isdigit() and part.isascii() for part in parts):
            raise ValidationError(self.env._("Choose the invoices you want to pay."))
        return {int(part) for part in parts}

    @api.model
    def _min_amount(self, company, currency):
        """The company's minimum payment (set in its currency), in ``currency``."""
        return self._company_amount(company, currency, company.portal_pay_min_amount)

    @api.model
    def _company_amount(self, company, currency, value):
        """``value``, a setting of ``company`` in its currency, in ``currency``."""
        value = value or 0.0
        if currency != company.currency_id:
            value = company.currency_id._convert(
                value, currency, company, fields.Date.context_today(self)
            )
        return amounts.quantize(value, currency.decimal_places)

    @api.model
    def _default_amount(self, account):
        """Amount proposed on the page, following the company's setting."""
        figures = account.figures
        if account.company.portal_pay_default_amount == "overdue" and figures.overdue > 0:
            return min(figures.overdue, figures.balance)
        return figures.balance

    @api.model
    def _validate_amount(self, account, raw_amount, typed=False):
        """Parse and check an amount for ``account``.

        :param bool typed: whether ``raw_amount`` was typed by the customer (read in their
            language) or comes from the payment form (read in the canonical form)
        :return: the amount, quantized to the currency
        :rtype: Decimal
        :raise ValidationError: with a message for the customer
        """
        company, currency = account.company, account.currency
        balance = account.figures.balance
        number_format = self._number_format(currency) if typed else amounts.CANONICAL
        try:
            amount = amounts.parse_amount(raw_amount, currency.decimal_places, number_format)
            amounts.check_step(amount, Decimal(str(currency.rounding)))
            amounts.check_bounds(
                amount,
                minimum=self._min_amount(company, currency),
                maximum=balance,
                allow_overpayment=company.portal_pay_overpayment == "credit",
                ceiling=max(balance, 0) + self._overpayment_margin(company, currency),
                chosen=bool(account.chosen),
            )
        except amounts.AmountError as error:
            raise ValidationError(self._amount_message(error, currency)) from error
        return amount

    @api.model
    def _overpayment_margin(self, company, currency):
        return self._company_amount(company, currency, company.portal_pay_overpayment_margin)

    @api.model
    def _number_format(self, currency):
        """How the user's language writes amounts of ``currency`` (res.lang), for parsing."""
        lang = get_lang(self.env)
        return amounts.NumberFormat(
            decimal_point=lang.decimal_point,
            thousands_sep=lang.thousands_sep or "",
            grouping=tuple(json.loads(lang.grouping)),
            symbols=tuple(filter(None, (currency.symbol, currency.name))),
        )

    @api.model
    def _amount_text(self, currency, amount):
        """``amount`` as the user's language writes it in the amount field (``"2 463,00"``)."""
        return self._number_format(currency).format(amount, currency.decimal_places)

    @api.model
    def _amount_rules(self, account):
        """What the browser needs to check an amount as :meth:`_validate_amount` does, with the
        same words (static/src/interactions/portal_pay_amounts.js): the language's number
        format, the bounds, and each message made here. The messages whose amount the browser
        computes (the total of the ticked items) keep a ``%(minimum)s`` or ``%(maximum)s``
        placeholder.

        :return: JSON, for the amount form's ``data-amount-rules``
        :rtype: str
        """
        company, currency = account.company, account.currency
        number_format = self._number_format(currency)
        places = currency.decimal_places
        balance = account.figures.balance
        minimum = self._min_amount(company, currency)
        margin = self._overpayment_margin(company, currency)
        example = number_format.example(places)
        error = amounts.AmountError
        codes = {
            "missing": error("missing"),
            "format": error("format", example=example),
            "grouping": error("grouping", example=example),
            "negative": error("negative"),
            "decimals": error("decimals", decimal_places=places),
            "not_positive": error("not_positive"),
            "step": error("step", step=Decimal(str(currency.rounding))),
            "below_minimum": error(
                "below_minimum", minimum=min(minimum, balance) if balance > 0 else minimum
            ),
            "nothing_due": error("nothing_due"),
            "above_balance": error("above_balance", maximum=balance),
            "above_ceiling": error("above_ceiling", maximum=max(balance, 0) + margin),
        }
        chosen = {
            "below_minimum": error("below_minimum", minimum="%(minimum)s"),
            "above_chosen": error("above_chosen", maximum="%(maximum)s"),
            "above_chosen_ceiling": error("above_chosen_ceiling", maximum="%(maximum)s"),
        }
        return json.dumps(
            {
                "format": dataclasses.asdict(number_format),
                "currency": {"symbol": currency.symbol or "", "position": currency.position},
                "decimals": places,
                "step": f"{Decimal(str(currency.rounding)):f}",
                "balance": f"{balance:f}",
                "minimum": f"{minimum:f}",
                "margin": f"{margin:f}",
                "allow_overpayment": company.portal_pay_overpayment == "credit",
                "messages": {
                    code: self._amount_message(err, currency) for code, err in codes.items()
                },
                "chosen_messages": {
                    code: self._amount_message(err, currency) for code, err in chosen.items()
                },
            }
        )

    @api.model
    def _amount_message(self, error, currency):
        """The one message of each refusal (the browser gets them from :meth:`_amount_rules`).

        An amount given as a string (a placeholder) is left as it is.
        """

        def fmt(value):
            return value if isinstance(value, str) else currency.format(float(value))

        places = error.params.get("decimal_places")
        messages = {
            "missing": lambda: self.env._("Enter the amount you want to pay."),
            "format": lambda: self.env._(
                "Enter the amount as a number, for example %(example)s.",
                example=error.params["example"],
            ),
            "grouping": lambda: self.env._(
                "The separators in this amount are unclear: write it like %(example)s.",
                example=error.params["example"],
            ),
            "negative": lambda: self.env._("The amount cannot be negative."),
            "decimals": lambda: (
                self.env._("The amount can have at most %(places)s decimals.", places=places)
                if places
                else self.env._("The amount cannot have decimals.")
            ),
            "not_positive": lambda: self.env._("The amount must be greater than zero."),
            "step": lambda: self.env._(
                "The amount must be a multiple of %(step)s.", step=fmt(error.params["step"])
            ),
            "below_minimum": lambda: self.env._(
                "The minimum payment is %(minimum)s.", minimum=fmt(error.params["minimum"])
            ),
            "nothing_due": lambda: self.env._("Your account has no open balance to pay."),
            "above_balance": lambda: self.env._(
                "The amount cannot exceed your open balance of %(maximum)s.",
                maximum=fmt(error.params["maximum"]),
            ),
            "above_ceiling": lambda: self.env._(
                "The amount cannot exceed %(maximum)s: your open balance and at most a fixed "
                "amount paid in advance.",
                maximum=fmt(error.params["maximum"]),
            ),
            "above_chosen": lambda: self.env._(
                "The amount cannot exceed your chosen invoices' total of %(maximum)s.",
                maximum=fmt(error.params["maximum"]),
            ),
            "above_chosen_ceiling": lambda: self.env._(
                "The amount cannot exceed %(maximum)s: your chosen invoices' total and at most "
                "a fixed amount paid in advance.",
                maximum=fmt(error.params["maximum"]),
            ),
        }
        return messages[error.code]()

    # === ACCESS TOKEN === #

    @api.model
    def _access_token(self, request, issued=None, nonce=None):
        """A fresh token for one payment form of ``request``: when it was issued, a random nonce
        that makes the form single-use, and an HMAC of both and of ``token_values``.

        :param int issued: the issue time, in seconds since the epoch (default: now)
        :param str nonce: the nonce (default: a new random one)
        """
        issued = int(time.time()) if issued is None else int(issued)
        nonce = nonce or secrets.token_hex(16)
        mac = payment_utils.generate_access_token(
            const.ACCESS_TOKEN_SCOPE, *request.token_values, issued, nonce, env=self.env
        )
        return f"{issued}.{nonce}.{mac}"

    @api.model
    def _check_access_token(self, request, token):
        """Check the token a payment form sent for ``request``.

        :return: the form's nonce
        :rtype: str
        :raise ValidationError: if the token is not this request's, or has expired
        """
        changed = ValidationError(
            self.env._(
                "This payment form has expired or was changed. Reload the page and try again."
            )
        )
        # A JSON list or object would make the constant-time comparison raise (a server error).
        parts = token.split(".") if isinstance(token, str) else []
        if len(parts) != 3 or not token.isascii() or not parts[0].isdigit():
            raise changed
        issued, nonce, mac = parts
        expected = payment_utils.generate_access_token(
            const.ACCESS_TOKEN_SCOPE, *request.token_values, issued, nonce, env=self.env
        )
        if not consteq(mac, expected):
            raise changed
        minutes = request.account.company.portal_pay_form_minutes
        # A form issued in the future comes from a skewed or forged clock: refused as well.
        age = time.time() - int(issued)
        if not -const.FORM_CLOCK_SKEW <= age <= minutes * 60:
            raise ValidationError(
                self.env._(
                    "This payment form expired after %(minutes)s minutes. Reload the page and "
                    "try again.",
                    minutes=minutes,
                )
            )
        return nonce
