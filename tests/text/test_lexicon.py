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


# --- tax, profit and turnover cues -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("HK$58,000 a month before tax, around HK$53,500 in hand.", 53500),
        ("My in-hand salary is ₹1,18,000 per month.", 118000),
        ("roughly £2,150 a month after deductions.", 2150),
        ("net of deductions 2,900 a month", 2900),
        ("gross 月薪 2 万 3，net 大概 1 万 8", 18000),
        ("Gross 每月 ¥25k, net 大概 ¥20k", 20000),
        ("I'm on NZ$95,000 gross; net that's about NZ$1,410 a week.", 1410),
        ("Around €2,400 net a month", 2400),
        ("Net annual pay S$88,000, gross S$102,000.", 88000),
        ("Salary: A$6,150 per month (net).", 6150),
        ("I net NZ$4,950 a month after PAYE", 4950),
        ("扣完每月落到手里六千三", 6300),
    ],
)
def test_after_tax_wordings(text: str, amount: int) -> None:
    tax = {c.amount: c.after_tax for c in income_candidates(text)}
    assert tax[Decimal(amount)] is True


@pytest.mark.parametrize(
    "text",
    [
        "paid 180 a day, cash in hand, no contract",
        "净利润一个月两万",
        "net profit of 20,000 a month",
        "I net around S$900 a week after fuel and the platform's commission.",
        "落到手里的利润四十万",
    ],
)
def test_net_of_costs_and_cash_in_hand_are_not_tax(text: str) -> None:
    assert all(c.after_tax is None for c in income_candidates(text))


def test_before_deductions_is_pre_tax() -> None:
    (pay,) = income_candidates("C$4,300 a month before deductions.")
    assert pay.after_tax is False


@pytest.mark.parametrize(
    "text",
    [
        "开出租车一个月营收一万二，交完份子油费剩七千",
        "每月营业额五万来块，扣完所有开销能落一万一",
        "一个月卖货能卖个三万来块 除掉进货啥的能落个四千",
        "一天能卖一两千块钱的肉 除了本钱一天落个两百多块",
        "一周毛收入一千五百刀，去掉油费保险平台抽成，净落九百刀左右",
        "Owner-driver: I take about HK$1,500 a day, and after fuel and rental I clear HK$700.",
        "My bakery turns over about 60k a month; after costs I keep around 14k.",
        "Daily takings about S$1,200; after ingredients and stall rent I keep around S$350.",
        "一年接活总额五百万，落到手里的利润四十万",
    ],
)
def test_turnover_then_what_is_kept(text: str) -> None:
    *before, kept = income_candidates(text)
    assert "profit" in kept.cues_left
    assert "turnover" not in kept.cues_left
    first = before[0]
    assert "turnover" in first.cues_left and "profit" not in first.cues_left


def test_so_i_keep_is_what_is_left() -> None:
    text = "Daily earning ₹900, out of which ₹300 goes to the owner as rent, so I keep ₹600."
    assert "profit" in income_candidates(text)[-1].cues_left


@pytest.mark.parametrize(
    "text",
    ["月营业额五万左右", "营收一个月八万", "流水一个月十万", "take about HK$1,500 a day"],
)
def test_turnover_wordings(text: str) -> None:
    (c,) = income_candidates(text)
    assert "turnover" in c.cues_left and "profit" not in c.cues_left


@pytest.mark.parametrize(
    "text",
    [
        "工资一万五，剩下的是兼职",  # the rest of a total
        "车贷每个月还2800，还剩一年就还完了",
        "工资八千，交完房租剩五千",  # spending money, not a business's costs
        "扣完五险一金剩七千",  # take-home pay
        "送外卖一个月五千",  # 外卖 is no sale
        "After tax I clear about £3,100 a month",
    ],
)
def test_leftovers_that_are_not_profit(text: str) -> None:
    for c in income_candidates(text):
        assert "profit" not in c.cues_left, text
        assert "turnover" not in c.cues_left, text


# --- currencies -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "currency"),
    [
        ("在墨尔本当护工，一个礼拜一千三澳币", "AUD"),
        ("一周稳定拿920纽币左右", "NZD"),
        ("一周毛收入一千五百刀", "USD"),
        ("净落九百刀左右", "USD"),
        ("每月到手4,200美刀", "USD"),
        ("I make about 8,000 in dollars?", "USD"),
        ("Sixty-three grand a year in dollars", "USD"),
        ("I earn 4,000 a month in euros", "EUR"),
        ("一个月两万澳门币", "MOP"),
        ("每月三万加币", "CAD"),
    ],
)
def test_currency_words(text: str, currency: str) -> None:
    (c,) = income_candidates(text)
    assert (c.currency, c.currency_explicit) == (currency, True)
