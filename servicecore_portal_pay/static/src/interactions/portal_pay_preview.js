import { Interaction } from "@web/public/interaction";
import { registry } from "@web/core/registry";
import { _t } from "@web/core/l10n/translation";
import { formatFloat } from "@web/core/utils/numbers";

/**
 * Live preview of Make a Payment: for the typed amount, which open invoices the payment pays in
 * full and which one partly, in the order the server will apply it (oldest first, as listed).
 *
 * Amounts are handled in integer minor units (cents) so the preview never drifts by a cent. The
 * checks here only spare the customer a round trip: the server re-validates and re-computes
 * everything when the customer continues.
 */
export class PortalPayPreview extends Interaction {
    static selector = ".o_servicecore_portal_pay_page";
    dynamicContent = {
        "#portal_pay_amount": { "t-on-input": this.onAmountInput },
        ".o_servicecore_portal_pay_pick": { "t-on-click": this.pickAmount },
        ".o_servicecore_portal_pay_amount_form": { "t-on-submit": this.onSubmit },
        // Back from the payment form, the browser may restore this page as it was left: with
        // the Continue button still busy.
        _window: { "t-on-pageshow": this.resetSubmitButton },
    };

    setup() {
        this.form = this.el.querySelector(".o_servicecore_portal_pay_amount_form");
        this.input = this.el.querySelector("#portal_pay_amount");
        this.errorEl = this.el.querySelector("#portal_pay_amount_error");
        this.previewEl = this.el.querySelector("#portal_pay_preview");
        this.submitButton = this.form.querySelector("button[type='submit']");
        this.decimals = parseInt(this.form.dataset.decimals || "2", 10);
        this.balance = this.toMinor(this.form.dataset.balance || "0");
        this.minimum = this.toMinor(this.form.dataset.minAmount || "0");
        this.allowOverpayment = this.form.dataset.allowOverpayment === "1";
        this.rows = [
            ...this.el.querySelectorAll(
                ".o_servicecore_portal_pay_item:not(.o_servicecore_portal_pay_credit)"
            ),
        ];
    }

    start() {
        this.updatePreview();
    }

    toMinor(value) {
        return Math.round(parseFloat(value) * 10 ** this.decimals);
    }

    /**
     * Parse what the customer typed like the server does.
     *
     * @param {string} text
     * @returns {{amount: number|null, error: string|null}} the amount in minor units, or why
     *     there is none (``null`` when nothing was typed yet)
     */
    parseAmount(text) {
        if (!(text || "").trim()) {
            return { amount: null, error: null };
        }
        const match = /^\s*(\d{1,12})(?:\.(\d*))?\s*$/.exec(text);
        if (!match) {
            return {
                amount: null,
                error: _t("Enter the amount as a number, for example 125.50."),
            };
        }
        const decimals = (match[2] || "").replace(/0+$/, "");
        if (decimals.length > this.decimals) {
            return {
                amount: null,
                error: _t("The amount can have at most %(places)s decimals.", {
                    places: this.decimals,
                }),
            };
        }
        const amount = this.toMinor(`${match[1]}.${match[2] || "0"}`);
        if (amount <= 0) {
            return { amount: null, error: _t("The amount must be greater than zero.") };
        }
        return { amount, error: null };
    }

    /**
     * The company's bounds, as the server applies them.
     *
     * @param {number} amount in minor units
     * @returns {string|null} the message for the customer, if the amount is out of bounds
     */
    checkBounds(amount) {
        if (amount < this.minimum) {
            return _t("The minimum payment is %(minimum)s.", { minimum: this.format(this.minimum) });
        }
        if (!this.allowOverpayment && amount > this.balance) {
            return _t("The amount cannot exceed your open balance of %(maximum)s.", {
                maximum: this.format(this.balance),
            });
        }
        return null;
    }

    format(minor) {
        const { symbol, position } = this.form.dataset;
        const number = formatFloat(minor / 10 ** this.decimals, {
            digits: [69, this.decimals],
        });
        return position === "after" ? `${number}\u00a0${symbol}` : `${symbol}\u00a0${number}`;
    }

    /**
     * Show (or clear) the amount's error, on the field and in its described-by message.
     *
     * @param {string|null} message
     */
    showError(message) {
        this.input.classList.toggle("is-invalid", !!message);
        this.input.setAttribute("aria-invalid", message ? "true" : "false");
        // Only touch the alert when its text changes, so screen readers announce it once.
        if (this.errorEl.textContent !== (message || "")) {
            this.errorEl.textContent = message || "";
        }
    }

    onAmountInput() {
        const { amount, error } = this.parseAmount(this.input.value);
        this.showError(error || (amount !== null ? this.checkBounds(amount) : null));
        this.updatePreview(amount);
    }

    pickAmount(ev) {
        this.input.value = ev.currentTarget.dataset.amount;
        this.onAmountInput();
        this.input.focus();
    }

