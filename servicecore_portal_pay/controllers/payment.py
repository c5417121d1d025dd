import logging

from werkzeug.exceptions import Forbidden

from odoo import Command
from odoo.exceptions import ConcurrencyError, ValidationError
from odoo.http import request, route

from odoo.addons.account_payment.controllers import payment
from odoo.addons.servicecore_portal_pay import const

_logger = logging.getLogger(__name__)

# The session keeps the checked billing details of the last few payment forms, by form nonce.
BILLING_SESSION_KEY = "portal_pay_billing"
BILLING_SESSION_FORMS = 5


class PaymentPortal(payment.PaymentPortal):
    @route(
        [
            const.TRANSACTION_ROUTE,
            f"{const.TRANSACTION_ROUTE}/<int:currency_id>",
            f"{const.TRANSACTION_ROUTE}/<int:currency_id>/<string:line_ids>",
        ],
        type="jsonrpc",
        auth="user",
    )
    def portal_pay_transaction(self, currency_id=None, line_ids=None, **kwargs):
        """Create the transaction of a Make a Payment form and return its processing values.

        Only the payment form's standard parameters are accepted; the partner, currency,
        reference and invoices come from the server, and everything the browser sends is
        checked again: the payer, the amount (bound to the page by the access token and still
        within the account's bounds), the provider, the payment method or the saved card.

        :return: the processing values of the transaction
        :rtype: dict
        :raise Forbidden: if the user may not pay on account
        :raise ValidationError: with a message for the customer for anything else
        """
        pay_request, nonce = self._portal_pay_check_form(
            const.TRANSACTION_ROUTE, const.TRANSACTION_ROUTE_KEYS, currency_id, line_ids, kwargs
        )
        partner, account, amount = pay_request.partner, pay_request.account, pay_request.amount
        company, currency = account.company, account.currency
        if kwargs.get("is_validation"):
            raise ValidationError(request.env._("This form only takes payments."))
        billing_values = self._portal_pay_form_billing(partner, nonce)
        # One form, one transaction: a form posted again (double click, resent request, replay)
        # gets the transaction it created, and is neither counted nor charged again.
        existing_sudo = self._portal_pay_form_transaction(nonce)
        if existing_sudo:
            return existing_sudo
        self._portal_pay_claim_form(nonce)
        provider_sudo, method_id, token_id, flow = self._portal_pay_check_payment_option(
            partner, company, currency, amount, kwargs
        )
        # Against card testing: the attempt is counted (or refused) before anything is created.
        attempt_values = (
            request.env["portal.pay.attempt"].sudo()._portal_pay_reserve_payment(partner, company)
        )
        create_values = {
            "portal_pay_account": True,
            "portal_pay_form_nonce": nonce,
            **attempt_values,
        }
        if account.chosen:
            create_values["portal_pay_line_ids"] = [Command.set(sorted(account.chosen))]
            create_values["portal_pay_chose_items"] = True
        tx_sudo = self._create_transaction(
            provider_id=provider_sudo.id,
            payment_method_id=method_id,
            token_id=token_id,
            amount=float(amount),
            currency_id=currency.id,
            partner_id=partner.id,
            flow=flow,
            tokenization_requested=bool(kwargs.get("tokenization_requested")),
            landing_route=const.CONFIRMATION_ROUTE,
            # A timestamp is not unique under parallel payments (same second): a sequence is.
            reference_prefix=request.env["ir.sequence"]
            .sudo()
            .next_by_code(const.REFERENCE_SEQUENCE_CODE),
            custom_create_values=create_values,
        )
        tx_sudo.landing_route = f"{const.CONFIRMATION_ROUTE}?tx_id={tx_sudo.id}"
        # Stock copied the payer's details; before any provider reads them (a saved card was
        # already charged with the details saved with it).
        tx_sudo.write(billing_values)
        return tx_sudo._get_processing_values()

    @staticmethod
    def _portal_pay_form_transaction(nonce):
        """What a payment form already posted gets back: the processing values of the
        transaction it created while that one is still to be processed (the same reference, and
        with Stripe the same PaymentIntent, created under an idempotency key of the reference), a
        message once it was processed, nothing for a form never posted.

        :raise ValidationError: if the form's transaction was already processed
        """
        tx_sudo = (
            request.env["payment.transaction"]
            .sudo()
            .search([("portal_pay_form_nonce", "=", nonce)], limit=1)
        )
        if not tx_sudo:
            return None
        if tx_sudo.state == "draft" or tx_sudo.operation == "online_token":
            return tx_sudo._get_processing_values()
        raise ValidationError(
            request.env._(
                "This payment form was already used for payment %(reference)s. Reload the page "
                "to make another payment.",
                reference=tx_sudo.reference,
            )
        )

    @staticmethod
    def _portal_pay_claim_form(nonce):
        """Make a second post of the same form wait for the first, then find its transaction.

        A parallel post waits for the lock of the form until the first one's transaction is
        committed (or rolled back). Its own snapshot is older than that commit, so the
        transaction is looked for on a fresh cursor, and if there is one the request is retried
        from the start (Odoo retries on a `ConcurrencyError`), where it is found and returned.
        The unique index on the nonce stays the last word.

        :raise ConcurrencyError: if the form's transaction was committed meanwhile
        """
        request.env.cr.execute(
            "SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (const.FORM_LOCK, nonce)
        )
        with request.env.registry.cursor() as fresh_cr:
            fresh_cr.execute(
                "SELECT 1 FROM payment_transaction WHERE portal_pay_form_nonce = %s", (nonce,)
            )
            posted = bool(fresh_cr.fetchone())
        if posted:
            raise ConcurrencyError("payment form posted twice at once")

    def _portal_pay_check_form(self, route, keys, currency_id, line_ids, kwargs):
        """The one check of what a payment form posts (transaction and billing routes): the
        parameters, the payer, the account of the URL's currency and chosen items, the amount
        and the form's access token.

        :param str route: the route's path without its currency and items segments
        :param frozenset keys: the parameters the route accepts
        :return: ``(PaymentRequest, nonce)``
        :raise Forbidden: if the user may not pay on account
        :raise ValidationError: with a message for the customer for anything else
        """
        # The currency and the chosen items come from the URL the page rendered, never from the
        # JSON body: a body `currency_id` or `line_ids` is an unexpected parameter.
        path_args = self._portal_pay_path_args(route)
        for name, value in (("currency_id", currency_id), ("line_ids", line_ids)):
            if value is not None and name not in path_args:
                kwargs[name] = value
        rejected = set(kwargs) - keys
        if rejected:
            raise ValidationError(
                request.env._("Unexpected parameters: %(keys)s", keys=", ".join(sorted(rejected)))
            )
        Request = request.env["portal.pay.request"]
        pay_request = Request._check(
            request.env.user.partner_id,
            request.env.company,
            path_args.get("currency_id"),
            path_args.get("line_ids"),
        )
        if pay_request is None:
            raise Forbidden()
        pay_request = Request._with_amount(pay_request, kwargs.get("amount"))
        return pay_request, Request._check_access_token(pay_request, kwargs.get("access_token"))

    @staticmethod
    def _portal_pay_path_args(prefix):
        """The ``currency_id`` and ``line_ids`` segments of the transaction (or billing) route's
        URL."""
        rest = request.httprequest.path[len(prefix) :]
        parts = [part for part in rest.split("/") if part]
        return dict(zip(("currency_id", "line_ids"), parts, strict=False))

    def _portal_pay_check_payment_option(self, partner, company, currency, amount, kwargs):
        """Check that the provider and method (or saved card) are offered on this page.

        :return: ``(provider_sudo, payment_method_id, token_id, flow)``
        :raise ValidationError: if the option is unknown, disabled or incompatible
        """
        invalid = ValidationError(
            request.env._("This payment method is not available. Choose another one.")
        )
        provider_id = self._cast_as_int(kwargs.get("provider_id"))
        flow = kwargs.get("flow")
        providers_sudo = (
            request.env["payment.provider"]
            .sudo()
            ._get_compatible_providers(
                company.id, partner.id, float(amount), currency_id=currency.id
            )
        )
        provider_sudo = providers_sudo.filtered(lambda provider: provider.id == provider_id)
        if not provider_sudo or flow not in ("redirect", "direct", "token"):
            raise invalid
        if flow == "token":
            token_id = self._cast_as_int(kwargs.get("token_id"))
            tokens_sudo = (
                request.env["payment.token"]
                .sudo()
                ._get_available_tokens(provider_sudo.ids, partner.id)
            )
            token_sudo = tokens_sudo.filtered(lambda token: token.id == token_id)
            if not token_sudo:
                raise invalid
            return provider_sudo, token_sudo.payment_method_id.id, token_sudo.id, flow
        method_id = self._cast_as_int(kwargs.get("payment_method_id"))
        methods_sudo = (
            request.env["payment.method"]
            .sudo()
            ._get_compatible_payment_methods(provider_sudo.ids, partner.id, currency_id=currency.id)
        )
        if method_id not in methods_sudo.ids:
            raise invalid
        return provider_sudo, method_id, None, flow

    # === BILLING DETAILS === #

    @route(
        [
            const.BILLING_ROUTE,
            f"{const.BILLING_ROUTE}/<int:currency_id>",
            f"{const.BILLING_ROUTE}/<int:currency_id>/<string:line_ids>",
        ],
        type="jsonrpc",
        auth="user",
    )
    def portal_pay_billing(self, currency_id=None, line_ids=None, **kwargs):
        """Keep the billing details of a Make a Payment form for the transaction it creates.

        The page posts them here just before the transaction route (which takes the payment
        form's standard parameters only), with the form's access token, amount, currency and
        chosen items, checked like the transaction route checks them. The details are checked
        one by one and kept in the session under the form's nonce. Nothing is created.

        :return: True
        :raise Forbidden: if the user may not pay on account
        :raise ValidationError: with a message for the customer for anything else
        """
        pay_request, nonce = self._portal_pay_check_form(
            const.BILLING_ROUTE, const.BILLING_ROUTE_KEYS, currency_id, line_ids, kwargs
        )
        billing_values = request.env["portal.pay.billing"]._check(
            pay_request.partner, kwargs.get("billing_details")
        )
        forms = dict(request.session.get(BILLING_SESSION_KEY) or {})
        forms.pop(nonce, None)
        kept = list(forms.items())[-(BILLING_SESSION_FORMS - 1) :]
        request.session[BILLING_SESSION_KEY] = dict(kept, **{nonce: billing_values})
        return True

    def _portal_pay_form_billing(self, partner, nonce):
        """The billing fields of the transaction of the form ``nonce``: the details the page
        kept for it (`portal_pay_billing`), else the customer's invoice address."""
        kept = (request.session.get(BILLING_SESSION_KEY) or {}).get(nonce)
        return kept or request.env["portal.pay.billing"]._check(partner, None)
