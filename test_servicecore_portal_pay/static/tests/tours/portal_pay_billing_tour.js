import { registry } from "@web/core/registry";

/**
 * Billing details on the payment step: the customer's invoice address is shown next to Odoo's
 * payment form; the payer corrects it for this payment (another street, city, country and
 * state: the states follow the country), pays 250.00 with the Demo provider, and the
 * confirmation shows the corrected address.
 *
 * The Python test (test_billing_tour.py) opens /my/payment?amount=250 for a customer whose
 * invoice address is "Billing Tour Payables, PO Box 77, Boulder, Colorado".
 */
const summary = "#portal_pay_billing_summary";

registry.category("web_tour.tours").add("servicecore_portal_pay_billing_tour", {
    url: "/my/payment?amount=250",
    steps: () => [
        {
            content: "The payment step shows the invoice address",
            trigger: `${summary}:contains('Billing Tour Payables'):contains('PO Box 77'):contains('Boulder')`,
        },
        {
            content: "The pay button names the amount",
            trigger: "button[name='o_payment_submit_button']:contains('Pay $'):contains('250.00')",
        },
        {
            content: "Changing them for good is on the account page",
            trigger: "#portal_pay_billing a[href^='/my/account']",
        },
        {
            content: "Correct them for this payment",
            trigger: "#portal_pay_billing_edit",
            run: "click",
        },
        {
            trigger: "#portal_pay_billing_name",
            run: "edit Billing Tour Payables, Toronto office",
        },
        { trigger: "#portal_pay_billing_street", run: "edit 1 Front Street West" },
        { trigger: "#portal_pay_billing_street2", run: "edit Floor 3" },
        { trigger: "#portal_pay_billing_city", run: "edit Toronto" },
        { trigger: "#portal_pay_billing_zip", run: "edit M5J 2X5" },
        {
            content: "Another country: its states replace the former ones",
            trigger: "#portal_pay_billing_country_id",
            run: "selectByLabel Canada",
        },
        {
            trigger:
                "#portal_pay_billing_state_id:has(option:contains('Ontario')):not(:has(option:contains('Colorado')))",
        },
        { trigger: "#portal_pay_billing_state_id", run: "selectByLabel Ontario" },
        {
            content: "Done editing",
            trigger: "#portal_pay_billing_done",
            run: "click",
        },
        {
            content: "The summary shows the corrected address",
            trigger: `${summary}:contains('Toronto office'):contains('1 Front Street West'):contains('Toronto, Ontario M5J 2X5'):contains('Canada'):not(:contains('PO Box 77'))`,
        },
        {
            content: "Pay with the Demo provider",
            trigger: "form#o_payment_form input[name='customer_input']",
            run: "edit 4242424242424242",
        },
        {
            trigger: "form#o_payment_form button[name='o_payment_submit_button']:enabled",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The confirmation shows the corrected billing address",
            trigger:
                ".o_servicecore_portal_pay_billing_address:contains('Toronto office'):contains('1 Front Street West Floor 3'):contains('Toronto, Ontario M5J 2X5'):contains('Canada')",
            timeout: 30000,
        },
        {
            trigger: ".o_servicecore_portal_pay_billing_address:not(:contains('PO Box 77'))",
        },
    ],
});
