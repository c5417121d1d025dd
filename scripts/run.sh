#!/usr/bin/env bash
# make run: setup, a demo database (created once), then Odoo on http://127.0.0.1:$HTTP_PORT.
set -euo pipefail
source "$(dirname "$0")/env.sh"
bash "$ROOT/scripts/setup.sh"

if ! psql -d "$RUN_DB" -Atc "select 1 from ir_module_module where name='servicecore_portal_pay' and state='installed'" 2>/dev/null | grep -q 1; then
    log "Creating the demo database $RUN_DB (about a minute)"
    dropdb --if-exists "$RUN_DB"
    odoo_bin -d "$RUN_DB" -i "$ADDONS,payment_demo" --with-demo --stop-after-init --log-level=warn
fi
log "Configuring payment providers"
odoo_shell -d "$RUN_DB" --log-level=warn < "$ROOT/scripts/configure_demo.py"

cat <<MSG

  Odoo is starting on http://127.0.0.1:$HTTP_PORT  (database $RUN_DB; Ctrl-C or 'make stop' ends it)

  Portal (customers)   http://127.0.0.1:$HTTP_PORT/my           -> Make a Payment: /my/payment
      dana / dana      Summit HVAC Services, allowed to pay
      sam  / sam       Summit HVAC Services, NOT allowed to pay
      lee  / lee       Lakeside Property Group, allowed to pay
  Backend (staff)      http://127.0.0.1:$HTTP_PORT/odoo         admin / admin
  Demo provider: pay with any card details. Stripe: set STRIPE_SECRET_KEY,
  STRIPE_PUBLISHABLE_KEY and STRIPE_WEBHOOK_SECRET before 'make run'.

MSG
echo $$ > "$STATE_DIR/run.pid"
exec "$VENV/bin/python" "$ODOO_SRC/odoo-bin" -c "$ODOO_CONF" -d "$RUN_DB" --db-filter="^$RUN_DB\$"
