"""Throughput benchmark: end-to-end portal payments per second on a multi-worker server.

Each simulated customer runs the whole flow with its own portal session, like a browser:

- ``addon``: GET /my/payment?amount=X (the payment form) -> POST /my/payment/transaction ->
  Demo provider confirmation -> POST /payment/status/poll (post-processing: the payment is
  created and applied oldest first);
- ``stock``: the same flow through Odoo's own invoice payment, one invoice each:
  GET /my/invoices/<id> -> POST /invoice/transaction/<id> -> Demo confirmation -> poll.

With 1, 4 and 16 concurrent customers, either distinct partners (one contact of each) or the
same partner (16 contacts of one company), and the 16 distinct partners once more with the
attempt limits on (per contact and per IP address: every payment reserves its attempt first).
Reports payments/s, latency (median, p95) per
payment, client retries and the server's serialization retries (Odoo's "tries left" log lines),
then checks in the database that every payment was created and applied exactly once.

Each row pools two runs of each flow, made in the order stock, addon, addon, stock: a few dozen
payments take seconds, and the machine's speed drifts over a run, so one run of each compared
back to back could differ by a quarter either way.

Prints one JSON document on stdout.
"""

import argparse
import json
import os
import re
import sys
import threading
import time

import psycopg2
from common import (
    OdooServer,
    create_customer,
    create_invoices,
    ensure_chart,
    environment,
    init_odoo,
    jsonrpc,
    login,
    median,
    percentile,
)

INVOICE_AMOUNT = 100.0
ADDON_AMOUNT = "150.00"  # one and a half invoices: every payment pays one in full, one partly
LEVELS = (1, 4, 16)
MAX_CONTACTS = max(LEVELS)
INPUT_TAG = re.compile(r"<input\b[^>]*>")
ACCESS_TOKEN = re.compile(r'data-access-token="([^"]*)"')
POLL_RETRIES = 20
ROUNDS = ("stock", "addon", "addon", "stock")  # per level: each flow twice, in mirrored order


def payments_per_customer(concurrency):
    """Payments each customer makes: 8 in total at 1, 16 at 4, 32 at 16."""
    return {1: 8, 4: 4, 16: 2}.get(concurrency, 2)


def fixtures(db, invoices_needed):
    """Customers and enough open invoices for one run (topped up on every run).

    :return: ``{"distinct": [(partner_id, login)], "same": [(partner_id, login)]}`` and the
             seconds spent creating fixtures
    """
    registry = init_odoo(db)
    t0 = time.perf_counter()
    customers = {"distinct": [], "same": []}
    with environment(registry) as env:
        ensure_chart(env)
        demo = env.ref("payment.payment_provider_demo")
        demo.write({"state": "test", "is_published": True})
        # Every simulated customer pays from 127.0.0.1, many times: no attempt limits here.
        env.company.write(
            {
                "portal_pay_throttle_tx_user": 0,
                "portal_pay_throttle_tx_ip": 0,
                "portal_pay_throttle_failed_user": 0,
                "portal_pay_throttle_failed_ip": 0,
            }
        )
        env.cr.commit()
        Partner = env["res.partner"]
        for index in range(MAX_CONTACTS):
            name = f"Bench throughput distinct {index}"
            login_name = f"bench_tp_d{index}"
            partner = Partner.search([("name", "=", name)], limit=1)
            if not partner:
                partner, _users = create_customer(env, name, contacts=[login_name])
            customers["distinct"].append((partner, login_name))
        name = "Bench throughput shared"
        logins = [f"bench_tp_s{index}" for index in range(MAX_CONTACTS)]
        partner = Partner.search([("name", "=", name)], limit=1)
        if not partner:
            partner, _users = create_customer(env, name, contacts=logins)
        customers["same"] = [(partner, login_name) for login_name in logins]
        env.cr.commit()
        for mode, needed in invoices_needed.items():
            for partner in {partner for partner, _login in customers[mode]}:
                open_count = env["account.move"].search_count(
                    [
                        ("partner_id", "=", partner.id),
                        ("move_type", "=", "out_invoice"),
                        ("state", "=", "posted"),
                        ("payment_state", "=", "not_paid"),
                    ]
                )
                if open_count < needed:
                    create_invoices(env, partner, needed - open_count, amount=INVOICE_AMOUNT)
        env.cr.commit()
        result = {
            mode: [(partner.id, login_name) for partner, login_name in rows]
            for mode, rows in customers.items()
        }
    return result, time.perf_counter() - t0


def open_invoice_ids(db, partner_id):
    """The partner's open invoices, oldest first (what a customer would pick on /my/invoices)."""
    registry = init_odoo(db)
    with environment(registry) as env:
        return (
            env["account.move"]
            .search(
                [
                    ("partner_id", "=", partner_id),
                    ("move_type", "=", "out_invoice"),
                    ("state", "=", "posted"),
                    ("payment_state", "=", "not_paid"),
                ],
                order="invoice_date_due, id",
            )
            .ids
        )


