"""Every test the docs name exists: a property that names a test that was renamed or removed
proves nothing. Reads README.md and docs/*.md; looks for the project's tests and, for the stock
suites the docs discuss, Odoo's own (payment, payment_stripe, account_payment)."""

import ast
import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
TEST_DIRS = [
    ROOT / "tests",
    ROOT / "servicecore_portal_pay" / "tests",
    ROOT / "test_servicecore_portal_pay" / "tests",
]
STOCK_SUITES = ("payment", "payment_stripe", "account_payment")
# test_x.py, test_name, TestClass: what the docs use to name a test.
NAME = re.compile(r"\b(test_\w+\.py|test_\w+|Test[A-Z]\w+)\b")


def _defined(paths):
    """``(file names, function and class names)`` defined in the test files under ``paths``."""
    files, names = set(), set()
    for folder in paths:
        for path in folder.rglob("*.py"):
            files.add(path.name)
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.FunctionDef | ast.ClassDef):
                    names.add(node.name)
    return files, names


def _stock_test_dirs():
    odoo_src = Path(os.environ.get("ODOO_SRC", "/nonexistent"))
    return [odoo_src / "addons" / name / "tests" for name in STOCK_SUITES]


def test_every_test_named_in_the_docs_exists():
    files, names = _defined(TEST_DIRS)
    stock_files, stock_names = _defined([d for d in _stock_test_dirs() if d.is_dir()])
    folders = {path.name for path in ROOT.iterdir() if path.is_dir()}
    named, missing = 0, []
    for doc in DOCS:
        for number, line in enumerate(doc.read_text().splitlines(), 1):
            for name in NAME.findall(line):
                if name in folders:  # the test addon's folder, not a test
                    continue
                named += 1
                known = (files | stock_files) if name.endswith(".py") else (names | stock_names)
                if name not in known:
                    missing.append(f"{doc.relative_to(ROOT)}:{number}: {name}")
    assert named > 30, f"only {named} test names found in the docs: is the pattern right?"
    assert missing == [], "the docs name tests that do not exist:\n" + "\n".join(missing)
