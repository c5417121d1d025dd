from collections import defaultdict

from odoo import api, fields, models

from odoo.addons.servicecore_portal_pay import aging, allocation


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
    def _get_open_lines_domain(self, commercial_partner, companies):
        # Explicit domain on the commercial partner (never portal record rules), every
        # receivable account and currency: the statement shows everything that is owed.
        return [
            ("partner_id", "=", commercial_partner.id),
            ("company_id", "in", companies.ids),
            ("account_id.account_type", "=", "asset_receivable"),
            ("parent_state", "=", "posted"),
            ("reconciled", "=", False),
            ("amount_residual_currency", "!=", 0),
        ]

    @api.model
    def _get_sections(self, commercial_partner, companies, as_of):
        """Open items grouped per company and currency, each group with its aging totals.

        :return: a list of dicts with ``company``, ``currency``, ``items`` (dicts with the
                 ``line``, ``move``, ``due`` date, ``days_overdue``, Decimal ``residual`` and
                 ``bucket``) and ``totals`` (see ``aging.age``), sorted by company and currency
        :rtype: list
        """
        lines = self.env["account.move.line"].search(
            self._get_open_lines_domain(commercial_partner, companies),
            order="date_maturity, date, move_name, id",
        )
        groups = defaultdict(list)
        for line in lines:
            residual = allocation.quantize(
                line.amount_residual_currency, line.currency_id.decimal_places
            )
            due = line.date_maturity or line.date
            groups[line.company_id, line.currency_id].append(
                {
                    "line": line,
                    "move": line.move_id,
                    "due": due,
                    "days_overdue": max((as_of - due).days, 0),
                    "residual": residual,
                    "bucket": aging.bucket(due, as_of),
                }
            )
        return [
            {
                "company": company,
                "currency": currency,
                "items": items,
                "totals": aging.age(((item["due"], item["residual"]) for item in items), as_of),
            }
            for (company, currency), items in sorted(
                groups.items(), key=lambda group: (group[0][0].name, group[0][1].name)
            )
        ]
