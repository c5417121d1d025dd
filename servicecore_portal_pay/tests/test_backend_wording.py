"""What the accounting staff's menus, buttons and labels say is what they list and count."""

from datetime import timedelta
from unittest.mock import patch

from lxml import etree

from odoo import fields
from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .backend_common import PortalPayBackendCommon


@tagged("post_install", "-at_install")
class TestBackendWording(PortalPayBackendCommon):
    def _tx(self, reference, state="draft"):
        tx = self.env["payment.transaction"].create(
            {
                "provider_id": self.provider.id,
                "payment_method_id": self.payment_method_id,
                "reference": reference,
                "amount": 40.0,
                "currency_id": self.currency.id,
                "partner_id": self.payer.id,
                "operation": "online_redirect",
                "portal_pay_account": True,
            }
        )
        if state == "done":
            tx._set_done()
        elif state == "error":
            tx._set_error("Declined")
        return tx

    def _lost(self, reference):
        """Confirmed by the provider, post-processing failed: no payment."""
        tx = self._tx(reference, "done")
        with (
            patch.object(type(tx), "_create_payment", side_effect=RuntimeError("boom")),
            self.assertRaises(RuntimeError),
        ):
            tx._post_process()
        tx.last_state_change = fields.Datetime.now() - timedelta(hours=1)
        return tx

    def _menu_records(self, xmlid):
        """The records a menu's action lists with its default filters, as staff open it."""
        action = self.env.ref(xmlid)
        context = safe_eval(action.context or "{}")
        domain = safe_eval(action.domain or "[]")
        search_view = self.env[action.res_model].get_view(view_type="search")["arch"]
        tree = etree.fromstring(search_view)
        # Default filters of one group are OR-ed, of different groups AND-ed (as the web client).
        groups, current = [], []
        for node in tree.iter("filter", "separator", "group"):
            if node.tag != "filter":
                if current:
                    groups.append(current)
                current = []
                continue
            if context.get(f"search_default_{node.get('name')}") and node.get("domain"):
                current.append(safe_eval(node.get("domain")))
        if current:
            groups.append(current)
        Model = self.env[action.res_model].with_user(self.manager)
        records = Model.search(domain)
        for group in groups:
            records &= Model.search(["|"] * (len(group) - 1) + [leaf for d in group for leaf in d])
        return action, records

    def test_anomalies_menu_lists_anomalies_only(self):
        draft = self._tx("ACCT-DRAFT-1")
        failed = self._tx("ACCT-ERR-1", "error")
        booked = self._portal_pay_confirm(100.00)
        booked.last_state_change = fields.Datetime.now() - timedelta(hours=1)
        lost = self._lost("ACCT-LOST-1")
        recovered = self._lost("ACCT-LOST-2")
        self.env["payment.transaction"]._cron_portal_pay_check_unposted()
        self.assertTrue(recovered.portal_pay_anomaly)
        # Staff fixed the cause and the payment was made since: no longer an anomaly.
        recovered._post_process()
        self.assertTrue(recovered.payment_id)

        action, listed = self._menu_records(
            "servicecore_portal_pay.action_portal_pay_unposted_transactions"
        )
        self.assertEqual(listed, lost)
        self.assertNotIn(draft | failed | booked.payment_id.payment_transaction_id, listed)
        menu = self.env.ref("servicecore_portal_pay.menu_portal_pay_unposted_transactions")
        self.assertEqual(menu.name, action.name)
        self.assertIn("Confirmed", menu.name)

    def test_smart_button_counts_the_contacts_own_payments(self):
        other = self.env["res.partner"].create(
            {
                "name": "Sam Site",
                "parent_id": self.customer.id,
                "type": "contact",
                "portal_payment_enabled": True,
            }
        )
        dana_1 = self._portal_pay_confirm(50.00)
        dana_2 = self._portal_pay_confirm(60.00)
        sam_1 = self._portal_pay_confirm(70.00, partner=other)
        partners = (self.customer | self.payer | other).with_user(self.accountant)
        partners.invalidate_recordset(["portal_pay_payment_count"])
        self.assertEqual(
            partners.mapped("portal_pay_payment_count"), [3, 2, 1], "customer, dana, sam"
        )
        Payment = self.env["account.payment"]
        for partner, txs in (
            (self.customer, dana_1 | dana_2 | sam_1),
            (self.payer, dana_1 | dana_2),
            (other, sam_1),
        ):
            action = partner.with_user(self.accountant).action_portal_pay_view_payments()
            self.assertEqual(Payment.search(action["domain"]), txs.payment_id, partner.name)
        # A contact who paid nothing has no button count.
        nobody = self.env["res.partner"].create(
            {"name": "Nobody", "parent_id": self.customer.id, "type": "contact"}
        )
        self.assertEqual(nobody.portal_pay_payment_count, 0)

    def test_snapshot_labelled_left_after_this_payment(self):
        view = self.env.ref("servicecore_portal_pay.view_account_payment_form")
        arch = self.env["account.payment"].get_view(view.inherit_id.id)["arch"]
        self.assertIn('name="residual_after"', arch)
        field = self.env["portal.pay.allocation"]._fields["residual_after"]
        self.assertEqual(field.string, "Left After This Payment")
        wizard_field = self.env["portal.pay.apply.wizard.line"]._fields["residual_after"]
        self.assertEqual(wizard_field.string, "Left After Applying")

    def test_references_are_not_cut(self):
        """Reference columns keep a fixed width that holds a whole reference: the list renderer
        squeezes other text columns down to 80 px ("PBNK1/20..."), never a column with a width.
        8 px per character is the default font's widest digit plus room."""
        tx = self._portal_pay_confirm(100.00)
        payment, invoice = tx.payment_id, self.inv_a
        lists = {
            "servicecore_portal_pay.view_portal_pay_payment_list": {
                "name": payment.name,
                "portal_pay_tx_reference": f"{tx.reference}-1",  # a retried form's reference
            },
            "servicecore_portal_pay.view_portal_pay_transaction_list": {
                "reference": f"{tx.reference}-1",
                "payment_id": payment.display_name,
            },
        }
        for xmlid, references in lists.items():
            arch = etree.fromstring(self.env.ref(xmlid).arch)
            for name, reference in references.items():
                node = arch.xpath(f"//field[@name='{name}']")[0]
                self.assertGreaterEqual(
                    int(node.get("width", "0px")[:-2]), 8 * len(reference), name
                )
        form = etree.fromstring(
            self.env.ref("servicecore_portal_pay.view_account_payment_form").arch
        )
        for name in ("move_id", "source_move_id"):
            node = form.xpath(f"//field[@name='portal_pay_allocation_ids']//field[@name='{name}']")[
                0
            ]
            self.assertGreaterEqual(int(node.get("width", "0px")[:-2]), 8 * len(invoice.name), name)
        action = self.env.ref("servicecore_portal_pay.action_portal_pay_unposted_transactions")
        self.assertEqual(
            action.view_id, self.env.ref("servicecore_portal_pay.view_portal_pay_transaction_list")
        )
