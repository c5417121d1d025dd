from odoo import models


class PortalWizardUser(models.TransientModel):
    _inherit = "portal.wizard.user"

    def action_grant_access(self):
        """Override of `portal` to allow new portal users to pay, as the company decides."""
        result = super().action_grant_access()
        self.partner_id._portal_pay_apply_default_flag()
        return result
