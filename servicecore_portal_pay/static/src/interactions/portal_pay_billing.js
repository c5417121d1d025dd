import { Interaction } from "@web/public/interaction";
import { registry } from "@web/core/registry";
import { _t } from "@web/core/l10n/translation";
import { rpc, RPCError } from "@web/core/network/rpc";
import { patch } from "@web/core/utils/patch";
import { PaymentForm } from "@payment/interactions/payment_form";
// Stripe's patch of the payment form first: ours wraps its confirmation.
import "@payment_stripe/interactions/payment_form";

const FORM_SELECTOR = "#portal_pay_billing_form";
const TEXT_FIELDS = ["name", "email", "phone", "street", "street2", "city", "zip"];

/**
 * The billing details of Make a Payment, as the payer left them in "Edit for this payment".
 *
 * @param {HTMLFormElement} form
 * @returns {object} what the transaction route takes as ``billing_details``
 */
function readBillingDetails(form) {
    const data = new FormData(form);
    const details = {};
    for (const field of TEXT_FIELDS) {
        details[field] = (data.get(`billing_${field}`) || "").trim();
    }
    details.state_id = parseInt(data.get("billing_state_id"), 10) || false;
    details.country_id = parseInt(data.get("billing_country_id"), 10) || false;
    return details;
}

/**
 * The billing details next to the payment form: the summary follows the inline edit, and the
 * states follow the country. Nothing here changes the customer's contacts: the details are kept
 * for the payment by the billing route (see the payment form patch below), which checks them.
 */
export class PortalPayBilling extends Interaction {
    static selector = "#portal_pay_billing";
    dynamicContent = {
        "#portal_pay_billing_edit": {
            "t-on-click": this.openEditor,
            "t-att-class": () => ({ "d-none": this.editing }),
            "t-att-aria-expanded": () => String(this.editing),
        },
        [FORM_SELECTOR]: {
            "t-on-submit.prevent": this.closeEditor,
            "t-on-input": this.renderSummary,
            "t-att-class": () => ({ "d-none": !this.editing }),
        },
        "#portal_pay_billing_country_id": { "t-on-change": this.onCountryChange },
    };

    setup() {
        this.editing = false;
        this.form = this.el.querySelector(FORM_SELECTOR);
        this.summary = this.el.querySelector("#portal_pay_billing_summary");
        this.stateSelect = this.el.querySelector("#portal_pay_billing_state_id");
        this.countrySelect = this.el.querySelector("#portal_pay_billing_country_id");
    }

    openEditor() {
        this.editing = true;
        this.updateContent();
        this.form.querySelector("input")?.focus();
    }

    closeEditor() {
        if (!this.form.reportValidity()) {
            return;
        }
        this.editing = false;
        this.renderSummary();
        this.updateContent();
        this.el.querySelector("#portal_pay_billing_edit")?.focus();
    }

    async onCountryChange() {
        const countryId = parseInt(this.countrySelect.value, 10);
        const states = countryId
            ? (
                  await this.waitFor(
                      rpc(`/my/address/country_info/${countryId}`, { address_type: "billing" })
                  )
              ).states
            : [];
        const empty = this.stateSelect.options[0];
        this.stateSelect.replaceChildren(
            empty,
            ...states.map(([id, name]) => new Option(name, id))
        );
        this.stateSelect.value = "";
        this.renderSummary();
    }

    /**
     * Rebuild the address block as the server renders it (portal_pay_billing_address), from
     * text nodes only.
     */
    renderSummary() {
        const details = readBillingDetails(this.form);
        const label = (select) => (select.value ? select.selectedOptions[0].textContent : "");
        const state = label(this.stateSelect);
        const cityLine = [
            [details.city, state].filter(Boolean).join(", "),
            details.zip,
        ]
            .filter(Boolean)
            .join(" ");
        const lines = [
            details.street,
            details.street2,
            cityLine,
            label(this.countrySelect),
            details.email,
            details.phone,
        ];
        const address = document.createElement("address");
        address.className = "o_servicecore_portal_pay_billing_address mb-0";
        const name = document.createElement("div");
        name.className = "fw-bold";
        name.textContent = details.name;
        address.append(name);
        for (const line of lines.filter(Boolean)) {
            const div = document.createElement("div");
            div.textContent = line;
            address.append(div);
        }
        this.summary.replaceChildren(address);
    }
}

registry
    .category("public.interactions")
    .add("servicecore_portal_pay.portal_pay_billing", PortalPayBilling);

patch(PaymentForm.prototype, {
    /**
     * On Make a Payment, have the server keep the billing details for this form's payment
     * before the payment starts; details it refuses stop the payment with its message.
     *
     * @override
     */
    async _initiatePaymentFlow() {
        const section = document.querySelector("#portal_pay_billing");
        const form = section?.querySelector(FORM_SELECTOR);
        if (!form) {
            return super._initiatePaymentFlow(...arguments);
        }
        if (!form.checkValidity()) {
            section.querySelector("#portal_pay_billing_edit")?.click();
            form.reportValidity();
            this._enableButton();
            return;
        }
        try {
            await this.waitFor(
                rpc(section.dataset.route, {
                    access_token: this.paymentContext.accessToken,
                    amount: parseFloat(this.paymentContext.amount),
                    billing_details: readBillingDetails(form),
                })
            );
        } catch (error) {
            if (error instanceof RPCError) {
                this._displayErrorDialog(_t("Check the billing details"), error.data.message);
                this._enableButton();
                return;
            }
            return Promise.reject(error);
        }
        return super._initiatePaymentFlow(...arguments);
    },

    /**
     * Confirm a Stripe card payment of Make a Payment with the billing details the server
     * checked (processing values), so that the card's PaymentMethod carries them. Details that
     * Stripe's own form collects (e.g. a card's country or postal code) take precedence there,
     * as Stripe documents for ``payment_method_data``.
     *
     * @override method from @payment_stripe/interactions/payment_form
     */
    async _stripeConfirmIntent(processingValues, paymentOptionId) {
        if (!processingValues.billing_details || this.paymentContext.mode !== "payment") {
            return super._stripeConfirmIntent(...arguments);
        }
        return await this.stripeJS.confirmPayment({
            elements: this.stripeElements[paymentOptionId],
            clientSecret: processingValues.client_secret,
            confirmParams: {
                return_url: processingValues.return_url,
                payment_method_data: { billing_details: processingValues.billing_details },
            },
        });
    },
});
