"""System tests: a real multi-worker Odoo driven from outside (HTTP, JSON-RPC, SQL, kill -9).

The session fixture ``system`` creates a throwaway database (``$TEST_DB`` + ``_sys``) with
servicecore_portal_pay and test_servicecore_portal_pay (which brings payment_demo), seeds
customers with portal payers and many open invoices (cloned from a cached template when nothing
it depends on changed), starts ``odoo-bin --workers=4`` on 127.0.0.1, and at the end stops it
and drops the database. Ports: ``$SYSTEM_HTTP_PORT`` and
``$SYSTEM_GEVENT_PORT`` (default ``$HTTP_PORT`` + 100 and + 101).
"""

import hashlib
import itertools
import json
import os
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from _pytest.junitxml import xml_key
from system_client import PortalClient, Staff, Stats
from system_invariants import Invariants
from system_server import OdooServer, project_env

HERE = Path(__file__).resolve().parent
CUSTOMERS = 15
INVOICES_PER_CUSTOMER = 12


class System:
    """What a scenario needs: the server, the seeded customers, clients, checks, figures."""

    def __init__(self, server, seed):
        self.server = server
        self.url = server.url
        self.db = server.db
        self.seed = seed
        self.customers = seed["customers"]
        self.stats = Stats()
        self.invariants = Invariants(server.db)
        self._staff = None
        self.figures = {
            "payments_in_parallel": 0,
            "payments_done": 0,
            "max_parallel_payments": 0,
            "poll_retries": 0,
            "faults_injected": 0,
            "bad_inputs_tried": 0,
            "http_requests": 0,
            "http_5xx": 0,
            "invariant_checks": 0,
            "invariant_violations": 0,
        }

    @property
    def staff(self):
        if self._staff is None:
            self._staff = Staff(self.url, self.db)
        return self._staff

    def client(self, index, login=True):
        customer = self.customers[index]
        client = PortalClient(self.url, self.stats, customer["login"], customer["password"])
        return client.login() if login else client

    def clients(self, indexes):
        """Logged-in clients for the customers ``indexes`` (one browser each), logged in at once."""
        with ThreadPoolExecutor(max_workers=6) as pool:
            return list(pool.map(self.client, indexes, timeout=120))

    def run_cron(self):
        return self.staff.run_post_process_cron(self.seed["cron_id"])

    def parallel(self, functions, workers=None):
        """Run the callables at once (threads); return their results, re-raising failures."""
        self.figures["max_parallel_payments"] = max(
            self.figures["max_parallel_payments"], len(functions)
        )
        with ThreadPoolExecutor(max_workers=workers or len(functions)) as pool:
            futures = [pool.submit(function) for function in functions]
            return [future.result(timeout=240) for future in futures]

    def snapshot(self):
        """Settle what earlier work left pending (cron), then read every invoice residual."""
        self.run_cron()
        return self.invariants.residuals()

    def check(self, before=None, partners=(), converged=True):
        """Run every invariant; count and return the violations."""
        violations = self.invariants.check(before, set(partners), converged=converged)
        self.figures["invariant_checks"] += 1
        self.figures["invariant_violations"] += len(violations)
        return violations

    def partner_ids(self, *indexes):
        return {self.customers[index]["partner_id"] for index in indexes}

    def write_figures(self):
        errors, replays = self.server.count_retries()
        self.figures["serialization_failures_logged"] = errors
        self.figures["requests_replayed_by_odoo"] = replays
        self.figures["poll_retries"] = self.stats.poll_retries
        self.figures["bad_inputs_tried"] = self.stats.bad_inputs
        self.figures["connections_lost"] = self.stats.connection_errors
        self.figures["http_requests"] = len(self.stats.statuses)
        self.figures["http_5xx"] = len(self.stats.five_xx())
        self.figures["server_errors_jsonrpc"] = len(self.stats.server_errors)
        path = self.server.log_dir / "figures.json"
        path.write_text(json.dumps(self.figures, indent=2, sort_keys=True) + "\n")
        return path


_SYSTEM = []


