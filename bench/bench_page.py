"""Portal page benchmark: GET /my/payment vs stock GET /my/invoices, same partner, same server.

For customers with 10 / 100 / 1000 open invoices (one portal contact each, allowed to pay), a
single-process Odoo server serves both pages warm; requests alternate between the two pages.
Latency is measured by the client (median, p95); SQL queries per request come from Odoo's own
access log (``werkzeug:INFO`` lines end with the request's query count and times).

Prints one JSON document on stdout.
"""

import argparse
import json
import os
import sys
import time

from common import (
    OdooServer,
    create_customer,
    create_invoices,
    ensure_chart,
    environment,
    init_odoo,
    login,
    median,
    percentile,
)

PAGES = {"addon": "/my/payment", "stock": "/my/invoices"}


def fixtures(db, sizes):
    """One customer per N with N open invoices and a portal contact ``bench_page_<N>``."""
    registry = init_odoo(db)
    setup = {}
    with environment(registry) as env:
        ensure_chart(env)
        for n in sizes:
            name = f"Bench page N={n}"
            if env["res.partner"].search_count([("name", "=", name)]):
                continue
            t0 = time.perf_counter()
            partner, _users = create_customer(env, name, contacts=[f"bench_page_{n}"])
            env.cr.commit()
            create_invoices(env, partner, n)
            setup[n] = time.perf_counter() - t0
        env.cr.commit()
    return setup


def bench(db, port, sizes, requests_per_page, logfile):
    setup = fixtures(db, sizes)
    results = []
    with OdooServer(db, port, logfile) as server:
        for n in sizes:
            session = login(server.url, f"bench_page_{n}")
            # Warm both pages (templates, assets, caches) outside the figures.
            for _ in range(3):
                for path in PAGES.values():
                    session.get(server.url + path, timeout=120).raise_for_status()
            timings = {key: [] for key in PAGES}
            tags = {key: [] for key in PAGES}
            for index in range(requests_per_page):
                for key, path in PAGES.items():
                    tag = f"bench_req=n{n}-{key}-{index}"
                    t0 = time.perf_counter()
                    response = session.get(f"{server.url}{path}?{tag}", timeout=120)
                    timings[key].append(time.perf_counter() - t0)
                    response.raise_for_status()
                    tags[key].append(tag)
            size = dict.fromkeys(PAGES)
            for key, path in PAGES.items():
                size[key] = len(session.get(server.url + path, timeout=120).content)
            time.sleep(0.5)  # let the server flush its access log
            log = {entry["path"].split("?", 1)[-1]: entry for entry in server.access_log()}
            row = {"n": n, "setup_seconds": setup.get(n)}
            for key, path in PAGES.items():
                queries = sorted({log[tag]["queries"] for tag in tags[key] if tag in log})
                row[key] = {
                    "path": path,
                    "median_ms": 1000 * median(timings[key]),
                    "p95_ms": 1000 * percentile(timings[key], 95),
                    "queries": queries,
                    "requests": len(timings[key]),
                    "bytes": size[key],
                }
            print(f"N={n}: {row}", file=sys.stderr, flush=True)
            results.append(row)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", required=True)
    parser.add_argument("--port", type=int, default=int(os.environ.get("HTTP_PORT", "8069")))
    parser.add_argument("--sizes", default="10,100,1000")
    parser.add_argument("--requests", type=int, default=20, help="requests per page and N")
    parser.add_argument("--logfile", required=True)
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    json.dump(bench(args.db, args.port, sizes, args.requests, args.logfile), sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
