"""The pure rules (rules/amounts.py, rules/allocation.py): parsing amounts, and the plan."""

from datetime import date
from decimal import Decimal

from odoo.tests import BaseCase, tagged

from odoo.addons.servicecore_portal_pay.rules import allocation, amounts
from odoo.addons.servicecore_portal_pay.rules.allocation import InFlight, Item
from odoo.addons.servicecore_portal_pay.rules.amounts import AmountError


def item(key, residual, due, invoice_date=None, name=None, **values):
    return Item(
        key=key,
        residual=Decimal(residual),
        due=due,
        invoice_date=invoice_date or due,
        name=name or f"INV/{key:04d}",
        **values,
    )


@tagged("post_install", "-at_install")
class TestParseAmount(BaseCase):
    def test_valid_amounts(self):
        cases = {
            "125.5": "125.50",
            " 10 ": "10.00",
            "0.01": "0.01",
            "7.": "7.00",
            "99.990": "99.99",
            125.5: "125.50",
            100: "100.00",
        }
        for raw, expected in cases.items():
            with self.subTest(raw=raw):
                self.assertEqual(amounts.parse_amount(raw, 2), Decimal(expected))

    def test_invalid_amounts(self):
        cases = {
            None: "missing",
            "": "missing",
            "   ": "missing",
            "abc": "format",
            "-5": "negative",
            "+5": "format",
            "1e3": "format",
            "NaN": "format",
            "Infinity": "format",
            "1,000.00": "format",
            "1e309": "format",
            float("inf"): "format",
            float("nan"): "format",
            1e309: "format",
            "١٢٣": "format",
            "0": "not_positive",
            "0.00": "not_positive",
            "10.001": "decimals",
            "0.005": "decimals",
            "1234567890123": "format",
            True: "format",
        }
        for raw, code in cases.items():
            with self.subTest(raw=raw), self.assertRaises(AmountError) as caught:
                amounts.parse_amount(raw, 2)
            self.assertEqual(caught.exception.code, code)

    def test_zero_decimal_currency(self):
        self.assertEqual(amounts.parse_amount("1500", 0), Decimal("1500"))
        with self.assertRaises(AmountError):
            amounts.parse_amount("1500.5", 0)


@tagged("post_install", "-at_install")
class TestBounds(BaseCase):
    def test_step_of_the_currency(self):
        amounts.check_step(Decimal("10.05"), Decimal("0.05"))
        amounts.check_step(Decimal("10.03"), Decimal("0.01"))
        with self.assertRaises(AmountError) as caught:
            amounts.check_step(Decimal("10.03"), Decimal("0.05"))
        self.assertEqual(caught.exception.code, "step")

    def test_bounds(self):
        check = amounts.check_bounds
        check(Decimal("5.00"), Decimal("1.00"), Decimal("5.00"), False)
        with self.assertRaises(AmountError) as caught:
            check(Decimal("5.01"), Decimal("1.00"), Decimal("5.00"), False)
        self.assertEqual(caught.exception.code, "above_balance")
        check(Decimal("5.01"), Decimal("1.00"), Decimal("5.00"), True)
        with self.assertRaises(AmountError) as caught:
            check(Decimal("0.99"), Decimal("1.00"), Decimal("5.00"), True)
        self.assertEqual(caught.exception.code, "below_minimum")
        with self.assertRaises(AmountError) as caught:
            check(Decimal("2.00"), Decimal("1.00"), Decimal("0.00"), False)
        self.assertEqual(caught.exception.code, "nothing_due")

    def test_balance_below_minimum_can_be_paid_off(self):
        # A balance smaller than the minimum payment must still be payable in full, whatever the
        # overpayment policy; less than that balance stays refused.
        check = amounts.check_bounds
        for allow_overpayment in (False, True):
            with self.subTest(allow_overpayment=allow_overpayment):
                check(Decimal("0.50"), Decimal("1.00"), Decimal("0.50"), allow_overpayment)
                with self.assertRaises(AmountError) as caught:
                    check(Decimal("0.49"), Decimal("1.00"), Decimal("0.50"), allow_overpayment)
                self.assertEqual(caught.exception.code, "below_minimum")
                self.assertEqual(caught.exception.params["minimum"], Decimal("0.50"))