def _template_key(env):
    """What the seeded database depends on: the addons, the seed, the harness' spec, Odoo."""
    digest = hashlib.sha256(json.dumps([CUSTOMERS, INVOICES_PER_CUSTOMER]).encode())
    root = HERE.parent
    for folder in ("servicecore_portal_pay", "test_servicecore_portal_pay"):
        for path in sorted((root / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(root)).encode() + path.read_bytes())
    digest.update((HERE / "seed_shell.py").read_bytes())
    release = Path(env["ODOO_SRC"]) / "odoo" / "release.py"
    digest.update(release.read_bytes() if release.exists() else b"")
    head = subprocess.run(
        ["git", "-C", env["ODOO_SRC"], "rev-parse", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    digest.update(head.stdout.encode())
    return digest.hexdigest()


def _prepare_database(server, env):
    """Install and seed the throwaway database; return the seed description.

    Installing and seeding take one to three minutes on a busy 2-core machine, so the result is
    kept as a template database (``<db>_tpl``) keyed by a hash of everything it depends on, and
    each session clones it (seconds). SYSTEM_FRESH_DB=1 forces a rebuild.
    """
    template = f"{server.db}_tpl"
    key = _template_key(env)
    stamp = server.log_dir / "template.json"
    if not os.environ.get("SYSTEM_FRESH_DB") and server.db_exists(template) and stamp.exists():
        cached = json.loads(stamp.read_text())
        if cached["key"] == key:
            server.clone_db(template)
            return cached["seed"]
    stamp.unlink(missing_ok=True)
    server.db, db = template, server.db
    try:
        server.create_db(env["TEST_ADDONS"])
        spec = {"customers": CUSTOMERS, "invoices": INVOICES_PER_CUSTOMER}
        script = f"SPEC = {json.dumps(json.dumps(spec))}\n" + (HERE / "seed_shell.py").read_text()
        output = server.shell(script)
    finally:
        server.db = db
    seed = json.loads(
        next(line[12:] for line in output.splitlines() if line.startswith("SEED_RESULT "))
    )
    stamp.write_text(json.dumps({"key": key, "seed": seed}))
    server.clone_db(template)
    return seed


@pytest.fixture(scope="session")
def system(pytestconfig):
    started = time.monotonic()
    env = project_env()
    db = os.environ.get("SYSTEM_DB") or f"{env['TEST_DB']}_sys"
    http_port = int(os.environ.get("SYSTEM_HTTP_PORT") or int(env["HTTP_PORT"]) + 100)
    gevent_port = int(os.environ.get("SYSTEM_GEVENT_PORT") or http_port + 1)
    server = OdooServer(env, db, http_port, gevent_port, workers=4, proxy_mode=True)
    seed = _prepare_database(server, env)
    try:
        server.start()
        system = System(server, seed)
        system.figures["setup_seconds"] = round(time.monotonic() - started, 1)
        _SYSTEM.append(system)
        yield system
    finally:
        server.stop()
        if _SYSTEM:
            _SYSTEM[0].figures["total_seconds"] = round(time.monotonic() - started, 1)
            _SYSTEM[0].write_figures()
            # The figures travel with the run's junit report (--junitxml), for `make figures`.
            xml = pytestconfig.stash.get(xml_key, None)
            if xml is not None:
                xml.add_global_property(
                    "system_figures", json.dumps(_SYSTEM[0].figures, sort_keys=True)
                )
        if not os.environ.get("SYSTEM_KEEP_DB"):
            server.drop_db()


class BalancedClient(PortalClient):
    """A browser behind a load balancer: each request goes to the next server in turn.

    Every server serves the same database and data directory (so the same sessions). With
    ``ip``, each request says it comes from that client address, as the balancer would
    (``X-Forwarded-For``, applied by the servers' ``proxy_mode``).
    """

    def __init__(self, urls, stats, login, password, *, ip=None, start=0):
        super().__init__(urls[0], stats, login, password)
        self.urls = list(urls)
        self.ip = ip
        self._turn = itertools.count(start)

    def request(self, method, path, **kwargs):
        self.base_url = self.urls[next(self._turn) % len(self.urls)]
        if self.ip:
            kwargs["headers"] = {
                **kwargs.get("headers", {}),
                "X-Forwarded-For": self.ip,
                "X-Forwarded-Host": self.base_url.split("//", 1)[1],
            }
        return super().request(method, path, **kwargs)


@pytest.fixture(scope="session")
def second_server(system):
    """A second Odoo on the system database, as in a deployment behind a load balancer: its
    own master, workers and cron thread, the same database and data directory. Ports:
    ``$SYSTEM_HTTP_PORT`` + 2 and + 3."""
    first = system.server
    server = OdooServer(
        first.env,
        first.db,
        first.http_port + 2,
        first.http_port + 3,
        workers=2,
        log_dir=first.log_dir / "second",
        proxy_mode=True,
    )
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def balanced(system, second_server):
    """``balanced(login, password, ip=None, start=0)``: a client alternating between both
    servers, starting with the first (``start=0``) or the second."""
    urls = [system.url, second_server.url]

    def client(login, password, ip=None, start=0):
        return BalancedClient(urls, system.stats, login, password, ip=ip, start=start).login()

    return client


@pytest.fixture(autouse=True)
def server_log_is_clean():
    """Fail the test during which the server logged an error or a traceback that no test
    expects (the short allow-list is ``system_server.EXPECTED_LOG_ERRORS``)."""
    offset = _SYSTEM[0].server.log_offset() if _SYSTEM else 0
    yield
    if not _SYSTEM:
        return
    unexpected = _SYSTEM[0].server.unexpected_errors(offset)
    assert not unexpected, (
        f"{len(unexpected)} unexpected error(s) in the server log "
        f"({_SYSTEM[0].server.logfile}):\n" + "\n".join(record[:3000] for record in unexpected)
    )


def pytest_terminal_summary(terminalreporter):
    if not _SYSTEM:
        return
    figures = _SYSTEM[0].figures
    terminalreporter.section("system test figures")
    for key in sorted(figures):
        terminalreporter.write_line(f"{key}: {figures[key]}")
    terminalreporter.write_line(f"server log: {_SYSTEM[0].server.logfile}")