class Customer:
    """One portal contact paying in its own session."""

    def __init__(self, url, login_name):
        self.url = url
        self.session = login(url, login_name)
        self.client_retries = 0

    def _demo_option(self, html):
        """The Demo payment method's radio button of the payment form, and the form's token."""
        for tag in INPUT_TAG.findall(html):
            attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', tag))
            if (
                attrs.get("data-provider-code") == "demo"
                and attrs.get("data-payment-option-type") == "payment_method"
            ):
                token = ACCESS_TOKEN.search(html)
                return (
                    int(attrs["data-payment-option-id"]),
                    int(attrs["data-provider-id"]),
                    token.group(1) if token else None,
                )
        raise RuntimeError("no Demo payment option on the page")

    def _finish(self, processing_values):
        reference = processing_values["reference"]
        jsonrpc(
            self.session,
            f"{self.url}/payment/demo/simulate_payment",
            {"reference": reference, "payment_details": "4242", "simulated_state": "done"},
        )
        for _attempt in range(POLL_RETRIES):
            try:
                status = jsonrpc(self.session, f"{self.url}/payment/status/poll", {})
            except RuntimeError as error:
                if "retry" not in str(error):
                    raise
                self.client_retries += 1
                time.sleep(0.2)
                continue
            if status["state"] == "done":
                return reference
            raise RuntimeError(f"transaction {reference} ended in state {status['state']}")
        raise RuntimeError(f"transaction {reference} still not post-processed")

    def pay_addon(self):
        page = self.session.get(f"{self.url}/my/payment", params={"amount": ADDON_AMOUNT})
        page.raise_for_status()
        method_id, provider_id, access_token = self._demo_option(page.text)
        values = jsonrpc(
            self.session,
            f"{self.url}/my/payment/transaction",
            {
                "provider_id": provider_id,
                "payment_method_id": method_id,
                "token_id": None,
                "amount": float(ADDON_AMOUNT),
                "flow": "direct",
                "tokenization_requested": False,
                "landing_route": "/my/payment/confirmation",
                "is_validation": False,
                "access_token": access_token,
            },
        )
        return self._finish(values)

    def pay_stock(self, invoice_id):
        page = self.session.get(f"{self.url}/my/invoices/{invoice_id}")
        page.raise_for_status()
        method_id, provider_id, access_token = self._demo_option(page.text)
        values = jsonrpc(
            self.session,
            f"{self.url}/invoice/transaction/{invoice_id}",
            {
                "provider_id": provider_id,
                "payment_method_id": method_id,
                "token_id": None,
                "amount": INVOICE_AMOUNT,
                "flow": "direct",
                "tokenization_requested": False,
                "landing_route": f"/my/invoices/{invoice_id}",
                "is_validation": False,
                "access_token": access_token,
            },
        )
        return self._finish(values)


def run_scenario(server, db, *, flow, mode, concurrency, customers):
    rows = customers[mode][:concurrency]
    per_customer = payments_per_customer(concurrency)
    clients = [Customer(server.url, login_name) for _partner, login_name in rows]
    # Stock pays chosen invoices: give each customer its own, oldest first.
    queues = []
    if flow == "stock":
        by_partner = {}
        for index, (partner_id, _login) in enumerate(rows):
            ids = by_partner.setdefault(partner_id, open_invoice_ids(db, partner_id))
            if mode == "same":
                queues.append(ids[index::concurrency][:per_customer])
            else:
                queues.append(ids[:per_customer])
    latencies, references, errors = [], [], []
    lock = threading.Lock()
    retries_before = server.log_count("tries left")

    def work(index):
        client = clients[index]
        for count in range(per_customer):
            t0 = time.perf_counter()
            try:
                if flow == "addon":
                    reference = client.pay_addon()
                else:
                    reference = client.pay_stock(queues[index][count])
            except Exception as error:
                with lock:
                    errors.append(str(error)[:300])
                continue
            with lock:
                latencies.append(time.perf_counter() - t0)
                references.append(reference)

    threads = [threading.Thread(target=work, args=(index,)) for index in range(len(clients))]
    t0 = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    elapsed = time.perf_counter() - t0
    time.sleep(0.5)
    return {
        "flow": flow,
        "mode": mode,
        "concurrency": concurrency,
        "payments": len(references),
        "seconds": elapsed,
        "payments_per_second": len(references) / elapsed if elapsed else 0,
        "median_ms": 1000 * median(latencies) if latencies else None,
        "p95_ms": 1000 * percentile(latencies, 95) if latencies else None,
        "serialization_retries": server.log_count("tries left") - retries_before,
        "client_retries": sum(client.client_retries for client in clients),
        "errors": errors,
        "check": check_payments(db, flow, references),
        "latencies": latencies,
    }


