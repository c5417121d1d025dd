import re

from odoo import api, models
from odoo.exceptions import ValidationError
from odoo.tools import email_normalize, email_split

from odoo.addons.payment import utils as payment_utils
from odoo.addons.servicecore_portal_pay import const

# Billing details are one-line texts: no line breaks, tabs or other control characters.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


class PortalPayBilling(models.AbstractModel):
    """The billing details that go with a Make a Payment transaction: the customer's invoice
    address, as the payer may correct it for one payment (no contact is ever changed).

    They are kept in stock's ``partner_*`` fields of the transaction, which every provider reads
    as the payment's billing address.
    """

    _name = "portal.pay.billing"
    _description = "Portal Payment Billing Details"

    @api.model
    def _defaults(self, contact):
        """The billing details a payment of ``contact`` starts from: the customer's invoice
        address (its commercial partner's ``address_get(['invoice'])``), not the payer's own.

        :return: ``name``, ``email``, ``phone``, ``street``, ``street2``, ``city``, ``zip``
            (texts), ``state`` and ``country`` (records)
        :rtype: dict
        """
        commercial = contact.commercial_partner_id.sudo()
        address = commercial.browse(commercial.address_get(["invoice"])["invoice"])
        texts = {
            "name": address.name or commercial.name or "",
            # A contact may hold several addresses ("a@x.com, b@x.com"): the first one.
            "email": next(iter(email_split(address.email or "")), ""),
            "phone": address.phone or "",
            "street": address.street or "",
            "street2": address.street2 or "",
            "city": address.city or "",
            "zip": address.zip or "",
        }
        # Fit for the checks of `_check`, so that details the payer leaves as they are never
        # stop the payment.
        return {
            **{
                key: CONTROL_CHARACTERS.sub(" ", value).strip()[: const.BILLING_FIELD_SIZES[key]]
                for key, value in texts.items()
            },
            "state": address.state_id,
            "country": address.country_id,
        }

    @api.model
    def _transaction_values(self, billing):
        """The transaction fields of checked billing details (as :meth:`_defaults` gives them)."""
        return {
            "partner_name": billing["name"],
            "partner_email": billing["email"] or False,
            "partner_phone": billing["phone"] or False,
            "partner_address": payment_utils.format_partner_address(
                billing["street"], billing["street2"]
            ),
            "partner_city": billing["city"] or False,
            "partner_zip": billing["zip"] or False,
            "partner_state_id": billing["state"].id,
            "partner_country_id": billing["country"].id,
        }

    @api.model
    def _check(self, partner, billing):
        """The billing details that go with the payment, checked one by one.

        They start from the customer's invoice address; the payer may correct them for this
        payment only (no contact is changed). Without them (None) the invoice address goes
        with the payment unchanged.

        :param res.partner partner: the payer
        :param dict billing: what the page posts: ``name``, ``email``, ``phone``, ``street``,
            ``street2``, ``city``, ``zip`` (texts), ``state_id``, ``country_id`` (ids)
        :return: the billing fields of the transaction
        :rtype: dict
        :raise ValidationError: naming the first detail that cannot be accepted
        """
        env = self.env
        if billing is None:
            return self._transaction_values(self._defaults(partner))
        if not isinstance(billing, dict):
            raise ValidationError(
                env._("The billing details could not be read. Reload the page and try again.")
            )
        unknown = set(billing) - set(const.BILLING_FIELD_SIZES) - {"state_id", "country_id"}
        if unknown:
            raise ValidationError(
                env._("Unexpected billing details: %(keys)s", keys=", ".join(sorted(unknown)))
            )
        labels = {
            "name": env._("name"),
            "email": env._("email"),
            "phone": env._("phone"),
            "street": env._("street"),
            "street2": env._("second street line"),
            "city": env._("city"),
            "zip": env._("ZIP code"),
        }
        checked = {}
        for key, size in const.BILLING_FIELD_SIZES.items():
            value = billing.get(key) or ""
            if not isinstance(value, str):
                raise ValidationError(
                    env._("The billing %(field)s must be text.", field=labels[key])
                )
            value = value.strip()
            if CONTROL_CHARACTERS.search(value):
                raise ValidationError(
                    env._("The billing %(field)s must fit on one line.", field=labels[key])
                )
            if len(value) > size:
                raise ValidationError(
                    env._(
                        "The billing %(field)s is too long: at most %(size)s characters.",
                        field=labels[key],
                        size=size,
                    )
                )
            checked[key] = value
        if not checked["name"]:
            raise ValidationError(env._("Enter the billing name."))
        if checked["email"]:
            checked["email"] = email_normalize(checked["email"])
            if not checked["email"]:
                raise ValidationError(
                    env._("Enter one valid billing email address, such as name@example.com.")
                )
        country = self._record(
            "res.country",
            billing.get("country_id"),
            env._("Choose the billing country from the list."),
        )
        state = self._record(
            "res.country.state",
            billing.get("state_id"),
            env._("Choose the billing state from the list."),
        )
        if state and not country:
            raise ValidationError(
                env._("Choose the billing country of the state %(state)s.", state=state.name)
            )
        if state and state.country_id != country:
            raise ValidationError(
                env._("Choose a billing state of %(country)s.", country=country.name)
            )
        return self._transaction_values(dict(checked, state=state, country=country))

    @api.model
    def _record(self, model, value, message):
        """The country or state of the billing details (none if left empty).

        :raise ValidationError: with ``message`` if ``value`` is not the id of one
        """
        if value in (None, False, ""):
            return self.env[model]
        try:
            record_id = None if isinstance(value, bool) else int(value)
        except (TypeError, ValueError, OverflowError):
            record_id = None
        if not record_id or not 0 < record_id < 2**31:  # ids are PostgreSQL integers
            raise ValidationError(message)
        record = self.env[model].sudo().browse(record_id).exists()
        if not record:
            raise ValidationError(message)
        return record
