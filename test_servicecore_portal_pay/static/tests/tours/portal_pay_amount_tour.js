import { registry } from "@web/core/registry";

/**
 * Amounts as people type them, and one voice on the page (issue 13, deliverables 2 and 3).
 *
 * The Python test (test_amount_tour.py) creates three open invoices of 300.00 (oldest), 500.00
 * and 1,663.00 (not yet due): a balance of 2,463.00 and a minimum payment of 1.00. Paying
 * 1,000.00 pays the first two in full and 200.00 of the third.
 */

const NBSP = "\u00a0";

/** A step that checks the amount's one message, word for word. */
function expectError(text, content) {
    return {
        content: content || `The amount's message reads: ${text || "(none)"}`,
        trigger: text
            ? "#portal_pay_amount.is-invalid[aria-invalid='true']"
            : "#portal_pay_amount:not(.is-invalid)[aria-invalid='false']",
        run() {
            const shown = document.querySelector("#portal_pay_amount_error").textContent.trim();
            if (shown !== text) {
                throw new Error(`expected the message "${text}", got "${shown}"`);
            }
        },
    };
}

/** A step that checks that the preview contradicts nothing: no "pays", no highlighted row. */
function expectNeutralPreview() {
    return {
        content: "The preview says nothing about a refused amount, and no row is highlighted",
        trigger:
            "#portal_pay_preview:contains('Enter an amount to see which invoices it pays'):not(:contains('Pays in full')):not(:contains('Pays partly')):not(:contains('more than'))",
        run() {
            const marked = document.querySelectorAll(
                ".o_servicecore_portal_pay_item.table-success, .o_servicecore_portal_pay_item.table-warning"
            );
            const applied = [
                ...document.querySelectorAll(".o_servicecore_portal_pay_applies"),
            ].filter((cell) => cell.textContent.trim());
            if (marked.length || applied.length) {
                throw new Error("a refused amount still shows what it pays");
            }
        },
    };
}

/** Type ``typed`` (the language's way of writing 1,000.00), pay it with the Demo provider. */
function payTyped(typed, summary) {
    return [
        {
            content: "Make a Payment proposes the balance",
            trigger: "#portal_pay_figure_balance",
        },
        {
            content: `Type ${typed}`,
            trigger: "#portal_pay_amount",
            run: `edit ${typed}`,
        },
        expectError(""),
        {
            content: "The preview shows the two oldest invoices paid in full",
            trigger: "#portal_pay_preview:contains('Pays in full')",
        },
        {
            content: "and the third one partly",
            trigger: "#portal_pay_preview:contains('Pays partly')",
        },
        {
            content: "Continue to the payment form",
            trigger: "button[name='o_servicecore_portal_pay_continue']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The payment form is for exactly the amount typed",
            trigger: `#portal_pay_summary_amount:contains('${summary}')`,
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
            content: "The confirmation shows the amount paid",
            trigger: `.o_servicecore_portal_pay_confirmation #o_payment_summary_amount:contains('${summary}')`,
            timeout: 30000,
        },
    ];
}

registry.category("web_tour.tours").add("servicecore_portal_pay_amount_en_tour", {
    url: "/my/payment",
    steps: () => payTyped("1,000.00", "1,000.00"),
});

registry.category("web_tour.tours").add("servicecore_portal_pay_amount_fr_tour", {
    url: "/my/payment",
    // Tour selectors read texts with their no-break spaces as spaces.
    steps: () => payTyped("1 000,00", "1 000,00"),
});

/** One message at a time, and no preview of an amount that will be refused (en_US). */
registry.category("web_tour.tours").add("servicecore_portal_pay_amount_one_voice_tour", {
    url: "/my/payment",
    steps: () => [
        { content: "Type more than the balance", trigger: "#portal_pay_amount", run: "edit 3000" },
        expectError(`The amount cannot exceed your open balance of $${NBSP}2,463.00.`),
        expectNeutralPreview(),
        { content: "Type less than the minimum", trigger: "#portal_pay_amount", run: "edit 0.50" },
        expectError(`The minimum payment is $${NBSP}1.00.`),
        expectNeutralPreview(),
        { content: "Type a negative amount", trigger: "#portal_pay_amount", run: "edit -5" },
        expectError("The amount cannot be negative."),
        expectNeutralPreview(),
        { content: "Type an unclear amount", trigger: "#portal_pay_amount", run: "edit 1,5" },
        expectError("The separators in this amount are unclear: write it like 1,234.56."),
        expectNeutralPreview(),
        { content: "Type an amount as printed", trigger: "#portal_pay_amount", run: "edit $2,463.00" },
        expectError(""),
        {
            content: "The preview shows every invoice paid in full",
            trigger:
                "#portal_pay_preview:contains('Pays in full'):not(:contains('Pays partly')):not(:contains('more than'))",
        },
        {
            content: "Tick the oldest invoice",
            trigger: ".o_servicecore_portal_pay_item:nth-child(1) .o_servicecore_portal_pay_choose",
            run: "click",
        },
        {
            content: "Tick the next one",
            trigger: ".o_servicecore_portal_pay_item:nth-child(2) .o_servicecore_portal_pay_choose",
            run: "click",
        },
        {
            content: "The amount follows the ticked invoices, written as the language writes it",
            trigger: "#portal_pay_amount:value('800.00')",
        },
        {
            content: "Type more than the chosen invoices' total",
            trigger: "#portal_pay_amount",
            run: "edit 1,700",
        },
        expectError(`The amount cannot exceed your chosen invoices' total of $${NBSP}800.00.`),
        expectNeutralPreview(),
        {
            content: "Continue is refused on the page",
            trigger: "button[name='o_servicecore_portal_pay_continue']",
            run: "click",
        },
        expectError(`The amount cannot exceed your chosen invoices' total of $${NBSP}800.00.`),
        {
            content: "The page did not move on",
            trigger: ".o_servicecore_portal_pay_page:not(:has(#o_payment_form))",
        },
    ],
});

