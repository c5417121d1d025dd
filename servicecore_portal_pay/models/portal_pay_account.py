import dataclasses
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Domain

from odoo.addons.servicecore_portal_pay.rules import allocation, amounts

# States of a Make a Payment transaction whose money is on its way: the customer must not be
# asked for it again. A confirmed transaction stays "on its way" until its payment is booked.
IN_FLIGHT_STATES = ("pending", "authorized", "done")


@dataclass(frozen=True)
class Account:
    """A customer's account in one company and currency, built from the ledger.

    Everything that shows or moves money reads this value: the page and its preview, the
    transaction route, the post-processing, the wizard, the receipt and the statement.
    Recordsets are sudoed: they were read with explicit domains, never through portal rules.
    """

    partner: object  # the commercial partner
    company: object
    currency: object
    lines: object  # the open receivable lines, oldest first (debits, credits, items on hold)
    items: tuple  # allocation.Item for each line, same order
    in_flight: tuple  # allocation.InFlight: other payments on their way
    apply_credits: bool
    today: date
    figures: allocation.Figures
    chosen: frozenset | None = None  # "choose invoices" mode: the chosen lines only
    reserved: frozenset = frozenset()  # lines chosen by a payment on its way: not choosable

    @property
    def places(self):
        return self.currency.decimal_places

    def quantize(self, value):
        return amounts.quantize(value, self.places)

    @property
    def selection(self):
        """The chosen lines as the canonical text bound by the form's token (``"12,15"``)."""
        return ",".join(str(key) for key in sorted(self.chosen)) if self.chosen else None

    def plan(self, amount):
        """What ``amount`` does to this account (see ``allocation.build_plan``).

        :rtype: allocation.Plan
        """
        return allocation.build_plan(
            self.items, amount, self.in_flight, self.apply_credits, self.chosen
        )

    def line(self, key):
        return self.lines.browse(key)

    def payable_keys(self):
        """The lines a customer may tick: owed, not on hold, not chosen by a payment underway."""
        return frozenset(
            item.key
            for item in self.items
            if item.residual > 0 and not item.on_hold and item.key not in self.reserved
        )

    def for_booking(self):
        """This account as a payment being booked sees it.

        Which payment lands first is not known in advance, so the amounts of the other payments
        on their way are not set aside; only the lines they chose are left to them.
        """
        return dataclasses.replace(
            self,
            items=tuple(item for item in self.items if item.key not in self.reserved),
            in_flight=(),
        )

    def select(self, keys):
        """This account restricted to the chosen lines ("Choose invoices").

        :param keys: the chosen line ids
        :raise ValidationError: if a chosen line is not an open, payable item of the account
        """
        keys = frozenset(keys)
        if not keys or not keys <= self.payable_keys():
            raise ValidationError(
                self.lines.env._(
                    "Some of the invoices you chose are no longer open. Reload the page."
                )
            )
        return dataclasses.replace(
            self,
            chosen=keys,
            figures=self.lines.env["portal.pay.account"]._quantized(
                allocation.figures(
                    self.items, self.today, self.in_flight, self.apply_credits, keys
                ),
                self.currency,
            ),
        )


