"""Money invariants of the database, read with SQL after each scenario.

Each check returns a list of human-readable violations; a scenario passes when the list is empty.
The queries read the ledger (account_move, account_move_line, account_partial_reconcile), not the
addon's own bookkeeping only, so a wrong allocation record cannot hide a wrong reconciliation.
"""

import re
from collections import Counter
from decimal import Decimal

import psycopg2

CENT = Decimal("0.01")
# The order in which money is applied to receivable lines (l) of entries (m): due date, invoice
# date, entry name (compared as Python compares strings, by code point), line id.
ORDER = (
    "coalesce(l.date_maturity, l.date), coalesce(m.invoice_date, l.date_maturity, l.date),"
    ' m.name COLLATE "C", l.id'
)


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
        """{move id: (commercial partner id, residual)} of every posted customer invoice and
        credit note (in the document's currency)."""
        rows = self.query(
            "SELECT id, commercial_partner_id, amount_residual FROM account_move"
            " WHERE move_type IN ('out_invoice', 'out_refund') AND state = 'posted'"
        )
        return {row[0]: (row[1], money(row[2])) for row in rows}

    def receivable_lines(self, partner_id, currency_id):
        """The posted receivable lines of a customer in a currency, oldest first (the order of
        application: due date, invoice date, name, line id), as dicts: id, account, residual and
        amount (in the line's currency), move id and type, whether the invoice is blocked."""
        rows = self.query(
            f"""
            SELECT l.id, l.account_id, l.amount_residual_currency, l.amount_currency,
                   m.id, m.move_type, m.payment_state = 'blocked'
              FROM account_move_line l
              JOIN account_move m ON m.id = l.move_id
              JOIN account_account a ON a.id = l.account_id
              JOIN res_partner rp ON rp.id = l.partner_id
             WHERE a.account_type = 'asset_receivable' AND l.parent_state = 'posted'
               AND rp.commercial_partner_id = %s AND l.currency_id = %s
             ORDER BY {ORDER}
            """,
            [partner_id, currency_id],
        )
        keys = ("id", "account", "residual", "amount", "move_id", "move_type", "blocked")
        return [
            dict(zip(keys, (*row[:2], money(row[2]), money(row[3]), *row[4:]), strict=True))
            for row in rows
        ]

    def done_portal_transactions(self):
        return self.query(
            "SELECT id FROM payment_transaction WHERE portal_pay_account AND state = 'done'"
        )

    # === CHECKS === #

    def check(self, before=None, partners=None, converged=True):
        """All invariants; ``before``/``partners``: the snapshot and the partners the scenario
        may touch (everyone else must be untouched); ``converged``: every done transaction must
        have its payments (after a post-processing run), not just at most one per account."""
        violations = []
        violations += self.check_payments_per_transaction(converged)
        violations += self.check_conservation()
        violations += self.check_portal_payments()
        violations += self.check_allocation_rows()
        violations += self.check_no_negative_residual()
        violations += self.check_oldest_first()
        violations += self.check_credits_oldest_first()
        if before is not None:
            violations += self.check_untouched(before, partners or set())
        return violations

    def check_payments_per_transaction(self, converged=True):
        """I1: a transaction pays with one payment per receivable account it pays, of its
        customer and currency, amounts summing to its own; it points to one of them."""
        violations = []
        rows = self.query(
            """
            SELECT t.reference, t.state, t.amount, t.payment_id, t.currency_id,
                   rp.commercial_partner_id, p.id, p.amount, pp.commercial_partner_id,
                   p.currency_id,
                   (SELECT min(l.account_id) FROM account_move_line l
                      JOIN account_account a ON a.id = l.account_id
                     WHERE l.move_id = p.move_id AND a.account_type = 'asset_receivable')
              FROM payment_transaction t
              JOIN res_partner rp ON rp.id = t.partner_id
              LEFT JOIN account_payment p
                     ON p.payment_transaction_id = t.id AND p.state NOT IN ('canceled', 'rejected')
              LEFT JOIN res_partner pp ON pp.id = p.partner_id
             WHERE t.portal_pay_account AND t.operation != 'refund'
             ORDER BY t.id, p.id
            """
        )
        transactions = {}
        for ref, state, amount, payment_id, currency, partner, *payment in rows:
            tx = transactions.setdefault(ref, (state, amount, payment_id, currency, partner, []))
            if payment[0] is not None:
                tx[5].append(payment)
        for ref, (state, amount, payment_id, currency, partner, payments) in transactions.items():
            pay_ids = [payment[0] for payment in payments]
            if state != "done" and pay_ids:
                violations.append(f"transaction {ref} is {state} but has payments {pay_ids}")
            if state == "done" and converged and not pay_ids:
                violations.append(f"done transaction {ref} has no payment")
            if not pay_ids:
                continue
            accounts = Counter(payment[4] for payment in payments)
            violations += [
                f"transaction {ref} has {count} payments on account {account}"
                for account, count in sorted(accounts.items())
                if count > 1
            ]
            total = sum(money(payment[1]) for payment in payments)
            if total != money(amount):
                violations.append(f"transaction {ref}: payments {total} != {money(amount)}")
            if payment_id not in pay_ids:
                violations.append(
                    f"transaction {ref} points to payment {payment_id}, not one of {pay_ids}"
                )
            for pid, _amount, pay_partner, pay_currency, _account in payments:
                if pay_partner != partner:
                    violations.append(f"transaction {ref}: payment {pid} of partner {pay_partner}")
                if pay_currency != currency:
                    violations.append(
                        f"transaction {ref}: payment {pid} in currency {pay_currency}"
                    )
        return violations

    def check_conservation(self):
        """I2, per commercial partner and currency, in that currency: the money that came in
        (inbound payments, credit notes) = what it settled on owed lines + what is left open."""
        rows = self.query(
            """
            WITH money_in AS (
                SELECT rp.commercial_partner_id AS partner, p.currency_id AS currency,
                       sum(p.amount) AS amount
                  FROM account_payment p
                  JOIN res_partner rp ON rp.id = p.partner_id
                 WHERE p.payment_type = 'inbound' AND p.state IN ('in_process', 'paid')
                 GROUP BY 1, 2
                 UNION ALL
                SELECT m.commercial_partner_id, m.currency_id, sum(m.amount_total)
                  FROM account_move m
                 WHERE m.move_type = 'out_refund' AND m.state = 'posted'
                 GROUP BY 1, 2
            ), ledger AS (
                SELECT rp.commercial_partner_id AS partner, l.currency_id AS currency,
                       sum(l.amount_currency - l.amount_residual_currency)
                           FILTER (WHERE l.amount_currency > 0) AS applied,
                       -sum(l.amount_residual_currency)
                           FILTER (WHERE l.amount_currency < 0) AS unapplied
                  FROM account_move_line l
                  JOIN account_account a ON a.id = l.account_id
                  JOIN res_partner rp ON rp.id = l.partner_id
                 WHERE a.account_type = 'asset_receivable' AND l.parent_state = 'posted'
                 GROUP BY 1, 2
            )
            SELECT partner, currency, sum(money_in.amount), min(ledger.applied),
                   min(ledger.unapplied)
              FROM money_in
              FULL JOIN ledger USING (partner, currency)
             GROUP BY partner, currency
            """
        )
        return [
            f"partner {partner} in currency {currency}: money in {money(paid_in)}"
            f" != applied {money(applied)} + unapplied {money(unapplied)}"
            for partner, currency, paid_in, applied, unapplied in rows
            if money(paid_in) != money(applied) + money(unapplied)
        ]

    def check_portal_payments(self):
        """I3, each portal payment, in its currency: amount = its own allocations + unapplied;
        what its line reconciled = its own allocations + what later bookings applied of it as a
        credit; what is open on it = unapplied - that credit; one own allocation per line, every
        allocation on a line of the same customer."""
        violations = []
        rows = self.query(
            """
            WITH line AS (
                SELECT p.id AS payment_id, l.id, l.amount_residual_currency
                  FROM account_payment p
                  JOIN account_move_line l ON l.move_id = p.move_id
                  JOIN account_account acc ON acc.id = l.account_id
                 WHERE acc.account_type = 'asset_receivable'
            )
            SELECT p.id, p.amount, p.portal_pay_unapplied, p.portal_pay_allocated,
                   (SELECT coalesce(sum(a.amount + a.discount), 0) FROM portal_pay_allocation a
                     WHERE a.payment_id = p.id AND a.kind = 'payment'),
                   (SELECT coalesce(sum(pr.credit_amount_currency), 0)
                      FROM line JOIN account_partial_reconcile pr ON pr.credit_move_id = line.id
                     WHERE line.payment_id = p.id),
                   (SELECT coalesce(-sum(line.amount_residual_currency), 0)
                      FROM line WHERE line.payment_id = p.id),
                   (SELECT coalesce(sum(a.amount), 0) FROM portal_pay_allocation a
                     WHERE a.kind = 'credit' AND a.source_move_id = p.move_id),
                   (SELECT count(*) - count(DISTINCT a.move_line_id) FROM portal_pay_allocation a
                     WHERE a.payment_id = p.id AND a.kind = 'payment'),
                   (SELECT count(*) FROM portal_pay_allocation a
                      JOIN account_move_line il ON il.id = a.move_line_id
                      JOIN res_partner ip ON ip.id = il.partner_id
                      JOIN res_partner pp ON pp.id = p.partner_id
                     WHERE a.payment_id = p.id
                       AND ip.commercial_partner_id != pp.commercial_partner_id)
              FROM account_payment p
             WHERE p.is_portal_payment AND p.state IN ('in_process', 'paid')
            """
        )
        for pid, *figures, dup, foreign in rows:
            amount, unapplied, done, allocated, reconciled, open_, credited = (
                figure if isinstance(figure, bool) else money(figure) for figure in figures
            )
            if not done:
                violations.append(f"portal payment {pid} was never allocated")
            if allocated + unapplied != amount:
                violations.append(f"payment {pid}: {amount} != allocated {allocated} + {unapplied}")
            if reconciled != allocated + credited:
                violations.append(
                    f"payment {pid}: reconciled {reconciled} != allocated {allocated}"
                    f" + applied as credit {credited}"
                )
            if open_ != unapplied - credited:
                violations.append(
                    f"payment {pid}: open {open_} != unapplied {unapplied}"
                    f" - applied as credit {credited}"
                )
            if dup:
                violations.append(f"payment {pid}: {dup} invoice lines allocated twice")
            if foreign:
                violations.append(f"payment {pid}: {foreign} allocations on another partner")
        return violations

    def check_allocation_rows(self):
        """I7, each allocation row against the reconciliation it is bound to, in the payment's
        currency: the partial reconciles that line for amount + discount, with the money of the
        payment itself (kind payment) or of a credit of the same customer (kind credit)."""
        violations = []
        rows = self.query(
            """
            SELECT a.id, a.kind, a.amount, a.discount, a.currency_id, p.currency_id,
                   il.currency_id, pr.debit_move_id = a.move_line_id, pr.debit_amount_currency,
                   cl.move_id, cl.amount_currency, a.source_move_id, p.move_id,
                   cp.commercial_partner_id = pp.commercial_partner_id
              FROM portal_pay_allocation a
              JOIN account_payment p ON p.id = a.payment_id
              JOIN res_partner pp ON pp.id = p.partner_id
              JOIN account_move_line il ON il.id = a.move_line_id
              JOIN account_partial_reconcile pr ON pr.id = a.partial_id
              JOIN account_move_line cl ON cl.id = pr.credit_move_id
              JOIN res_partner cp ON cp.id = cl.partner_id
            """
        )
        for (
            aid,
            kind,
            amount,
            discount,
            currency,
            pay_currency,
            line_currency,
            same_line,
            booked,
            credit_move,
            credit_amount,
            source_move,
            payment_move,
            same_customer,
        ) in rows:
            name = f"{kind} allocation {aid}"
            if not currency == pay_currency == line_currency:
                violations.append(
                    f"{name}: in currency {currency}, payment in {pay_currency},"
                    f" line in {line_currency}"
                )
            if not same_line:
                violations.append(f"{name}: its reconciliation is on another line")
            if money(amount) + money(discount) != money(booked):
                violations.append(
                    f"{name}: {money(amount)} + {money(discount)} != reconciled {money(booked)}"
                )
            if kind == "payment" and credit_move != payment_move:
                violations.append(f"{name}: money of entry {credit_move}, not of its payment")
            if kind == "credit" and (
                credit_move != source_move or credit_amount >= 0 or not same_customer
            ):
                violations.append(
                    f"{name}: source entry {source_move} is not a credit of the customer"
                )
        return violations

    def check_no_negative_residual(self):
        """I4: no invoice or credit note open below zero or above its total; no receivable line
        open with the wrong sign or beyond its amount (in the line's currency)."""
        rows = self.query(
            """
            SELECT m.name, m.amount_residual FROM account_move m
             WHERE m.move_type IN ('out_invoice', 'out_refund') AND m.state = 'posted'
               AND (m.amount_residual < 0 OR m.amount_residual > m.amount_total)
            UNION ALL
            SELECT 'line ' || l.id, l.amount_residual_currency FROM account_move_line l
              JOIN account_account a ON a.id = l.account_id
             WHERE a.account_type = 'asset_receivable' AND l.parent_state = 'posted'
               AND (sign(l.amount_residual_currency) * sign(l.amount_currency) < 0
                    OR abs(l.amount_residual_currency) > abs(l.amount_currency))
            """
        )
        return [f"{name} has residual {residual}" for name, residual in rows]

    def check_oldest_first(self):
        """I5, per commercial partner, company and currency, over the owed receivable lines
        (each installment its own line) in the order of application: paid lines, at most one
        partly paid, then untouched ones. Lines on hold (blocked) and lines chosen by a done
        "choose invoices" payment are left out: they are not paid in that order."""
        return [
            f"partner {partner} in currency {currency}: lines not paid oldest first ({pattern})"
            for partner, currency, pattern in self._patterns(
                "l.amount_currency > 0 AND m.move_type = 'out_invoice'"
                " AND m.payment_state IS DISTINCT FROM 'blocked'"
                " AND l.id NOT IN (SELECT r.account_move_line_id"
                "   FROM account_move_line_payment_transaction_rel r"
                "   JOIN payment_transaction t ON t.id = r.payment_transaction_id"
                "  WHERE t.state = 'done')",
                by_account=False,
            )
            if not re.fullmatch(r"P*X?O*", pattern)
        ]

    def check_credits_oldest_first(self):
        """I8, per commercial partner, company, currency and receivable account, over the
        credit lines (credit notes, payments): used oldest first, at most one partly used."""
        return [
            f"partner {partner} in currency {currency}: credits not used oldest first ({pattern})"
            for partner, currency, pattern in self._patterns(
                "l.amount_currency < 0", by_account=True
            )
            if not re.fullmatch(r"P*X?O*", pattern)
        ]

    def _patterns(self, condition, by_account):
        """(partner, currency, 'PXO' pattern) per group of receivable lines, in the order of
        application: P settled, X partly settled, O untouched."""
        account = ", l.account_id" if by_account else ""
        return self.query(
            f"""
            SELECT rp.commercial_partner_id, l.currency_id,
                   string_agg(CASE WHEN l.amount_residual_currency = 0 THEN 'P'
                                   WHEN l.amount_residual_currency = l.amount_currency THEN 'O'
                                   ELSE 'X' END, '' ORDER BY {ORDER})
              FROM account_move_line l
              JOIN account_move m ON m.id = l.move_id
              JOIN account_account a ON a.id = l.account_id
              JOIN res_partner rp ON rp.id = l.partner_id
             WHERE a.account_type = 'asset_receivable' AND l.parent_state = 'posted'
               AND {condition}
             GROUP BY rp.commercial_partner_id, l.company_id, l.currency_id{account}
            """
        )

    def check_untouched(self, before, partners):
        after = self.residuals()
        return [
            f"invoice {move_id} of partner {partner} (not in the scenario) changed: "
            f"{residual} -> {after.get(move_id, (None, None))[1]}"
            for move_id, (partner, residual) in before.items()
            if partner not in partners and after.get(move_id, (None, None))[1] != residual
        ]
