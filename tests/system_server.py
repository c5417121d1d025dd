"""Start, watch and stop a real multi-worker Odoo for the system tests.

Everything comes from ``scripts/env.sh`` (``$VENV``, ``$ODOO_SRC``, ``$ODOO_CONF``, ``$STATE_DIR``)
so the harness runs the same Odoo as ``make run`` and ``make test``; every step is bounded in time.
"""

import contextlib
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import psutil
import requests

ROOT = Path(__file__).resolve().parent.parent

# PostgreSQL concurrency errors, once per failed statement (odoo.sql_db logs the query, then the
# error), and Odoo's replays of a whole request after one (odoo/service/model.py `retrying`).
CONCURRENCY_ERRORS = re.compile(
    r"could not serialize access|deadlock detected|could not obtain lock|Concurrent update"
)
REQUEST_REPLAYS = re.compile(
    r"(SERIALIZATION_FAILURE|LOCK_NOT_AVAILABLE|DEADLOCK_DETECTED), \d+ tries left"
)
# One record of Odoo's log: "<date> <time>,<ms> <pid> <LEVEL> <db> <logger>: <message>", then
# the lines of its traceback, up to the next record.
LOG_RECORD = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (?P<level>[A-Z?]+) \S+ (?P<logger>[\w.]+): ",
    re.MULTILINE,
)
# The only server-log errors the system tests expect. Anything else logged at ERROR or CRITICAL,
# or any traceback at any level, fails the test that was running (tests/conftest.py).
EXPECTED_LOG_ERRORS = (
    # A serialization failure: odoo.sql_db logs the statement, then Odoo retries (the poll below,
    # or odoo/service/model.py `retrying` for the external API). Nothing else of PostgreSQL's.
    # When a foreign key's check meets the concurrent update (an insert referring to a line
    # another transaction changed), PostgreSQL names that check in a CONTEXT line.
    re.compile(
        r"\Aodoo\.sql_db: bad query: .*\nERROR:  ?could not serialize access due to concurrent"
        r' update\n?(CONTEXT:  SQL statement "SELECT 1 FROM ONLY [^\n]* FOR KEY SHARE OF x")?\s*\Z',
        re.DOTALL,
    ),
    # /payment/status/poll answers "retry" after such a failure (payment/controllers/
    # post_processing.py raises Exception('retry')); odoo.http logs that exception with its
    # traceback, and post_processing.js polls again.
    re.compile(r"\Aodoo\.http: .*\nException: retry\s*\Z", re.DOTALL),
)


def log_records(text):
    """``(level, "logger: message and traceback")`` of each record in ``text``."""
    starts = list(LOG_RECORD.finditer(text))
    bounds = [match.start() for match in starts] + [len(text)]
    for match, end in zip(starts, bounds[1:], strict=True):
        yield match["level"], text[match.start("logger") : end]


def unexpected_log_errors(text):
    """The records of ``text`` at ERROR or above, or with a traceback, not on the allow-list."""
    return [
        record
        for level, record in log_records(text)
        if (level in ("ERROR", "CRITICAL") or "Traceback (most recent call last)" in record)
        and not any(pattern.match(record) for pattern in EXPECTED_LOG_ERRORS)
    ]


def project_env():
    """Return the settings of ``scripts/env.sh`` (after writing the config with setup.sh)."""
    script = f'source "{ROOT}/scripts/env.sh" && bash "{ROOT}/scripts/setup.sh" >&2 && env -0'
    out = subprocess.run(
        ["bash", "-c", script], check=True, capture_output=True, timeout=600
    ).stdout
    env = dict(item.split("=", 1) for item in out.decode().split("\0") if "=" in item)
    return env