class PortalPayAccount(models.AbstractModel):
    """Builds a customer's :class:`Account` from the ledger, in a fixed number of queries."""

    _name = "portal.pay.account"
    _description = "Portal Payment Account"

    @api.model
    def _get(self, partner, company, currency=None, exclude_tx=None):
        """The account of ``partner``'s customer in ``company`` and ``currency``.

        :param partner: any contact of the customer (its commercial partner is used)
        :param currency: default: the company's
        :param exclude_tx: a transaction whose own money is not "on its way" (the one booked)
        :rtype: Account
        """
        partner = partner.commercial_partner_id.sudo()
        currency = currency or company.currency_id
        today = fields.Date.context_today(self)
        lines, items = self._items(self._open_lines(partner, company, currency), currency, today)
        in_flight, reserved = self._in_flight(partner, company, currency, exclude_tx)
        apply_credits = company.portal_pay_apply_credits
        return Account(
            partner=partner,
            company=company,
            currency=currency,
            lines=lines,
            items=items,
            in_flight=in_flight,
            apply_credits=apply_credits,
            today=today,
            figures=self._quantized(
                allocation.figures(items, today, in_flight, apply_credits), currency
            ),
            reserved=reserved,
        )

    @api.model
    def _quantized(self, figures, currency):
        """``figures`` with every amount in the currency's decimals (zeros included)."""
        return dataclasses.replace(
            figures,
            **{
                field.name: amounts.quantize(getattr(figures, field.name), currency.decimal_places)
                for field in dataclasses.fields(figures)
            },
        )

    @api.model
    def _balances(self, partner, company, known=None):
        """The currencies the customer can pay in, with the balance in each.

        The company currency always comes first, then every other currency with open items.

        :param known: an :class:`Account` of the customer already built (not read again)

        :return: ``{currency: Decimal balance}``
        :rtype: dict
        """
        partner = partner.commercial_partner_id.sudo()
        groups = (
            self.env["account.move.line"]
            .sudo()
            ._read_group(self._open_lines_domain(partner, company), groupby=["currency_id"])
        )
        others = sorted(
            (currency for (currency,) in groups if currency != company.currency_id),
            key=lambda currency: currency.name,
        )
        return {
            currency: (
                known.figures.balance
                if known and known.currency == currency
                else self._get(partner, company, currency).figures.balance
            )
            for currency in [company.currency_id, *others]
        }

    @api.model
    def _open_lines_domain(self, partner, company, currency=None):
        """Every open receivable line of the customers, on any receivable account.

        :param partner: commercial partners; :param company: companies
        """
        domain = Domain(
            [
                ("partner_id", "in", partner.ids),
                ("company_id", "in", company.ids),
                ("account_id.account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
                ("reconciled", "=", False),
                ("amount_residual_currency", "!=", 0),
            ]
        )
        return domain & Domain("currency_id", "=", currency.id) if currency else domain

    @api.model
    def _open_lines(self, partner, company, currency):
        """The open receivable lines, oldest first (``allocation.sort_key``), sudoed.

        Read with an explicit domain: portal record rules follow the followers of documents,
        not their owner, and must not decide what a customer owes.
        """
        lines = (
            self.env["account.move.line"]
            .sudo()
            .search(self._open_lines_domain(partner, company, currency))
        )
        lines.fetch(
            [
                "date_maturity",
                "date",
                "amount_residual_currency",
                "amount_currency",
                "account_id",
                "move_id",
                "discount_date",
                "discount_amount_currency",
            ]
        )
        lines.move_id.fetch(
            ["name", "invoice_date", "move_type", "amount_total", "currency_id", "payment_state"]
        )
        return lines

    @api.model
    def _items(self, lines, currency, today):
        """The lines as ``allocation.Item`` s, oldest first.

        :return: ``(lines, items)``, both oldest first
        """
        in_payment = self._in_payment_moves(lines.move_id)
        self._prefetch_discount_rule(lines)
        items = []
        for line in lines:
            move = line.move_id
            items.append(
                allocation.Item(
                    key=line.id,
                    residual=amounts.quantize(
                        line.amount_residual_currency, currency.decimal_places
                    ),
                    due=line.date_maturity or line.date,
                    invoice_date=move.invoice_date,
                    name=move.name or "",
                    account=line.account_id.id,
                    on_hold=move.payment_state == "blocked" or move in in_payment,
                    discounted=self._discounted(line, currency, today),
                )
            )
        items.sort(key=allocation.sort_key)
        return lines.browse([item.key for item in items]), tuple(items)

    @api.model
    def _in_payment_moves(self, moves):
        """Invoices covered by a payment that has no journal entry yet (Odoo 19 "In Payment")."""
        payments = moves.matched_payment_ids.filtered(
            lambda payment: not payment.move_id and payment.state in ("in_process", "paid")
        )
        return moves.filtered(lambda move: move.matched_payment_ids & payments)

    @api.model
    def _prefetch_discount_rule(self, lines):
        """Read at once what stock's early-payment rule reads invoice by invoice (each invoice's
        payment-term lines and their reconciliations), so that `_discounted` asks stock's rule
        itself without a query per invoice."""
        untouched = lines.filtered(
            lambda line: (
                line.discount_date
                and line.amount_currency > 0
                and line.amount_residual_currency == line.amount_currency
            )
        )
        terms = untouched.move_id.line_ids.filtered(
            lambda line: line.display_type == "payment_term"
        )
        terms.fetch(["matched_debit_ids", "matched_credit_ids", "discount_date"])

    @api.model
    def _discounted(self, line, currency, today):
        """The early-payment amount that settles ``line`` today, as stock's invoice payment
        grants it (untouched invoice, inside its discount window), or None."""
        if not line.discount_date or line.amount_currency <= 0:
            return None
        if line.amount_residual_currency != line.amount_currency:
            return None
        if not line.move_id._is_eligible_for_early_payment_discount(currency, today):
            return None
        return amounts.quantize(line.discount_amount_currency, currency.decimal_places)

    @api.model
    def _in_flight_domain(self, partner, company, currency):
        return Domain(
            [
                ("portal_pay_account", "=", True),
                ("partner_id.commercial_partner_id", "=", partner.id),
                ("company_id", "=", company.id),
                ("currency_id", "=", currency.id),
                ("operation", "not in", ("refund", "validation")),
                ("state", "in", IN_FLIGHT_STATES),
                ("payment_id", "=", False),
                # Confirmed and post-processed without a payment is an anomaly for staff (see
                # the "Confirmed Without Payment" cron), not money on its way.
                "|",
                ("state", "!=", "done"),
                ("is_post_processed", "=", False),
            ]
        )

    @api.model
    def _in_flight(self, partner, company, currency, exclude_tx=None):
        """Make a Payment transactions whose money is on its way, and the lines they chose.

        :return: ``(in_flight, reserved)``: ``allocation.InFlight`` values and the line ids that
                 those payments chose (they cannot be chosen again)
        :rtype: tuple(tuple, frozenset)
        """
        txs = (
            self.env["payment.transaction"]
            .sudo()
            .search(self._in_flight_domain(partner, company, currency), order="id")
        )
        if exclude_tx:
            # A partial capture books the money of its source: the source's chosen items are
            # the capture's own, and its sibling captures share them.
            source = exclude_tx.source_transaction_id
            txs -= exclude_tx | source | source.child_transaction_ids
        in_flight = []
        reserved = set()
        for tx in txs:
            amount = Decimal(str(tx.amount))
            # An authorized payment partly captured or voided: only the rest is still on its way
            # (the captured part is a child transaction of its own).
            amount -= sum(
                (
                    Decimal(str(child.amount))
                    for child in tx.child_transaction_ids
                    if child.operation != "refund"
                ),
                Decimal(0),
            )
            if amount <= 0:
                continue
            chosen = None
            if tx.portal_pay_chose_items or tx.portal_pay_line_ids:
                chosen = frozenset(tx.portal_pay_line_ids.ids)
                reserved |= chosen
            in_flight.append(
                allocation.InFlight(
                    key=tx.id,
                    amount=amounts.quantize(amount, currency.decimal_places),
                    chosen=chosen,
                )
            )
        return tuple(in_flight), frozenset(reserved)
