"""The layers run one way down, as the README's layout says: controllers call models, models call
rules, and the rules are pure (no Odoo, no database, no I/O: only the standard library and each
other), so they can be read, tested and reused without a registry."""

import ast
import sys
from pathlib import Path

from odoo.tests import BaseCase, tagged

ADDON = Path(__file__).resolve().parents[1]
PACKAGE = "odoo.addons.servicecore_portal_pay"


def _imports(path):
    """The absolute names ``path`` imports (relative imports resolved inside the addon)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    parts = path.relative_to(ADDON).with_suffix("").parts
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join((PACKAGE, *parts[: len(parts) - node.level]))
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module
            names += [f"{module}.{alias.name}" for alias in node.names]
    return names


def _sources(folder):
    return sorted(path for path in (ADDON / folder).glob("*.py") if path.name != "__init__.py")


@tagged("post_install", "-at_install")
class TestLayers(BaseCase):
    def test_rules_are_pure(self):
        rules = _sources("rules")
        self.assertGreaterEqual(len(rules), 6, "the rules folder is where the pure rules live")
        for path in rules:
            for name in _imports(path):
                top = name.split(".")[0]
                with self.subTest(module=path.name, imports=name):
                    self.assertTrue(
                        top in sys.stdlib_module_names or name.startswith(f"{PACKAGE}.rules."),
                        "a rule imports only the standard library and other rules",
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
        """The checks above cannot pass for want of reading: known imports are found."""
        names = _imports(ADDON / "controllers" / "stripe.py")
        self.assertIn(f"{PACKAGE}.rules.webhook_signature", names)
        names = _imports(ADDON / "models" / "portal_pay_attempt.py")
        self.assertIn(f"{PACKAGE}.rules.throttle", names)
