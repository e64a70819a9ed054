"""Money candidates in context: small amounts after their period word, codes and phone numbers,
calendar years after a month, whose money a figure is, and figures that only their sentence
makes money."""

from __future__ import annotations

from decimal import Decimal

import pytest

from autoglm_ops.text.amounts import income_candidates, owner_at
from autoglm_ops.text.numerals import normalize


def _got(text: str) -> list[tuple[Decimal, str | None]]:
    return [(c.amount, c.period) for c in income_candidates(text)]


# --- small amounts whose period word comes first ------------------------------------------


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("晚上在饭店洗碗一天六十", 60),
        ("然后晚上在烧烤摊帮忙 一晚上给八十 基本天天去", 80),
        ("晚上下了班去送外卖 一天能多挣八十 差不多天天跑", 80),
        ("日薪二百八，晚上加班另算，平均每天还能多拿六十", 60),
        ("每天给三十", 30),
        ("a day I make 60.", 60),
    ],
)
def test_small_amount_after_its_period_word_is_a_day_rate(text: str, amount: int) -> None:
    assert (Decimal(amount), "day") in _got(text)


@pytest.mark.parametrize(
    "text",
    [
        "每天跑二十公里",  # a distance
        "一天干十二个小时",  # a duration
        "一天跑三十单",  # a count
        "每个月26天班",  # working days
        "每年12月发",  # a month of the year
        "今年三十四了",  # an age
        "每天抽二十根烟",
        "a day 50 people come in",
        "每天早上，六十",  # another clause
        "每天的六十",  # a noun between
    ],
)
def test_small_numbers_after_a_period_word_that_are_not_money(text: str) -> None:
    assert income_candidates(text) == []


def test_a_bare_figure_counts_when_its_sentence_speaks_of_money() -> None:
    # 三千二 has no cue of its own; the day rate of its sentence makes it money
    assert _got("白天在写字楼做保洁三千二，晚上在饭店洗碗一天六十") == [
        (Decimal(3200), None),
        (Decimal(60), "day"),
    ]
    # but not a figure that names a thing ("a 1099 side gig")
    text = "W-2 salary: $72,000/year. Also a 1099 side gig doing bookkeeping, about $800 a month."
    assert [c.amount for c in income_candidates(text)] == [72000, 800]


# --- codes, phone numbers, calendar years ----------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "我的合同号是HT2023080012。",
        "订单ID4488123，月薪见附件",
        "Please call me back on 0755 1234 5678 after 6pm.",
        "紧急联系人：139 0000 1234",
        "tel 020-8821-4410",
        "Call me on 07700 900123.",
        "my number is 0412 555 019.",
        "WhatsApp +852 9123 4567",
    ],
)
def test_codes_and_grouped_phone_numbers_are_not_money(text: str) -> None:
    assert income_candidates(text) == []


def test_currency_codes_glued_to_figures_stay_money() -> None:
    got = [(c.amount, c.currency) for c in income_candidates("SGD6500 a month, RM5000 a month")]
    assert got == [(6500, "SGD"), (5000, "MYR")]
    # a list of round amounts in groups is not a phone number
    assert [c.amount for c in income_candidates("每月3000 4000 5000不等")] == [3000, 4000, 5000]


@pytest.mark.parametrize(
    "text",
    [
        "I joined in March 2020 and earn 8,600 a month.",
        "Started Sept 2019, I earn 8,600 a month.",
        "since March 3, 2020 I earn 8,600 a month",
        "入职时间：3月 2020，月薪8600",
        "三月份 2020 入职，月薪8600",
    ],
)
def test_a_year_after_a_month_is_a_date(text: str) -> None:
    assert [c.amount for c in income_candidates(text)] == [8600]


# --- "pm" and tax words anchor a figure --------------------------------------------------------


def test_pm_after_a_money_figure_is_per_month_not_a_time() -> None:
    (pay,) = income_candidates("4,800 pm net, 2 years 4 months at the supermarket.")
    assert (pay.amount, pay.period, pay.after_tax) == (4800, "month", True)
    assert _got("55k pm") == [(Decimal(55000), "month")]
    assert _got("after 10pm I earn 3000 a month") == [(Decimal(3000), "month")]


