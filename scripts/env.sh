# shellcheck shell=bash
# Shared settings for the project's scripts. Sourced, never executed.
# Every value can be overridden from the environment.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT
export ODOO_SRC="${ODOO_SRC:-/opt/odoo}"
export ODOO_BRANCH="${ODOO_BRANCH:-19.0}"
export ODOO_REPO_URL="${ODOO_REPO_URL:-https://github.com/odoo/odoo.git}"
export PYTHON="${PYTHON:-python3.11}"
export VENV="${VENV:-$ROOT/.venv}"
export STATE_DIR="${STATE_DIR:-$ROOT/.local}"
export ODOO_CONF="$STATE_DIR/odoo.cfg"
export HTTP_PORT="${HTTP_PORT:-8069}"
export RUN_DB="${RUN_DB:-servicecore_demo}"
export TEST_DB="${TEST_DB:-servicecore_test}"
# Addons installed in the test and demo databases: the product, and the test-only addon that
# brings the Demo provider (the product itself never depends on payment_demo).
export ADDONS="servicecore_portal_pay"
export TEST_ADDONS="servicecore_portal_pay,test_servicecore_portal_pay"

log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31mERROR:\033[0m %s\n' "$*" >&2; exit 1; }

odoo_bin() { "$VENV/bin/python" "$ODOO_SRC/odoo-bin" -c "$ODOO_CONF" "$@"; }
odoo_shell() { "$VENV/bin/python" "$ODOO_SRC/odoo-bin" shell -c "$ODOO_CONF" "$@"; }
