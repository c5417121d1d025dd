"""The layers run one way down, as the README's layout says: controllers call models, models call
rules, and the rules are pure (no Odoo, no database, no I/O: only the standard library and each
other), so they can be read, tested and reused without a registry."""

import ast
import sys
from pathlib import Path

from odoo.tests import BaseCase, tagged

ADDON = Path(__file__).resolve().parents[1]
PACKAGE = "odoo.addons.servicecore_portal_pay"


# Standard modules that reach outside the process: a rule reads no file, socket or database.
IO_MODULES = {"os", "io", "pathlib", "shutil", "socket", "ssl", "sqlite3", "subprocess", "urllib"}
IO_MODULES |= {"http", "importlib", "logging", "tempfile", "threading", "multiprocessing"}


def _imports_of(source, module):
    """The absolute names ``source`` imports, relative imports resolved from ``module`` (the
    dotted name of the file, ``...__init__`` for a package)."""
    package = module.split(".")[:-1]
    names = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module
            if node.level:
                base = ".".join(
                    package[: len(package) - node.level + 1]
                    + ([node.module] if node.module else [])
                )
            names += [f"{base}.{alias.name}" for alias in node.names]
    return names


def _imports(path):
    parts = path.relative_to(ADDON).with_suffix("").parts
    return _imports_of(path.read_text(), ".".join((PACKAGE, *parts)))


def _sources(folder):
    return sorted((ADDON / folder).glob("*.py"))


@tagged("post_install", "-at_install")
class TestLayers(BaseCase):
    def test_rules_are_pure(self):
        rules = _sources("rules")
        self.assertGreaterEqual(len(rules), 7, "the rules folder is where the pure rules live")
        for path in rules:
            for name in _imports(path):
                top = name.split(".")[0]
                with self.subTest(module=path.name, imports=name):
                    self.assertTrue(
                        (top in sys.stdlib_module_names and top not in IO_MODULES)
                        or name.startswith(f"{PACKAGE}.rules."),
                        "a rule imports only the standard library (no I/O) and other rules",
                    )

    def test_models_never_call_controllers(self):
        for folder in ("rules", "models", "wizards", "report"):
            for path in _sources(folder):
                for name in _imports(path):
                    with self.subTest(module=f"{folder}/{path.name}", imports=name):
                        self.assertFalse(name.startswith(f"{PACKAGE}.controllers"))
                        if folder == "rules":
                            self.assertFalse(name.startswith(f"{PACKAGE}.models"))

    def test_the_check_sees_imports(self):
        """The checks above cannot pass for want of reading: every form of import is resolved."""
        names = _imports(ADDON / "controllers" / "stripe.py")
        self.assertIn(f"{PACKAGE}.rules.webhook_signature", names)
        source = (
            "import hmac, odoo.fields\n"
            "from . import amounts\n"
            "from .amounts import quantize\n"
            "from ..models import portal_pay_account\n"
            "from ...payment import utils\n"
        )
        self.assertEqual(
            _imports_of(source, f"{PACKAGE}.rules.aging"),
            [
                "hmac",
                "odoo.fields",
                f"{PACKAGE}.rules.amounts",
                f"{PACKAGE}.rules.amounts.quantize",
                f"{PACKAGE}.models.portal_pay_account",
                "odoo.addons.payment.utils",
            ],
        )
        self.assertEqual(
            _imports_of("from . import aging\n", f"{PACKAGE}.rules.__init__"),
            [f"{PACKAGE}.rules.aging"],
        )
