"""Payments every quarter or every half year, read per month (the contract has neither period)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from autoglm_ops.backends.rules.income import decide_income
from autoglm_ops.text.amounts import income_candidates, to_monthly


def test_to_monthly_reads_a_quarter_as_three_months() -> None:
    assert to_monthly(Decimal(4500), "quarter") == Decimal("1500.00")
    assert to_monthly(Decimal(1000), "quarter") == Decimal("333.33")


@pytest.mark.parametrize(
    ("text", "amount", "monthly"),
    [
        ("£450 a quarter in ground rent", 450, "150.00"),
        ("租金每季度三千", 3000, "1000.00"),
        ("每个季度一次的企业年金，一次一千五", 1500, "500.00"),
        ("quarterly dividend of $600", 600, "200.00"),
        ("一个季度三千", 3000, "1000.00"),
        ("季度租金3000", 3000, "1000.00"),
        ("每三个月收一次租金4500", 4500, "1500.00"),
        ("Income per quarter (USD): 9,000", 9000, "3000.00"),
        ("rent of $900 per quarter", 900, "300.00"),
    ],
)
def test_a_quarterly_payment_is_read_per_month(text: str, amount: int, monthly: str) -> None:
    (c,) = income_candidates(text)
    assert c.amount == amount  # the stated figure
    assert (c.period, c.period_source, c.monthly) == ("month", "quarter", Decimal(monthly))
    assert c.features()["period"] == "month"
    assert c.features()["period_source"] == "quarter"
    assert c.features()["monthly"] == float(monthly)


def test_a_quarter_as_a_point_in_time_or_a_fraction_is_not_a_rate() -> None:
    _, award = income_candidates("每月收入七千五，上个季度拿了一次优秀员工奖五千")
    assert award.period_source != "quarter"
    (c,) = income_candidates("I pay a quarter of my salary, 2000, in rent")
    assert c.period_source != "quarter"


def test_quarterly_rent_is_summed_with_the_salary_per_month() -> None:
    fields = decide_income("上班工资9千，另外每个季度收一次房租，一次六千").fields
    assert fields["income_amount"].value == 11000
    assert fields["income_period"].value == "month"
    text = "I get £2,700 a month from the library and £450 a quarter in ground rent."
    assert decide_income(text).fields["income_amount"].value == 2850


@pytest.mark.parametrize(
    ("text", "amount", "monthly"),
    [
        ("房租半年一付，一次一万二", 12000, "2000.00"),
        ("另有一套房子出租，半年收一次租金，一次九千", 9000, "1500.00"),
        ("每半年分红一次，每次两万", 20000, "3333.33"),
        ("I get 6,000 twice a year from a lease", 6000, "1000.00"),
        ("rent of 9000 every six months", 9000, "1500.00"),
    ],
)
def test_a_half_yearly_payment_is_read_per_month(text: str, amount: int, monthly: str) -> None:
    (c,) = income_candidates(text)
    assert (c.amount, c.period, c.period_source) == (amount, "month", "halfyear")
    assert c.monthly == Decimal(monthly)


@pytest.mark.parametrize("text", ["上半年炒股赚了四万", "干了半年，月薪五千", "半年后涨到六千"])
def test_half_a_year_as_a_time_or_duration_is_not_a_rate(text: str) -> None:
    assert all(c.period_source != "halfyear" for c in income_candidates(text))
