"""The pure aging rule of the customer statement (aging.py)."""

from datetime import date, timedelta
from decimal import Decimal

from odoo.tests import BaseCase, tagged

from odoo.addons.servicecore_portal_pay.rules import aging

AS_OF = date(2026, 6, 30)


def days_ago(days):
    return AS_OF - timedelta(days=days)


@tagged("post_install", "-at_install")
class TestAging(BaseCase):
    def test_bucket_boundaries(self):
        cases = {
            -10: "current",
            0: "current",
            1: "1_30",
            30: "1_30",
            31: "31_60",
            60: "31_60",
            61: "61_90",
            90: "61_90",
            91: "90_plus",
            400: "90_plus",
        }
        for days, expected in cases.items():
            with self.subTest(days=days):
                self.assertEqual(aging.bucket(days_ago(days), AS_OF), expected)

    def test_age_sums_per_bucket_and_balance(self):
        items = [
            (days_ago(-5), Decimal("100.00")),
            (days_ago(0), Decimal("0.01")),
            (days_ago(15), Decimal("200.00")),
            (days_ago(30), Decimal("50.50")),
            (days_ago(45), Decimal("300.00")),
            (days_ago(75), Decimal("400.00")),
            (days_ago(120), Decimal("500.00")),
            (days_ago(10), Decimal("-80.25")),  # a credit note, aged by its own date
        ]
        totals = aging.age(items, AS_OF)
        self.assertEqual(
            {name: str(value) for name, value in totals.items()},
            {
                "current": "100.01",
                "1_30": "170.25",
                "31_60": "300.00",
                "61_90": "400.00",
                "90_plus": "500.00",
                "balance": "1470.26",
            },
        )

    def test_age_empty(self):
        totals = aging.age([], AS_OF)
        self.assertEqual(set(totals), {*aging.BUCKETS, "balance"})
        self.assertTrue(all(value == 0 for value in totals.values()))
        self.assertIsInstance(totals["balance"], Decimal)
