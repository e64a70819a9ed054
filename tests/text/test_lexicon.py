"""Period cue lexicons: the forms statements really use, read through ``income_candidates``."""

from __future__ import annotations

from decimal import Decimal

import pytest

from autoglm_ops.text import lexicon as lx
from autoglm_ops.text.amounts import income_candidates


def _periods(text: str) -> list[tuple[Decimal, str | None]]:
    return [(c.amount, c.period) for c in income_candidates(text)]


@pytest.mark.parametrize(
    ("text", "amount", "period"),
    [
        # 礼拜 = week
        ("一个礼拜一千三", 1300, "week"),
        ("一个礼拜下来能挣个五百左右", 500, "week"),
        ("每个礼拜挣八百", 800, "week"),
        ("每礼拜一千", 1000, "week"),
        ("做美甲的，一个礼拜挣一千二左右吧", 1200, "week"),
        ("周末做兼职，一个周末挣四百", 400, "week"),
        # every / each
        ("Gross pay $2,600 every week.", 2600, "week"),
        ("my net pay lands at about $1,620 every week", 1620, "week"),
        ("every month I get 3,000", 3000, "month"),
        ("I get 3,000 each month", 3000, "month"),
        ("I make 200 every day", 200, "day"),
        ("each week I earn 900", 900, "week"),
        ("every year I earn 60,000", 60000, "year"),
        # a night's or an evening's pay is a day rate
        ("每晚纯挣一百二左右", 120, "day"),
        ("每晚两百", 200, "day"),
        ("一晚三百", 300, "day"),
        ("做代驾一个晚上两百左右", 200, "day"),
        ("每个晚上一百五", 150, "day"),
        ("I make 90 per night", 90, "day"),
        ("paid 120 a night", 120, "day"),
        ("Day rate of €420 as a freelance sound engineer.", 420, "day"),
        ("one day can make about S$200 after petrol", 200, "day"),
        ("我系喺广州做装修嘅，一日四百蚊", 400, "day"),
        ("日薪二百八", 280, "day"),
        # month / year wording
        ("年薪税前 48 万，月到手 3 万左右", 30000, "month"),
        ("做服装批发，年流水三百万，净利润三十万", 300000, "year"),
        ("Share of profit last financial year: ₹18 lakhs.", 1800000, "year"),
        ("在庙会上卖糖葫芦，一年就忙那几个月，赚个两三万", 20000, "year"),
        # spelled-out English numbers with grand
        ("I earn thirty-five grand a year (GBP)", 35000, "year"),
    ],
)
def test_statement_forms_get_their_period(text: str, amount: int, period: str) -> None:
    assert (Decimal(amount), period) in _periods(text)


def test_weekdays_are_not_per_week() -> None:
    # 礼拜天 / 礼拜六 / 星期日 are days of the week, not "a week"
    for day in ("礼拜天", "礼拜六", "礼拜日", "一个礼拜天", "一个星期六"):
        for rx, name in lx.PERIOD_BEFORE:
            if name == "week":
                assert rx.search(day) is None, day
    assert _periods("礼拜六礼拜日都上班，月薪五千") == [(Decimal(5000), "month")]
    assert _periods("礼拜天加班给两百") == []


def test_hourly_and_fortnight_are_not_contract_periods() -> None:
    assert all(p is None for _, p in _periods("按小时算，一小时三十块钱，工资三千"))
    assert _periods("a fortnight I get 1,800 in wages") == [(Decimal(1800), None)]


def test_dates_and_plain_evenings_are_not_day_rates() -> None:
    # 三月一日 is a date; 晚上 alone is when, not how often
    assert _periods("三月一日入职，工资三千") == [(Decimal(3000), None)]
    assert _periods("晚上兼职代驾，每月多挣两千") == [(Decimal(2000), "month")]
