"""Amounts as people type them (rules/amounts.py): the language's separators, a currency symbol,
spaces; what is ambiguous in the language is refused with the form it expects."""

from decimal import Decimal

from odoo.tests import BaseCase, tagged

from odoo.addons.servicecore_portal_pay.rules import amounts
from odoo.addons.servicecore_portal_pay.rules.amounts import AmountError, NumberFormat

# As Odoo's res.lang data has them (decimal point, thousands separator, grouping).
EN_US = NumberFormat(".", ",", (3, 0), ("$", "USD"))
FR_FR = NumberFormat(",", "\u00a0", (3, 0), ("$", "USD"))
DE_DE = NumberFormat(",", ".", (3, 0), ("€", "EUR"))
EN_IN = NumberFormat(".", ",", (3, 2, 0), ("₹", "INR"))
PL_PL = NumberFormat(",", "", (3, 0), ("zł", "PLN"))


@tagged("post_install", "-at_install")
class TestTypedAmounts(BaseCase):
    def assertParses(self, number_format, cases, places=2):
        for raw, expected in cases.items():
            with self.subTest(raw=raw):
                self.assertEqual(
                    amounts.parse_amount(raw, places, number_format), Decimal(expected)
                )

    def assertRefuses(self, number_format, cases, places=2):
        for raw, code in cases.items():
            with self.subTest(raw=raw), self.assertRaises(AmountError) as caught:
                amounts.parse_amount(raw, places, number_format)
            self.assertEqual(caught.exception.code, code, raw)

    def test_en_us_accepted(self):
        self.assertParses(
            EN_US,
            {
                "1,000": "1000.00",
                "1,000.00": "1000.00",
                "2,463.00": "2463.00",
                "1,234,567.89": "1234567.89",
                "$50": "50.00",
                "$ 50": "50.00",
                "50 $": "50.00",
                "50$": "50.00",
                "USD 1,000.50": "1000.50",
                "1000 usd": "1000.00",
                "\u00a0$\u00a01,000.00\u00a0": "1000.00",
                "\t12.00\n": "12.00",
                "\r\n 12 \r\n": "12.00",
                "1 000.00": "1000.00",
                "1\u202f000.00": "1000.00",
                "125.5": "125.50",
                ".5": "0.50",
                "7.": "7.00",
                "99.9": "99.90",
            },
        )

    def test_en_us_refused(self):
        self.assertRefuses(
            EN_US,
            {
                # Not a grouping of the language: unclear what was meant.
                "1,5": "grouping",
                "1,00": "grouping",
                "1,0000": "grouping",
                # Another language's thousands: 1000 there, not 1.00 here.
                "1.000": "grouping",
                "2.500": "grouping",
                "99.990": "grouping",
                "12.345": "decimals",
                "12,34,567": "grouping",
                "1.000,00": "grouping",
                "1,000,00": "grouping",
                "0,500": "grouping",
                "1,000 000": "grouping",
                "1,": "grouping",
                ",5": "grouping",
                "1'000": "grouping",
                "1\n000": "format",
                # An explicit minus is a negative amount, whatever surrounds it.
                "-5": "negative",
                "-$5": "negative",
                "$-5": "negative",
                "- 1,000.00": "negative",
                "\u22125": "negative",
                # Everything else is not a number.
                "+5": "format",
                "1e3": "format",
                "NaN": "format",
                "Infinity": "format",
                "abc": "format",
                "€50": "format",
                "$50$": "format",
                "$": "format",
                ".": "format",
                "5-": "format",
                "--5": "format",
                "١٢٣": "format",
                "1,234,567,890,123": "format",
                "1" * 100_000: "format",
                "1 " * 50_000: "format",
                "10.001": "decimals",
                "0": "not_positive",
                "$0.00": "not_positive",
                "": "missing",
                " \u00a0": "missing",
            },
        )

    def test_fr_fr(self):
        self.assertParses(
            FR_FR,
            {
                "1 000,00": "1000.00",
                "1\u00a0000,00": "1000.00",
                "1\u202f000,00": "1000.00",
                "1000,5": "1000.50",
                "50 $": "50.00",
                "$50": "50.00",
                "12,5": "12.50",
                "1 234 567,89": "1234567.89",
            },
        )
        self.assertRefuses(
            FR_FR,
            {
                "1.5": "grouping",
                "1.000,00": "grouping",
                "1,000.00": "grouping",
                "1 00,00": "grouping",
                "1 0000": "grouping",
                "1,5,0": "grouping",
                "-5": "negative",
                "12,345": "decimals",
                "1,000": "grouping",
            },
        )

    def test_de_de(self):
        self.assertParses(
            DE_DE,
            {
                "1.000,00": "1000.00",
                "1.000": "1000.00",
                "1000,5": "1000.50",
                "1 000,00": "1000.00",
                "50 €": "50.00",
                "€50": "50.00",
                "EUR 1.234.567,89": "1234567.89",
            },
        )
        self.assertRefuses(
            DE_DE,
            {
                "1.5": "grouping",
                "600.0": "grouping",
                "1,000.00": "grouping",
                "1.000 000": "grouping",
                "$50": "format",
                "-5 €": "negative",
            },
        )

    def test_machine_form_in_every_language(self):
        """Links the server makes carry digits, a point and the currency's decimals: read the
        same in every language where the language reads them as nothing else."""
        for number_format in (EN_US, FR_FR, DE_DE, PL_PL):
            with self.subTest(number_format=number_format):
                self.assertParses(number_format, {"600.00": "600.00", "1500.50": "1500.50"})
                self.assertParses(number_format, {"1500": "1500"}, places=0)
                self.assertRefuses(number_format, {"0.00": "not_positive"})
        self.assertParses(DE_DE, {"1.50": "1.50", "1.500": "1500.00"})
        self.assertParses(FR_FR, {"12.50": "12.50"})
        # de_DE "1.500" of a currency with 3 decimals: 1500 in German, 1.5 in the machine form.
        self.assertRefuses(DE_DE, {"1.500": "grouping"}, places=3)
        self.assertParses(DE_DE, {"1.500,000": "1500.000", "1,500": "1.500"}, places=3)

    def test_other_groupings(self):
        self.assertParses(EN_IN, {"1,00,000.00": "100000.00", "12,34,567": "1234567.00"})
        self.assertRefuses(EN_IN, {"100,000": "grouping"})
        # No thousands separator in the language: spaces still group thousands.
        self.assertParses(PL_PL, {"1 000,00": "1000.00", "1000,50 zł": "1000.50"})
        self.assertRefuses(PL_PL, {"1.000,00": "grouping"})

    def test_canonical_form_of_the_payment_form(self):
        """The transaction route gets the amount the page fixed: plain digits and a point,
        whatever the language; numbers (JSON) are read the same way."""
        self.assertParses(amounts.CANONICAL, {"1000.00": "1000.00", "1000.0": "1000.00"})
        for number_format in (EN_US, FR_FR, DE_DE):
            with self.subTest(number_format=number_format):
                self.assertParses(
                    number_format, {1000.0: "1000.00", 250: "250.00", Decimal("12.5"): "12.50"}
                )
                self.assertRefuses(number_format, {-5.0: "negative", 1e16: "format"})
        self.assertRefuses(
            amounts.CANONICAL,
            {"1,000.00": "format", "1 000.00": "format", "$50": "format", "-5": "negative"},
        )

    def test_refusals_show_the_expected_form(self):
        cases = [
            (EN_US, 2, "1,234.56"),
            (FR_FR, 2, "1\u00a0234,56"),
            (DE_DE, 2, "1.234,56"),
            (DE_DE, 0, "1.234"),
            (EN_US, 3, "1,234.567"),
        ]
        for number_format, places, example in cases:
            with self.subTest(number_format=number_format, places=places):
                self.assertEqual(number_format.example(places), example)
                for raw in ("abc", "1,2,3.4.5"):
                    with self.assertRaises(AmountError) as caught:
                        amounts.parse_amount(raw, places, number_format)
                    self.assertEqual(caught.exception.params["example"], example)

    def test_format_is_what_parse_reads(self):
        """The page writes amounts into the field in the language's form; they read back."""
        for number_format in (EN_US, FR_FR, DE_DE, EN_IN, PL_PL):
            for value in ("0.50", "1000.00", "2463.00", "1234567.89"):
                with self.subTest(number_format=number_format, value=value):
                    text = number_format.format(Decimal(value), 2)
                    self.assertEqual(amounts.parse_amount(text, 2, number_format), Decimal(value))
        self.assertEqual(EN_US.format(Decimal("2463"), 2), "2,463.00")
        self.assertEqual(FR_FR.format(Decimal("1000"), 2), "1\u00a0000,00")
        self.assertEqual(DE_DE.format(Decimal("1234567.891"), 2), "1.234.567,89")
        self.assertEqual(EN_IN.format(Decimal("1234567"), 0), "12,34,567")

    def test_chosen_total_bounds(self):
        with self.assertRaises(AmountError) as caught:
            amounts.check_bounds(Decimal("1700"), Decimal("1"), Decimal("1550"), False, chosen=True)
        self.assertEqual(caught.exception.code, "above_chosen")
        self.assertEqual(caught.exception.params["maximum"], Decimal("1550"))
        with self.assertRaises(AmountError) as caught:
            amounts.check_bounds(
                Decimal("1700"), Decimal("1"), Decimal("150"), True, Decimal("650"), chosen=True
            )
        self.assertEqual(caught.exception.code, "above_chosen_ceiling")
