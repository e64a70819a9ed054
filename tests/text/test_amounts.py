"""Money candidates: currency, period, tax, owner, cue features, and the contract arithmetic."""

from __future__ import annotations

from decimal import Decimal

import pytest

from autoglm_ops.text.amounts import income_candidates, segments, to_monthly


@pytest.mark.parametrize(
    ("amount", "period", "monthly"),
    [
        (Decimal(360000), "year", Decimal("30000.00")),
        (Decimal(85000), "year", Decimal("7083.33")),
        (Decimal(1250), "week", Decimal("5416.67")),
        (Decimal(300), "day", Decimal("6525.00")),
        (Decimal(230), "day", Decimal("5002.50")),
        (Decimal(8000), "month", Decimal("8000.00")),
        (Decimal(8000), None, Decimal("8000.00")),
    ],
)
def test_to_monthly_is_the_contract_arithmetic(
    amount: Decimal, period: str | None, monthly: Decimal
) -> None:
    assert to_monthly(amount, period) == monthly


def test_candidate_describes_currency_period_tax_and_owner() -> None:
    text = "税后到手每月HK$28,000，老婆月薪两万"
    first, second = income_candidates(text)
    assert (first.amount, first.currency, first.currency_explicit) == (28000, "HKD", True)
    assert (first.period, first.after_tax, first.owner) == ("month", True, "self")
    assert text[first.start : first.end] == "HK$28,000"
    assert (second.amount, second.currency, second.currency_explicit) == (20000, "CNY", False)
    assert second.owner == "other"


def test_non_money_numbers_are_not_candidates() -> None:
    text = "每天跑十个小时，社保缴了36个月，今年28岁，12%的提成，第3年"
    assert income_candidates(text) == []


def test_features_are_flat_and_carry_cues() -> None:
    (loan, pay) = income_candidates("想贷款30万，月薪一万五")
    f = loan.features()
    assert f["left_loan"] is True and f["amount"] == 300000.0
    g = pay.features()
    assert g["period"] == "month" and g["left_income"] is True and g["left_loan"] is False
    assert all(isinstance(v, float | str | bool) for v in g.values())


def test_segments_split_clauses_not_thousands_separators() -> None:
    text = "月薪12,000元，税后1.8万。老婆6000"
    segs = segments(text)
    assert [text[s.start : s.end] for s in segs] == ["月薪12,000元，", "税后1.8万。", "老婆6000"]
    assert [s.sentence for s in segs] == [0, 0, 1]


def test_phone_numbers_are_not_money() -> None:
    cands = income_candidates("我电话是13905718826，收入一个月四五千")
    assert [c.amount for c in cands] == [Decimal(4000)]
    assert not income_candidates("call me on 13905718826")


def test_macau_pataca_is_recognised() -> None:
    (c,) = income_candidates("每月薪水两万二澳门币")
    assert (c.amount, c.currency) == (Decimal(22000), "MOP")
    (c,) = income_candidates("MOP 20,000 a month")
    assert c.currency == "MOP"


def test_rent_paid_one_off_and_prices_are_cues() -> None:
    paid, _ = income_candidates("I pay 3,500 a month in rent; my income is 14k a month.")
    assert "rent_paid" in paid.cues_right
    price = income_candidates("房子买的时候总价两百六十万，我月薪1万8")[0]
    assert "price" in price.cues_left
    bonus = income_candidates("每月到手九千二，今年初公司发了一次性安家费五万")[1]
    assert "oneoff" in bonus.cues_left


def test_an_answer_is_read_with_its_question() -> None:
    # the question's 月收入 is what makes the answer's bare number money
    text = "问：您的手机号？答：186 0000 7788。\n问：月收入多少？\n答：八千多点，在工厂上班八年了。"
    assert [c.amount for c in income_candidates(text)] == [Decimal(8000)]
    assert [s.sentence for s in segments("问：月收入？答：五千到六千之间")] == [0, 0]
    assert [c.amount for c in income_candidates("Q: monthly income? A: about 7,500")] == [7500]


