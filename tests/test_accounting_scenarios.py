"""Make a Payment on accounts as accounting keeps them: credit notes, installments, invoices
addressed to a contact or a delivery address of the customer, a second currency, and payments
of chosen invoices, all at once on the 4-worker server, through the routes a browser uses.

The end state of every receivable line is computed here from the rule the page states
(``system_scenarios.expected_lines``), in the payment's currency, to the cent.
"""

from decimal import Decimal
from functools import partial

from system_scenarios import (
    actual_lines,
    assert_clean_http,
    expected_lines,
    finish_payment,
    start_payment,
)


def _customer(system, kind):
    return next(c for c in system.customers if c.get("kind") == kind)


def _pay_all_at_once(system, jobs):
    """``jobs``: ``(customer, amount, page parameters)``; one browser per payment, every form
    and transaction first, then every status poll at the same instant."""
    clients = system.clients([customer["index"] for customer, _amount, _page in jobs])
    txs = system.parallel(
        [
            partial(start_payment, client, amount, **page)
            for client, (_customer, amount, page) in zip(clients, jobs, strict=True)
        ]
    )
    results = system.parallel([partial(finish_payment, client) for client in clients])
    system.figures["payments_in_parallel"] += len(jobs)
    system.figures["payments_done"] += sum(status["state"] == "done" for status, _ in results)
    for (status, landing), tx in zip(results, txs, strict=True):
        assert status["state"] == "done", status
        assert tx["reference"] in landing.text
    return txs


def _accounts(system):
    """``{name: (customer, currency id)}``: every account the scenarios pay."""
    company_currency = system.seed["currency_id"]
    second = system.seed["second_currency_id"]
    return {
        "credits": (_customer(system, "credits"), company_currency),
        "chosen": (_customer(system, "chosen"), company_currency),
        "currency": (_customer(system, "currency"), company_currency),
        "currency second": (_customer(system, "currency"), second),
    }


def _lines_before(system):
    return {
        name: system.invariants.receivable_lines(customer["partner_id"], currency)
        for name, (customer, currency) in _accounts(system).items()
    }


def _check_end_state(system, before, payments):
    """Every line of every account as computed from ``before`` and the ``payments`` made."""
    for name, (customer, currency) in _accounts(system).items():
        expected, left = expected_lines(before[name], payments.get(name, []))
        assert left == 0, (name, left)
        actual = actual_lines(system, customer["partner_id"], currency)
        assert {key: actual.get(key) for key in expected} == expected, name
        # The scenario's payments (their receivable lines are new) are used up to the cent.
        new = {key: residual for key, residual in actual.items() if key not in expected}
        assert len(new) >= len(payments.get(name, [])), (name, new)
        assert set(new.values()) <= {Decimal("0.00")}, (name, new)


def test_credits_installments_chosen_and_second_currency_at_once(system):
    """Eight payments of three customers land at once: whole-balance payments of a customer
    with credit notes, installments and contact-addressed invoices; two browsers of another
    customer paying invoices they chose (one in full, one partly); and one customer paying in
    the second currency (oldest first, and chosen invoices) and in the company's."""
    accounts = _accounts(system)
    credits, chosen, currency = (accounts[name][0] for name in ("credits", "chosen", "currency"))
    second = system.seed["second_currency_id"]
    before_moves = system.snapshot()
    before = _lines_before(system)
    # The "chosen" customer's credit note pays its oldest invoice, which nobody chooses, so the
    # end state is the same whichever payment is booked first.
    owed = [line for line in before["chosen"] if line["residual"] > 0]
    # The fifth owed line is the first installment of an invoice whose second one is owed too.
    assert [line["move_id"] for line in owed].count(owed[4]["move_id"]) == 2
    first_choice = [owed[2]["id"], owed[7]["id"]]
    second_choice = [owed[4]["id"], owed[5]["id"], owed[8]["id"]]
    second_lines = before["currency second"]
    second_choice_eur = [line["id"] for line in second_lines if line["residual"] > 0][-3::2]
    jobs = [
        (credits, "150.00", {}),
        (credits, "210.35", {}),
        (credits, "99.99", {}),
        (chosen, None, {"line_ids": first_choice}),
        (chosen, "150.00", {"line_ids": second_choice}),
        (currency, "100.00", {"currency_id": second}),
        (currency, None, {"currency_id": second, "line_ids": second_choice_eur}),
        (currency, "120.00", {}),
    ]
    _pay_all_at_once(system, jobs)
    system.run_cron()

    indexes = (credits["index"], chosen["index"], currency["index"])
    assert system.check(before_moves, system.partner_ids(*indexes)) == []
    residual = {line["id"]: line["residual"] for lines in before.values() for line in lines}
    payments = {
        "credits": [(Decimal(amount), None) for _c, amount, _p in jobs[:3]],
        "chosen": [
            (sum(residual[key] for key in first_choice), set(first_choice)),
            (Decimal("150.00"), set(second_choice)),
        ],
        "currency second": [
            (Decimal("100.00"), None),
            (sum(residual[key] for key in second_choice_eur), set(second_choice_eur)),
        ],
        "currency": [(Decimal("120.00"), None)],
    }
    _check_end_state(system, before, payments)
    assert_clean_http(system)


def test_full_balances_in_both_currencies_leave_nothing_open(system):
    """Each customer pays its whole balance in each currency, two payments at once per
    account: every invoice, installment and credit note ends fully settled."""
    before_moves = system.snapshot()
    before = _lines_before(system)
    second = system.seed["second_currency_id"]
    jobs, payments = [], {}
    for name, (customer, currency) in _accounts(system).items():
        balance = sum(line["residual"] for line in before[name])
        assert balance > 0, name
        # Two payments: a third of the balance, and the rest.
        third = (balance / 3).quantize(Decimal("0.01"))
        page = {"currency_id": second} if currency == second else {}
        for amount in (third, balance - third):
            jobs.append((customer, f"{amount:.2f}", page))
            payments.setdefault(name, []).append((amount, None))
    _pay_all_at_once(system, jobs)
    system.run_cron()

    partners = {customer["partner_id"] for customer, _currency in _accounts(system).values()}
    assert system.check(before_moves, partners) == []
    _check_end_state(system, before, payments)
    for name, (customer, currency) in _accounts(system).items():
        lines = actual_lines(system, customer["partner_id"], currency)
        assert set(lines.values()) == {Decimal("0.00")}, (name, lines)
    assert_clean_http(system)