@tagged("post_install", "-at_install")
class TestAllocate(BaseCase):
    def setUp(self):
        super().setUp()
        self.items = [
            item(3, "300.00", date(2026, 3, 1)),
            item(1, "100.00", date(2026, 1, 1)),
            item(2, "200.00", date(2026, 2, 1)),
        ]

    def plan(self, amount, items=None, **kwargs):
        plan = allocation.build_plan(items or self.items, Decimal(amount), **kwargs)
        return [(app.item, str(app.amount)) for app in plan.payments], str(plan.remainder)

    def test_oldest_first_partial_last(self):
        self.assertEqual(self.plan("250.00"), ([(1, "100.00"), (2, "150.00")], "0.00"))

    def test_exact_amount(self):
        self.assertEqual(
            self.plan("600.00"), ([(1, "100.00"), (2, "200.00"), (3, "300.00")], "0.00")
        )

    def test_overpayment_remainder(self):
        plan, remainder = self.plan("650.00")
        self.assertEqual(len(plan), 3)
        self.assertEqual(remainder, "50.00")

    def test_one_cent(self):
        self.assertEqual(self.plan("0.01"), ([(1, "0.01")], "0.00"))

    def test_same_due_date_tie_break(self):
        due = date(2026, 5, 1)
        items = [
            item(10, "50.00", due, invoice_date=date(2026, 4, 2), name="INV/0002"),
            item(11, "50.00", due, invoice_date=date(2026, 4, 1), name="INV/0009"),
            item(12, "50.00", due, invoice_date=date(2026, 4, 1), name="INV/0003"),
        ]
        # Same due date: invoice date first, then name; the amount never decides.
        self.assertEqual(
            self.plan("120.00", items)[0], [(12, "50.00"), (11, "50.00"), (10, "20.00")]
        )

    def test_same_invoice_line_id_tie_break(self):
        # Everything equal but the line (e.g. two installments of one invoice due the same day):
        # the lower line id first, whatever the amounts and the input order.
        due = date(2026, 5, 1)
        items = [
            item(21, "5.00", due, invoice_date=due, name="INV/0001"),
            item(20, "50.00", due, invoice_date=due, name="INV/0001"),
        ]
        self.assertEqual(self.plan("52.00", items)[0], [(20, "50.00"), (21, "2.00")])

    def test_missing_due_date_comes_last(self):
        items = [
            Item(1, Decimal("10.00"), None, None, "A"),
            Item(2, Decimal("10.00"), date(2026, 5, 1), date(2026, 5, 1), "B"),
        ]
        self.assertEqual(self.plan("15.00", items)[0], [(2, "10.00"), (1, "5.00")])

    def test_credits_first_oldest_credit_on_oldest_items(self):
        items = [
            *self.items,
            item(8, "-30.00", date(2026, 2, 15)),
            item(9, "-120.00", date(2025, 12, 1)),
        ]
        plan = allocation.build_plan(items, Decimal("100.00"))
        self.assertEqual(
            [(app.source, app.item, str(app.amount)) for app in plan.credits],
            [(9, 1, "100.00"), (9, 2, "20.00"), (8, 2, "30.00")],
        )
        self.assertEqual(
            [(app.item, str(app.amount), str(app.left)) for app in plan.payments],
            [(2, "100.00", "50.00")],
        )
        figures = allocation.figures(items, date(2026, 2, 10))
        self.assertEqual(
            (str(figures.balance), str(figures.credits_applied), str(figures.overdue)),
            ("450.00", "150.00", "150.00"),
        )

    def test_credits_apply_on_their_own_account_only(self):
        items = [
            item(1, "100.00", date(2026, 1, 1), account=1),
            item(2, "200.00", date(2026, 2, 1), account=2),
            item(9, "-250.00", date(2025, 1, 1), account=2),
        ]
        figures = allocation.figures(items, date(2026, 3, 1))
        # The credit closes invoice 2 and keeps 50 it cannot apply; invoice 1 is still due.
        self.assertEqual(
            (str(figures.balance), str(figures.credits_applied), str(figures.credits_left)),
            ("100.00", "200.00", "50.00"),
        )
        plan = allocation.build_plan(items, Decimal("100.00"))
        self.assertEqual([(app.item, app.account) for app in plan.payments], [(1, 1)])
        self.assertEqual(plan.payment_by_account(), {1: (Decimal("100.00"), Decimal(0))})

    def test_credits_off_balance_is_gross(self):
        items = [*self.items, item(9, "-40.00", date(2025, 1, 1))]
        figures = allocation.figures(items, date(2026, 1, 1), apply_credits=False)
        self.assertEqual((str(figures.balance), str(figures.credits_left)), ("600.00", "40.00"))
        self.assertFalse(allocation.build_plan(items, Decimal(10), apply_credits=False).credits)

    def test_choose_mode_credits_still_oldest_first(self):
        items = [*self.items, item(9, "-50.00", date(2025, 1, 1))]
        plan = allocation.build_plan(items, Decimal("300.00"), chosen=frozenset({3}))
        self.assertEqual([(app.item, str(app.amount)) for app in plan.credits], [(1, "50.00")])
        self.assertEqual([(app.item, str(app.amount)) for app in plan.payments], [(3, "300.00")])
        figures = allocation.figures(items, date(2026, 1, 1), chosen=frozenset({3}))
        self.assertEqual(str(figures.balance), "300.00")

    def test_on_hold_never_paid(self):
        items = [item(1, "100.00", date(2025, 1, 1), on_hold=True), *self.items[:1]]
        self.assertEqual(self.plan("500.00", items), ([(3, "300.00")], "200.00"))
        figures = allocation.figures(items, date(2026, 1, 1))
        self.assertEqual((str(figures.balance), str(figures.on_hold)), ("300.00", "100.00"))

    def test_payments_in_progress_are_set_aside(self):
        in_flight = (InFlight(7, Decimal("150.00")), InFlight(8, Decimal("60.00"), frozenset({3})))
        figures = allocation.figures(self.items, date(2026, 2, 15), in_flight)
        self.assertEqual(
            (str(figures.balance), str(figures.processing), str(figures.overdue)),
            ("390.00", "210.00", "150.00"),
        )
        self.assertEqual(
            self.plan("390.00", in_flight=in_flight),
            ([(2, "150.00"), (3, "240.00")], "0.00"),
        )

    def test_payment_in_progress_whose_chosen_items_are_gone_sets_nothing_aside(self):
        """It chose items and none is left (an empty choice, not no choice): it will be
        credit, so it takes nothing from the oldest items meanwhile."""
        gone = (InFlight(9, Decimal("150.00"), frozenset()),)
        figures = allocation.figures(self.items, date(2026, 2, 15), gone)
        self.assertEqual((str(figures.balance), str(figures.processing)), ("600.00", "0"))
        oldest = (InFlight(9, Decimal("150.00")),)
        figures = allocation.figures(self.items, date(2026, 2, 15), oldest)
        self.assertEqual((str(figures.balance), str(figures.processing)), ("450.00", "150.00"))

    def test_early_payment_discount_settles_in_full(self):
        items = [
            item(1, "100.00", date(2026, 1, 1), discounted=Decimal("98.00")),
            item(2, "200.00", date(2026, 2, 1)),
        ]
        plan = allocation.build_plan(items, Decimal("98.00"))
        self.assertEqual(
            [(a.item, str(a.amount), str(a.discount), str(a.left)) for a in plan.payments],
            [(1, "98.00", "2.00", "0.00")],
        )
        # Less than the discounted amount pays part of the full amount, without discount.
        partial = allocation.build_plan(items, Decimal("50.00")).payments[0]
        self.assertEqual((str(partial.discount), str(partial.left)), ("0.00", "50.00"))
        self.assertEqual(str(allocation.figures(items, date(2025, 12, 1)).balance), "298.00")

    def test_non_positive_items_ignored(self):
        items = [*self.items, item(9, "-40.00", date(2025, 1, 1))]
        self.assertEqual(self.plan("100.00", items, apply_credits=False)[0], [(1, "100.00")])