/**
 * The browser and the server say the same: each amount is typed into the field and sent to
 * GET /my/payment?amount= as the form sends it; the message (or its absence) must be the same,
 * word for word, in the page's language. Then the same with two invoices ticked.
 */
const PARITY_CASES = [
    "1,000", "1,000.00", "1 000,00", "1\u202f000,00", "1.000,00", "1.000", "1,5", "1.5", "1,00",
    "$50", "50 $", "USD 100", "€50", "-5", "-$5", "$-5", "+5", "abc", "1e3", "NaN", "0", "0,00",
    "0.50", "0,50", "10.001", "10,001", ".5", ",5", "3000", "3.000", "3 000", "2,463.00",
    "2.463,00", "2 463,00", "12,34,567", "1'000", "1234567890123", "$", "1,000 000",
    // The form the server writes in links: read the same in every language.
    "600.00", "1.50", "0.00", "600.0", "1500.00", "2463.00",
    // Longer than any amount people write.
    "1 ".repeat(40),
    // Above the balance, and above the balance and the margin kept as credit.
    "3,463.00", "3,463.01", "3.463,01", "99999",
];
const CHOSEN_CASES = [
    "1000", "1,000", "1.000", "800", "800,00", "0.50", "-5", "1 700", "1,800.00", "1,800.01",
];

async function compareWithServer(cases, lineIds) {
    const input = document.querySelector("#portal_pay_amount");
    const errorEl = document.querySelector("#portal_pay_amount_error");
    const mismatches = [];
    for (const typed of cases) {
        const params = new URLSearchParams({ amount: typed });
        if (lineIds) {
            params.set("line_ids", lineIds);
        }
        const response = await fetch(`${window.location.pathname}?${params}`);
        const page = new DOMParser().parseFromString(await response.text(), "text/html");
        const accepted = !!page.querySelector("#o_payment_form");
        const serverText = accepted
            ? ""
            : page.querySelector("#portal_pay_amount_error").textContent.trim();
        input.value = typed;
        input.dispatchEvent(new Event("input", { bubbles: true }));
        const browserText = errorEl.textContent.trim();
        const previewSays = document.querySelector("#portal_pay_preview").textContent;
        if (browserText !== serverText || accepted !== (response.status === 200)) {
            mismatches.push(`"${typed}": server "${serverText}", browser "${browserText}"`);
        } else if (!accepted && previewSays.includes("Pays")) {
            mismatches.push(`"${typed}": refused, yet the preview says "${previewSays}"`);
        } else if (accepted && !previewSays.includes("Pays")) {
            mismatches.push(`"${typed}": accepted, yet no preview`);
        }
    }
    if (mismatches.length) {
        throw new Error(`The browser and the server disagree:\n${mismatches.join("\n")}`);
    }
}

registry.category("web_tour.tours").add("servicecore_portal_pay_amount_parity_tour", {
    url: "/my/payment",
    steps: () => [
        {
            content: "Every amount gets the same answer from the browser and the server",
            trigger: ".o_servicecore_portal_pay_amount_form",
            async run() {
                await compareWithServer(PARITY_CASES);
            },
        },
        {
            content: "Tick the two oldest invoices",
            trigger: ".o_servicecore_portal_pay_item:nth-child(1) .o_servicecore_portal_pay_choose",
            run() {
                for (const box of [...document.querySelectorAll(".o_servicecore_portal_pay_choose")].slice(0, 2)) {
                    box.click();
                }
            },
        },
        {
            content: "With invoices ticked too",
            trigger: ".o_servicecore_portal_pay_item:nth-child(2) .o_servicecore_portal_pay_choose:checked",
            async run() {
                const ticked = [
                    ...document.querySelectorAll(".o_servicecore_portal_pay_choose:checked"),
                ].map((box) => box.value);
                await compareWithServer(CHOSEN_CASES, ticked.join(","));
            },
        },
    ],
});
