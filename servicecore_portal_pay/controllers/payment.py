from werkzeug.exceptions import Forbidden

from odoo.exceptions import ValidationError
from odoo.http import request, route

from odoo.addons.account_payment.controllers import payment
from odoo.addons.payment import utils as payment_utils
from odoo.addons.servicecore_portal_pay import const


class PaymentPortal(payment.PaymentPortal):
    @route(const.TRANSACTION_ROUTE, type="jsonrpc", auth="user")
    def portal_pay_transaction(self, **kwargs):
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
        rejected = set(kwargs) - const.TRANSACTION_ROUTE_KEYS
        if rejected:
            raise ValidationError(
                request.env._("Unexpected parameters: %(keys)s", keys=", ".join(sorted(rejected)))
            )
        context = request.env.user.partner_id._portal_pay_context(request.env.company)
        if context is None:
            raise Forbidden()
        partner, company, currency = context["partner"], context["company"], context["currency"]
        amount = context["commercial_partner"]._portal_pay_validate_amount(
            kwargs.get("amount"), context["summary"]
        )
        if not payment_utils.check_access_token(
            kwargs.get("access_token"),
            const.ACCESS_TOKEN_SCOPE,
            partner.id,
            f"{amount:f}",
            currency.id,
        ):
            raise ValidationError(
                request.env._(
                    "This payment form has expired or was changed. Reload the page and try again."
                )
            )
        if kwargs.get("is_validation"):
            raise ValidationError(request.env._("This form only takes payments."))
        provider_sudo, method_id, token_id, flow = self._portal_pay_check_payment_option(
            partner, company, currency, amount, kwargs
        )
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
            # The payer in the prefix: the timestamp alone is the same for every payment made in
            # the same second, and concurrent transactions cannot see each other's references
            # (the second one failed on the unique constraint under load, see bench/).
            reference_prefix=payment_utils.singularize_reference_prefix(
                prefix=f"{const.REFERENCE_PREFIX}-{partner.id}"
            ),
            custom_create_values={"portal_pay_account": True},
        )
        tx_sudo.landing_route = f"{const.CONFIRMATION_ROUTE}?tx_id={tx_sudo.id}"
        return tx_sudo._get_processing_values()

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
