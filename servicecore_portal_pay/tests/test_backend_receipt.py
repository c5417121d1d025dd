"""The receipt: an email from an editable template, with the PDF, to the contact who paid."""

from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .backend_common import PortalPayBackendCommon


@tagged("post_install", "-at_install")
class TestPortalPayReceipt(PortalPayBackendCommon):
    def receipt_mails(self):
        """The receipts sent once the scheduler has run (receipts are queued, see below)."""
        self.env["account.payment"]._cron_portal_pay_send_receipts()
        return self.env["mail.mail"].search(
            [("model", "=", "account.payment"), ("recipient_ids", "in", self.payer.ids)]
        )

    def test_receipt_email_content(self):
        tx = self._portal_pay_confirm(250.00)
        payment = tx.payment_id
        mail = self.receipt_mails()
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.res_id, payment.id)
        self.assertIn(tx.reference, mail.subject)
        body = str(mail.body_html)
        for expected in (
            "$\xa0250.00",  # the amount paid
            tx.reference,
            self.inv_a.name,
            self.inv_b.name,
            "$\xa0150.00",  # applied to B
            "$\xa050.00",  # left on B
            "$\xa0350.00",  # the new balance: 50.00 on B + 300.00 on C
        ):
            self.assertIn(expected, body)
        # Names typed by people are escaped, never interpreted as HTML.
        self.assertIn("Dana &lt;b&gt;Reyes&lt;/b&gt;", body)
        self.assertIn("Summit &lt;HVAC&gt; &amp; Co", body)
        self.assertNotIn("<b>Reyes</b>", body)
        self.assertEqual(len(mail.attachment_ids), 1)
        self.assertTrue(mail.attachment_ids.name.startswith("Receipt"))
        # The receipt stays on the payment, where staff find it.
        self.assertEqual(
            (mail.attachment_ids.res_model, mail.attachment_ids.res_id),
            ("account.payment", payment.id),
        )

    def test_receipt_off_or_template_changed(self):
        self.company.portal_pay_receipt = False
        self._portal_pay_confirm(10.00)
        self.assertFalse(self.receipt_mails())

        self.company.portal_pay_receipt = True
        template = self.env.ref("servicecore_portal_pay.mail_template_portal_pay_receipt").copy(
            {"subject": "Thanks from the staff template"}
        )
        self.company.portal_pay_receipt_template_id = template
        self._portal_pay_confirm(10.00)
        self.assertEqual(self.receipt_mails().subject, "Thanks from the staff template")

    def test_report_renders_allocation(self):
        tx = self._portal_pay_confirm(120.00)
        html, _type = self.env["ir.actions.report"]._render_qweb_html(
            "servicecore_portal_pay.action_report_portal_pay_receipt", tx.payment_id.ids
        )
        html = html.decode()
        self.assertIn(self.inv_a.name, html)
        self.assertIn(self.inv_b.name, html)
        self.assertIn(tx.reference, html)
        self.assertIn("480.00", html)  # balance after: 180.00 on B + 300.00 on C

    def test_send_receipt_again_from_backend(self):
        tx = self._portal_pay_confirm(20.00)
        action = tx.payment_id.with_user(self.accountant).action_portal_pay_send_receipt()
        self.assertEqual(
            action["context"]["default_template_id"],
            self.env.ref("servicecore_portal_pay.mail_template_portal_pay_receipt").id,
        )

    def test_receipt_is_queued_not_rendered_during_post_processing(self):
        # Rendering the PDF makes wkhtmltopdf call back into the server: inside post-processing
        # it would hold the payment's locks while waiting for a worker. It waits for the cron.
        report_model = type(self.env["ir.actions.report"])
        with patch.object(report_model, "_render_qweb_pdf") as render:
            tx = self._portal_pay_confirm(40.00)
        render.assert_not_called()
        self.assertTrue(tx.payment_id.portal_pay_receipt_due)
        cron = self.env.ref("servicecore_portal_pay.cron_portal_pay_send_receipts")
        self.assertTrue(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]),
            "the receipt cron is triggered at once",
        )
        self.assertEqual(len(self.receipt_mails()), 1)
        self.assertFalse(tx.payment_id.portal_pay_receipt_due)
        self.assertEqual(len(self.receipt_mails()), 1, "sent once")

    @mute_logger("odoo.addons.servicecore_portal_pay.models.account_payment")
    def test_no_pdf_engine_still_applies_and_emails(self):
        # Without wkhtmltopdf Odoo cannot make PDFs: the money is applied and the email goes
        # out anyway, without the attachment.
        report_model = type(self.env["ir.actions.report"])
        with patch.object(
            report_model, "_render_qweb_pdf", side_effect=UserError("Unable to find Wkhtmltopdf")
        ):
            tx = self._portal_pay_confirm(100.00)
            mail = self.receipt_mails()
        self.assertAllocations(tx.payment_id, [(self.inv_a, "100.00", "0.00")])
        self.assertEqual(len(mail), 1)
        self.assertFalse(mail.attachment_ids)

    @mute_logger("odoo.addons.servicecore_portal_pay.models.account_payment", "odoo.addons.mail")
    def test_broken_template_never_undoes_the_payment(self):
        template = self.env.ref("servicecore_portal_pay.mail_template_portal_pay_receipt")
        template.body_html = '<p t-out="object.no_such_field"/>'
        tx = self._portal_pay_confirm(100.00)
        self.assertAllocations(tx.payment_id, [(self.inv_a, "100.00", "0.00")])
        self.assertFalse(self.receipt_mails())