def run(cmd, env, timeout, **kwargs):
    """Run ``cmd`` to completion within ``timeout`` seconds or fail with its output."""
    proc = subprocess.run(
        cmd, check=False, env=env, capture_output=True, text=True, timeout=timeout, **kwargs
    )
    if proc.returncode:
        raise RuntimeError(
            f"{cmd[:4]} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        )
    return proc


class OdooServer:
    """A throwaway database and an ``odoo-bin --workers=N`` serving it on 127.0.0.1."""

    def __init__(
        self, env, db, http_port, gevent_port, *, workers=4, log_dir=None, proxy_mode=False
    ):
        self.env = env
        self.db = db
        self.http_port = http_port
        self.gevent_port = gevent_port
        self.workers = workers
        self.url = f"http://127.0.0.1:{http_port}"
        self.log_dir = Path(log_dir or Path(env["STATE_DIR"]) / "system")
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.logfile = self.log_dir / "odoo-server.log"
        self.process = None
        # Behind a load balancer: the client address comes from X-Forwarded-For (Odoo's
        # proxy_mode, applied to requests that carry X-Forwarded-Host).
        self.proxy_mode = proxy_mode

    # === COMMANDS === #

    def odoo_cmd(self, *args):
        return [
            f"{self.env['VENV']}/bin/python",
            f"{self.env['ODOO_SRC']}/odoo-bin",
            *args[:1],
            "-c",
            self.env["ODOO_CONF"],
            *args[1:],
        ]

    def drop_db(self, db=None):
        run(["dropdb", "--if-exists", "--force", db or self.db], self.env, timeout=60)
        shutil.rmtree(self.filestore(db), ignore_errors=True)

    def db_exists(self, db=None):
        out = run(
            ["psql", "-d", "postgres", "-Atc", "SELECT datname FROM pg_database"], self.env, 30
        )
        return (db or self.db) in out.stdout.split()

    def filestore(self, db=None):
        return Path(self.env["STATE_DIR"]) / "data" / "filestore" / (db or self.db)

    def clone_db(self, template):
        """Create the database as a copy of ``template`` (database and filestore)."""
        self.drop_db()
        run(["createdb", "-T", template, self.db], self.env, timeout=120)
        if self.filestore(template).exists():
            shutil.copytree(self.filestore(template), self.filestore(), dirs_exist_ok=True)

    def create_db(self, addons):
        self.drop_db()
        run(
            self.odoo_cmd(
                "server",
                "-d",
                self.db,
                "-i",
                addons,
                "--without-demo",
                "--stop-after-init",
                "--log-level=warn",
                f"--http-port={self.http_port}",
                "--max-cron-threads=0",
            ),
            self.env,
            timeout=400,
        )

    def shell(self, script, timeout=300):
        """Run ``script`` in ``odoo-bin shell`` on the database; return its stdout."""
        return run(
            self.odoo_cmd(
                "shell", "-d", self.db, "--log-level=warn", f"--http-port={self.http_port}"
            ),
            self.env,
            timeout=timeout,
            input=script,
        ).stdout

    # === SERVER === #

    def start(self, timeout=120):
        self.logfile.write_text("")
        cmd = self.odoo_cmd(
            "server",
            f"--workers={self.workers}",
            "--max-cron-threads=1",
            "--http-interface=127.0.0.1",
            f"--http-port={self.http_port}",
            f"--gevent-port={self.gevent_port}",
            "-d",
            self.db,
            f"--db-filter=^{self.db}$",
            f"--logfile={self.logfile}",
            "--log-level=info",
            # Generous but bounded: a stuck request must not outlive the test session.
            "--limit-time-real=120",
            "--limit-time-cpu=90",
            *(["--proxy-mode"] if self.proxy_mode else []),
        )
        # Own process group: teardown reaches the master and every worker it forked.
        self.process = subprocess.Popen(
            cmd,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=open(self.log_dir / "odoo-server.stderr", "w"),  # noqa: SIM115
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"Odoo exited with {self.process.returncode}: see {self.logfile}"
                )
            try:
                if requests.get(f"{self.url}/web/login", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"Odoo did not answer within {timeout}s: see {self.logfile}")

    def stop(self, timeout=30):
        if not self.process or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        # Workers left behind by a killed master (never expected, but never leak them).
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)

    def http_workers(self):
        """The master's forked workers (HTTP and cron; the gevent process is left out)."""
        master = psutil.Process(self.process.pid)
        workers = []
        for child in master.children():
            try:
                if "gevent" not in child.cmdline()[2:3]:  # odoo-bin gevent: longpolling
                    workers.append(child)
            except psutil.Error:
                continue
        return workers

    def workers_serving(self):
        """HTTP workers holding an established client connection right now."""
        serving = []
        for worker in self.http_workers():
            try:
                conns = worker.net_connections(kind="tcp")
            except psutil.Error:
                continue
            if any(
                c.status == psutil.CONN_ESTABLISHED and c.laddr and c.laddr.port == self.http_port
                for c in conns
            ):
                serving.append(worker)
        return serving

    # === LOG === #

    def log_text(self):
        return self.logfile.read_text(errors="replace")

    def count_retries(self):
        """``(concurrency errors, request replays)`` in the server log so far."""
        text = self.log_text()
        return len(CONCURRENCY_ERRORS.findall(text)), len(REQUEST_REPLAYS.findall(text))

    def log_offset(self):
        return len(self.log_text())

    def unexpected_errors(self, offset=0):
        """Errors and tracebacks logged since ``offset`` that no test expects (see above)."""
        return unexpected_log_errors(self.log_text()[offset:])
