import { registry } from "@web/core/registry";

/**
 * A contact who may not pay (test_permission_tour.py): the portal home leads to a page that
 * says who pays, and the contact asks the accounting team for access, once.
 */
registry.category("web_tour.tours").add("servicecore_portal_pay_permission_tour", {
    url: "/my",
    steps: () => [
        {
            content: "The portal home has Make a Payment, saying who pays",
            trigger: ".o_servicecore_portal_pay_permission_home:contains('made by the people')",
        },
        {
            content: "Open Make a Payment",
            trigger: ".o_servicecore_portal_pay_permission_home a[href='/my/payment']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The page says who pays the account, by name",
            trigger:
                "#portal_pay_permission_payers:contains('made by the people your company allowed'):contains('Pat Payer')",
        },
        {
            content: "No amount field: the contact cannot pay here",
            trigger: "body:not(:has(#portal_pay_amount))",
        },
        {
            content: "Ask for access",
            trigger: "#portal_pay_permission_ask button[type='submit']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The page confirms the request was sent",
            trigger: "#portal_pay_permission_asked:contains('Your request was sent')",
        },
        {
            content: "and offers no second request",
            trigger: "body:not(:has(#portal_pay_permission_ask))",
        },
    ],
});
