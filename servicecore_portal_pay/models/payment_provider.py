import json
import logging
import time

import requests

from odoo import models
from odoo.exceptions import ValidationError

from odoo.addons.payment_stripe import utils as stripe_utils
from odoo.addons.servicecore_portal_pay import const
from odoo.addons.servicecore_portal_pay.rules import webhook_signature

_logger = logging.getLogger(__name__)


class PaymentProvider(models.Model):
    _inherit = "payment.provider"

    # === BUSINESS METHODS - STRIPE INLINE FORM === #

    def _stripe_get_inline_form_values(self, *args, **kwargs):
        """Override of `payment_stripe` to start Stripe's Payment Element from the billing
        details of a Make a Payment payment (the customer's invoice address, given by the page in
        the context) instead of the payer's own details."""
        values = super()._stripe_get_inline_form_values(*args, **kwargs)
        billing_details = self.env.context.get("portal_pay_billing_details")
        if billing_details is None:
            return values
        return json.dumps({**json.loads(values), "billing_details": billing_details})

    # === BUSINESS METHODS - STRIPE WEBHOOK === #

    def _portal_pay_stripe_verify_webhook(self, payload, header):
        """Check that this provider's webhook secret signed a Stripe webhook delivery.

        Unlike payment_stripe's own check, there is no delivery without a secret (fail closed),
        any ``v1`` signature of the header may match (secret rotation), the timestamp may be at
        most `const.STRIPE_WEBHOOK_TOLERANCE` seconds off both ways, and the cost is bounded
        (see `webhook_signature`).

        :param bytes payload: the raw request body
        :param str header: the ``Stripe-Signature`` header
        :return: None
        :raise webhook_signature.SignatureError: if the provider has no webhook secret, the
            header is malformed, or the delivery was not signed in time with the secret
        """
        self.ensure_one()
        secret = stripe_utils.get_webhook_secret(self.sudo())
        webhook_signature.verify(
            payload,
            header,
            [secret] if secret else [],
            now=time.time(),
            tolerance=const.STRIPE_WEBHOOK_TOLERANCE,
        )

    # === BUSINESS METHODS - STRIPE API REQUESTS === #

    def _send_api_request(self, method, endpoint, *, idempotency_key=None, **kwargs):
        """Override of `payment` to retry once a Stripe POST that carries an idempotency key when
        Stripe's API gave no answer.

        A timeout or a dropped connection may hide a request Stripe executed (for a saved card:
        a charge), and an outage page from the edge or an unreadable body is not Stripe's
        answer. Stripe saves the answer of every request it began executing under its key and
        replays it, so one retry with the same key recovers the answer without charging twice;
        a customer retrying by hand would start a new attempt with a new key. An answer of
        Stripe's API (JSON), refusal or ``500`` alike, is final: Stripe would replay it for the
        key.
        """
        if self.code != "stripe" or method != "POST" or not idempotency_key:
            return super()._send_api_request(
                method, endpoint, idempotency_key=idempotency_key, **kwargs
            )
        try:
            return super()._send_api_request(
                method, endpoint, idempotency_key=idempotency_key, **kwargs
            )
        except ValidationError as error:
            cause = error.__context__
            if (
                isinstance(cause, requests.exceptions.HTTPError)
                and cause.response is not None
                and "json" in (cause.response.headers.get("Content-Type") or "")
            ):
                raise
            _logger.warning(
                "Stripe request POST %s got no answer from Stripe's API (%s); retrying once with "
                "the same idempotency key",
                endpoint,
                error,
            )
        return super()._send_api_request(
            method, endpoint, idempotency_key=idempotency_key, **kwargs
        )

    def _parse_response_error(self, response):
        """Override of `payment_stripe` to give a readable message for non-JSON errors.

        Stripe answers errors in JSON; a gateway or outage page (HTML 5xx) is not, and its text
        must not reach the customer.
        """
        if self.code != "stripe":
            return super()._parse_response_error(response)
        try:
            message = response.json().get("error", {}).get("message")
        except (ValueError, AttributeError):
            message = None
        if message:
            return message
        return self.env._(
            "Stripe is not available right now (HTTP %(status)s). No payment was made; "
            "please try again in a few minutes.",
            status=response.status_code,
        )

    def _parse_response_content(self, response, *, is_proxy_request=False, **kwargs):
        """Override of `payment_stripe` to turn an unreadable answer into a `ValidationError`.

        `payment` only expects `ValidationError` from API requests (and catches it to set the
        transaction in error); a successful status with a body that is not a JSON object would
        otherwise escape as a server error with a traceback.
        """
        if self.code != "stripe" or is_proxy_request:
            return super()._parse_response_content(
                response, is_proxy_request=is_proxy_request, **kwargs
            )
        try:
            content = super()._parse_response_content(
                response, is_proxy_request=is_proxy_request, **kwargs
            )
        except ValueError:
            content = None
        if not isinstance(content, dict):
            _logger.warning(
                "Unreadable answer from Stripe (HTTP %s, %s)",
                response.status_code,
                response.headers.get("Content-Type"),
            )
            raise ValidationError(
                self.env._("Stripe sent an answer that could not be read. Please try again.")
            )
        return content
