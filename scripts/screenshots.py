"""Take the README's screenshots of Make a Payment from the real pages, in headless Chromium.

Start the demo server first (`make run`, or `scripts/run.sh` in the background), then:

    .venv/bin/python scripts/screenshots.py [--url http://127.0.0.1:8069] [--out docs]

It logs in as the demo customer `dana`, types an amount on Make a Payment so the live preview
shows, continues to Odoo's payment form, pays with the Demo provider and captures the
confirmation; then a payment that fails (with "Try again") and one left pending, the payment
history on a phone and the receipt (as `admin`, its HTML rendering); last, it logs in as `sam`
(who may not pay) for the page that says who pays. Each run makes real (demo) payments in the
demo database.

Chromium is driven through the DevTools protocol with `websocket-client` (already needed by
Odoo's browser tours), so nothing else is installed.
"""

import argparse
import base64
import contextlib
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import requests
import websocket

DESKTOP = {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False}
MOBILE = {"width": 360, "height": 780, "deviceScaleFactor": 1, "mobile": True}


def free_port():
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Browser:
    """The few DevTools commands the screenshots need, on one page target."""

    def __init__(self, chromium):
        self.port = free_port()
        self.profile = tempfile.mkdtemp(prefix="spp-screenshots-")
        self.process = subprocess.Popen(
            [
                chromium,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--hide-scrollbars",
                "--force-color-profile=srgb",
                "--lang=en-US",
                f"--remote-debugging-port={self.port}",
                f"--user-data-dir={self.profile}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.ws = websocket.create_connection(self._page_ws_url(), timeout=60)
        self.next_id = 0
        self.call("Page.enable")
        self.call("Runtime.enable")

    def _page_ws_url(self):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(requests.ConnectionError):
                targets = requests.get(f"http://127.0.0.1:{self.port}/json", timeout=5).json()
                pages = [t for t in targets if t.get("type") == "page"]
                if pages:
                    return pages[0]["webSocketDebuggerUrl"]
            time.sleep(0.2)
        raise RuntimeError("Chromium did not start")

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression):
        result = self.call(
            "Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression, timeout=300):  # the first page builds the assets
        """Wait until a JavaScript expression is truthy (e.g. an element exists).

        The timeout is generous: a fresh database compiles its asset bundles on the first view.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(RuntimeError):
                if self.evaluate(expression):
                    return
            time.sleep(0.25)
        raise TimeoutError(f"Timed out waiting for {expression}")

    def goto(self, url, ready):
        self.call("Page.navigate", url=url)
        self.wait_for(ready)

    def viewport(self, metrics):
        self.call("Emulation.setDeviceMetricsOverride", **metrics)

    def screenshot(self, path):
        # Let fonts, images and transitions settle before capturing the whole page.
        self.evaluate("document.fonts.ready.then(() => new Promise(r => setTimeout(r, 600)))")
        size = self.call("Page.getLayoutMetrics")["cssContentSize"]
        clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
        data = self.call(
            "Page.captureScreenshot", format="png", captureBeyondViewport=True, clip=clip
        )
        Path(path).write_bytes(base64.b64decode(data["data"]))
        print(f"wrote {path}")

    def close(self):
        with contextlib.suppress(Exception):
            self.ws.close()
        self.process.terminate()
        self.process.wait(timeout=10)
        shutil.rmtree(self.profile, ignore_errors=True)


def login(browser, url, user, password):
    """Log in through the real login form, like a customer."""
    browser.goto(f"{url}/web/login", "!!document.querySelector('form.oe_login_form')")
    browser.evaluate(
        f"""(() => {{
            const form = document.querySelector('form.oe_login_form');
            form.querySelector('#login').value = {json.dumps(user)};
            form.querySelector('#password').value = {json.dumps(password)};
            form.submit();
        }})()"""
    )
    browser.wait_for("location.pathname.startsWith('/my') || location.pathname.startsWith('/odoo')")


def type_amount(browser, amount):
    """Type an amount the way a keyboard does: set the value, fire `input`, wait for the preview."""
    browser.evaluate(
        f"""(() => {{
            const input = document.querySelector('#portal_pay_amount');
            input.focus();
            input.value = {json.dumps(amount)};
            input.dispatchEvent(new Event('input', {{bubbles: true}}));
            input.blur();
        }})()"""
    )
    browser.wait_for("document.querySelector('#portal_pay_preview').textContent.includes('Pays')")


def pay_with_demo(browser, url, amount, state):
    """Make a Payment of ``amount`` with the Demo provider answering ``state``; wait for the
    page the payment leads to."""
    browser.goto(f"{url}/my/payment?amount={amount}", "!!document.querySelector('#o_payment_form')")
    browser.evaluate(
        f"""(() => {{
            const input = document.querySelector('input[name=customer_input]');
            input.value = '4242 4242 4242 4242';
            input.dispatchEvent(new Event('input', {{bubbles: true}}));
            const state = document.querySelector('#simulated_payment_state');
            state.value = {json.dumps(state)};
            state.dispatchEvent(new Event('change', {{bubbles: true}}));
            document.querySelector('button[name=o_payment_submit_button]').click();
        }})()"""
    )
    browser.wait_for(
        "!!document.querySelector('.o_servicecore_portal_pay_state, "
        ".o_servicecore_portal_pay_confirmation .o_servicecore_portal_pay_plan_row')",
        timeout=90,
    )


def failed_pending_and_phone_history(browser, url, out):
    """A payment that fails (what happened, nothing charged, Try again), one left pending (what
    happens next, when, where to watch it), then the payment history 360 px wide."""
    pay_with_demo(browser, url, "150.00", "error")
    browser.screenshot(out / "payment-failed.png")
    pay_with_demo(browser, url, "100.00", "pending")
    browser.wait_for("!!document.querySelector('.o_servicecore_portal_pay_state_delay')")
    browser.screenshot(out / "payment-pending.png")
    browser.viewport(MOBILE)
    browser.goto(f"{url}/my/payments", "!!document.querySelector('table')")
    browser.screenshot(out / "payment-history-mobile.png")
    browser.viewport(DESKTOP)


def receipt(browser, url, out):
    """The receipt of dana's last payment, as its report renders it (HTML: the PDF's source)."""
    browser.goto(f"{url}/web/session/logout", "!!document.body")
    login(browser, url, "admin", "admin")
    payment_id = browser.evaluate(
        f"""fetch({json.dumps(url + "/web/dataset/call_kw")}, {{
            method: 'POST', headers: {{'Content-Type': 'application/json'}},
            body: JSON.stringify({{jsonrpc: '2.0', method: 'call', params: {{
                model: 'account.payment', method: 'search', args: [[
                    ['is_portal_payment', '=', true], ['payment_transaction_id', '!=', false],
                ]], kwargs: {{order: 'id desc', limit: 1}},
            }}}}),
        }}).then((response) => response.json()).then((answer) => answer.result[0])"""
    )
    browser.goto(
        f"{url}/report/html/servicecore_portal_pay.report_portal_pay_receipt/{payment_id}",
        "!!document.querySelector('.page')",
    )
    browser.screenshot(out / "receipt.png")


def permission_page(browser, url, out):
    """The page a contact who may not pay gets instead of Make a Payment (demo: sam)."""
    browser.goto(f"{url}/web/session/logout", "!!document.body")
    login(browser, url, "sam", "sam")
    browser.goto(f"{url}/my/payment", "!!document.querySelector('#portal_pay_permission_payers')")
    browser.screenshot(out / "permission.png")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    port = os.environ.get("HTTP_PORT", "8069")
    parser.add_argument("--url", default=f"http://127.0.0.1:{port}")
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent.parent / "docs"))
    parser.add_argument("--login", default="dana")
    parser.add_argument("--password", default="dana")
    parser.add_argument("--amount", default="600", help="amount typed on Make a Payment")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    page_ready = "!!document.querySelector('#portal_pay_preview li')"

    browser = Browser(args.chromium)
    try:
        browser.viewport(DESKTOP)
        login(browser, args.url, args.login, args.password)

        # Mobile first: the same page at 360 px wide, preview visible.
        browser.viewport(MOBILE)
        browser.goto(f"{args.url}/my/payment", page_ready)
        type_amount(browser, args.amount)
        browser.screenshot(out / "make-a-payment-mobile.png")

        browser.viewport(DESKTOP)
        browser.goto(f"{args.url}/my/payment", page_ready)
        type_amount(browser, args.amount)
        browser.screenshot(out / "make-a-payment.png")

        browser.evaluate(
            "document.querySelector('button[name=o_servicecore_portal_pay_continue]').click()"
        )
        browser.wait_for(
            "!!document.querySelector('form#o_payment_form input[name=customer_input]')"
        )
        browser.evaluate(
            """(() => {
                const input = document.querySelector('input[name=customer_input]');
                input.value = '4242 4242 4242 4242';
                input.dispatchEvent(new Event('input', {bubbles: true}));
            })()"""
        )
        browser.screenshot(out / "payment-form.png")

        browser.evaluate("document.querySelector('button[name=o_payment_submit_button]').click()")
        browser.wait_for(
            "!!document.querySelector('.o_servicecore_portal_pay_confirmation "
            ".o_servicecore_portal_pay_plan_row')",
            timeout=60,
        )
        browser.screenshot(out / "confirmation.png")

        # Choose invoices: tick two open items; the amount and the preview follow the ticks.
        browser.goto(f"{args.url}/my/payment", page_ready)
        browser.evaluate(
            """(() => {
                const boxes = [...document.querySelectorAll('.o_servicecore_portal_pay_choose')];
                for (const box of [boxes[1], boxes[3]].filter(Boolean)) {
                    box.click();
                }
            })()"""
        )
        browser.wait_for(
            "document.querySelectorAll('.o_servicecore_portal_pay_choose:checked').length >= 1"
        )
        browser.screenshot(out / "choose-invoices.png")

        # Payment history: every payment of the account and the invoices each one paid.
        browser.goto(f"{args.url}/my/payments", "!!document.querySelector('table')")
        browser.screenshot(out / "payment-history.png")
        failed_pending_and_phone_history(browser, args.url, out)
        receipt(browser, args.url, out)
        permission_page(browser, args.url, out)
    finally:
        browser.close()


if __name__ == "__main__":
    main()
