import { registry } from "@web/core/registry";

// "Choose invoices" in a real browser: the amount and the live preview follow the ticked items,
// and the payment step applies the amount to those items only. The customer owes 100, 200 and
// 300 (overdue, oldest first) and 400 (not yet due).
const row = (residual) => `tr.o_servicecore_portal_pay_item[data-residual='${residual}']`;
const box = (residual) => `${row(residual)} .o_servicecore_portal_pay_choose`;

registry.category("web_tour.tours").add("servicecore_portal_pay_choose_invoices", {
    url: "/my/payment",
    steps: () => [
        { content: "Tick the 300.00 invoice", trigger: box("300.00"), run: "click" },
        { content: "The amount is its total", trigger: "#portal_pay_amount:value(300.00)" },
        { content: "Tick the 100.00 invoice", trigger: box("100.00"), run: "click" },
        { content: "The amount follows", trigger: "#portal_pay_amount:value(400.00)" },
        { content: "Both are paid in full", trigger: `${row("100.00")}.table-success` },
        { trigger: `${row("300.00")}.table-success` },
        {
            content: "The 200.00 invoice in between is left alone",
            trigger: `${row("200.00")}:not(.table-success):not(.table-warning)`,
        },
        { content: "Pay less", trigger: "#portal_pay_amount", run: "edit 250" },
        { content: "Oldest chosen first", trigger: `${row("100.00")}.table-success` },
        { trigger: `${row("300.00")}.table-warning` },
        { trigger: `${row("200.00")}:not(.table-success):not(.table-warning)` },
        {
            content: "Continue to payment",
            trigger: "button[name='o_servicecore_portal_pay_continue']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The payment step applies 250.00 to the chosen invoices only",
            trigger: "#portal_pay_summary_amount:contains(250.00)",
        },
        { trigger: ".o_servicecore_portal_pay_plan_row:eq(1):contains(150.00)" },
        { trigger: ".o_servicecore_portal_pay_plan tbody:not(:has(tr:eq(2)))" },
    ],
});
