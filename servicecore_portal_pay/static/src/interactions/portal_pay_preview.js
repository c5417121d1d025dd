import { Interaction } from "@web/public/interaction";
import { registry } from "@web/core/registry";
import { _t } from "@web/core/l10n/translation";
import {
    AmountError,
    NumberFormat,
    checkBounds,
    checkStep,
    formatMoney,
    parseAmount,
} from "@servicecore_portal_pay/interactions/portal_pay_amounts";

/**
 * Live preview of Make a Payment: for the typed amount, which open invoices the payment pays in
 * full and which one partly, in the order the server will apply it (oldest first, as listed).
 *
 * The amount is read and checked by the server's rules (portal_pay_amounts.js, a port of
 * rules/amounts.py) in the page's language, and refused with the server's words (rendered into
 * the form's ``data-amount-rules``): one message at a time, and a preview only for an amount
 * that will be accepted. Amounts are handled in integer minor units (cents) so the preview never
 * drifts by a cent. The server re-validates and re-computes everything when the customer
 * continues.
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
        this.rules = JSON.parse(this.form.dataset.amountRules);
        this.numberFormat = new NumberFormat(this.rules.format);
        this.decimals = this.rules.decimals;
        this.balance = this.toMinor(this.rules.balance);
        this.minimum = this.toMinor(this.rules.minimum);
        this.margin = this.toMinor(this.rules.margin);
        this.step = this.toMinor(this.rules.step);
        this.rows = [
            ...this.el.querySelectorAll(
                ".o_servicecore_portal_pay_item:not(.o_servicecore_portal_pay_credit)"
            ),
        ];
    }

    start() {
        // A message from the server (e.g. a chosen invoice no longer open) stays until the
        // customer types again; meanwhile the preview says nothing that contradicts it.
        this.updatePreview(this.errorEl.textContent.trim() ? null : this.check().amount);
    }

    /** A canonical amount (``"2463.00"``, as the server writes data attributes) in cents. */
    toMinor(value) {
        return Math.round(parseFloat(value || "0") * 10 ** this.decimals);
    }

    /**
     * The ticked items ("Choose invoices"): the payment applies to those only.
     *
     * @returns {HTMLElement[]}
     */
    chosenRows() {
        return this.rows.filter((row) =>
            row.querySelector(".o_servicecore_portal_pay_choose:checked")
        );
    }

    /**
     * Read and check what the customer typed as the server does (``_validate_amount``).
     *
     * @param {boolean} submitting whether an empty field is an error (else: not typed yet)
     * @returns {{amount: number|null, message: string|null}} the amount in minor units, or
     *     the one message that says why there is none
     */
    check(submitting = false) {
        const chosen = this.chosenRows();
        const maximum = chosen.length
            ? chosen.reduce((sum, row) => sum + this.toMinor(row.dataset.residual), 0)
            : this.balance;
        try {
            if (!submitting && !this.input.value.trim()) {
                return { amount: null, message: null };
            }
            const amount = parseAmount(this.input.value, this.decimals, this.numberFormat);
            checkStep(amount, this.step);
            checkBounds(
                amount,
                this.minimum,
                maximum,
                this.rules.allow_overpayment,
                Math.max(maximum, 0) + this.margin,
                { chosen: chosen.length > 0 }
            );
            return { amount, message: null };
        } catch (error) {
            if (!(error instanceof AmountError)) {
                throw error;
            }
            return { amount: null, message: this.message(error, chosen.length > 0) };
        }
    }

    /**
     * The server's message for ``error``; in choose mode, the limits name the ticked items'
     * total, which only the browser knows: those messages come with placeholders.
     */
    message(error, chosen) {
        const { messages, chosen_messages: chosenMessages } = this.rules;
        let text = (chosen && chosenMessages[error.code]) || messages[error.code];
        for (const [name, value] of Object.entries(error.params)) {
            if (typeof value === "number") {
                text = text.replace(`%(${name})s`, this.format(value));
            }
        }
        return text;
    }

    format(minor) {
        return formatMoney(minor, this.decimals, this.numberFormat, this.rules.currency);
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
        const { amount, message } = this.check();
        this.showError(message);
        this.updatePreview(amount);
    }

    pickAmount(ev) {
        // Written as the page's language writes it, so that it reads back.
        this.input.value = this.numberFormat.format(
            this.toMinor(ev.currentTarget.dataset.amount),
            this.decimals
        );
        this.onAmountInput();
        this.input.focus();
    }

    onSubmit(ev) {
        const { message } = this.check(true);
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

    /**
     * Show what ``amount`` pays, row by row and in words; nothing for an amount that is
     * refused or not typed yet (``null``).
     *
     * @param {number|null} amount in minor units
     */
    updatePreview(amount) {
        let remaining = amount || 0;
        const paid = [];
        let partial = null;
        // "Choose invoices": when items are ticked, the payment applies to those only.
        const chosen = this.chosenRows();
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
