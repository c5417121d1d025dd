import { Interaction } from "@web/public/interaction";
import { registry } from "@web/core/registry";
import { _t } from "@web/core/l10n/translation";

/**
 * Live preview of Make a Payment: for the typed amount, which open invoices the payment pays in
 * full and which one partly, in the order the server will apply it (oldest first, as listed).
 *
 * Amounts are handled in integer minor units (cents) so the preview never drifts by a cent; the
 * server re-validates and re-computes everything when the customer continues.
 */
export class PortalPayPreview extends Interaction {
    static selector = ".o_servicecore_portal_pay_page";
    dynamicContent = {
        "#portal_pay_amount": { "t-on-input": this.updatePreview },
        ".o_servicecore_portal_pay_pick": { "t-on-click": this.pickAmount },
    };

    setup() {
        this.form = this.el.querySelector(".o_servicecore_portal_pay_amount_form");
        this.input = this.el.querySelector("#portal_pay_amount");
        this.previewEl = this.el.querySelector("#portal_pay_preview");
        this.decimals = parseInt(this.form.dataset.decimals || "2", 10);
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
     * Parse what the customer typed like the server does, or return null.
     *
     * @param {string} text
     * @returns {number|null} the amount in minor units
     */
    parseAmount(text) {
        const match = /^\s*(\d{1,12})(?:\.(\d*))?\s*$/.exec(text || "");
        if (!match) {
            return null;
        }
        const decimals = (match[2] || "").replace(/0+$/, "");
        if (decimals.length > this.decimals) {
            return null;
        }
        return this.toMinor(`${match[1]}.${match[2] || "0"}`);
    }

    format(minor) {
        const { symbol, position } = this.form.dataset;
        const number = (minor / 10 ** this.decimals).toLocaleString(undefined, {
            minimumFractionDigits: this.decimals,
            maximumFractionDigits: this.decimals,
        });
        return position === "after" ? `${number}\u00a0${symbol}` : `${symbol}\u00a0${number}`;
    }

    pickAmount(ev) {
        this.input.value = ev.currentTarget.dataset.amount;
        this.updatePreview();
        this.input.focus();
    }

    updatePreview() {
        const amount = this.parseAmount(this.input.value);
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
            const applied = Math.min(residual, remaining);
            remaining -= applied;
            row.classList.toggle("table-success", applied > 0 && applied === residual);
            row.classList.toggle("table-warning", applied > 0 && applied < residual);
            cell.textContent = applied > 0 ? this.format(applied) : "";
            const name = row.querySelector("a").textContent;
            if (applied > 0 && applied === residual) {
                paid.push(name);
            } else if (applied > 0) {
                partial = { name, left: residual - applied };
            }
        }
        this.renderPreview(amount, paid, partial, remaining);
    }

    renderPreview(amount, paid, partial, remaining) {
        const lines = [];
        if (amount === null) {
            lines.push(_t("Enter an amount to see which invoices it pays."));
        } else {
            if (paid.length) {
                lines.push(_t("Pays in full: %(invoices)s", { invoices: paid.join(", ") }));
            }
            if (partial) {
                lines.push(
                    _t("Pays partly: %(invoice)s (%(left)s left to pay)", {
                        invoice: partial.name,
                        left: this.format(partial.left),
                    })
                );
            }
            if (remaining > 0) {
                lines.push(
                    _t("%(amount)s more than your open invoices", {
                        amount: this.format(remaining),
                    })
                );
            }
        }
        this.previewEl.replaceChildren(
            ...lines.map((text) => {
                const p = document.createElement("p");
                p.className = "mb-1";
                p.textContent = text;
                return p;
            })
        );
    }
}

registry
    .category("public.interactions")
    .add("servicecore_portal_pay.portal_pay_preview", PortalPayPreview);
