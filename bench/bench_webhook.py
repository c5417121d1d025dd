"""Webhook flood benchmark: what an unauthenticated flood costs the Stripe webhook.

Issue 11 measured 5.6 s of server time for one delivery of a 5 MB body with 1,500 ``v1``
entries, and 2.6 s for 2 MB with 1,600 (the signature was recomputed over the whole body for
every entry, and a matched delivery was verified twice). Now such a delivery is refused on its
announced length and header before the body is read. This benchmark posts, to a single-process
server on the bench database (no Stripe account, no secret needed, like an attacker):

- ``flood``: a 4 MiB body with 3,000 short ``v1`` entries (about 20 KB of header);
- ``header_flood``: a 2 KB body with the same header;
- ``ordinary``: a 2 KB well-formed event for no transaction of this database (acknowledged,
  as stock Odoo does), the baseline.

and measures each request at the client (median, p95), plus the pure verification of a
delivery at the limits (``webhook_signature.verify``: 512 KiB, five ``v1``) in-process.
Prints one JSON document on stdout.
"""

import argparse
import contextlib
import json
import os
import sys
import time

import requests
from common import OdooServer, median, percentile

# The pure rule, without loading the addon (it imports nothing of Odoo).
sys.path.insert(
    0, os.path.join(os.path.dirname(os.path.dirname(__file__)), "servicecore_portal_pay", "rules")
)
import webhook_signature

WEBHOOK = "/payment/stripe/webhook"


def _event(padding=0):
    return json.dumps(
        {
            "id": "evt_bench",
            "object": "event",
            "type": "payment_intent.succeeded",
            "data": {
                "object": {
                    "id": "pi_bench",
                    "object": "payment_intent",
                    "description": "BENCH-NO-SUCH-TRANSACTION",
                    "amount": 1000,
                    "currency": "usd",
                    "status": "succeeded",
                    "padding": "x" * padding,
                }
            },
        }
    ).encode()


def _post(url, payload, header):
    t0 = time.perf_counter()
    try:
        status = requests.post(
            url,
            data=payload,
            headers={"Content-Type": "application/json", "Stripe-Signature": header},
            timeout=120,
        ).status_code
    except requests.ConnectionError:
        # The server answered and closed before the whole body was sent: refused unread.
        status = "closed"
    return time.perf_counter() - t0, status


def bench(db, port, repeat, logfile):
    now = int(time.time())
    flood_header = f"t={now}," + ",".join(f"v1={index:x}" for index in range(3000))
    cases = {
        "flood": (_event(4 * 1024 * 1024), flood_header),
        "header_flood": (_event(2000), flood_header),
        "ordinary": (_event(2000), f"t={now},v1={'0' * 64}"),
    }
    results = {}
    with OdooServer(db, port, logfile) as server:
        url = server.url + WEBHOOK
        for payload, header in cases.values():  # warm the route and the registry
            _post(url, payload, header)
        timings = {name: [] for name in cases}
        statuses = {name: set() for name in cases}
        for _ in range(repeat):
            for name, (payload, header) in cases.items():
                seconds, status = _post(url, payload, header)
                timings[name].append(seconds)
                statuses[name].add(status)
        for name, (payload, header) in cases.items():
            results[name] = {
                "body_bytes": len(payload),
                "header_bytes": len(header),
                "v1_entries": header.count("v1="),
                "median_ms": 1000 * median(timings[name]),
                "p95_ms": 1000 * percentile(timings[name], 95),
                "statuses": sorted(map(str, statuses[name])),
                "requests": repeat,
            }
    # The pure rule at its limits, in-process: the most a delivery can cost to verify.
    body = b"x" * webhook_signature.MAX_PAYLOAD_BYTES
    header = ",".join(
        [f"t={now}"] + [f"v1={index:064x}" for index in range(webhook_signature.MAX_SIGNATURES)]
    )
    rounds = 20
    t0 = time.perf_counter()
    for _ in range(rounds):
        with contextlib.suppress(webhook_signature.InvalidSignature):
            webhook_signature.verify(body, header, ["whsec_bench"], now, 300)
    results["verify_at_limits_ms"] = 1000 * (time.perf_counter() - t0) / rounds
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", required=True)
    parser.add_argument("--port", type=int, default=int(os.environ.get("HTTP_PORT", "8069")))
    parser.add_argument("--requests", type=int, default=10, help="requests per case")
    parser.add_argument("--logfile", required=True)
    args = parser.parse_args()
    json.dump(bench(args.db, args.port, args.requests, args.logfile), sys.stdout, indent=1)
    print()
    sys.stdout.flush()


if __name__ == "__main__":
    main()
