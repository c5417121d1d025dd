from odoo import api, fields, models

from odoo.addons.servicecore_portal_pay.rules import aging


class ReportPortalPayStatement(models.AbstractModel):
    """Customer statement: open items with aging buckets and the balance, per company and
    currency (the aging itself is the pure rule in ``aging``)."""

    _name = "report.servicecore_portal_pay.report_portal_pay_statement"
    _description = "Customer Statement"

    @api.model
    def _get_report_values(self, docids, data=None):
        data = data or {}
        partners = self.env["res.partner"].browse(docids).commercial_partner_id
        companies = self.env["res.company"].browse(data.get("company_ids") or [])
        as_of = fields.Date.to_date(data.get("as_of")) or fields.Date.context_today(self)
        return {
            "doc_ids": partners.ids,
            "doc_model": "res.partner",
            "docs": partners,
            "as_of": as_of,
            "sections": {
                partner.id: self._get_sections(partner, companies or self.env.companies, as_of)
                for partner in partners
            },
            "bucket_labels": self._get_bucket_labels(),
        }

    @api.model
    def _get_bucket_labels(self):
        return dict(
            zip(
                aging.BUCKETS,
                (
                    self.env._("Current"),
                    self.env._("1–30 days"),
                    self.env._("31–60 days"),
                    self.env._("61–90 days"),
                    self.env._("90+ days"),
                ),
                strict=True,
            )
        )

    @api.model
    def _get_sections(self, commercial_partner, companies, as_of):
        """Open items per company and currency, aged, with the figures of Make a Payment.

        Each section is built from the same account (``portal.pay.account``) as the page, so
        the statement lists the same open items and states the same amount due.

        :return: a list of dicts with ``company``, ``currency``, ``figures``
                 (``allocation.Figures``), ``items`` (dicts with the ``line``, ``move``, ``due``
                 date, ``days_overdue``, Decimal ``residual`` and ``bucket``) and ``totals``
                 (see ``aging.age``), sorted by company and currency
        :rtype: list
        """
        Account = self.env["portal.pay.account"]
        groups = (
            self.env["account.move.line"]
            .sudo()
            ._read_group(
                Account._open_lines_domain(commercial_partner, companies),
                groupby=["company_id", "currency_id"],
            )
        )
        sections = []
        for company, currency in sorted(groups, key=lambda group: (group[0].name, group[1].name)):
            account = Account._get(commercial_partner, company, currency)
            items = [
                {
                    "line": account.line(item.key),
                    "move": account.line(item.key).move_id,
                    "due": item.due,
                    "days_overdue": max((as_of - item.due).days, 0),
                    "residual": item.residual,
                    "bucket": aging.bucket(item.due, as_of),
                    "on_hold": item.on_hold,
                }
                for item in account.items
            ]
            sections.append(
                {
                    "company": company,
                    "currency": currency,
                    "figures": account.figures,
                    "items": items,
                    "totals": aging.age(((item["due"], item["residual"]) for item in items), as_of),
                }
            )
        return sections
