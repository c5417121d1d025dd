#!/usr/bin/env bash
# Idempotent setup: Odoo source, virtualenv, PostgreSQL, Chromium, odoo.cfg.
# Each step checks first and only does work when something is missing.
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "$0")/env.sh"

ensure_odoo_source() {
    if [[ -f "$ODOO_SRC/odoo-bin" && -d "$ODOO_SRC/addons/account_payment" ]]; then
        return
    fi
    log "Odoo source not found at $ODOO_SRC: cloning the official $ODOO_BRANCH branch"
    if ! git clone --depth 1 --branch "$ODOO_BRANCH" "$ODOO_REPO_URL" "$ODOO_SRC"; then
        die "Odoo $ODOO_BRANCH source is missing and could not be cloned (offline?): put an Odoo $ODOO_BRANCH Community checkout at $ODOO_SRC or set ODOO_SRC to one."
    fi
}

ensure_venv() {
    local stamp="$VENV/.requirements.sha"
    local want
    want="$(cat "$ROOT/requirements.txt" | sha256sum | cut -d' ' -f1)"
    if [[ -x "$VENV/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
        return
    fi
    command -v "$PYTHON" >/dev/null || die "$PYTHON not found: install Python 3.11 or set PYTHON."
    log "Creating the virtualenv $VENV (pinned requirements.txt)"
    [[ -x "$VENV/bin/python" ]] || "$PYTHON" -m venv "$VENV"
    mkdir -p "$STATE_DIR"
    if ! "$VENV/bin/pip" install --disable-pip-version-check -r "$ROOT/requirements.txt" \
        > "$STATE_DIR/pip.log" 2>&1; then
        tail -n 30 "$STATE_DIR/pip.log" >&2
        die "Installing the Python requirements failed (full log: $STATE_DIR/pip.log)."
    fi
    # Odoo is not on PyPI: make the checkout importable without building it.
    local site
    site="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
    echo "$ODOO_SRC" > "$site/odoo-src.pth"
    echo "$want" > "$stamp"
}

ensure_postgres() {
    if [[ -n "${PGHOST:-}" ]]; then
        pg_isready -q || die "PostgreSQL at PGHOST=$PGHOST PGPORT=${PGPORT:-5432} is not ready."
        return
    fi
    if ! pg_isready -q 2>/dev/null; then
        command -v pg_ctlcluster >/dev/null || die "PostgreSQL is not running and pg_ctlcluster is missing: install PostgreSQL 15 or set PGHOST/PGPORT."
        [[ $EUID -eq 0 ]] || die "PostgreSQL is not running: start it (sudo pg_ctlcluster 15 main start) or set PGHOST/PGPORT."
        log "Starting PostgreSQL 15"
        pg_ctlcluster 15 main start
        for _ in $(seq 1 30); do pg_isready -q && break; sleep 0.5; done
    fi
    local me
    me="$(id -un)"
    if ! psql -d postgres -Atc 'select 1' >/dev/null 2>&1; then
        [[ $EUID -eq 0 ]] || die "No PostgreSQL role for $me: ask an admin for 'createuser -d $me'."
        log "Creating the PostgreSQL role $me"
        su postgres -c "createuser --superuser '$me'" 2>/dev/null || true
    fi
}

ensure_system_packages() {
    # Chromium runs the browser tours; wkhtmltopdf prints receipts and statements as PDF.
    local missing=()
    command -v chromium >/dev/null || command -v chromium-browser >/dev/null \
        || command -v google-chrome >/dev/null || missing+=(chromium)
    command -v wkhtmltopdf >/dev/null || missing+=(wkhtmltopdf)
    [[ ${#missing[@]} -eq 0 ]] && return
    [[ $EUID -eq 0 ]] || die "Missing system packages: ${missing[*]} (apt-get install ${missing[*]})"
    log "Installing ${missing[*]} from Debian"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

write_config() {
    mkdir -p "$STATE_DIR/data"
    cat > "$ODOO_CONF" <<CFG
[options]
addons_path = $ODOO_SRC/addons,$ODOO_SRC/odoo/addons,$ROOT
data_dir = $STATE_DIR/data
$( [[ -n "${PGHOST:-}" ]] && echo "db_host = $PGHOST" )
$( [[ -n "${PGPORT:-}" ]] && echo "db_port = $PGPORT" )
http_interface = 127.0.0.1
http_port = $HTTP_PORT
list_db = False
CFG
}

ensure_odoo_source
ensure_venv
ensure_postgres
ensure_system_packages
write_config
