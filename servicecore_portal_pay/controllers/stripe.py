import json
import logging

from werkzeug.exceptions import Forbidden

from odoo import http
from odoo.http import request

from odoo.addons.payment_stripe.controllers import main
from odoo.addons.servicecore_portal_pay import const, webhook_signature

_logger = logging.getLogger(__name__)


class StripeController(main.StripeController):
    WEBHOOK_AGE_TOLERANCE = const.STRIPE_WEBHOOK_TOLERANCE

    @http.route()
    def stripe_webhook(self):
        """Override of `payment_stripe` to authenticate a delivery before anything else.

        The raw body is verified against the webhook secrets first (fail closed without a
        secret, any ``v1`` signature, 300 s tolerance, 400 on a malformed header); only an
        authentic delivery is parsed. Events that are authentic but not for Odoo (unknown type or
        object) are acknowledged, so Stripe neither retries them nor disables the endpoint.
        """
        payload = request.httprequest.get_data()
        try:
            request.env["payment.provider"]._portal_pay_stripe_signers(
                payload, request.httprequest.headers.get("Stripe-Signature")
            )
        except webhook_signature.SignatureError as error:
            # A missing secret is a configuration error the administrator must see.
            missing = isinstance(error, webhook_signature.MissingSecret)
            _logger.log(
                logging.ERROR if missing else logging.WARNING,
                "Refused a Stripe webhook delivery: %s",
                error,
            )
            return request.make_json_response({"error": "refused"}, status=error.status)
        try:
            event = json.loads(payload)
        except ValueError:
            _logger.warning("Refused a signed Stripe webhook delivery that is not JSON")
            return request.make_json_response({"error": "not JSON"}, status=400)
        if not self._portal_pay_is_event(event):
            _logger.info("Acknowledged a Stripe webhook delivery that is not an event for Odoo")
            return request.make_json_response("")
        return super().stripe_webhook()

    @staticmethod
    def _portal_pay_is_event(event):
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            return False
        data = event.get("data")
        stripe_object = data.get("object") if isinstance(data, dict) else None
        return isinstance(stripe_object, dict) and isinstance(stripe_object.get("id"), str)

    def _verify_signature(self, tx_sudo):
        """Override of `payment_stripe`: the delivery must be signed with the secret of the
        transaction's own provider, with the same rules as above (stock Odoo processes unsigned
        events when no secret is set, keeps only the last ``v1`` and allows 10 minutes)."""
        try:
            signers = request.env["payment.provider"]._portal_pay_stripe_signers(
                request.httprequest.get_data(),
                request.httprequest.headers.get("Stripe-Signature"),
            )
        except webhook_signature.SignatureError as error:
            _logger.warning("Refused a Stripe webhook delivery: %s", error)
            raise Forbidden() from error
        if tx_sudo.provider_id not in signers:
            _logger.warning(
                "Refused a Stripe webhook delivery for %s: not signed by its provider",
                tx_sudo.reference,
            )
            raise Forbidden()
