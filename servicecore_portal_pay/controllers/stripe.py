import json
import logging

from werkzeug.exceptions import BadRequest, Forbidden

from odoo import http
from odoo.http import request

from odoo.addons.payment_stripe.controllers import main
from odoo.addons.servicecore_portal_pay.rules import webhook_signature

_logger = logging.getLogger(__name__)


class StripeController(main.StripeController):
    @http.route()
    def stripe_webhook(self):
        """Override of `payment_stripe` to bound the cost of a delivery before stock's flow runs.

        A body larger than any Stripe event (or of unknown length) and a ``Stripe-Signature``
        header with more entries than Stripe sends are refused before the body is read; a body
        that is not JSON is a bad request, and an authentic-looking delivery that is not an
        event for Odoo (unknown type or object) is acknowledged, so that Stripe neither retries
        it nor disables the endpoint. Everything else goes through stock's flow, which verifies
        the delivery at its own seam, `_verify_signature` (see below).
        """
        try:
            webhook_signature.check_payload_size(request.httprequest.content_length)
            header = request.httprequest.headers.get("Stripe-Signature")
            if header is not None:
                webhook_signature.parse_header(header)
        except webhook_signature.SignatureError as error:
            _logger.warning("Refused a Stripe webhook delivery: %s", error)
            return request.make_json_response({"error": "refused"}, status=error.status)
        try:
            event = json.loads(request.httprequest.get_data())
        except ValueError:
            _logger.warning("Refused a Stripe webhook delivery that is not JSON")
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
        return (
            isinstance(stripe_object, dict)
            and isinstance(stripe_object.get("id"), str)
            and isinstance(stripe_object.get("description") or "", str)
        )

    def _portal_pay_verify_signature(self, tx_sudo):
        """payment_stripe's `_verify_signature` where this addon is installed.

        The delivery must be signed with the webhook secret of the transaction's provider, as in
        stock, but with the rules of `payment.provider._portal_pay_stripe_verify_webhook`
        (stock processes unsigned events when no secret is set, keeps only the last ``v1``,
        allows 10 minutes in the past and any time in the future, and answers 500 to a malformed
        header). The delivery is verified once.

        :raise Forbidden: if the delivery is not authentic or no secret is set
        :raise BadRequest: if the ``Stripe-Signature`` header is missing or malformed
        """
        try:
            tx_sudo.provider_id._portal_pay_stripe_verify_webhook(
                request.httprequest.get_data(),
                request.httprequest.headers.get("Stripe-Signature"),
            )
        except webhook_signature.SignatureError as error:
            # A missing secret is a configuration error the administrator must see.
            missing = isinstance(error, webhook_signature.MissingSecret)
            _logger.log(
                logging.ERROR if missing else logging.WARNING,
                "Refused a Stripe webhook delivery for %s: %s",
                tx_sudo.reference,
                error,
            )
            if error.status == BadRequest.code:
                raise BadRequest() from error
            raise Forbidden() from error


_stock_verify_signature = main.StripeController._verify_signature


def _verify_signature(controller, tx_sudo):
    """payment_stripe's seam, hardened in the databases where this addon is installed.

    The hardened check is installed *in* stock's `StripeController._verify_signature` rather
    than overridden in the subclass above: Odoo's own payment_stripe tests (and integrators'
    tests) replace that very attribute to post unsigned deliveries, and a subclass override
    would hide the replacement, so their webhooks would be refused. Odoo builds one controller
    class per database from the installed addons' subclasses, so ``controller`` is an instance
    of this addon's `StripeController` exactly where the addon is installed; elsewhere (another
    database of the same server) stock's check runs unchanged.
    """
    if isinstance(controller, StripeController):
        return controller._portal_pay_verify_signature(tx_sudo)
    return _stock_verify_signature(controller, tx_sudo)


main.StripeController._verify_signature = _verify_signature
