import { registry } from "@web/core/registry";

/**
 * Issue 13, failure and pending, in a real browser with the Demo provider (its inline form lets
 * the customer choose the simulated outcome). The Python test (test_states_tour.py) creates
 * three open invoices of 100.00 (oldest), 250.00 and 400.00 (not yet due).
 */
const row = (residual) => `tr.o_servicecore_portal_pay_item[data-residual='${residual}']`;
const box = (residual) => `${row(residual)} .o_servicecore_portal_pay_choose`;
const FORM_HISTORY_LENGTH = "servicecore_portal_pay_states_tour_form";

function payWithDemo(state) {
    return [
        {
            content: "Odoo's payment form offers the Demo provider",
            trigger: "form#o_payment_form input[name='customer_input']",
            run: "edit 4242424242424242",
        },
        {
            content: `Have the Demo provider answer "${state}"`,
            trigger: "form#o_payment_form select#simulated_payment_state",
            run: `select ${state}`,
        },
        {
            content: "Pay",
            trigger: "form#o_payment_form button[name='o_payment_submit_button']:enabled",
            run: "click",
            expectUnloadPage: true,
        },
    ];
}

/**
 * An error, then "Try again" (same amount, same ticked invoices, a fresh form), then success;
 * then Back from the confirmation leads to the confirmation, not to the used form.
 */
registry.category("web_tour.tours").add("servicecore_portal_pay_retry_tour", {
    url: "/my/payment",
    steps: () => [
        { content: "Tick the oldest invoice", trigger: box("100.00"), run: "click" },
        { content: "Tick the invoice not yet due", trigger: box("400.00"), run: "click" },
        { content: "The amount is their total", trigger: "#portal_pay_amount:value(500.00)" },
        {
            content: "Continue to payment",
            trigger: "button[name='o_servicecore_portal_pay_continue']",
            run: "click",
            expectUnloadPage: true,
        },
        { trigger: "#portal_pay_summary_amount:contains(500.00)" },
        ...payWithDemo("error"),
        {
            content: "The page says the payment did not go through",
            trigger: ".o_servicecore_portal_pay_state[data-status='failed'] [name='o_payment_status_alert']:contains(did not go through):contains(Nothing was charged)",
            timeout: 30000,
        },
        {
            content: "It is not a confirmation and shows no balance",
            trigger: "body:not(:has(.o_portal_submenu li:contains(Confirmation))):not(:has(#o_payment_summary_new_balance))",
        },
        { trigger: ".o_portal_submenu li.active:contains(Failed)" },
        {
            content: "Try again",
            trigger: "a.o_servicecore_portal_pay_try_again",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "A fresh form for the same amount",
            trigger: "#portal_pay_summary_amount:contains(500.00)",
        },
        {
            content: "...and the same invoices: the oldest and the one not yet due, in full",
            trigger: ".o_servicecore_portal_pay_plan tbody:has(tr:eq(1)):not(:has(tr:eq(2)))",
        },
        { trigger: ".o_servicecore_portal_pay_plan_row:eq(0):contains(100.00):contains(Paid)" },
        { trigger: ".o_servicecore_portal_pay_plan_row:eq(1):contains(400.00):contains(Paid)" },
        {
            content: "Remember where the payment form is in the history",
            trigger: "form#o_payment_form",
            run() {
                sessionStorage.setItem(FORM_HISTORY_LENGTH, String(history.length));
            },
        },
        ...payWithDemo("done"),
        {
            content: "The confirmation says Paid",
            trigger: ".o_servicecore_portal_pay_confirmation [name='o_payment_status_alert'] .o_servicecore_portal_pay_status[data-status='paid']",
            timeout: 30000,
        },
        { trigger: ".o_portal_submenu li:contains(Confirmation)" },
        {
            // Odoo's status page left by itself (no user gesture), so the browser's Back button
            // skips it: Back goes to the payment form's entry.
            content: "Go back to the payment form's history entry",
            trigger: ".o_servicecore_portal_pay_confirmation",
            run() {
                const formLength = Number(sessionStorage.getItem(FORM_HISTORY_LENGTH));
                sessionStorage.removeItem(FORM_HISTORY_LENGTH);
                history.go(formLength - history.length);
            },
            expectUnloadPage: true,
        },
        {
            content: "The used form leads to the confirmation again",
            trigger: ".o_servicecore_portal_pay_confirmation .o_servicecore_portal_pay_status[data-status='paid']",
            timeout: 20000,
        },
        {
            content: "...without offering the form",
            trigger: "body:not(:has(form#o_payment_form))",
        },
    ],
});

/**
 * A pending payment: Odoo's status page stops waiting after a while and shows what happens next;
 * Back (history.back()) from there leads to the same page, not to the used form.
 */
registry.category("web_tour.tours").add("servicecore_portal_pay_pending_tour", {
    url: "/my/payment?amount=50.00",
    steps: () => [
        { trigger: "#portal_pay_summary_amount:contains(50.00)" },
        ...payWithDemo("pending"),
        {
            content: "Odoo's status page waits for the provider, then hands over",
            trigger: "div[name='o_payment_status'][data-portal-pay-wait]:contains(Please wait)",
            expectUnloadPage: true,
            timeout: 30000,
        },
        {
            content: "The pending page says what happens next",
            trigger: ".o_servicecore_portal_pay_state[data-status='processing'] [name='o_payment_status_alert']:contains(has not confirmed your payment yet):contains(Payment History)",
        },
        {
            content: "Nothing polls on it any more, and it is not a confirmation",
            trigger: "body:not(:has(div[name='o_payment_status'])):not(:has(.o_portal_submenu li:contains(Confirmation))):not(:has(#o_payment_summary_new_balance))",
        },
        { trigger: ".o_portal_submenu li.active:contains(Processing)" },
        {
            content: "Press Back",
            trigger: ".o_servicecore_portal_pay_state",
            run() {
                history.back();
            },
            expectUnloadPage: true,
        },
        {
            content: "Back leads to the pending page again, not to the used form",
            trigger: ".o_servicecore_portal_pay_state[data-status='processing']",
            timeout: 20000,
        },
        { trigger: "body:not(:has(form#o_payment_form))" },
    ],
});
