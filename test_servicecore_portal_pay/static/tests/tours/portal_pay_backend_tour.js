import { registry } from "@web/core/registry";

// Accounting staff: customer -> its portal payments -> the allocation of one -> then apply a
// manual payment oldest-first from its form, previewed in the wizard before confirming.
registry.category("web_tour.tours").add("servicecore_portal_pay_backend", {
    steps: () => [
        {
            content: "Open the customer's portal payments",
            trigger: "button[name=action_portal_pay_view_payments]",
            run: "click",
        },
        {
            content: "Open the portal payment",
            trigger: ".o_list_renderer .o_data_row td:contains(ACCT-TOUR)",
            run: "click",
        },
        {
            content: "Open the allocation tab",
            trigger: ".o_notebook a[name=portal_pay_allocation]",
            run: "click",
        },
        {
            content: "The oldest invoice was paid first",
            trigger:
                ".o_field_widget[name=portal_pay_allocation_ids] .o_data_row:first-child td:contains(INV/)",
        },
        {
            content: "Open the Payments list",
            trigger: ".o_menu_sections button:contains(Customers), .o_menu_sections a:contains(Customers)",
            run: "click",
        },
        {
            trigger: ".dropdown-menu a:contains(Payments), .o-dropdown--menu a:contains(Payments)",
            run: "click",
        },
        {
            content: "Open the manual payment",
            trigger: ".o_list_renderer .o_data_row td[name=amount_signed]:contains(120.00), .o_list_renderer .o_data_row td:contains(120.00)",
            run: "click",
        },
        {
            content: "Apply it oldest-first",
            trigger: "button[name=action_portal_pay_apply_wizard]",
            run: "click",
        },
        {
            content: "The preview lists the invoices it will pay",
            trigger: ".modal .o_field_widget[name=line_ids] .o_data_row td:contains(INV/)",
        },
        {
            content: "Confirm",
            trigger: ".modal button[name=action_confirm]",
            run: "click",
        },
        {
            content: "The payment now shows its allocation",
            trigger: ".o_notebook a[name=portal_pay_allocation]",
            run: "click",
        },
        {
            trigger:
                ".o_field_widget[name=portal_pay_allocation_ids] .o_data_row td:contains(INV/)",
        },
        {
            content: "Nothing left to apply",
            trigger: ".o_form_view:not(:has(button[name=action_portal_pay_apply_wizard]))",
        },
    ],
});
