"""``make bench``: the bench database, the three benchmarks, docs/PERFORMANCE.md and the plot.

Environment (all optional):

- ``BENCH_QUICK=1``: small sizes (allocation N=10,100; page N=10,100; throughput 1,4 customers);
- ``BENCH_SIZES``, ``BENCH_PAGE_SIZES``, ``BENCH_LEVELS``: comma-separated overrides;
- ``BENCH_ONLY``: comma-separated subset of ``allocation,page,throughput,webhook``;
- ``BENCH_DB`` (default ``$RUN_DB`` + ``_bench``), ``HTTP_PORT`` (page server),
  ``BENCH_PORT`` (multi-worker server, default 8276; its gevent port is the next one);
- ``BENCH_DOCS=0``: do not rewrite docs/PERFORMANCE.md and docs/allocation-vs-n.png.

Each benchmark runs in its own process and prints JSON; the results of the run are kept in
``$STATE_DIR/bench/results.json``.
"""

import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime

import plot
import psycopg2
import report

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def env_list(name, default):
    return os.environ.get(name) or default


def database_ready(db):
    try:
        with psycopg2.connect(dbname=db) as cnx, cnx.cursor() as cr:
            cr.execute(
                "SELECT 1 FROM ir_module_module WHERE name IN %s AND state = 'installed'",
                [("servicecore_portal_pay", "payment_demo")],
            )
            return len(cr.fetchall()) == 2
    except psycopg2.OperationalError:
        return False


def odoo_bin(*args):
    command = [
        sys.executable,
        os.path.join(os.environ["ODOO_SRC"], "odoo-bin"),
        "-c",
        os.environ["ODOO_CONF"],
        *args,
    ]
    subprocess.run(command, check=True, stdin=subprocess.DEVNULL)


def prepare_database(db):
    """Create the bench database once; afterwards update the addon so the current code runs."""
    t0 = time.perf_counter()
    if database_ready(db):
        print(f"==> Updating the addon in the bench database {db}", file=sys.stderr)
        odoo_bin("-d", db, "-u", "servicecore_portal_pay", "--stop-after-init", "--log-level=warn")
    else:
        print(f"==> Creating the bench database {db}", file=sys.stderr)
        subprocess.run(["dropdb", "--if-exists", db], check=True)
        odoo_bin(
            "-d",
            db,
            "-i",
            "servicecore_portal_pay,payment_demo",
            "--without-demo",
            "--stop-after-init",
            "--log-level=warn",
        )
    return time.perf_counter() - t0


