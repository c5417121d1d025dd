# Run inside `odoo-bin shell` by tests/conftest.py, after `SPEC = "<json>"` is prepended.
# Seeds the system-test database: the Demo provider, then customers (a company, a contact
# allowed to pay with its portal user) with many open invoices due on staggered dates.
import json
from datetime import timedelta

from odoo import Command, fields

spec = json.loads(SPEC)  # noqa: F821 - prepended by the harness
company = env.company  # noqa: F821 - odoo shell global
env = env(context=dict(env.context, tracking_disable=True, mail_notrack=True))  # noqa: F821
today = fields.Date.context_today(env.user)

# The scenarios pay many times per contact, all from 127.0.0.1, within minutes: no attempt limits
# here (they have their own tests, servicecore_portal_pay/tests/test_throttle.py).
company.write(
    {
        "portal_pay_overpayment": "reject",
        "portal_pay_min_amount": 1.0,
        "portal_pay_throttle_tx_user": 0,
        "portal_pay_throttle_tx_ip": 0,
        "portal_pay_throttle_failed_user": 0,
        "portal_pay_throttle_failed_ip": 0,
    }
)
demo = env.ref("payment.payment_provider_demo")
demo.write({"state": "test", "is_published": True})
portal_group = env.ref("base.group_portal")
bank = env["account.journal"].search(
    [("type", "=", "bank"), ("company_id", "=", company.id)], limit=1
)

# Batched creates: one query set per model instead of one per customer keeps the seed short.
count = spec["customers"]
commercials = env["res.partner"].create(
    [
        {"name": f"Sys Customer {n:02d}", "is_company": True, "email": f"ap{n:02d}@sys.example.com"}
        for n in range(count)
    ]
)
contacts = env["res.partner"].create(
    [
        {
            "name": f"Sys Payer {n:02d}",
            "parent_id": commercials[n].id,
            "type": "contact",
            "email": f"payer{n:02d}@sys.example.com",
            "portal_payment_enabled": True,
        }
        for n in range(count)
    ]
)
logins = [f"sys_payer_{n:02d}" for n in range(count)]
env["res.users"].with_context(no_reset_password=True).create(
    [
        {
            "login": logins[n],
            "password": f"{logins[n]}-pass",
            "partner_id": contacts[n].id,
            "group_ids": [Command.set([portal_group.id])],
        }
        for n in range(count)
    ]
)
# Due dates 5 days apart, from 60 days overdue onwards; amounts differ per invoice and customer
# so any misapplied cent shows.
invoices = env["account.move"].create(
    [
        {
            "move_type": "out_invoice",
            "partner_id": commercials[n].id,
            "invoice_date": today - timedelta(days=90 - 5 * i),
            "invoice_date_due": today - timedelta(days=60 - 5 * i),
            "invoice_line_ids": [
                Command.create(
                    {
                        "name": f"Service visit {i + 1}",
                        "quantity": 1,
                        "price_unit": round(80 + 7.35 * i + 1.01 * n, 2),
                        "tax_ids": [],
                    }
                )
            ],
        }
        for n in range(count)
        for i in range(spec["invoices"])
    ]
)
invoices.action_post()
customers = []
for n in range(count):
    own = invoices.filtered(lambda move, n=n: move.partner_id == commercials[n]).sorted(
        "invoice_date_due"
    )
    customers.append(
        {
            "index": n,
            "partner_id": commercials[n].id,
            "contact_id": contacts[n].id,
            "login": logins[n],
            "password": f"{logins[n]}-pass",
            "invoice_ids": own.ids,
            "invoice_names": own.mapped("name"),
            "balance": round(sum(own.mapped("amount_residual")), 2),
        }
    )

env.cr.commit()
result = {
    "customers": customers,
    "currency_id": company.currency_id.id,
    "decimal_places": company.currency_id.decimal_places,
    "bank_journal_id": bank.id,
    "demo_provider_id": demo.id,
    "cron_id": env.ref("payment.cron_post_process_payment_tx").id,
}
print("SEED_RESULT " + json.dumps(result))
