import { registry } from "@web/core/registry";

/**
 * Payment history on a phone (issue 13): at 360 px wide, every row shows its date, reference
 * (a link to its receipt), status and amount inside the screen, without scrolling sideways.
 *
 * The Python test (test_history_tour.py) opens the browser at 360 px and makes a portal payment
 * that paid two invoices, so that the "Paid" column would push the amount out of view.
 */

// The status cell is the fourth (after the Method column, hidden on phones); the date is in its
// own column on wider screens, under the reference on phones.
const CELLS = {
    date: ".o_servicecore_portal_pay_history_date",
    reference: ".o_servicecore_portal_pay_history_receipt",
    status: "td:nth-child(4) .badge",
    amount: ".o_servicecore_portal_pay_history_amount",
};

function assertInView(row, name) {
    const cell = [...row.querySelectorAll(CELLS[name])].find((el) => el.getClientRects().length);
    if (!cell) {
        throw new Error(`The row has no ${name}`);
    }
    const box = cell.getBoundingClientRect();
    if (!box.width || !box.height || box.left < 0 || box.right > window.innerWidth) {
        throw new Error(
            `The ${name} is out of view: ${box.left}-${box.right} of ${window.innerWidth} px`
        );
    }
}

registry.category("web_tour.tours").add("servicecore_portal_pay_history_phone", {
    url: "/my/payments",
    steps: () => [
        {
            content: "The browser is a phone, 360 px wide",
            trigger: ".o_servicecore_portal_pay_history_row",
            run() {
                if (window.innerWidth !== 360) {
                    throw new Error(`The page is ${window.innerWidth} px wide, not 360`);
                }
            },
        },
        {
            content: "Each row shows date, reference, status and amount in view",
            trigger: ".o_servicecore_portal_pay_history_row .o_servicecore_portal_pay_history_amount:contains('350.00')",
            run() {
                const rows = document.querySelectorAll(".o_servicecore_portal_pay_history_row");
                for (const row of rows) {
                    for (const name in CELLS) {
                        assertInView(row, name);
                    }
                }
            },
        },
        {
            content: "The reference links to the payment's receipt",
            trigger: ".o_servicecore_portal_pay_history_row a.o_servicecore_portal_pay_history_receipt[href^='/my/payment/receipt/']:contains('ACCT-')",
        },
        {
            content: "What the payment paid is left to the receipt on a phone",
            trigger: ".o_servicecore_portal_pay_history_row",
            run() {
                for (const cell of document.querySelectorAll(".o_servicecore_portal_pay_history_paid")) {
                    if (getComputedStyle(cell).display !== "none") {
                        throw new Error("The Paid column is shown on a phone");
                    }
                }
            },
        },
    ],
});
