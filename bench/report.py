"""docs/PERFORMANCE.md from the results of one ``make bench`` run."""


def _s(seconds):
    if seconds is None:
        return "—"
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def _ratio(value, base):
    return f"{value / base:.2f}×" if value and base else "—"


def _ok(flag):
    return "**met**" if flag else "**not met**"


def allocation_series(rows):
    extrapolated = [r["n"] for r in rows if r["staff"].get("extrapolated")]
    staff_label = "stock invoice by invoice" + (
        f" (dashed: extrapolated from N={min(extrapolated)})" if extrapolated else ""
    )
    return [
        ("addon allocation engine", [(r["n"], r["addon"]["seconds"]) for r in rows], False),
        ("stock batch reconcile()", [(r["n"], r["stock"]["seconds"]) for r in rows], False),
        (staff_label, [(r["n"], r["staff"]["seconds"]) for r in rows], bool(extrapolated)),
    ]


def allocation_section(rows):
    lines = [
        "## 1. Allocation: one payment over N open invoices",
        "",
        "Same posted payment, same N invoices (100.00 each, due a day apart; the payment pays all "
        "but half of the newest one), each method in a savepoint rolled back afterwards. "
        "Time: best of the runs (stock and addon runs alternate: 5 runs up to N=100, 3 at "
        "1000, 1 at 5000), wall clock and CPU time of the Odoo process; queries: "
        "`cr.sql_log_count` around the call, flush included.",
        "",
        "| N | setup | stock reconcile() | addon | addon / stock | CPU addon / stock "
        "| invoice by invoice | by invoice / addon | queries stock | queries addon "
        "| queries by invoice |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        stock, addon, staff = row["stock"], row["addon"], row["staff"]
        mark = " *" if staff.get("extrapolated") else ""
        lines.append(
            f"| {row['n']} | {_s(row['setup_seconds']) if row['setup_seconds'] else 'reused'} "
            f"| {_s(stock['seconds'])} | {_s(addon['seconds'])} "
            f"| {_ratio(addon['seconds'], stock['seconds'])} "
            f"| {_ratio(addon.get('cpu_seconds'), stock.get('cpu_seconds'))} "
            f"| {_s(staff['seconds'])}{mark} | {_ratio(staff['seconds'], addon['seconds'])} "
            f"| {stock['queries']} | {addon['queries']} | {staff['queries']}{mark} |"
        )
    extrapolated = [row for row in rows if row["staff"].get("extrapolated")]
    if extrapolated:
        lines += [
            "",
            "\\* invoice by invoice is timed on the oldest "
            f"{extrapolated[0]['staff']['measured_invoices']} invoices and extrapolated linearly "
            "to N (to keep `make bench` near 10 minutes).",
        ]
    ratios = [row["addon"]["seconds"] / row["stock"]["seconds"] for row in rows]
    cpu_ratios = [
        row["addon"]["cpu_seconds"] / row["stock"]["cpu_seconds"]
        for row in rows
        if row["addon"].get("cpu_seconds") and row["stock"].get("cpu_seconds")
    ]
    speedups = [
        row["staff"]["seconds"] / row["addon"]["seconds"] for row in rows if row["n"] >= 100
    ]
    growth_addon = rows[-1]["addon"]["queries"] - rows[0]["addon"]["queries"]
    growth_stock = rows[-1]["stock"]["queries"] - rows[0]["stock"]["queries"]
    # The goal (issue 10) is set at N = 100 and 1,000; the other sizes are shown, not judged.
    goal = {row["n"]: ratio for row, ratio in zip(rows, ratios, strict=True)}
    goal = {n: goal[n] for n in (100, 1000) if n in goal}
    judged = " and ".join(f"N = {n:,}" for n in goal) or "N = 100 and 1,000"
    lines += [
        "",
        f"- addon within 1.2× of stock batch reconcile at {judged}: "
        + (
            f"{_ok(max(goal.values()) <= 1.2)} (worst {max(goal.values()):.2f}× in wall time)"
            if goal
            else "not measured in this run"
        )
        + f"; at every N measured, worst {max(ratios):.2f}× in wall time"
        + (f", {max(cpu_ratios):.2f}× in CPU time of the Odoo process." if cpu_ratios else "."),
        f"- ≥ 10× faster than invoice by invoice at N ≥ 100: "
        f"{_ok(speedups and min(speedups) >= 10)}"
        + (f" (least {min(speedups):.0f}×)." if speedups else "."),
        f"- query count growing no faster than stock's: {_ok(growth_addon <= growth_stock)} "
        f"(from N={rows[0]['n']} to N={rows[-1]['n']}: addon +{growth_addon}, "
        f"stock +{growth_stock}).",
        "",
        "![allocation time vs N](allocation-vs-n.png)",
        "",
    ]
    return lines


def page_section(rows):
    lines = [
        "## 2. Portal page: GET /my/payment vs stock GET /my/invoices",
        "",
        "Same partner, same single-process server, warm; requests alternate between the two "
        "pages. Latency measured by the client; queries per request from Odoo's access log "
        "(`--log-handler=werkzeug:INFO` ends each request line with its query count).",
        "",
        "| open invoices | /my/payment median | p95 | /my/invoices median | p95 "
        "| median ratio | queries /my/payment | queries /my/invoices |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        addon, stock = row["addon"], row["stock"]
        lines.append(
            f"| {row['n']} | {addon['median_ms']:.0f} ms | {addon['p95_ms']:.0f} ms "
            f"| {stock['median_ms']:.0f} ms | {stock['p95_ms']:.0f} ms "
            f"| {addon['median_ms'] / stock['median_ms']:.2f}× "
            f"| {', '.join(map(str, addon['queries']))} "
            f"| {', '.join(map(str, stock['queries']))} |"
        )
    constant = len({q for row in rows for q in row["addon"]["queries"]}) == 1
    worst = max(row["addon"]["median_ms"] / row["stock"]["median_ms"] for row in rows)
    lines += [
        "",
        f"- query count constant in N: {_ok(constant)}.",
        f"- latency ≤ 1.5× of /my/invoices: {_ok(worst <= 1.5)} (worst median ratio {worst:.2f}×).",
        "",
    ]
    return lines


def throughput_section(result):
    rows = result["scenarios"]
    lines = [
        "## 3. Throughput: end-to-end payments on a multi-worker server",
        "",
        f"`--workers={result['workers']}`; each customer logs in, opens the payment form, "
        "creates the transaction, confirms it with the Demo provider and polls the status "
        "(post-processing: payment created and, for the addon, applied oldest first). "
        "Stock: Odoo's own invoice payment (`/my/invoices/<id>` then "
        "`/invoice/transaction/<id>`), one invoice per payment. Serialization retries: Odoo's "
        "own retries (`tries left` in the server log) plus the status polls answered "
        "`retry` (account_payment's poll rolls back and asks the browser to poll again when "
        "post-processing meets a lock). Each row pools two runs of each flow, made in the order "
        "stock, addon, addon, stock, so that the machine's drift over the run weighs on both "
        "alike (one run of a few dozen payments each, back to back, differed by a quarter "
        "either way between repetitions).",
        "",
        "| partners | customers | stock payments/s | addon payments/s | addon / stock "
        "| p95 stock | p95 addon | retries stock (server + poll) | retries addon "
        "| errors stock / addon | all applied once |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    by_key = {(r["mode"], r["concurrency"], r["flow"]): r for r in rows}
    for mode, concurrency in sorted({(r["mode"], r["concurrency"]) for r in rows}):
        stock = by_key.get((mode, concurrency, "stock"))
        addon = by_key.get((mode, concurrency, "addon"))
        if not (stock and addon):
            continue
        lines.append(
            f"| {mode} | {concurrency} | {stock['payments_per_second']:.2f} "
            f"| {addon['payments_per_second']:.2f} "
            f"| {_ratio(addon['payments_per_second'], stock['payments_per_second'])} "
            f"| {stock['p95_ms']:.0f} ms | {addon['p95_ms']:.0f} ms "
            f"| {stock['serialization_retries']} + {stock['client_retries']} "
            f"| {addon['serialization_retries']} + {addon['client_retries']} "
            f"| {len(stock['errors'])} / {len(addon['errors'])} "
            f"| {'yes' if stock['check']['ok'] and addon['check']['ok'] else 'NO'} |"
        )
    top = max((r["concurrency"] for r in rows), default=0)
    claims = []
    for mode in ("distinct", "distinct, limits on"):
        stock = by_key.get((mode, top, "stock"))
        addon = by_key.get((mode, top, "addon"))
        if stock and addon:
            ratio = addon["payments_per_second"] / stock["payments_per_second"]
            claims.append(f"{mode}: {ratio:.2f}×")
    if claims:
        met = all(float(claim.rsplit(" ", 1)[1][:-1]) >= 1 for claim in claims)
        lines += [
            "",
            f"- {top} distinct customers at once, at least stock's payments per second, with the "
            f"attempt limits off and on: **{'met' if met else 'not met'}** ({'; '.join(claims)}).",
        ]
    stock = by_key.get(("same", 4, "stock"))
    addon = by_key.get(("same", 4, "addon"))
    goal = "- 4 payments of one customer at once, p95 within 2× of stock with no retries: "
    if not (stock and addon):
        lines.append(goal + "not measured in this run (no level 4).")
    elif addon["errors"] or not addon["check"]["ok"] or not (addon["p95_ms"] and stock["p95_ms"]):
        # A payment that failed is not in the latencies: the p95 of the rest proves nothing.
        lines.append(goal + "**not met** (payments failed or were misapplied).")
    else:
        ratio = addon["p95_ms"] / stock["p95_ms"]
        retries = addon["serialization_retries"] + addon["client_retries"]
        lines.append(
            goal + f"{_ok(ratio <= 2 and not retries)} (p95 of {addon['payments']} payments "
            f"{ratio:.2f}× of stock, {retries} retries)."
        )
    lines += [
        "",
        "Payments of one partner are booked one at a time by design (exactly once, oldest "
        "first, no over-application): each status poll waits for the customer's turn, an "
        "advisory lock taken on a separate connection before its booking's snapshot, so a "
        "concurrent payment of the same partner waits instead of failing and being retried "
        "(the retries columns). The lock is a blocking one, so PostgreSQL serves the waiting "
        "polls first come, first served (a polled lock let late payments overtake: before "
        "this change the p95 of four at once was 2.2× stock's). Stock's invoice payments of one "
        "partner touch different invoices and do not wait for each other. Payments of "
        "distinct partners do not contend.",
    ]
    errors = sorted({error for row in rows for error in row["errors"]})
    if errors:
        lines += ["", "Errors seen:", ""] + [f"- `{error}`" for error in errors[:10]]
    lines.append("")
    return lines


def webhook_section(result):
    ordinary = result["ordinary"]["median_ms"]
    lines = [
        "## 4. Stripe webhook under an unauthenticated flood",
        "",
        "One single-process server; each delivery posted by the client without a secret "
        "(`bench/bench_webhook.py`). Before issue 11, one delivery of 5 MB with 1,500 `v1` "
        "entries cost 5.6 s. The ordinary delivery (2 KB, no transaction of this database, "
        "acknowledged as stock Odoo does) is the baseline.",
        "",
        "| delivery | body | header | `v1` entries | answer | median | p95 | vs ordinary |",
        "|---|---:|---:|---:|---|---:|---:|---:|",
    ]
    for name in ("flood", "header_flood", "ordinary"):
        row = result[name]
        lines.append(
            f"| {name.replace('_', ' ')} | {row['body_bytes']:,} B | {row['header_bytes']:,} B "
            f"| {row['v1_entries']:,} | {', '.join(row['statuses'])} "
            f"| {row['median_ms']:.0f} ms | {row['p95_ms']:.0f} ms "
            f"| {row['median_ms'] / ordinary:.2f}× |"
        )
    lines += [
        "",
        "- the most one delivery can cost to verify (`webhook_signature.verify` at its limits: "
        f"512 KiB body, five `v1`), in-process: {result['verify_at_limits_ms']:.1f} ms.",
        "",
    ]
    return lines


def markdown(results):
    machine = results["machine"]
    lines = [
        "# Performance",
        "",
        "Figures of the last `make bench` run (written by `bench/run.py`; "
        "`BENCH_QUICK=1 make bench` runs the small sizes only). Every figure is measured in "
        "the same run as the stock Odoo figure it is compared with.",
        "",
        f"- run: bench database `{results['database']}`; "
        + ", ".join(
            f"{part} {results[part + '_started']} ({results[part + '_seconds'] / 60:.1f} min, "
            f"commit `{results.get(part + '_commit', 'not recorded')}`)"
            for part in ("allocation", "page", "throughput", "webhook")
            if results.get(part + "_started")
        )
        + f"; database preparation {results['database_seconds']:.0f} s",
        f"- machine: `nproc` = {machine['nproc']}, Python {machine['python']}, "
        f"PostgreSQL {machine['postgres']}, load average before the run "
        f"{machine['load_before']} (the machine is shared: absolute times are noisy, the "
        "ratios less so)",
        "",
        "```",
        "$ free -h",
        machine["free"],
        "```",
        "",
    ]
    if results.get("allocation"):
        lines += allocation_section(results["allocation"])
    if results.get("page"):
        lines += page_section(results["page"])
    if results.get("throughput"):
        lines += throughput_section(results["throughput"])
    if results.get("webhook"):
        lines += webhook_section(results["webhook"])
    lines += NOTES
    return "\n".join(lines) + "\n"


NOTES = [
    "## Reading the allocation figures",
    "",
    "The addon does what stock batch `reconcile()` does (it calls it) plus work stock does "
    "not: it locks and re-reads the partner's open lines, orders them, writes one "
    "`portal.pay.allocation` per invoice and posts a note on the payment and on every "
    "invoice. A profile at N=1000 (`cProfile`, one run, during the engine's rewrite) splits "
    "the addon's time into reconcile() 70 %, notes 24 %, allocation records, reading and "
    "ordering the account 6 %; of the notes, half is the ORM keeping the invoices' message "
    "caches in step (`_update_inverses`). Its SQL queries stay below stock's at every N ≥ 100 "
    "(the extra work is batched), so what remains over stock is Python CPU time for the "
    "records and notes, roughly proportional to N. Wall times on this shared 2-core machine "
    "vary by up to 2× between repetitions of the same call, which is why CPU time is shown "
    "next to them.",
    "",
    "## What was changed for these figures",
    "",
    "- **Allocation** (`portal.pay.engine`, through "
    "`account.payment._portal_pay_apply_oldest_first`): the notes on the invoices are "
    "created in one batch (`_message_log_batch`) instead of one `message_post` per invoice "
    "(several queries each); the payment's own note is an internal log (`_message_log`); the "
    "locked open lines are re-read entirely, because a partly filled line cache made stock "
    "`reconcile()` read the taxes of each invoice in its own query; one `reconcile()` call "
    "instead of two unless the partly paid line shares its due date with a fully paid one "
    "(the only case where stock's tie-break could pick another line); the taxes of the "
    "invoices' lines are read in one batch before reconciling (past the ORM's prefetch "
    "window of 1,000 records, stock's tax-line sync read them one line at a time: stock "
    "itself still does, hence its ~1 query per invoice at N ≥ 1000).",
    "- **Page** (`GET /my/payment`): the open items table lists the 50 oldest items and sums "
    "the others in one row, with a link to `/my/payment?show=all`; the balance, overdue "
    "figures and the allocation still cover every item. The live preview treats the summary "
    "row as one item, so the amounts stay exact.",
    "- **Transactions**: references are `ACCT-<date>-<number>` (for example "
    "`ACCT-20261125-00017`), the number from an `ir.sequence` with the standard "
    "implementation (a PostgreSQL sequence: no lock, never the same number twice; "
    "`data/ir_sequence_data.xml`). A prefix made of a timestamp made two customers paying in "
    "the same second compute the same reference, which the unique constraint refused (found "
    "by the throughput benchmark).",
    "- No index was added: the open-items search filters on the partner, which "
    "`account_move_line` already indexes; the plans seen were index scans.",
    "",
    "## How to reproduce",
    "",
    "```bash",
    "make bench                          # ~10 min on 2 cores; creates the bench database once",
    "BENCH_QUICK=1 make bench            # N = 10, 100 only",
    "BENCH_ONLY=allocation BENCH_SIZES=10,100,1000 make bench",
    "```",
    "",
    "Query-count regressions are guarded by "
    "`servicecore_portal_pay/tests/test_query_counts.py` (no timing asserts in tests).",
]
