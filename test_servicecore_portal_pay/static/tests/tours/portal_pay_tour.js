import { registry } from "@web/core/registry";

/**
 * Make a Payment, as a customer: portal home → amount with live preview → Odoo's payment form
 * with the Demo provider → confirmation with the allocation per invoice.
 *
 * The Python test (test_portal_pay_tour.py) creates three open invoices of 100.00 (oldest),
 * 250.00 and 400.00 (not yet due): paying 300.00 pays the first in full, the second partly
 * (50.00 left) and leaves the third untouched; the balance goes from 750.00 to 450.00.
 */
registry.category("web_tour.tours").add("servicecore_portal_pay_tour", {
    url: "/my",
    steps: () => [
        {
            content: "The portal home shows the Make a Payment card with the balance",
            trigger:
                ".o_servicecore_portal_pay_home [data-placeholder_count='portal_pay_balance']:contains('750.00')",
        },
        {
            content: "Open Make a Payment",
            trigger: ".o_servicecore_portal_pay_home a[href='/my/payment']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The page shows the balance",
            trigger: "#portal_pay_figure_balance:contains('750.00')",
        },
        {
            content: "Type an amount that pays one invoice in full and one partly",
            trigger: "#portal_pay_amount",
            run: "edit 300",
        },
        {
            content: "The preview names what is paid in full",
            trigger: "#portal_pay_preview:contains('Pays in full')",
        },
        {
            content: "The preview names what is paid partly and what is left on it",
            trigger: "#portal_pay_preview:contains('Pays partly'):contains('50.00 left to pay')",
        },
        {
            content: "The oldest invoice is paid in full",
            trigger:
                ".o_servicecore_portal_pay_item:nth-child(1).table-success .o_servicecore_portal_pay_applies:contains('100.00')",
        },
        {
            content: "The next one is paid partly",
            trigger:
                ".o_servicecore_portal_pay_item:nth-child(2).table-warning .o_servicecore_portal_pay_applies:contains('200.00')",
        },
        {
            content: "The invoice not yet due is untouched",
            trigger:
                ".o_servicecore_portal_pay_item:nth-child(3):not(.table-success):not(.table-warning) .o_servicecore_portal_pay_applies:empty",
        },
        {
            content: "Continue to the payment form",
            trigger: "button[name='o_servicecore_portal_pay_continue']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The payment form is for exactly the amount typed",
            trigger: "#portal_pay_summary_amount:contains('300.00')",
        },
        {
            content: "The plan shows the partly paid invoice",
            trigger: ".o_servicecore_portal_pay_plan_row:nth-child(2):contains('200.00'):contains('50.00')",
        },
        {
            content: "Odoo's payment form offers the Demo provider",
            trigger: "form#o_payment_form input[name='customer_input']",
            run: "edit 4242424242424242",
        },
        {
            content: "Pay",
            trigger: "form#o_payment_form button[name='o_payment_submit_button']:enabled",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The confirmation page shows the payment is done",
            trigger: ".o_servicecore_portal_pay_confirmation #o_payment_summary_amount:contains('300.00')",
            timeout: 30000,
        },
        {
            content: "The confirmation shows the oldest invoice paid in full",
            trigger:
                ".o_servicecore_portal_pay_confirmation .o_servicecore_portal_pay_plan_row:nth-child(1):contains('100.00'):contains('Paid')",
        },
        {
            content: "The confirmation shows the next invoice paid partly",
            trigger:
                ".o_servicecore_portal_pay_confirmation .o_servicecore_portal_pay_plan_row:nth-child(2):contains('200.00'):contains('50.00')",
        },
        {
            content: "Nothing was applied to the invoice not yet due",
            trigger:
                ".o_servicecore_portal_pay_confirmation .o_servicecore_portal_pay_plan:not(:has(.o_servicecore_portal_pay_plan_row:nth-child(3)))",
        },
        {
            content: "The confirmation shows the new balance",
            trigger: "#o_payment_summary_new_balance:contains('450.00')",
        },
    ],
});

/**
 * The "Make a Payment" button of the invoices list leads to the page; an unparsable amount is
 * refused on the spot; the "Full balance" shortcut previews every invoice paid in full.
 */
registry.category("web_tour.tours").add("servicecore_portal_pay_invoices_tour", {
    url: "/my/invoices",
    steps: () => [
        {
            content: "The invoices list has a Make a Payment button",
            trigger: "a.o_servicecore_portal_pay_invoices_button",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Make a Payment opens with the balance",
            trigger: ".o_servicecore_portal_pay_page #portal_pay_figure_balance:contains('750.00')",
        },
        {
            content: "Type an amount that is not a number",
            trigger: "#portal_pay_amount",
            run: "edit 12,5x",
        },
        {
            content: "The field is marked invalid at once",
            trigger: "#portal_pay_amount.is-invalid[aria-invalid='true']",
        },
        {
            content: "The error says what to type",
            trigger: "#portal_pay_amount_error:contains('as a number')",
        },
        {
            content: "Submitting an unparsable amount stays on the page",
            trigger: "button[name='o_servicecore_portal_pay_continue']",
            run: "click",
        },
        {
            content: "The field is still marked invalid",
            trigger: "#portal_pay_amount.is-invalid[aria-invalid='true']",
        },
        {
            content: "Pick the full balance",
            trigger: ".o_servicecore_portal_pay_pick[data-amount='750.00']",
            run: "click",
        },
        {
            content: "The error is gone",
            trigger: "#portal_pay_amount:not(.is-invalid)[aria-invalid='false']",
        },
        {
            content: "Every invoice is paid in full",
            trigger:
                ".o_servicecore_portal_pay_items:not(:has(.table-warning)):has(.o_servicecore_portal_pay_item:nth-child(3).table-success)",
        },
        {
            content: "Continue, holding the navigation back to see the button's busy state",
            trigger: "button[name='o_servicecore_portal_pay_continue']:enabled",
            run() {
                const form = document.querySelector(".o_servicecore_portal_pay_amount_form");
                form.addEventListener("submit", (ev) => ev.preventDefault(), { once: true });
                this.anchor.click();
            },
        },
        {
            content: "The Continue button is disabled, busy and shows a spinner",
            trigger:
                "button[name='o_servicecore_portal_pay_continue']:disabled[aria-busy='true'] .o_servicecore_portal_pay_spinner:not(.d-none)",
        },
        {
            content: "The form goes on to the payment form",
            trigger: ".o_servicecore_portal_pay_amount_form",
            run() {
                this.anchor.submit();
            },
            expectUnloadPage: true,
        },
        {
            content: "The payment form is for the full balance",
            trigger: "form#o_payment_form",
        },
        {
            content: "The summary shows the full balance",
            trigger: "#portal_pay_summary_amount:contains('750.00')",
        },
    ],
});
