import { Interaction } from "@web/public/interaction";
import { registry } from "@web/core/registry";
import { rpc } from "@web/core/network/rpc";

const FORM_STATE_ROUTE = "/my/payment/form_state";
const PAYMENT_FORM = "form#o_payment_form[data-transaction-route^='/my/payment/transaction']";

/**
 * Back after paying: the browser shows the payment form's history entry again, from its cache or
 * loaded anew (the server then renders a new form, or the amount step if the amount or the
 * invoices are no longer payable). A form pays once, so when this entry's form was already used
 * the page goes to that payment's page instead of offering a dead form.
 *
 * The nonce of the form is kept in the history entry's state when Pay is clicked; the server
 * says whether that form started a payment of the user's, and where it leads.
 */
export class PortalPayUsedForm extends Interaction {
    static selector = ".o_servicecore_portal_pay";
    dynamicContent = {
        // Capture: the payment form stops the click from bubbling.
        _document: { "t-on-click.capture": this.onClick },
        _window: { "t-on-pageshow": this.onPageShow },
    };

    start() {
        this.leaveIfUsed();
    }

    onClick(ev) {
        const form = this.el.querySelector(PAYMENT_FORM);
        if (!form || !ev.target.closest("button[name='o_payment_submit_button']")) {
            return;
        }
        const nonce = (form.dataset.accessToken || "").split(".")[1];
        if (nonce) {
            history.replaceState({ ...history.state, portalPayNonce: nonce }, "");
        }
    }

    onPageShow(ev) {
        if (ev.persisted) {
            this.leaveIfUsed();
        }
    }

    async leaveIfUsed() {
        const nonce = history.state?.portalPayNonce;
        if (!nonce) {
            return;
        }
        let answer;
        try {
            answer = await this.waitFor(rpc(FORM_STATE_ROUTE, { nonce }));
        } catch {
            return; // Offline or signed out: the page stays; the server refuses a used form.
        }
        if (answer.landing_route) {
            window.location.replace(answer.landing_route);
        }
    }
}

/**
 * Odoo's status page polls until the payment is final, showing "Please wait…". A Make a Payment
 * transaction that stays pending (or unconfirmed) goes, after a bounded wait, to its own page,
 * which says what happens next; the status page is replaced in the history, so Back does not
 * come back to it.
 */
export class PortalPayStatusWait extends Interaction {
    static selector = "div[name='o_payment_status'][data-portal-pay-wait][data-portal-pay-landing]";

    start() {
        const seconds = parseInt(this.el.dataset.portalPayWait, 10);
        this.waitForTimeout(
            () => window.location.replace(this.el.dataset.portalPayLanding),
            seconds * 1000
        );
    }
}

registry
    .category("public.interactions")
    .add("servicecore_portal_pay.portal_pay_used_form", PortalPayUsedForm)
    .add("servicecore_portal_pay.portal_pay_status_wait", PortalPayStatusWait);
