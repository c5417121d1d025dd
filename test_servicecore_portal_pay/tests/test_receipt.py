"""Issue 13: one reference and a receipt customers keep, through the customer's routes only.

A payment made with the Demo provider (Make a Payment, the transaction route, the simulation,
the status poll), then the confirmation, the receipt download, the queued receipt email, the
payment history and the statement, read as the customer gets them.
"""

import re
import threading
from datetime import datetime
from unittest.mock import patch
from urllib.parse import unquote

from lxml import html

from odoo.tests import tagged

from odoo.addons.servicecore_portal_pay import const
from odoo.addons.test_servicecore_portal_pay.tests.common import DemoPortalPayCommon


@tagged("post_install", "-at_install")
class TestReceipt(DemoPortalPayCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.inv_old = cls._create_customer_invoice("100.00", due=cls._days(-40))
        cls.inv_new = cls._create_customer_invoice("300.00", due=cls._days(20))
        # New York: 14:05 UTC is 09:05 in December (EST), and 14:05 is nowhere on the page.
        cls.payer.tz = "America/New_York"
        cls.paid_at_utc = datetime(2026, 12, 2, 14, 5, 0)

    @staticmethod
    def _text(element):
        # Not str.split(): amounts keep their no-break space ("$\xa050.00").
        return re.sub(r"[ \t\r\n]+", " ", element.text_content()).strip()

    def _get(self, url, login=None):
        login = login or self.payer_user.login
        self.authenticate(login, login)
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200, url)
        return response

    def _pay(self, amount):
        tx, _landing = self._pay_through_the_portal(amount)
        self.assertTrue(tx.payment_id)
        tx.last_state_change = self.paid_at_utc
        return tx

    def _send_receipts(self):
        # As in the scheduler's thread, which names its database (the report's QWeb reads it
        # there; pytest's main thread names none).
        with patch.object(threading.current_thread(), "dbname", self.env.cr.dbname, create=True):
            self.env["account.payment"].sudo()._cron_portal_pay_send_receipts()
        return self.env["mail.mail"].search(
            [("model", "=", "account.payment"), ("recipient_ids", "in", self.payer.ids)]
        )

    def _details(self, tree):
        """The receipt details as shown: ``{name: text}`` of ``#portal_pay_receipt_<name>``."""
        return {
            element.get("id").removeprefix("portal_pay_receipt_"): self._text(element)
            for element in tree.xpath("//*[starts-with(@id, 'portal_pay_receipt_')]")
        }

    # === ONE REFERENCE === #

    def test_the_transaction_reference_leads_everywhere(self):
        tx = self._pay("150.00")
        payment = tx.payment_id
        self.assertNotEqual(tx.reference, payment.name)

        # The receipt: titled and named by the reference.
        response = self._get(f"{const.RECEIPT_ROUTE}/{tx.id}?download=1")
        disposition = unquote(response.headers["Content-Disposition"])
        self.assertIn(f"Receipt {tx.reference}.pdf", disposition)
        self.assertNotIn(payment.name, disposition)
        receipt = html.fromstring(response.content)
        (title,) = receipt.xpath("//h2[hasclass('o_servicecore_portal_pay_receipt_title')]")
        self.assertIn(tx.reference, self._text(title))
        self.assertNotIn(payment.name, self._text(title))
        # The payment number is still there, secondary, for staff.
        self.assertEqual(self._details(receipt)["number"], payment.name)

        # The email, once the scheduler sent it.
        mail = self._send_receipts()
        self.assertEqual(len(mail), 1)
        self.assertIn(tx.reference, mail.subject)
        self.assertNotIn(payment.name, mail.subject)
        self.assertEqual(mail.attachment_ids.name, f"Receipt {tx.reference}.pdf")

        # The history: the reference first, the payment number below it.
        history = html.fromstring(self._get(const.HISTORY_ROUTE).text)
        (row,) = history.xpath("//tr[hasclass('o_servicecore_portal_pay_history_row')]")
        reference_cell = row.xpath("td")[1]
        self.assertTrue(self._text(reference_cell).startswith(tx.reference))
        (number,) = reference_cell.xpath(
            ".//*[hasclass('o_servicecore_portal_pay_history_number')]"
        )
        self.assertEqual(self._text(number), payment.name)

    def test_a_payment_left_as_credit_shows_its_reference_on_the_statement(self):
        self.company.portal_pay_overpayment = "credit"
        tx = self._pay("450.00")  # 400.00 open: 50.00 stays as credit
        self.assertEqual(tx.payment_id.portal_pay_unapplied, 50.00)
        statement = html.fromstring(self._get(const.STATEMENT_ROUTE).content)
        (item,) = statement.xpath("//tr[hasclass('o_servicecore_portal_pay_statement_item')]")
        cells = [self._text(cell) for cell in item.xpath("td")]
        self.assertTrue(cells[0].startswith(tx.reference), cells)
        self.assertEqual(cells[-1], "Credit $\xa050.00")

    def test_a_payment_without_transaction_keeps_its_number(self):
        payment = self.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": self.customer.id,
                "amount": 100.00,
                "journal_id": self.company_data["default_journal_bank"].id,
            }
        )
        payment.action_post()
        history = html.fromstring(self._get(const.HISTORY_ROUTE).text)
        (row,) = history.xpath("//tr[hasclass('o_servicecore_portal_pay_history_row')]")
        reference_cell = row.xpath("td")[1]
        self.assertTrue(self._text(reference_cell).startswith(payment.name))
        self.assertFalse(
            reference_cell.xpath(".//*[hasclass('o_servicecore_portal_pay_history_number')]")
        )
        # Its receipt too, titled by its number, for the contacts who see it in their history.
        (link,) = row.xpath(".//a[hasclass('o_servicecore_portal_pay_history_receipt')]/@href")
        self.assertEqual(link, f"{const.RECEIPT_ROUTE}/payment/{payment.id}")
        response = self._get(f"{link}?download=1")
        disposition = unquote(response.headers["Content-Disposition"])
        self.assertIn(f"Receipt {payment.name}.pdf", disposition)
        receipt = html.fromstring(response.content)
        (title,) = receipt.xpath("//h2[hasclass('o_servicecore_portal_pay_receipt_title')]")
        self.assertIn(payment.name, self._text(title))
        self.assertNotIn("Balance after this payment", self._text(receipt), "none was stored")
        for login in (self.bystander_user.login, self.other_payer_user.login):
            with self.subTest(login=login):
                self.authenticate(login, login)
                self.assertEqual(self.url_open(link).status_code, 404)

    # === A RECEIPT CUSTOMERS KEEP === #

    def test_confirmation_receipt_and_email_show_the_details(self):
        tx = self._pay("150.00")
        payment = tx.payment_id
        expected = {
            "time": "12/02/2026 09:05 AM EST",
            "method": "Demo ending in 4242",
            "payer": "Dana Payer for Summit HVAC Services",
        }
        confirmation_url = f"{const.CONFIRMATION_ROUTE}?tx_id={tx.id}"
        # Before the scheduler sent it, the page says where it is going.
        details = self._details(html.fromstring(self._get(confirmation_url).text))
        self.assertEqual(
            {key: details.get(key) for key in (*expected, "emailed")},
            {**expected, "emailed": f"Receipt to be emailed to {self.payer.email}"},
        )

        mail = self._send_receipts()
        self.assertEqual(payment.portal_pay_receipt_sent_to, self.payer.email)
        emailed = f"Receipt emailed to {self.payer.email}"
        pages = {
            "confirmation": html.fromstring(self._get(confirmation_url).text),
            "receipt": html.fromstring(self._get(f"{const.RECEIPT_ROUTE}/{tx.id}").content),
        }
        for name, tree in pages.items():
            with self.subTest(page=name):
                details = self._details(tree)
                self.assertEqual(
                    {key: details.get(key) for key in (*expected, "emailed")},
                    {**expected, "emailed": emailed},
                )
                self.assertNotIn("14:05", self._text(tree))
                self.assertIn(self.inv_old.name, self._text(tree))

        body = self._text(html.fromstring(str(mail.body_html)))
        for text in (*expected.values(), tx.reference, emailed, "Balance after this payment"):
            with self.subTest(email=text):
                self.assertIn(text, body)

    def test_balance_after_this_payment_is_the_stored_figure(self):
        first = self._pay("150.00")  # 400.00 open -> 250.00
        self._send_receipts()
        second = self._pay("50.00")  # -> 200.00
        self.assertEqual(first.payment_id.portal_pay_balance_after, 250.00)
        self.assertEqual(second.payment_id.portal_pay_balance_after, 200.00)
        pages = {
            "confirmation": self._get(f"{const.CONFIRMATION_ROUTE}?tx_id={first.id}").text,
            "receipt": self._get(f"{const.RECEIPT_ROUTE}/{first.id}").content.decode(),
        }
        for name, text in pages.items():
            with self.subTest(page=name):
                tree = html.fromstring(text)
                (label,) = tree.xpath(
                    "//*[normalize-space(text())='Balance after this payment']"
                    "/following-sibling::*[1]"
                )
                self.assertEqual(self._text(label), "$\xa0250.00")
                self.assertNotIn("New balance", text)

    # === HISTORY === #

    def test_every_history_row_links_its_receipt(self):
        first, second = self._pay("150.00"), self._pay("50.00")
        history = html.fromstring(self._get(const.HISTORY_ROUTE).text)
        links = {
            row.get("data-payment-name"): row.xpath(
                ".//a[hasclass('o_servicecore_portal_pay_history_receipt')]/@href"
            )
            for row in history.xpath("//tr[hasclass('o_servicecore_portal_pay_history_row')]")
        }
        self.assertEqual(
            links,
            {
                first.payment_id.name: [f"{const.RECEIPT_ROUTE}/{first.id}"],
                second.payment_id.name: [f"{const.RECEIPT_ROUTE}/{second.id}"],
            },
        )
        for url in (url for hrefs in links.values() for url in hrefs):
            self.assertIn("Payment Receipt", self._get(url).text)
        # The route by payment leads a portal payment to its transaction's receipt.
        self.authenticate(self.payer_user.login, self.payer_user.login)
        response = self.url_open(
            f"{const.RECEIPT_ROUTE}/payment/{first.payment_id.id}", allow_redirects=False
        )
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers["Location"].endswith(f"{const.RECEIPT_ROUTE}/{first.id}"))

    def test_another_contact_allowed_to_pay_opens_the_receipt_from_the_history(self):
        tx = self._pay("150.00")
        colleague = self.env["res.partner"].create(
            {
                "name": "Cory Colleague",
                "type": "contact",
                "parent_id": self.customer.id,
                "email": "cory@summit.example.com",
                "portal_payment_enabled": True,
            }
        )
        user = self._create_portal_user_for(colleague, "portal_colleague")
        history = self._get(const.HISTORY_ROUTE, login=user.login).text
        self.assertIn(f"{const.RECEIPT_ROUTE}/{tx.id}", history)
        receipt = self._get(f"{const.RECEIPT_ROUTE}/{tx.id}", login=user.login)
        self.assertIn(tx.reference, receipt.text)
        # Contacts who may not pay, and other customers' contacts, still get nothing.
        for login in (self.bystander_user.login, self.other_payer_user.login):
            with self.subTest(login=login):
                self.authenticate(login, login)
                self.assertEqual(self.url_open(f"{const.RECEIPT_ROUTE}/{tx.id}").status_code, 404)

    # === CREDITS === #

    def test_credits_read_as_credit(self):
        # 100 days old: alone in the statement's "90+ days" bucket, which it turns into a credit.
        credit_note = self._create_credit_note("50.00", invoice_date=self._days(-100))
        page = self._get(const.PAGE_ROUTE).text
        tree = html.fromstring(page)
        (row,) = tree.xpath("//tr[hasclass('o_servicecore_portal_pay_credit')]")
        self.assertIn(credit_note.name, self._text(row))
        self.assertIn("Credit $\xa050.00", self._text(row))
        self.assertFalse(re.search(r"-\s*50\.00|\$\s*-", page), "no negative amount is shown")

        statement = self._get(const.STATEMENT_ROUTE).content.decode()
        tree = html.fromstring(statement)
        (item,) = tree.xpath(f"//tr[@data-move='{credit_note.name}']")
        self.assertEqual(self._text(item.xpath("td")[-1]), "Credit $\xa050.00")
        (bucket,) = tree.xpath("//td[@data-bucket='90_plus']")
        self.assertEqual(self._text(bucket), "Credit $\xa050.00")
        self.assertFalse(re.search(r"-\s*50\.00|\$\s*-", statement), "no negative amount")
