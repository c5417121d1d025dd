"""Shared helpers of the benchmarks: an Odoo environment on the bench database and fixtures.

The benchmarks run with the project's virtualenv and Odoo source (``scripts/env.sh``); the bench
database is created by ``bench/run.py`` (the addon and payment_demo, without demo data).
"""

import contextlib
import os
import re
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta

import requests

import odoo.service.server
from odoo import api
from odoo.modules.registry import Registry
from odoo.tools import config

BENCH_PREFIX = "bench"


def init_odoo(db):
    """Load the configuration (``$ODOO_CONF``) once; return the database's registry."""
    if not config.get("db_name") or config["db_name"] != [db]:
        config.parse_config(["-c", os.environ["ODOO_CONF"], "-d", db, "--log-level=warn"])
    odoo.service.server.load_server_wide_modules()
    return Registry(db)


@contextlib.contextmanager
def environment(registry):
    """A superuser environment in a new cursor, committed on success."""
    with registry.cursor() as cr:
        env = api.Environment(cr, api.SUPERUSER_ID, {})
        env = env(context=env["res.users"].context_get())
        yield env


class Measure:
    """Wall time and SQL queries (the cursor's ``sql_log_count``) of a block of work."""

    def __init__(self, cr):
        self.cr = cr
        self.seconds = self.cpu_seconds = self.queries = None

    def __enter__(self):
        self._queries = self.cr.sql_log_count
        self._cpu0 = time.process_time()
        self._t0 = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self._t0
        # CPU time of the Odoo process: what the other tenants of a shared machine disturb
        # least (the database's own work shows in the query count and the wall time).
        self.cpu_seconds = time.process_time() - self._cpu0
        self.queries = self.cr.sql_log_count - self._queries


