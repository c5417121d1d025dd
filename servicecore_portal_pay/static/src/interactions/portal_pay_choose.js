import { Interaction } from "@web/public/interaction";
import { registry } from "@web/core/registry";
import { NumberFormat } from "@servicecore_portal_pay/interactions/portal_pay_amounts";

/**
 * "Choose invoices" on Make a Payment: the amount follows the ticked items (their total); the
 * server re-checks the items and the amount when the customer continues.
 */
export class PortalPayChoose extends Interaction {
    static selector = ".o_servicecore_portal_pay_page";
    dynamicContent = {
        ".o_servicecore_portal_pay_choose": { "t-on-change": this.onChoose },
    };

    setup() {
        this.form = this.el.querySelector(".o_servicecore_portal_pay_amount_form");
        this.input = this.el.querySelector("#portal_pay_amount");
        const rules = this.form ? JSON.parse(this.form.dataset.amountRules) : {};
        this.decimals = rules.decimals ?? 2;
        this.numberFormat = new NumberFormat(rules.format);
    }

    onChoose() {
        if (!this.input) {
            return;
        }
        const checked = [...this.el.querySelectorAll(".o_servicecore_portal_pay_choose:checked")];
        if (checked.length) {
            // Integer minor units, so the total never drifts by a cent.
            const scale = 10 ** this.decimals;
            const total = checked.reduce(
                (sum, box) =>
                    sum + Math.round(parseFloat(box.closest("tr").dataset.residual) * scale),
                0
            );
            // Written as the page's language writes it, so that it reads back.
            this.input.value = this.numberFormat.format(total, this.decimals);
        }
        // Let the live preview follow the selection (and the amount).
        this.input.dispatchEvent(new Event("input", { bubbles: true }));
    }
}

registry
    .category("public.interactions")
    .add("servicecore_portal_pay.portal_pay_choose", PortalPayChoose);
