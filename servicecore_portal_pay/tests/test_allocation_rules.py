"""The pure rules (allocation.py): parsing amounts and allocating them oldest first."""

from datetime import date
from decimal import Decimal

from odoo.tests import BaseCase, tagged

from odoo.addons.servicecore_portal_pay import allocation
from odoo.addons.servicecore_portal_pay.allocation import AmountError, OpenItem


def item(key, residual, due, invoice_date=None, name=None):
    return OpenItem(
        key=key,
        residual=Decimal(residual),
        date_maturity=due,
        date=invoice_date or due,
        invoice_date=invoice_date or due,
        name=name or f"INV/{key:04d}",
        line_id=key,
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
                self.assertEqual(allocation.parse_amount(raw, 2), Decimal(expected))

    def test_invalid_amounts(self):
        cases = {
            None: "missing",
            "": "missing",
            "   ": "missing",
            "abc": "format",
            "-5": "format",
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
                allocation.parse_amount(raw, 2)
            self.assertEqual(caught.exception.code, code)

    def test_zero_decimal_currency(self):
        self.assertEqual(allocation.parse_amount("1500", 0), Decimal("1500"))
        with self.assertRaises(AmountError):
            allocation.parse_amount("1500.5", 0)


@tagged("post_install", "-at_install")
class TestBounds(BaseCase):
    def test_bounds(self):
        check = allocation.check_bounds
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
        check = allocation.check_bounds
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

    def plan(self, amount, items=None):
        plan, remainder = allocation.allocate(items or self.items, Decimal(amount))
        return [(it.key, str(applied)) for it, applied in plan], str(remainder)

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

    def test_missing_due_date_falls_back_to_move_date(self):
        items = [
            OpenItem(1, Decimal("10.00"), None, date(2026, 6, 1), None, "A", 1),
            OpenItem(2, Decimal("10.00"), date(2026, 5, 1), date(2026, 5, 1), None, "B", 2),
        ]
        self.assertEqual(self.plan("15.00", items)[0], [(2, "10.00"), (1, "5.00")])

    def test_non_positive_items_ignored(self):
        items = [*self.items, item(9, "-40.00", date(2025, 1, 1))]
        self.assertEqual(self.plan("100.00", items)[0], [(1, "100.00")])
