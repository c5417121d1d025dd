import dataclasses
import secrets
import time
from dataclasses import dataclass
from decimal import Decimal

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import consteq

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
    def _with_amount(self, request, amount):
        """``request`` for ``amount`` (as typed, or as the payment form sends it), checked
        against its account.

        :raise ValidationError: with a message for the customer
        """
        return dataclasses.replace(request, amount=self._validate_amount(request.account, amount))

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
    def _validate_amount(self, account, raw_amount):
        """Parse and check an amount for ``account``.

        :return: the amount, quantized to the currency
        :rtype: Decimal
        :raise ValidationError: with a message for the customer
        """
        company, currency = account.company, account.currency
        balance = account.figures.balance
        try:
            amount = amounts.parse_amount(raw_amount, currency.decimal_places)
            amounts.check_step(amount, Decimal(str(currency.rounding)))
            amounts.check_bounds(
                amount,
                minimum=self._min_amount(company, currency),
                maximum=balance,
                allow_overpayment=company.portal_pay_overpayment == "credit",
                ceiling=max(balance, 0)
                + self._company_amount(company, currency, company.portal_pay_overpayment_margin),
            )
        except amounts.AmountError as error:
            raise ValidationError(self._amount_message(error, currency)) from error
        return amount

    @api.model
    def _amount_message(self, error, currency):
        def fmt(value):
            return currency.format(float(value))

        messages = {
            "missing": lambda: self.env._("Enter the amount you want to pay."),
            "format": lambda: self.env._("Enter the amount as a number, for example 125.50."),
            "decimals": lambda: self.env._(
                "The amount can have at most %(places)s decimals.",
                places=error.params.get("decimal_places"),
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
