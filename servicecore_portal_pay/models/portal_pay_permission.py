from markupsafe import Markup

from odoo import api, models


class PortalPayPermission(models.AbstractModel):
    """Who pays a customer's account, and a contact's request for the right to pay.

    A customer *uses portal payments* in a company when one of its contacts may pay there. Its
    other contacts then get a page that explains who pays instead of Make a Payment, can ask the
    accounting team once at a time, and (company setting) cannot pay single invoices with stock's
    "Pay Now" either.
    """

    _name = "portal.pay.permission"
    _description = "Portal Payment Permission"

    @api.model
    def _payers(self, partner, company):
        """The contacts of ``partner``'s customer who may pay its account in ``company``.

        :rtype: res.partner
        """
        contacts = (
            self.env["res.partner"]
            .sudo()
            .search(
                [
                    ("commercial_partner_id", "=", partner.commercial_partner_id.id),
                    ("portal_payment_enabled", "=", True),
                    ("type", "=", "contact"),
                    ("company_id", "in", [False, company.id]),
                ],
                order="name, id",
            )
        )
        return contacts.filtered(lambda contact: contact._portal_pay_may_pay_in(company))

    @api.model
    def _concerns(self, user, company):
        """Whether ``user`` gets the page that says who pays (else stock's answers: login for the
        public, /my for others): a portal contact in a company with portal payments on, who may
        not pay. An address cannot be allowed to pay, and staff are no customers.

        :rtype: bool
        """
        partner = user.partner_id
        return bool(
            company.portal_pay_enabled
            and user.share
            and not user._is_public()
            and partner.type == "contact"
            and not partner._portal_pay_may_pay_in(company)
        )

    @api.model
    def _home_entry(self, user, company):
        """Whether the portal home shows ``user`` the entry to that page: only for contacts of a
        customer who pays through chosen contacts (others have nobody to be compared with).

        :rtype: bool
        """
        return self._concerns(user, company) and bool(self._payers(user.partner_id, company))

    @api.model
    def _may_pay_now(self, partner, company):
        """Whether ``partner`` (a portal user's) may pay single invoices of ``company`` online.

        Stock's rule unless the company restricts "Pay Now" and the customer pays its account
        through chosen contacts, ``partner`` not being one of them.

        :rtype: bool
        """
        if not (company.portal_pay_enabled and company.portal_pay_restrict_pay_now):
            return True
        if partner._portal_pay_may_pay_in(company):
            return True
        return not self._payers(partner, company)

    @api.model
    def _refusal(self, partner):
        """What a contact who may not pay is told where a payment was refused."""
        return self.env._(
            "Payments on the account of %(customer)s are made by the people your company allowed "
            "to pay. Open Make a Payment to see who they are or to ask for access.",
            customer=partner.commercial_partner_id.name,
        )

    @api.model
    def _open_request(self, partner):
        """The to-do of ``partner``'s request for the right to pay, while it is open.

        :rtype: mail.activity
        """
        activity = partner.sudo().portal_pay_permission_activity_id
        # A to-do marked done is archived (or deleted, which empties the field).
        return activity if activity.active else activity.browse()

    @api.model
    def _assignee(self, partner, company):
        """Who is asked: per the company setting, else the portal payments responsible.

        :rtype: res.users
        """
        if company.portal_pay_permission_to == "salesperson":
            salesperson = partner.commercial_partner_id.sudo().user_id
            if salesperson.active and not salesperson.share:
                return salesperson
        return company._portal_pay_responsible() or self.env.ref("base.user_admin")

    @api.model
    def _ask(self, partner, company):
        """Ask the accounting team to let ``partner`` pay: a note on the customer's chatter and a
        to-do for the assignee, at most one open request per contact.

        :return: the open request, and whether this call made it
        :rtype: tuple(mail.activity, bool)
        """
        # Called for a portal user: the customer's chatter and the staff users are read as sudo.
        partner, company = partner.sudo(), company.sudo()
        # The contact's row is locked so that two presses at once make one request: under
        # REPEATABLE READ the second cannot lock the row once the first has written it and
        # committed; Odoo retries that request, which then finds the first one's request.
        self.env.cr.execute("SELECT id FROM res_partner WHERE id = %s FOR UPDATE", [partner.id])
        partner.invalidate_recordset(["portal_pay_permission_activity_id"])
        existing = self._open_request(partner)
        if existing:
            return existing, False
        customer = partner.commercial_partner_id
        env = self.env
        customer.message_post(
            body=Markup("<p>%s</p>")
            % env._(
                "%(contact)s asks to pay the account of %(customer)s from the portal (Make a "
                "Payment).",
                contact=partner.name,
                customer=customer.name,
            ),
            author_id=partner.id,
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )
        activity = customer.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=env._("Portal payment permission request"),
            note=Markup("<p>%s</p>")
            % env._(
                "%(contact)s (%(email)s) asks to pay the account of %(customer)s from the "
                "portal. Allow it with Portal Payments on the contact, or tell them who pays.",
                contact=partner.name,
                email=partner.email or "-",
                customer=customer.name,
            ),
            user_id=self.sudo()._assignee(partner, company).id,
        )
        partner.portal_pay_permission_activity_id = activity
        return activity, True

    @api.model
    def _close_requests(self, partners):
        """Mark the open requests of ``partners`` done: they were allowed to pay."""
        activities = self.env["mail.activity"]
        for partner in partners:
            activities |= self._open_request(partner)
        if activities:
            activities.sudo().action_feedback(feedback=self.env._("Allowed to pay."))