def test_duo_dian_is_a_bit_more_not_o_clock() -> None:
    assert [c.amount for c in income_candidates("每个月九千多点，单位有公积金")] == [9000]
    # o'clock stays out
    assert [c.amount for c in income_candidates("下午3点发工资，月薪5000")] == [5000]


def test_table_cells_take_their_column_header_as_context() -> None:
    text = (
        "工资条\n基本工资 | 绩效 | 应发 | 社保 | 实发\n"
        "4,500.00 | 1,500.00 | 6,000.00 | 480.00 | 5,520.00\n公司没有公积金。"
    )
    by_amount = {c.amount: c for c in income_candidates(text)}
    assert set(by_amount) == {4500, 1500, 6000, 480, 5520}
    assert "base" in by_amount[Decimal(4500)].cues_left
    assert by_amount[Decimal(5520)].after_tax is True
    assert by_amount[Decimal(6000)].after_tax is False
    assert "social" in by_amount[Decimal(480)].cues_left


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "CTC of 18 LPA, in-hand ₹1,18,000 per month",
            [(1800000, "INR", "year"), (118000, "INR", "month")],
        ),
        ("crops bring about 3 lakh rupees a year", [(300000, "INR", "year")]),
        ("Salary: Rs 55k. Rental: Rs. 10k", [(55000, "INR", None), (10000, "INR", None)]),
        ("AED 15,000 a month", [(15000, "AED", "month")]),
        ("月薪300万韩元", [(3000000, "KRW", "month")]),
        ("NT$45,000 月薪", [(45000, "TWD", "month")]),
        ("£36k pa, 32 grand a year", [(36000, "GBP", "year"), (32000, "CNY", "year")]),
    ],
)
def test_indian_units_grouping_and_more_currencies(
    text: str, expected: list[tuple[int, str, str | None]]
) -> None:
    got = [(c.amount, c.currency, c.period) for c in income_candidates(text)]
    assert got == [(Decimal(a), cur, p) for a, cur, p in expected]


def test_calendar_years_and_plan_names_are_not_money() -> None:
    text = "Working in TCS since 2018; payslip 2024-03; my 401(k) takes 5%. I earn $4,350 a month"
    assert [c.amount for c in income_candidates(text)] == [4350]
    assert [c.amount for c in income_candidates("年收入2018元")] == [2018]


def test_large_bare_western_salaries_are_yearly() -> None:
    (pay,) = income_candidates("Barrister's clerk, on £36k")
    assert (pay.period, pay.period_source) == ("year", "implied")
    (pay,) = income_candidates("I make about $5k")
    assert pay.period is None
    (pay,) = income_candidates("月薪HK$28,000")
    assert pay.period == "month"


def test_period_words_built_on_wage_nouns() -> None:
    got = [(c.amount, c.period) for c in income_candidates("日工资350元，周收入1200，年工资12万")]
    assert got == [(350, "day"), (1200, "week"), (120000, "year")]


def test_period_words_with_a_qualifier_between() -> None:
    got = [(c.amount, c.period) for c in income_candidates("A店月利润约1.1万元，年纯收入约25万元")]
    assert got == [(11000, "month"), (250000, "year")]
    (bonus,) = income_candidates("年终奖3万")
    assert bonus.period is None  # a bonus is not a yearly income figure


def test_list_items_take_the_period_of_their_heading() -> None:
    text = "年度收入：\n- 工资 216,000元\n- 出租车位 6,000元"
    got = [(c.amount, c.period, c.period_source) for c in income_candidates(text)]
    assert got == [(216000, "year", "heading"), (6000, "year", "heading")]
    (plain,) = income_candidates("工资：\n说明 5000元")  # not a list item
    assert plain.period is None


def test_year_end_words_after_a_figure_do_not_make_it_years() -> None:
    assert [c.amount for c in income_candidates("月薪一万二 年终奖一般三个月")] == [12000]
    assert income_candidates("干了三 年") == []


def test_colloquial_marks_and_working_days() -> None:
    (pay,) = income_candidates("一日四百蚊")
    assert (pay.amount, pay.currency, pay.currency_explicit) == (400, "CNY", True)
    (meal,) = income_candidates("餐补按每个工作日25元发放")
    assert (meal.amount, meal.period) == (25, "day")
