"""Units declared in a label or column header: which bare number they scale, with what currency."""

from __future__ import annotations

from decimal import Decimal

import pytest

from autoglm_ops.backends.rules.income import decide_income
from autoglm_ops.text.amounts import income_candidates
from autoglm_ops.text.headers import governing, label_units
from autoglm_ops.text.numerals import find_numbers, normalize


def _figures(text: str) -> list[tuple[Decimal, str, str | None, Decimal]]:
    """(amount, currency, period, monthly) of every candidate."""
    return [(c.amount, c.currency, c.period, c.monthly) for c in income_candidates(text)]


@pytest.mark.parametrize(
    ("text", "amount", "period", "monthly"),
    [
        ("年收入（万元）：36", 360000, "year", "30000.00"),
        ("月薪(千元) 8.5", 8500, "month", "8500.00"),
        ("月收入/万：1.2", 12000, "month", "12000.00"),
        ("年薪/万 45，税前", 450000, "year", "37500.00"),
        ("月收入（K）：15；五险一金：齐全", 15000, "month", "15000.00"),
        ("税后年收入（万元）：19.2", 192000, "year", "16000.00"),
        ("月收入 (万元) 2.35 税前", 23500, "month", "23500.00"),
        ("周收入(千元)：2.1", 2100, "week", "9100.00"),
        ("年收入(万元) 30-40", 300000, "year", "25000.00"),
    ],
)
def test_a_unit_in_the_label_scales_the_bare_number(
    text: str, amount: int, period: str, monthly: str
) -> None:
    (c,) = income_candidates(text)
    assert (c.amount, c.currency, c.period, c.monthly) == (amount, "CNY", period, Decimal(monthly))
    assert c.scale != 1
    assert c.features()["unit"] == "header"
    # the evidence stays on the number, not on the header
    assert text[c.start : c.end] == c.mention.text


@pytest.mark.parametrize(
    ("text", "amount", "currency", "period"),
    [
        ("Annual income (USD thousands): 85", 85000, "USD", "year"),
        ("Monthly pay ('000): 6.5", 6500, "CNY", "month"),
        ("Gross salary, £'000 per annum: 42.5", 42500, "GBP", "year"),
        ("Net monthly income (EUR, thousands): 3.2", 3200, "EUR", "month"),
        ("Yearly earnings (HK$ '000): 540", 540000, "HKD", "year"),
        ("Annual income (RMB 万): 24", 240000, "CNY", "year"),
        ("Salary ($k): 85", 85000, "USD", "year"),
    ],
)
def test_english_headers_and_the_currency_they_name(
    text: str, amount: int, currency: str, period: str
) -> None:
    (c,) = income_candidates(text)
    assert (c.amount, c.currency, c.period) == (amount, currency, period)
    assert c.currency_explicit is (currency != "CNY" or "RMB" in text)
    if c.currency_span is not None:
        # the currency evidence is the mark inside the header
        assert text[slice(*c.currency_span)].strip() in ("USD", "£", "EUR", "HK$", "RMB", "$")
        assert text[c.start : c.end] == c.mention.text


def test_a_tenure_after_a_scaled_figure_is_not_money() -> None:
    assert _figures("个人年薪（单位：万元）28，现单位工作年限 5") == [
        (Decimal(280000), "CNY", "year", Decimal("23333.33"))
    ]
    (c,) = income_candidates("Income per month (S$ k): 7.8 | Years in current job: 4")
    assert (c.amount, c.currency, c.period) == (7800, "SGD", "month")
    assert [c.amount for c in income_candidates("年收入（万元）：36；工作年限：10")] == [360000]
    assert [c.amount for c in income_candidates("月收入（千元）：8；孩子 2")] == [8000]


def test_one_header_governs_a_list_and_a_table_row() -> None:
    assert _figures("收入情况（单位：千元/月）| 税前 15 | 税后 12.4") == [
        (Decimal(15000), "CNY", "month", Decimal("15000.00")),
        (Decimal(12400), "CNY", "month", Decimal("12400.00")),
    ]
    first, second = income_candidates("收入情况（单位：千元/月）| 税前 15 | 税后 12.4")
    assert first.period_source == second.period_source == "header"
    assert [c.amount for c in income_candidates("年收入（万）：工资 20，租金 3.6")] == [
        200000,
        36000,
    ]
    # a large list item is written in plain units: 4500 is not 4500 万
    assert [c.amount for c in income_candidates("年收入（万元）：36，月供 4500")] == [360000, 4500]


def test_each_header_governs_its_own_number() -> None:
    assert [c.amount for c in income_candidates("月工资（千元）：4.5　房贷月供（千元）：2.1")] == [
        4500,
        2100,
    ]
    text = "家庭年收入（万元）：45；本人年收入（万元）：26"
    assert [c.amount for c in income_candidates(text)] == [450000, 260000]
    assert [c.amount for c in income_candidates("年净利润（万元）：48；年营业额（万元）：600")] == [
        480000,
        6000000,
    ]


def test_a_later_header_without_a_scale_resets_it() -> None:
    text = "Annual salary (CAD, in thousands): 68; monthly mortgage payment (CAD): 1,950"
    assert _figures(text) == [
        (Decimal(68000), "CAD", "year", Decimal("5666.67")),
        (Decimal(1950), "CAD", "month", Decimal("1950.00")),
    ]
    (c,) = income_candidates("月收入（元）：8000")
    assert (c.amount, c.currency, c.currency_explicit) == (8000, "CNY", True)


@pytest.mark.parametrize(
    "text",
    [
        "就职于（千里马公司），月薪 8000",  # a name with 千 in it is not a unit
        "在单位千万别迟到，月薪8000",
        "My 401(k): 8000 a month",  # a plan name, not thousands
        "月收入（税前）：8000",  # a bracket with no unit
        "年收入（万元）：36\n月薪 8000",  # the header's line only
        "年收入（万元）：8000元",  # the number's own currency word is its unit
    ],
)
def test_what_is_not_a_unit_header(text: str) -> None:
    assert 8000 in [c.amount for c in income_candidates(text)]


def test_label_units_and_governing_directly() -> None:
    t = normalize("Yearly earnings (HK$ '000): 540")
    (unit,) = [u for u in label_units(t) if t[u.start] == "("]
    assert (unit.scale, unit.currency) == (1000, "HKD")
    (m,) = [m for m in find_numbers(t) if m.value == 540]
    assert governing(t, label_units(t), m) == unit
    assert label_units("月薪8000") == ()


def test_the_rules_backend_reads_a_header_scaled_statement() -> None:
    fields = decide_income("年净利润（万元）：48；年营业额（万元）：600").fields
    assert fields["income_amount"].value == 40000
    assert fields["income_period"].value == "year"
    fields = decide_income("Annual income (USD thousands): 85").fields
    assert (fields["income_amount"].value, fields["currency"].value) == (7083.33, "USD")