def test_a_tax_word_makes_a_bare_figure_money() -> None:
    (pay,) = income_candidates("税后一万出头，在市里做软件测试")
    assert (pay.amount, pay.after_tax) == (10000, True)


def test_abbreviation_dots_end_no_clause() -> None:
    (pay,) = income_candidates("$85,000 p.a. before tax, marketing coordinator at a nonprofit.")
    assert (pay.period, pay.after_tax) == ("year", False)


# --- whose money -------------------------------------------------------------------------------


def _owners(text: str) -> list[tuple[Decimal, str]]:
    return [(c.amount, c.owner) for c in income_candidates(text)]


def test_regional_words_for_a_spouse_are_someone_else() -> None:
    assert _owners("自己没收入，全靠老伴的退休金过日子，老伴一个月四千五")[-1] == (4500, "other")
    assert _owners("俺家男人在外面搞建筑，一年能挣个十来万，俺自己在饭店打工，一个月两千六") == [
        (Decimal(100000), "other"),
        (Decimal(2600), "self"),
    ]
    assert _owners("一个月纯挣六七千 俺家那口子在厂里上班一个月四千") == [
        (Decimal(6000), "self"),
        (Decimal(4000), "other"),
    ]
    assert _owners("娃他爸在外地打工，一个月八千")[0][1] == "other"
    assert _owners("my wife also works, about $4,000") == [(Decimal(4000), "other")]


def test_a_sum_after_both_partners_figures_is_the_households() -> None:
    assert _owners("我们两口子都在电厂上班，他一万，我八千五，加起来一万八千五") == [
        (Decimal(10000), "other"),
        (Decimal(8500), "self"),
        (Decimal(18500), "household"),
    ]
    assert _owners("我媳妇在超市 她一个月三千多 俺俩加一块一万左右")[-1][1] == "household"
    # a sum said by the speaker alone stays theirs
    assert _owners("全职妈妈，但我有两套房出租，每月租金一共五千四") == [(Decimal(5400), "self")]


def test_parent_words_that_describe_the_speaker_are_the_speaker() -> None:
    for text in (
        "I'm a stay-at-home dad with no income of my own.",
        "Full-time carer for my mum, no income of my own.",
        "I'm a single mother and earn 2,000 a month",
    ):
        t = normalize(text)
        assert owner_at(t, 0, t.index("income") if "no income" in t else len(t)) == "self"
    assert _owners("that's my mum, she gets 2,000 a month") == [(Decimal(2000), "other")]


def test_a_correction_after_a_figure_says_whose_it_is() -> None:
    text = (
        "I'm a receptionist; I get HK$4,195 Old Age Living Allowance... sorry, that's my mum. "
        "My own salary is HK$16,500 a month."
    )
    assert _owners(text) == [(Decimal(4195), "other"), (Decimal(16500), "self")]
    assert _owners("每个月两千，那是我妈的退休金，我自己三千") == [
        (Decimal(2000), "other"),
        (Decimal(3000), "self"),
    ]
    assert _owners("I earn 5,000 a month, that's my salary") == [(Decimal(5000), "self")]


def test_a_sum_in_the_speakers_own_clause_stays_theirs() -> None:
    assert _owners("老公月薪一万，我兼职两份一共三千")[-1] == (Decimal(3000), "self")
    assert _owners("My salary is 5,000; it's my husband who earns more")[0][1] == "self"


@pytest.mark.parametrize(
    ("text", "periods"),
    [
        ("呃 一年十二万 一个月就是一万嘛", ["year", "month"]),  # the pause starts the next figure
        ("一年十二万，一个月就是一万", ["year", "month"]),
        ("工资 5000 一个月", ["month"]),  # no period before it: the one after is its own
        ("I get 500 a week 2000 a month", ["week", "month"]),
    ],
)
def test_a_period_word_after_a_spoken_pause_belongs_to_the_next_figure(
    text: str, periods: list[str]
) -> None:
    assert [c.period for c in income_candidates(text)] == periods