def pooled(rows):
    """One row of the runs of one flow at one level: payments and time summed, latencies
    pooled."""
    latencies = [latency for row in rows for latency in row.pop("latencies")]
    payments = sum(row["payments"] for row in rows)
    seconds = sum(row["seconds"] for row in rows)
    return {
        **rows[0],
        "runs": len(rows),
        "payments": payments,
        "seconds": seconds,
        "payments_per_second": payments / seconds if seconds else 0,
        "median_ms": 1000 * median(latencies) if latencies else None,
        "p95_ms": 1000 * percentile(latencies, 95) if latencies else None,
        "serialization_retries": sum(row["serialization_retries"] for row in rows),
        "client_retries": sum(row["client_retries"] for row in rows),
        "errors": [error for row in rows for error in row["errors"]],
        "check": {
            "ok": all(row["check"]["ok"] for row in rows),
            "transactions": sum(row["check"]["transactions"] for row in rows),
            "payments": sum(row["check"]["payments"] for row in rows),
        },
    }


def run_level(server, db, *, mode, concurrency, customers):
    """The stock and addon rows of one level, each pooled over its runs (`ROUNDS`)."""
    runs = {"stock": [], "addon": []}
    for flow in ROUNDS:
        runs[flow].append(
            run_scenario(
                server, db, flow=flow, mode=mode, concurrency=concurrency, customers=customers
            )
        )
    return [pooled(runs["stock"]), pooled(runs["addon"])]


def check_payments(db, flow, references):
    """Every transaction is done and has exactly one payment (applied, for the addon)."""
    registry = init_odoo(db)
    with environment(registry) as env:
        txs = env["payment.transaction"].search([("reference", "in", references)])
        payments = txs.payment_id
        ok = len(txs) == len(references) and all(
            tx.state == "done" and len(tx.payment_id) == 1 for tx in txs
        )
        if flow == "addon":
            ok = ok and all(payment.portal_pay_allocated for payment in payments)
            ok = ok and all(
                payment.portal_pay_allocation_ids
                and abs(sum(payment.portal_pay_allocation_ids.mapped("amount")) - payment.amount)
                < 0.005
                for payment in payments
            )
        else:
            ok = ok and all(tx.invoice_ids.payment_state in ("paid", "in_payment") for tx in txs)
        return {"ok": bool(ok), "transactions": len(txs), "payments": len(payments)}


def invoices_needed():
    runs = ROUNDS.count("addon")  # as many of each flow
    addon = sum(payments_per_customer(level) * 2 for level in LEVELS)  # 1.5 each, rounded up
    stock = sum(payments_per_customer(level) for level in LEVELS)
    same_addon = sum(payments_per_customer(level) * level * 2 for level in LEVELS)
    same_stock = sum(payments_per_customer(level) * level for level in LEVELS)
    # The run with the attempt limits on: distinct customers at the top level, once more.
    limits_on = payments_per_customer(max(LEVELS)) * 3
    return {
        "distinct": runs * (addon + stock + limits_on) + 5,
        "same": runs * (same_addon + same_stock) + 5,
    }


def set_attempt_limits(db, on):
    """Turn the per-contact and per-IP attempt limits on (high enough never to refuse: every
    payment then reserves its attempt first, on the contact's and the address's locks) or off."""
    limit = 100_000 if on else 0
    with psycopg2.connect(dbname=db) as cnx, cnx.cursor() as cr:
        cr.execute(
            "UPDATE res_company SET portal_pay_throttle_tx_user = %s,"
            " portal_pay_throttle_tx_ip = %s, portal_pay_throttle_failed_user = %s,"
            " portal_pay_throttle_failed_ip = %s",
            [limit] * 4,
        )


def bench(db, port, logfile, levels, workers):
    customers, setup = fixtures(db, invoices_needed())
    results = {"setup_seconds": setup, "workers": workers, "scenarios": []}
    with OdooServer(db, port, logfile, workers=workers, extra=[f"--gevent-port={port + 1}"]) as s:
        # Warm every worker's registry and templates before the figures.
        warm = Customer(s.url, customers["distinct"][0][1])
        for _ in range(2 * workers):
            warm.session.get(f"{s.url}/my/payment").raise_for_status()
            warm.session.get(f"{s.url}/my/invoices").raise_for_status()
        for mode in ("distinct", "same"):
            for concurrency in levels:
                for row in run_level(
                    s, db, mode=mode, concurrency=concurrency, customers=customers
                ):
                    print(json.dumps(row), file=sys.stderr, flush=True)
                    results["scenarios"].append(row)
        # The same distinct customers at the top level with the attempt limits on: all pay from
        # 127.0.0.1, so every attempt also takes the one address's lock.
        set_attempt_limits(db, on=True)
        try:
            for row in run_level(
                s, db, mode="distinct", concurrency=max(levels), customers=customers
            ):
                row["mode"] = "distinct, limits on"
                print(json.dumps(row), file=sys.stderr, flush=True)
                results["scenarios"].append(row)
        finally:
            set_attempt_limits(db, on=False)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", required=True)
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", "8276")))
    parser.add_argument("--levels", default=",".join(map(str, LEVELS)))
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--logfile", required=True)
    args = parser.parse_args()
    levels = [int(level) for level in args.levels.split(",")]
    results = bench(args.db, args.port, args.logfile, levels, args.workers)
    json.dump(results, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
