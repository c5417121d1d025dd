"""Account figures behind accounting groups (issue 11, deliverable 3): an internal user without
accounting rights and a portal user over JSON-RPC read none of the customers' figures, like
stock's ``credit``; accounting users still do. Customers see their own figures on the portal
pages only."""

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .backend_common import PortalPayBackendCommon

PARTNER_FIGURES = (
    "portal_pay_balance",
    "portal_pay_overdue",
    "portal_pay_credits",
    "portal_pay_currency_id",
)
PAYMENT_FIGURES = (
    "portal_pay_unapplied",
    "portal_pay_refunded",
    "portal_pay_balance_after",
    "portal_pay_open_credit",
    "portal_pay_allocation_ids",
)


@tagged("post_install", "-at_install")
class TestFigureAccess(PortalPayBackendCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.employee = new_test_user(cls.env, login="spp_employee", groups="base.group_user")

    def setUp(self):
        super().setUp()
        self.tx = self._portal_pay_confirm(150.00)

    def _call_kw(self, model, method, args, kwargs=None):
        """What the web client sends to /web/dataset/call_kw: the JSON-RPC result or error."""
        response = self.url_open(
            f"/web/dataset/call_kw/{model}/{method}",
            json={
                "jsonrpc": "2.0",
                "method": "call",
                "id": 0,
                "params": {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
            },
        )
        self.assertEqual(response.status_code, 200)
        return response.json()

    def assertRpcRefused(self, reply):
        self.assertIn("error", reply, f"refused expected, got {reply}")
        self.assertEqual(reply["error"]["data"]["name"], "odoo.exceptions.AccessError")

    def test_internal_user_without_accounting_rights_reads_no_figures(self):
        Partner = self.env["res.partner"].with_user(self.employee)
        domain = [("id", "=", self.customer.id)]
        # Stock's own receivable figure is refused to this user: ours must be too.
        for field in ("credit", *PARTNER_FIGURES):
            with self.subTest(field=field), self.assertRaises(AccessError):
                Partner.search_read(domain, [field])
        self.assertFalse(set(PARTNER_FIGURES) & set(Partner.fields_get()))
        with self.assertRaises(AccessError):
            self.env["account.payment"].with_user(self.employee).search_read([], ["amount"])
        with self.assertRaises(AccessError):
            self.env["portal.pay.allocation"].with_user(self.employee).search_read([])
        # The accounting staff still read them (the refusal above is about the groups).
        figures = (
            self.env["res.partner"].with_user(self.accountant).search_read(domain, PARTNER_FIGURES)
        )
        self.assertEqual(figures[0]["portal_pay_balance"], 450.0)

    def test_internal_user_without_accounting_rights_over_jsonrpc(self):
        self.authenticate(self.employee.login, self.employee.login)
        with mute_logger("odoo.http"):
            for field in PARTNER_FIGURES:
                with self.subTest(field=field):
                    self.assertRpcRefused(
                        self._call_kw(
                            "res.partner",
                            "search_read",
                            [[("id", "=", self.customer.id)]],
                            {"fields": [field]},
                        )
                    )

    def test_portal_user_over_jsonrpc_reads_no_figures(self):
        self.authenticate(self.payer_user.login, self.payer_user.login)
        payment = self.tx.payment_id
        calls = [
            *(
                ("res.partner", "read", [[partner.id], [field]])
                for partner in (self.payer, self.customer)
                for field in PARTNER_FIGURES
            ),
            ("account.payment", "read", [payment.ids, list(PAYMENT_FIGURES)]),
            ("account.payment", "search_read", [[], ["amount"]]),
            ("portal.pay.allocation", "search_read", [[], ["amount", "residual_after"]]),
            ("payment.transaction", "read", [self.tx.ids, ["amount", "portal_pay_line_ids"]]),
        ]
        with mute_logger("odoo.http"):
            for model, method, args in calls:
                with self.subTest(model=model, method=method, fields=args[-1]):
                    self.assertRpcRefused(self._call_kw(model, method, args))

    def test_portal_user_over_json2_reads_no_figures(self):
        key = (
            self.env["res.users.apikeys"]
            .with_user(self.payer_user)
            .sudo()
            ._generate(None, "figures", None)
        )
        headers = {"Authorization": f"bearer {key}"}
        calls = [
            ("res.partner", {"ids": [self.customer.id], "fields": list(PARTNER_FIGURES)}),
            ("account.payment", {"ids": self.tx.payment_id.ids, "fields": ["amount"]}),
            ("portal.pay.allocation", {"domain": [], "fields": ["amount"]}),
        ]
        with mute_logger("odoo.http"):
            for model, body in calls:
                method = "read" if "ids" in body else "search_read"
                with self.subTest(model=model):
                    response = self.url_open(
                        f"/json/2/{model}/{method}", json=body, headers=headers
                    )
                    self.assertEqual(response.status_code, 403, response.text[:300])
                    self.assertIn("AccessError", response.text)