def run_json(script, *args):
    print(f"==> {script} {' '.join(args)}", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    output = subprocess.run(
        [sys.executable, os.path.join(HERE, script), *args],
        check=True,
        stdout=subprocess.PIPE,
        cwd=HERE,
    ).stdout
    return json.loads(output), time.perf_counter() - t0


def commit():
    """The commit the code under measure is at (``-dirty`` with uncommitted changes)."""
    try:
        head = subprocess.run(
            ["git", "-C", ROOT, "rev-parse", "--short=12", "HEAD"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        dirty = subprocess.run(
            # The figures' own files (docs/) do not make the measured code dirty.
            [
                "git",
                "-C",
                ROOT,
                "status",
                "--porcelain",
                "--untracked-files=no",
                "--",
                ".",
                ":!docs",
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head}-dirty" if dirty else head


def machine():
    def command(*args):
        try:
            return subprocess.run(args, check=True, capture_output=True, text=True).stdout.rstrip()
        except (OSError, subprocess.CalledProcessError):
            return "?"

    with psycopg2.connect(dbname="postgres") as cnx, cnx.cursor() as cr:
        cr.execute("SHOW server_version")
        pg_version = cr.fetchone()[0]
    load = os.getloadavg()
    return {
        "nproc": command("nproc"),
        "free": command("free", "-h"),
        "python": platform.python_version(),
        "postgres": pg_version,
        "load_before": f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}",
    }


def write_docs(results):
    text = report.markdown(results)
    print(text)
    if os.environ.get("BENCH_DOCS", "1") == "0":
        return
    docs = os.path.join(ROOT, "docs")
    os.makedirs(docs, exist_ok=True)
    with open(os.path.join(docs, "PERFORMANCE.md"), "w", encoding="utf-8") as out:
        out.write(text)
    if results.get("allocation"):
        plot.line_chart(
            os.path.join(docs, "allocation-vs-n.png"),
            report.allocation_series(results["allocation"]),
            title="One payment applied to N open invoices (lower is better)",
            x_label="N open invoices",
            y_label="seconds",
        )
    print(f"==> wrote {docs}/PERFORMANCE.md and allocation-vs-n.png", file=sys.stderr)


def main():
    state = os.path.join(os.environ["STATE_DIR"], "bench")
    if "--report-only" in sys.argv:
        # Rewrite the docs from the last run's results (e.g. after changing the report).
        with open(os.path.join(state, "results.json"), encoding="utf-8") as saved:
            write_docs(json.load(saved))
        return
    quick = os.environ.get("BENCH_QUICK") == "1"
    db = os.environ.get("BENCH_DB") or f"{os.environ.get('RUN_DB', 'servicecore_demo')}_bench"
    os.makedirs(state, exist_ok=True)
    only = set((os.environ.get("BENCH_ONLY") or "allocation,page,throughput,webhook").split(","))
    results = {}
    saved = os.path.join(state, "results.json")
    if os.environ.get("BENCH_ONLY") and os.path.exists(saved):
        # A partial run updates its sections of the last full run's results.
        with open(saved, encoding="utf-8") as previous:
            results = json.load(previous)
    results |= {
        "started": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "quick": quick,
        "machine": machine(),
        "database": db,
    }
    results["database_seconds"] = prepare_database(db)
    if "allocation" in only:
        results["allocation_started"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        results["allocation_commit"] = commit()
        sizes = env_list("BENCH_SIZES", "10,100" if quick else "10,100,1000,5000")
        results["allocation"], results["allocation_seconds"] = run_json(
            "bench_allocation.py", "--db", db, "--sizes", sizes
        )
    if "page" in only:
        results["page_started"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        results["page_commit"] = commit()
        sizes = env_list("BENCH_PAGE_SIZES", "10,100" if quick else "10,100,1000")
        results["page"], results["page_seconds"] = run_json(
            "bench_page.py",
            "--db",
            db,
            "--sizes",
            sizes,
            "--port",
            os.environ.get("HTTP_PORT", "8069"),
            "--logfile",
            os.path.join(state, "page-server.log"),
        )
    if "throughput" in only:
        results["throughput_started"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        results["throughput_commit"] = commit()
        levels = env_list("BENCH_LEVELS", "1,4" if quick else "1,4,16")
        results["throughput"], results["throughput_seconds"] = run_json(
            "bench_throughput.py",
            "--db",
            db,
            "--levels",
            levels,
            "--port",
            os.environ.get("BENCH_PORT", "8276"),
            "--logfile",
            os.path.join(state, "throughput-server.log"),
        )
    if "webhook" in only:
        results["webhook_started"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        results["webhook_commit"] = commit()
        results["webhook"], results["webhook_seconds"] = run_json(
            "bench_webhook.py",
            "--db",
            db,
            "--port",
            os.environ.get("HTTP_PORT", "8069"),
            "--logfile",
            os.path.join(state, "webhook-server.log"),
        )
    results["total_seconds"] = (
        sum(
            results.get(f"{part}_seconds", 0)
            for part in ("allocation", "page", "throughput", "webhook")
        )
        + results["database_seconds"]
    )
    with open(saved, "w", encoding="utf-8") as out:
        json.dump(results, out, indent=1)
    write_docs(results)


if __name__ == "__main__":
    main()