def percentile(values, pct):
    """Nearest-rank percentile of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, round(pct / 100 * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def median(values):
    return statistics.median(values)


def ensure_chart(env):
    """The bench company needs a chart of accounts (a database without demo data has none)."""
    company = env.company
    if not company.chart_template:
        env["account.chart.template"].try_loading("generic_coa", company, install_demo=False)
    return company


def income_account(env, company):
    return env["account.account"].search(
        [("account_type", "=", "income"), ("company_ids", "in", company.id)], limit=1
    )


def create_customer(env, name, contacts=(), enable=True):
    """A company partner and portal users for ``contacts`` (logins, password = login)."""
    partner = env["res.partner"].create({"name": name, "is_company": True})
    portal_group = env.ref("base.group_portal")
    users = env["res.users"]
    for login in contacts:
        contact = env["res.partner"].create(
            {
                "name": login,
                "parent_id": partner.id,
                "type": "contact",
                "email": f"{login}@bench.example.com",
                "portal_payment_enabled": enable,
            }
        )
        users |= (
            env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "login": login,
                    "password": login,
                    "partner_id": contact.id,
                    "group_ids": [(6, 0, portal_group.ids)],
                }
            )
        )
    return partner, users


def create_invoices(env, partner, count, *, amount=100.0, batch=500, start=None):
    """``count`` posted customer invoices of ``amount`` each, due one day apart, oldest first.

    Created and posted in batches (one ORM ``create`` and one ``_post`` per batch): the fast
    path for thousands of invoices on a small machine.

    :return: the invoices
    :rtype: account.move
    """
    company = env.company
    account = income_account(env, company)
    journal = env["account.journal"].search(
        [("type", "=", "sale"), ("company_id", "=", company.id)], limit=1
    )
    start = start or (date.today() - timedelta(days=count + 30))
    moves = env["account.move"]
    for offset in range(0, count, batch):
        vals_list = []
        for index in range(offset, min(offset + batch, count)):
            day = start + timedelta(days=index)
            vals_list.append(
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "journal_id": journal.id,
                    "invoice_date": day,
                    "invoice_date_due": day + timedelta(days=30),
                    "invoice_line_ids": [
                        (
                            0,
                            0,
                            {
                                "name": f"Service visit {index + 1}",
                                "account_id": account.id,
                                "quantity": 1,
                                "price_unit": amount,
                                "tax_ids": [(6, 0, [])],
                            },
                        )
                    ],
                }
            )
        batch_moves = env["account.move"].create(vals_list)
        batch_moves._post(soft=False)
        env.flush_all()
        env.cr.commit()
        env.invalidate_all()
        moves |= batch_moves
    return moves


def receivable_lines(moves):
    return moves.line_ids.filtered(
        lambda line: line.account_id.account_type == "asset_receivable" and not line.reconciled
    )


def create_payment(env, partner, amount):
    """A posted inbound customer payment of ``amount``, not reconciled with anything."""
    # force_payment_move: a journal entry even without the Invoicing "in payment" state, like
    # account_payment does for online payments.
    payment = (
        env["account.payment"]
        .with_context(force_payment_move=True)
        .create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": partner.id,
                "amount": amount,
                "journal_id": env["account.journal"]
                .search([("type", "=", "bank"), ("company_id", "=", env.company.id)], limit=1)
                .id,
            }
        )
    )
    payment.action_post()
    return payment


# === A real Odoo server for the HTTP benchmarks === #

# werkzeug's access log line, with Odoo's per-request performance suffix:
# "GET /my/payment?bench=3 HTTP/1.1" 200 - <queries> <query seconds> <other seconds>
ACCESS_LOG = re.compile(
    r'"(?P<method>[A-Z]+) (?P<path>\S+) HTTP/[\d.]+" (?P<status>\d+) \S+ '
    r"(?P<queries>\d+) (?P<query_time>[\d.]+) (?P<other_time>[\d.]+)"
)


class OdooServer:
    """An Odoo server on 127.0.0.1 started for a benchmark and stopped by its own pid."""

    def __init__(self, db, port, logfile, workers=0, extra=()):
        self.db, self.port, self.logfile = db, port, logfile
        self.url = f"http://127.0.0.1:{port}"
        odoo_bin = os.path.join(os.environ["ODOO_SRC"], "odoo-bin")
        self.args = [
            sys.executable,
            odoo_bin,
            "-c",
            os.environ["ODOO_CONF"],
            "-d",
            db,
            f"--db-filter=^{db}$",
            "--http-interface=127.0.0.1",
            f"--http-port={port}",
            f"--workers={workers}",
            "--max-cron-threads=0",
            f"--logfile={logfile}",
            "--log-level=info",
            "--log-handler=werkzeug:INFO",
            *extra,
        ]
        self.proc = None

    def __enter__(self):
        if os.path.exists(self.logfile):
            os.unlink(self.logfile)
        self.proc = subprocess.Popen(self.args, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"Odoo exited early, see {self.logfile}")
            try:
                if requests.get(f"{self.url}/web/login", timeout=10).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(1)
        self.stop()
        raise RuntimeError(f"Odoo did not answer on {self.url} within 120 s")

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)

    def access_log(self):
        """Parsed access log lines: dicts with path, status, queries, times."""
        entries = []
        with open(self.logfile, encoding="utf-8", errors="replace") as log:
            for line in log:
                match = ACCESS_LOG.search(line)
                if match:
                    entry = match.groupdict()
                    entry["queries"] = int(entry["queries"])
                    entries.append(entry)
        return entries

    def log_count(self, text):
        with open(self.logfile, encoding="utf-8", errors="replace") as log:
            return sum(line.count(text) for line in log)


def login(url, login_name, password=None):
    """A requests session logged in to the portal as ``login_name``."""
    session = requests.Session()
    page = session.get(f"{url}/web/login", timeout=30)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = session.post(
        f"{url}/web/login",
        data={"login": login_name, "password": password or login_name, "csrf_token": csrf},
        timeout=60,
    )
    if "/web/login" in response.url or response.status_code != 200:
        raise RuntimeError(f"cannot log in as {login_name}")
    return session


def jsonrpc(session, url, params, timeout=120):
    response = session.post(
        url, json={"jsonrpc": "2.0", "method": "call", "id": 1, "params": params}, timeout=timeout
    )
    response.raise_for_status()
    body = response.json()
    if "error" in body:
        raise RuntimeError(f"{url}: {body['error'].get('data', {}).get('message', body['error'])}")
    return body.get("result")
