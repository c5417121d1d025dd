from odoo import api, models
from odoo.fields import Domain


class PaymentToken(models.Model):
    _inherit = "payment.token"

    # === BUSINESS METHODS === #

    @api.model
    def _get_available_tokens(self, providers_ids, partner_id, is_validation=False, **kwargs):
        """Override of `payment` to share saved payment methods within a customer.

        Stock Odoo offers a payer only their own tokens (and, to manage them, those of their
        commercial partner). When the company shares saved payment methods, a contact allowed to
        pay also gets those saved by the other contacts of the same customer.
        """
        tokens = super()._get_available_tokens(
            providers_ids, partner_id, is_validation=is_validation, **kwargs
        )
        shared = self._portal_pay_shared_tokens(
            self.env["res.partner"].browse(partner_id),
            providers_ids=None if is_validation else providers_ids,
        )
        return tokens | shared

    @api.model
    def _portal_pay_shared_tokens(self, partner, providers_ids=None):
        """Return the tokens ``partner`` may use because its customer shares them.

        Only for contacts allowed to pay on account, in a company that shares saved payment
        methods; otherwise nothing (stock rules apply).

        :param res.partner partner: the paying contact (a user's partner)
        :param list providers_ids: restrict to these providers, if given
        :rtype: payment.token
        """
        company = self.env.company
        if not (partner and company.portal_pay_share_tokens and partner._portal_pay_is_allowed()):
            return self.browse()
        if partner.company_id and partner.company_id != company:
            return self.browse()
        domain = Domain("partner_id", "child_of", partner.commercial_partner_id.id)
        if providers_ids is not None:
            domain &= Domain("provider_id", "in", providers_ids)
        return self.search(domain)
