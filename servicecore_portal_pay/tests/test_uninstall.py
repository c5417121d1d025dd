"""Install, upgrade and uninstall leave no debris (fields, columns, views, menus, crons, data).

Runs against a throwaway copy of the test database in separate Odoo processes, so this
database is untouched. ``scripts/test.sh`` prepares the copy (``<db>_uninstall``, a file copy
taken right after the install, a second or two); without it the test installs one itself.
"""

import os
import subprocess
import sys

import odoo
from odoo.sql_db import close_db, db_connect
from odoo.tests import BaseCase, tagged
from odoo.tests.common import get_db_name
from odoo.tools import config

MODULES = ("servicecore_portal_pay", "test_servicecore_portal_pay")

UNINSTALL_SCRIPT = """
modules = env['ir.module.module'].search([('name', '=', 'servicecore_portal_pay')])
modules.button_immediate_uninstall()
env.cr.commit()
"""

# (what, query): each query must return no rows after the uninstall.
DEBRIS_QUERIES = [
    ("xml ids", "SELECT module, name FROM ir_model_data WHERE module IN %(modules)s"),
    ("models", "SELECT model FROM ir_model WHERE model LIKE 'portal.pay%%'"),
    ("fields", "SELECT model, name FROM ir_model_fields WHERE name LIKE 'portal_pay%%'"),
    (
        "columns",
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE column_name LIKE 'portal_pay%%' OR table_name LIKE 'portal_pay%%'",
    ),
    (
        "views",
        "SELECT id, key FROM ir_ui_view WHERE arch_db::text LIKE '%%servicecore\\_portal\\_pay%%' "
        "OR arch_db::text LIKE '%%portal\\_pay\\_%%' "
        "OR arch_db::text LIKE '%%portal\\_payment\\_enabled%%'",
    ),
    ("menus", "SELECT id FROM ir_ui_menu WHERE name->>'en_US' LIKE 'Portal %%'"),
    ("actions", "SELECT id FROM ir_act_window WHERE res_model LIKE 'portal.pay%%'"),
    ("server actions", "SELECT id FROM ir_act_server WHERE code LIKE '%%portal\\_pay\\_%%'"),
    ("crons", "SELECT id FROM ir_cron WHERE cron_name LIKE 'Portal Payments%%'"),
    ("reports", "SELECT id FROM ir_act_report_xml WHERE report_name LIKE '%%portal_pay%%'"),
    ("mail templates", "SELECT id FROM mail_template WHERE name->>'en_US' LIKE 'Portal Payment%%'"),
    ("rules", "SELECT id FROM ir_rule WHERE domain_force LIKE '%%portal\\_pay\\_%%'"),
    ("settings", "SELECT key FROM ir_config_parameter WHERE key LIKE 'servicecore%%'"),
]


@tagged("post_install", "-at_install")
class TestUninstall(BaseCase):
    def odoo(self, dbname, *args, stdin=None):
        odoo_bin = os.path.join(os.path.dirname(odoo.__path__[0]), "odoo-bin")
        command = [sys.executable, odoo_bin, *args, "-c", config["config"], "-d", dbname]
        command += ["--log-level=warn", "--no-http"]
        result = subprocess.run(
            command, input=stdin, capture_output=True, text=True, timeout=900, check=False
        )
        self.assertEqual(result.returncode, 0, result.stderr[-3000:])
        return result

    def query(self, dbname, sql):
        with db_connect(dbname).cursor() as cr:
            cr.execute(sql, {"modules": MODULES})
            return cr.fetchall()

    def test_upgrade_then_uninstall_leaves_nothing(self):
        dbname = f"{get_db_name()}_uninstall"
        if not self.query("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{dbname}'"):
            self.odoo(dbname, "-i", ",".join(MODULES), "--without-demo", "--stop-after-init")
        try:
            # Installed: the debris queries do see the module's traces (they can fail).
            self.assertTrue(self.query(dbname, DEBRIS_QUERIES[0][1]))
            self.assertTrue(self.query(dbname, DEBRIS_QUERIES[3][1]))
            self.odoo(dbname, "-u", MODULES[0], "--stop-after-init")
            self.odoo(dbname, "shell", stdin=UNINSTALL_SCRIPT)
            state = self.query(
                dbname, "SELECT name, state FROM ir_module_module WHERE name IN %(modules)s"
            )
            self.assertEqual(sorted(state), [(name, "uninstalled") for name in sorted(MODULES)])
            for what, sql in DEBRIS_QUERIES:
                with self.subTest(what=what):
                    self.assertEqual(self.query(dbname, sql), [], f"{what} left behind")
        finally:
            close_db(dbname)
            subprocess.run(["dropdb", "--if-exists", dbname], check=False, capture_output=True)