    onSubmit(ev) {
        const { amount, error } = this.parseAmount(this.input.value);
        const message =
            error ||
            (amount === null ? _t("Enter the amount you want to pay.") : this.checkBounds(amount));
        if (message) {
            ev.preventDefault();
            this.showError(message);
            this.input.focus();
            return;
        }
        // One click, one payment form: the button stays busy until the next page shows.
        this.submitButton.disabled = true;
        this.submitButton.setAttribute("aria-busy", "true");
        this.submitButton.querySelector(".o_servicecore_portal_pay_spinner").classList.remove(
            "d-none"
        );
    }

    resetSubmitButton(ev) {
        if (!ev.persisted) {
            return;
        }
        this.submitButton.disabled = false;
        this.submitButton.removeAttribute("aria-busy");
        this.submitButton.querySelector(".o_servicecore_portal_pay_spinner").classList.add(
            "d-none"
        );
    }

    updatePreview(amount = this.parseAmount(this.input.value).amount) {
        let remaining = amount || 0;
        const paid = [];
        let partial = null;
        // "Choose invoices": when items are ticked, the payment applies to those only.
        const chosen = this.rows.filter((row) =>
            row.querySelector(".o_servicecore_portal_pay_choose:checked")
        );
        for (const row of this.rows) {
            const cell = row.querySelector(".o_servicecore_portal_pay_applies");
            const skipped = chosen.length && !chosen.includes(row);
            const residual = skipped ? 0 : this.toMinor(row.dataset.residual);
            // Inside its early-payment window, the discounted amount settles the item in full
            // (as the server books it); less than that pays part of the full amount.
            const discounted = row.dataset.discounted ? this.toMinor(row.dataset.discounted) : null;
            let applied = Math.min(residual, remaining);
            let settled = applied === residual;
            if (residual > 0 && discounted !== null && remaining >= discounted) {
                applied = discounted;
                settled = true;
            }
            remaining -= applied;
            row.classList.toggle("table-success", applied > 0 && settled);
            row.classList.toggle("table-warning", applied > 0 && !settled);
            cell.textContent = applied > 0 ? this.format(applied) : "";
            const name = row.querySelector("a").textContent;
            if (applied > 0 && settled) {
                paid.push(name);
            } else if (applied > 0) {
                partial = { name, left: residual - applied };
            }
        }
        this.renderPreview(amount, paid, partial, remaining);
    }

    /**
     * The open credits the server applies with the payment, as the page lists them under the
     * invoices they go to (oldest first), e.g. "RINV/2026/00005 applies $ 50.00".
     *
     * @returns {string[]}
     */
    creditsApplied() {
        return [...this.el.querySelectorAll(".o_servicecore_portal_pay_credited")].map((el) => {
            const invoice = el.closest("tr").querySelector("a").textContent;
            return _t("%(credit)s to %(invoice)s", {
                credit: el.textContent.replace(/\s+/g, " ").trim(),
                invoice,
            });
        });
    }

    renderPreview(amount, paid, partial, remaining) {
        const items = [];
        if (amount === null) {
            items.push({ text: _t("Enter an amount to see which invoices it pays.") });
        } else {
            const credits = this.creditsApplied();
            if (credits.length) {
                items.push({
                    icon: "fa-exchange text-success",
                    text: _t("First, your credits: %(credits)s", { credits: credits.join("; ") }),
                });
            }
            if (paid.length) {
                items.push({
                    icon: "fa-check-circle text-success",
                    text: _t("Pays in full: %(invoices)s", { invoices: paid.join(", ") }),
                });
            }
            if (partial) {
                items.push({
                    icon: "fa-adjust text-warning",
                    text: _t("Pays partly: %(invoice)s (%(left)s left to pay)", {
                        invoice: partial.name,
                        left: this.format(partial.left),
                    }),
                });
            }
            if (remaining > 0) {
                items.push({
                    icon: "fa-info-circle text-info",
                    text: _t("%(amount)s more than your open invoices", {
                        amount: this.format(remaining),
                    }),
                });
            }
        }
        // A list inside the live region: role="status" on the list itself would hide its items'
        // list semantics from assistive technologies.
        const list = document.createElement("ul");
        list.className = "list-unstyled d-grid gap-1 mb-0";
        list.replaceChildren(
            ...items.map(({ icon, text }) => {
                const li = document.createElement("li");
                li.className = "d-flex gap-2";
                if (icon) {
                    const i = document.createElement("i");
                    i.className = `fa fa-fw mt-1 ${icon}`;
                    i.setAttribute("aria-hidden", "true");
                    li.append(i);
                }
                const span = document.createElement("span");
                span.textContent = text;
                li.append(span);
                return li;
            })
        );
        this.previewEl.replaceChildren(list);
    }
}

registry
    .category("public.interactions")
    .add("servicecore_portal_pay.portal_pay_preview", PortalPayPreview);
