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
# As staff do on the provider's form: set its journal, which creates its payment method line.
# Left unset, the journal is computed at the first read and the method line created then; two
# first payments of different customers booked at once create one each, and every later
# payment fails ("Expected singleton: account.payment.method.line").
demo.journal_id = bank


def create_customers(names, payers, logins):
    """Customers (companies) ``names``, each with a contact ``payers[n]`` allowed to pay, and
    that contact's portal user ``logins[n]`` (password: the login + "-pass").

    Batched creates: one query set per model instead of one per customer keeps the seed short.
    """
    commercials = env["res.partner"].create(
        [
            {"name": name, "is_company": True, "email": f"ap-{login}@sys.example.com"}
            for name, login in zip(names, logins, strict=True)
        ]
    )
    contacts = env["res.partner"].create(
        [
            {
                "name": payers[n],
                "parent_id": commercials[n].id,
                "type": "contact",
                "email": f"{logins[n]}@sys.example.com",
                "portal_payment_enabled": True,
            }
            for n in range(len(names))
        ]
    )
    env["res.users"].with_context(no_reset_password=True).create(
        [
            {
                "login": logins[n],
                "password": f"{logins[n]}-pass",
                "partner_id": contacts[n].id,
                "group_ids": [Command.set([portal_group.id])],
            }
            for n in range(len(names))
        ]
    )
    return commercials, contacts


count = spec["customers"]
logins = [f"sys_payer_{n:02d}" for n in range(count)]
commercials, contacts = create_customers(
    [f"Sys Customer {n:02d}" for n in range(count)],
    [f"Sys Payer {n:02d}" for n in range(count)],
    logins,
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

# === ACCOUNTING CUSTOMERS: credits, installments, contact-addressed invoices, a 2nd currency ===
# Appended after the customers above (whose behaviour the older scenarios rely on), each with
# its own portal payer. The second currency has one rate, dated before every invoice, so paying
# in it books no exchange difference.
second = (
    env["res.currency"]
    .with_context(active_test=False)
    .search([("name", "=", "USD" if company.currency_id.name == "EUR" else "EUR")], limit=1)
)
second.active = True
env["res.currency.rate"].create(
    {
        "name": today - timedelta(days=400),
        "rate": 0.9137,
        "currency_id": second.id,
        "company_id": company.id,
    }
)
installments = env["account.payment.term"].create(
    {
        "name": "Sys 40% now, 60% in 30 days",
        "line_ids": [
            Command.create({"value": "percent", "value_amount": 40, "nb_days": 0}),
            Command.create({"value": "percent", "value_amount": 60, "nb_days": 30}),
        ],
    }
)
ACCOUNTING = ("credits", "chosen", "currency")
base = len(customers)
acc_logins = [f"sys_acc_{kind}" for kind in ACCOUNTING]
acc_commercials, acc_contacts = create_customers(
    [f"Sys Accounting {kind}" for kind in ACCOUNTING],
    [f"Sys Accounting Payer {kind}" for kind in ACCOUNTING],
    acc_logins,
)
acc_delivery = env["res.partner"].create(
    [
        {"name": f"Sys Site {kind}", "parent_id": acc_commercials[k].id, "type": "delivery"}
        for k, kind in enumerate(ACCOUNTING)
    ]
)


def document(k, move_type, age, amount, *, addressee=None, currency=None, term=None):
    """Values of an invoice or credit note of accounting customer ``k``, ``age`` days old,
    due 30 days later (or by ``term``)."""
    values = {
        "move_type": move_type,
        "partner_id": (addressee or acc_commercials[k]).id,
        "invoice_date": today - timedelta(days=age),
        "currency_id": (currency or company.currency_id).id,
        "invoice_line_ids": [
            Command.create(
                {
                    "name": f"Service {move_type} {age}",
                    "quantity": 1,
                    "price_unit": amount,
                    "tax_ids": [],
                }
            )
        ],
    }
    if term:
        values["invoice_payment_term_id"] = term.id
    elif move_type == "out_invoice":
        values["invoice_date_due"] = today - timedelta(days=age - 30)
    return values


# Due dates overlap on purpose: installments fall between invoices, a child contact's and a
# delivery address's invoices share a due date (the name, then the line id, decide).
documents = {
    0: [
        document(0, "out_invoice", 100, 120.40),
        document(0, "out_invoice", 95, 88.15, addressee=acc_contacts[0]),
        document(0, "out_invoice", 90, 230.00, term=installments),
        document(0, "out_invoice", 80, 64.99, addressee=acc_delivery[0]),
        document(0, "out_invoice", 80, 71.35, addressee=acc_contacts[0]),
        document(0, "out_invoice", 70, 155.55),
        document(0, "out_invoice", 60, 99.90, term=installments),
        document(0, "out_invoice", 40, 142.42, addressee=acc_delivery[0]),
        document(0, "out_refund", 85, 45.05),
        document(0, "out_refund", 75, 130.30, addressee=acc_contacts[0]),
    ],
    1: [
        document(1, "out_invoice", 100 - 6 * i, 61.10 + 9.73 * i, addressee=addressee)
        for i, addressee in enumerate(
            [None, acc_contacts[1], None, acc_delivery[1], None, None, acc_contacts[1], None]
        )
    ]
    + [
        document(1, "out_invoice", 50, 180.00, term=installments),
        document(1, "out_refund", 90, 25.25),
    ],
    2: [
        document(2, "out_invoice", 100 - 8 * i, 70.70 + 11.11 * i, currency=second)
        for i in range(6)
    ]
    + [
        document(2, "out_invoice", 85, 300.00, currency=second, term=installments),
        document(2, "out_refund", 95, 55.50, currency=second, addressee=acc_contacts[2]),
        document(2, "out_invoice", 99, 91.00, addressee=acc_delivery[2]),
        document(2, "out_invoice", 79, 82.00),
        document(2, "out_invoice", 59, 73.00, addressee=acc_contacts[2]),
    ],
}
acc_moves = env["account.move"].create([values for k in documents for values in documents[k]])
acc_moves.action_post()
for k, kind in enumerate(ACCOUNTING):
    own = acc_moves.filtered(lambda move, k=k: move.commercial_partner_id == acc_commercials[k])
    lines = own.line_ids.filtered(lambda line: line.account_id.account_type == "asset_receivable")
    customers.append(
        {
            "index": base + k,
            "kind": kind,
            "partner_id": acc_commercials[k].id,
            "contact_id": acc_contacts[k].id,
            "delivery_id": acc_delivery[k].id,
            "login": acc_logins[k],
            "password": f"{acc_logins[k]}-pass",
            "invoice_ids": own.filtered(lambda move: move.move_type == "out_invoice")
            .sorted("invoice_date_due")
            .ids,
            "credit_note_ids": own.filtered(lambda move: move.move_type == "out_refund").ids,
            "line_ids": lines.ids,
        }
    )

env.cr.commit()
result = {
    "second_currency_id": second.id,
    "customers": customers,
    "currency_id": company.currency_id.id,
    "decimal_places": company.currency_id.decimal_places,
    "bank_journal_id": bank.id,
    "demo_provider_id": demo.id,
    "cron_id": env.ref("payment.cron_post_process_payment_tx").id,
}
print("SEED_RESULT " + json.dumps(result))
