"""Money invariants of the database, read with SQL after each scenario.

Each check returns a list of human-readable violations; a scenario passes when the list is empty.
The queries read the ledger (account_move, account_move_line, account_partial_reconcile), not the
addon's own bookkeeping only, so a wrong allocation record cannot hide a wrong reconciliation.
"""

import re
from decimal import Decimal

import psycopg2

CENT = Decimal("0.01")


def money(value):
    return Decimal(str(value or 0)).quantize(CENT)


class Invariants:
    def __init__(self, db, conn=None):
        self.db = db
        self.conn = conn  # an open connection to read through (tests of the checks themselves)

    def query(self, sql, params=()):
        if self.conn is not None:
            with self.conn.cursor() as cr:
                cr.execute(sql, params)
                return cr.fetchall()
        with psycopg2.connect(dbname=self.db) as conn, conn.cursor() as cr:
            cr.execute(sql, params)
            return cr.fetchall()

    # === SNAPSHOTS === #

    def residuals(self):
        """{invoice id: (partner id, residual)} of every posted customer invoice."""
        rows = self.query(
            "SELECT id, partner_id, amount_residual FROM account_move"
            " WHERE move_type = 'out_invoice' AND state = 'posted'"
        )
        return {row[0]: (row[1], money(row[2])) for row in rows}

    def done_portal_transactions(self):
        return self.query(
            "SELECT id FROM payment_transaction WHERE portal_pay_account AND state = 'done'"
        )

    # === CHECKS === #

    def check(self, before=None, partners=None, converged=True):
        """All invariants; ``before``/``partners``: the snapshot and the partners the scenario
        may touch (everyone else must be untouched); ``converged``: every done transaction must
        have its payment (after a post-processing run), not just at most one."""
        violations = []
        violations += self.check_one_payment_per_transaction(converged)
        violations += self.check_conservation()
        violations += self.check_portal_payments()
        violations += self.check_no_negative_residual()
        violations += self.check_oldest_first()
        if before is not None:
            violations += self.check_untouched(before, partners or set())
        return violations

    def check_one_payment_per_transaction(self, converged=True):
        violations = []
        rows = self.query(
            """
            SELECT t.id, t.reference, t.state, t.amount, t.payment_id,
                   rp.commercial_partner_id,
                   array_agg(p.id) FILTER (WHERE p.id IS NOT NULL),
                   array_agg(p.amount) FILTER (WHERE p.id IS NOT NULL),
                   array_agg(p.partner_id) FILTER (WHERE p.id IS NOT NULL)
              FROM payment_transaction t
              JOIN res_partner rp ON rp.id = t.partner_id
              LEFT JOIN account_payment p
                     ON p.payment_transaction_id = t.id AND p.state NOT IN ('canceled', 'rejected')
             WHERE t.portal_pay_account AND t.operation != 'refund'
             GROUP BY t.id, rp.commercial_partner_id
            """
        )
        for (
            _tx_id,
            ref,
            state,
            amount,
            payment_id,
            partner,
            payment_ids,
            pay_amounts,
            pay_partners,
        ) in rows:
            pay_ids = payment_ids or []
            if len(pay_ids) > 1:
                violations.append(f"transaction {ref} has {len(pay_ids)} payments {pay_ids}")
            if state != "done" and pay_ids:
                violations.append(f"transaction {ref} is {state} but has payments {pay_ids}")
            if state == "done" and converged and len(pay_ids) != 1:
                violations.append(f"done transaction {ref} has {len(pay_ids)} payments")
            if pay_ids and len(pay_ids) == 1:
                if payment_id != pay_ids[0]:
                    violations.append(f"transaction {ref} points to payment {payment_id}")
                if money(pay_amounts[0]) != money(amount):
                    violations.append(f"transaction {ref}: payment {pay_amounts[0]} != {amount}")
                if pay_partners[0] != partner:
                    violations.append(f"transaction {ref}: payment of partner {pay_partners[0]}")
        return violations

    def check_conservation(self):
        """Per partner and currency: Σ payments = Σ paid on invoices + Σ left unapplied."""
        rows = self.query(
            """
            WITH pay AS (
                SELECT p.partner_id, p.currency_id, sum(p.amount) AS amount
                  FROM account_payment p
                 WHERE p.payment_type = 'inbound' AND p.state IN ('in_process', 'paid')
                 GROUP BY 1, 2
            ), inv AS (
                SELECT m.partner_id, m.currency_id,
                       sum(m.amount_total - m.amount_residual) AS paid
                  FROM account_move m
                 WHERE m.move_type = 'out_invoice' AND m.state = 'posted'
                 GROUP BY 1, 2
            ), open_pay AS (
                SELECT p.partner_id, p.currency_id, -sum(l.amount_residual) AS unapplied
                  FROM account_payment p
                  JOIN account_move_line l ON l.move_id = p.move_id
                  JOIN account_account a ON a.id = l.account_id
                 WHERE p.payment_type = 'inbound' AND p.state IN ('in_process', 'paid')
                   AND a.account_type = 'asset_receivable'
                 GROUP BY 1, 2
            )
            SELECT pay.partner_id, pay.currency_id, pay.amount,
                   coalesce(inv.paid, 0), coalesce(open_pay.unapplied, 0)
              FROM pay
              LEFT JOIN inv USING (partner_id, currency_id)
              LEFT JOIN open_pay USING (partner_id, currency_id)
            """
        )
        return [
            f"partner {partner}: payments {paid_in} != applied {applied} + unapplied {unapplied}"
            for partner, _currency, paid_in, applied, unapplied in rows
            if money(paid_in) != money(applied) + money(unapplied)
        ]

    def check_portal_payments(self):
        """Each portal payment: amount = Σ allocations + unapplied = Σ reconciled + residual,
        every allocation on an invoice of the same partner, one allocation per invoice line."""
        violations = []
        rows = self.query(
            """
            SELECT p.id, p.amount, p.portal_pay_unapplied, p.partner_id,
                   (SELECT coalesce(sum(a.amount + a.discount), 0) FROM portal_pay_allocation a
                     WHERE a.payment_id = p.id AND a.kind = 'payment'),
                   (SELECT count(*) - count(DISTINCT a.move_line_id) FROM portal_pay_allocation a
                     WHERE a.payment_id = p.id AND a.kind = 'payment'),
                   (SELECT count(*) FROM portal_pay_allocation a
                      JOIN account_move m ON m.id = a.move_id
                     WHERE a.payment_id = p.id AND m.partner_id != p.partner_id),
                   (SELECT coalesce(sum(pr.amount), 0)
                      FROM account_move_line l
                      JOIN account_account acc ON acc.id = l.account_id
                      JOIN account_partial_reconcile pr ON pr.credit_move_id = l.id
                     WHERE l.move_id = p.move_id AND acc.account_type = 'asset_receivable'),
                   (SELECT coalesce(-sum(l.amount_residual), 0)
                      FROM account_move_line l
                      JOIN account_account acc ON acc.id = l.account_id
                     WHERE l.move_id = p.move_id AND acc.account_type = 'asset_receivable'),
                   p.portal_pay_allocated
              FROM account_payment p
             WHERE p.is_portal_payment AND p.state IN ('in_process', 'paid')
            """
        )
        for (
            pid,
            raw_amount,
            raw_unapplied,
            _partner,
            allocated,
            dup,
            foreign,
            reconciled,
            residual,
            done,
        ) in rows:
            amount, unapplied = money(raw_amount), money(raw_unapplied)
            if not done:
                violations.append(f"portal payment {pid} was never allocated")
            if money(allocated) + unapplied != amount:
                violations.append(f"payment {pid}: {amount} != allocated {allocated} + {unapplied}")
            if money(reconciled) != money(allocated):
                violations.append(
                    f"payment {pid}: reconciled {reconciled} != allocated {allocated}"
                )
            if money(residual) != unapplied:
                violations.append(f"payment {pid}: open {residual} != unapplied {unapplied}")
            if dup:
                violations.append(f"payment {pid}: {dup} invoice lines allocated twice")
            if foreign:
                violations.append(f"payment {pid}: {foreign} allocations on another partner")
        return violations

    def check_no_negative_residual(self):
        rows = self.query(
            """
            SELECT m.name, m.amount_residual FROM account_move m
             WHERE m.move_type = 'out_invoice' AND m.state = 'posted'
               AND (m.amount_residual < 0 OR m.amount_residual > m.amount_total)
            UNION ALL
            SELECT 'line ' || l.id, l.amount_residual FROM account_move_line l
              JOIN account_account a ON a.id = l.account_id
             WHERE a.account_type = 'asset_receivable' AND l.parent_state = 'posted'
               AND sign(l.amount_residual) * sign(l.balance) < 0
            """
        )
        return [f"{name} has residual {residual}" for name, residual in rows]

    def check_oldest_first(self):
        """Per partner, in the allocation order: paid invoices, at most one partly paid, then
        untouched ones; never a newer invoice paid while an older one stays open."""
        rows = self.query(
            """
            SELECT m.partner_id,
                   string_agg(CASE WHEN m.amount_residual = 0 THEN 'P'
                                   WHEN m.amount_residual = m.amount_total THEN 'O'
                                   ELSE 'X' END, ''
                              ORDER BY m.invoice_date_due, m.invoice_date, m.name, m.id)
              FROM account_move m
             WHERE m.move_type = 'out_invoice' AND m.state = 'posted'
             GROUP BY m.partner_id
            """
        )
        return [
            f"partner {partner}: invoices not paid oldest first ({pattern})"
            for partner, pattern in rows
            if not re.fullmatch(r"P*X?O*", pattern)
        ]

    def check_untouched(self, before, partners):
        after = self.residuals()
        return [
            f"invoice {move_id} of partner {partner} (not in the scenario) changed: "
            f"{residual} -> {after.get(move_id, (None, None))[1]}"
            for move_id, (partner, residual) in before.items()
            if partner not in partners and after.get(move_id, (None, None))[1] != residual
        ]
