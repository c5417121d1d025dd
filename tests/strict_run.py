"""pytest plugin of `make test` and `make test-system` (loaded with ``-p strict_run``).

A run proves nothing about a test it did not run, so in every mode (not only in CI):

- a skipped test (``skipTest``, a skip or skipif mark, a missing browser, ...) is reported as a
  failed test, and so is an expected failure (xfail, xpass);
- a suite given on the command line that collects no test, or a selection (``-k``) that keeps
  none, adds a failing item that says so.

Both show in pytest's own summary line ("N failed"), which stays the last line of the run.
The junit report, when asked for, records the commit measured (docs figures, `make figures`).
"""

import subprocess
from pathlib import Path

import pytest
from _pytest.junitxml import xml_key

_EMPTY_SUITES = pytest.StashKey[list]()


def pytest_sessionstart(session):
    """Stamp the junit report (--junitxml) with the commit measured, for `make figures`."""
    xml = session.config.stash.get(xml_key, None)
    if xml is not None:
        described = subprocess.run(
            ["git", "describe", "--always", "--dirty=+uncommitted", "--abbrev=12"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            check=False,
        )
        xml.add_global_property("commit", described.stdout.strip() or "unknown")


class StrictRunFailure(Exception):
    """A run that could not prove anything (nothing ran where something had to)."""


class NothingRan(pytest.Item):
    """A failing stand-in for a suite or a selection that ran no test."""

    def __init__(self, *, message, **kwargs):
        super().__init__(**kwargs)
        self.message = message

    def runtest(self):
        raise StrictRunFailure(self.message)

    def repr_failure(self, excinfo, style=None):
        return self.message

    def reportinfo(self):
        return self.path, None, self.name


def _suite_paths(config):
    """The directories and files named on the command line (``path::name`` keeps ``path``)."""
    paths = []
    for arg in config.args:
        path = Path(config.invocation_params.dir, arg.split("::")[0]).resolve()
        if path.exists():
            paths.append(path)
    return paths


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session, config, items):
    """Before any selection: every suite on the command line must hold at least one test."""
    collected = [Path(item.path).resolve() for item in items]
    config.stash[_EMPTY_SUITES] = [
        path
        for path in _suite_paths(config)
        if not any(item == path or path in item.parents for item in collected)
    ]


_DESELECTED = pytest.StashKey[int]()


def pytest_deselected(items):
    if items:
        stash = items[0].config.stash
        stash[_DESELECTED] = stash.get(_DESELECTED, 0) + len(items)


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session):
    """After the selection (``-k``, ``-m``): add a failing item per empty suite, and one when
    nothing at all is left to run. The junit report says whether the run was whole (whole
    suites, nothing deselected): only whole runs give the docs their figures."""
    config = session.config
    xml = config.stash.get(xml_key, None)
    if xml is not None:
        whole = not config.stash.get(_DESELECTED, 0) and all(
            "::" not in arg and Path(config.invocation_params.dir, arg).is_dir()
            for arg in config.args
        )
        xml.add_global_property("whole_run", "yes" if whole else "no")
    messages = [
        f"{path}: this suite collected no test (an import or naming problem hides its tests)"
        for path in session.config.stash.get(_EMPTY_SUITES, [])
    ]
    if not session.items:
        messages.append("no test was selected: a run that tests nothing is a failure")
    for number, message in enumerate(messages):
        item = NothingRan.from_parent(
            session, name=f"strict_run::nothing_ran_{number}", message=message
        )
        session.items.append(item)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.skipped or hasattr(report, "wasxfail"):
        if hasattr(report, "wasxfail"):
            reason = f"expected failure ({report.wasxfail or 'xfail'})"
        elif isinstance(report.longrepr, tuple):
            reason = f"skipped: {report.longrepr[2]}"
        else:
            reason = f"skipped: {report.longrepr}"
        report.outcome = "failed"
        report.longrepr = f"{item.nodeid}: {reason}. A test that does not run proves nothing."
        if hasattr(report, "wasxfail"):
            del report.wasxfail
    return report
