"""Screenshot of a portal payment in the backend (docs/backend-portal-payment.png).

Run against a server started by `make run` (demo data):
    .venv/bin/python scripts/screenshot_backend.py [http://127.0.0.1:8069] [database]
It logs in as admin, opens the demo portal payment's allocation tab in headless Chromium
(driven over the DevTools protocol) and saves the PNG.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
import websocket

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8069"
DB = sys.argv[2] if len(sys.argv) > 2 else os.environ.get("RUN_DB", "servicecore_demo")
OUT = Path(__file__).resolve().parent.parent / "docs" / "backend-portal-payment.png"
DEBUG_PORT = int(os.environ.get("SCREENSHOT_DEBUG_PORT", "9229"))


def rpc(session, route, params):
    response = session.post(
        f"{BASE}{route}", json={"jsonrpc": "2.0", "method": "call", "params": params}, timeout=60
    )
    response.raise_for_status()
    body = response.json()
    if "error" in body:
        raise RuntimeError(body["error"])
    return body["result"]


def main():
    session = requests.Session()
    rpc(session, "/web/session/authenticate", {"db": DB, "login": "admin", "password": "admin"})
    payment_ids = rpc(
        session,
        "/web/dataset/call_kw/account.payment/search",
        {
            "model": "account.payment",
            "method": "search",
            "args": [[["is_portal_payment", "=", True]]],
            "kwargs": {"limit": 1},
        },
    )
    url = f"{BASE}/odoo/portal-payments/{payment_ids[0]}"
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    profile = tempfile.mkdtemp(prefix="spp-shot-")
    browser = subprocess.Popen(
        [
            chromium,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--remote-debugging-port={DEBUG_PORT}",
            "--window-size=1400,860",
            f"--user-data-dir={profile}",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(50):
            try:
                pages = requests.get(f"http://127.0.0.1:{DEBUG_PORT}/json/list", timeout=2).json()
                break
            except requests.RequestException:
                time.sleep(0.2)
        page = next(p for p in pages if p["type"] == "page")
        ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60)
        counter = iter(range(1, 10_000))

        def cdp(method, **params):
            message_id = next(counter)
            ws.send(json.dumps({"id": message_id, "method": method, "params": params}))
            while True:
                message = json.loads(ws.recv())
                if message.get("id") == message_id:
                    return message.get("result", {})

        cdp("Network.enable")
        cdp("Network.setCookie", name="session_id", value=session.cookies["session_id"], url=BASE)
        cdp("Page.navigate", url=url)
        clicked = False
        for _ in range(60):  # the web client loads asynchronously: wait for the tab
            time.sleep(0.5)
            result = cdp(
                "Runtime.evaluate",
                expression="(() => { const tab = document.querySelector("
                "'.o_notebook a[name=portal_pay_allocation]'); if (tab) { tab.click(); "
                "return true; } return false; })()",
                returnByValue=True,
            )
            if result.get("result", {}).get("value"):
                clicked = True
                break
        if not clicked:
            raise RuntimeError("the allocation tab did not appear")
        time.sleep(1.5)
        data = cdp("Page.captureScreenshot", format="png")["data"]
        OUT.parent.mkdir(exist_ok=True)
        OUT.write_bytes(__import__("base64").b64decode(data))
        print(f"saved {OUT}")
    finally:
        browser.terminate()
        browser.wait(timeout=10)
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main()
