"""Numeral normaliser: every contract form, full-width, separators, ranges, property tests."""

from __future__ import annotations

from decimal import Decimal

import cn2an
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autoglm_ops.text.numerals import find_numbers, normalize, parse_number

CONTRACT_FORMS = [
    ("1.8万", 18000),
    ("两万五", 25000),
    ("一万二", 12000),
    ("七千二", 7200),
    ("1万8", 18000),
    ("1w5", 15000),
    ("1W5", 15000),
    ("3k", 3000),
    ("3K", 3000),
    ("壹万贰仟", 12000),
    ("捌仟伍佰", 8500),
    ("陆仟叁佰", 6300),
    ("１８０００", 18000),
    ("12,000", 12000),
    ("１２，０００", 12000),
    ("十万", 100000),
    ("三百", 300),
    ("九千多", 9000),
    ("9千多", 9000),
    ("过万", 10000),
    ("七八千", 7000),
    ("四五千", 4000),
    ("5k-2w", 5000),
    ("8000到10000", 8000),
    ("一万二三", 12000),
    ("十七八万", 170000),
    ("1-2万", 10000),
    ("百三", 130),
    ("千三", 1300),
    ("十三万二", 132000),
    ("一千零五", 1005),
    ("两千零三十万", 20300000),
    ("2千零30万", 20300000),
    ("3万4000", 34000),
    ("4.78万亿", 4780000000000),
    ("四万万", 400000000),
    ("十多万", 100000),
    ("二十几万", 200000),
    ("约1.8万", 18000),
    ("两千三点一", Decimal("2300.1")),
    ("二零二四", 2024),
    ("兩萬五", 25000),
    ("ten thousand five hundred", 10500),
    ("five thousand two hundred", 5200),
    ("2 million", 2000000),
]


@pytest.mark.parametrize(("form", "value"), CONTRACT_FORMS)
def test_parse_number_contract_forms(form: str, value: int | Decimal) -> None:
    assert parse_number(form) == Decimal(value)


@pytest.mark.parametrize("s", ["", "万", "百", "工资", "一切", "四川", "队伍", "abc", "8000元"])
def test_parse_number_rejects_non_numerals(s: str) -> None:
    assert parse_number(s) is None


def test_range_mentions_carry_both_bounds() -> None:
    (m,) = find_numbers("月薪七八千")
    assert (m.value, m.upper, m.is_range, m.text) == (7000, 8000, True, "七八千")
    (m,) = find_numbers("每月5k-2w不等")
    assert (m.value, m.upper, m.unit) == (5000, 20000, "kw")
    (m,) = find_numbers("between 6,000 and 9,000 a month")
    assert (m.value, m.upper, m.is_range) == (6000, 9000, True)
    (m,) = find_numbers("$1,500-$2,500 a month")
    assert (m.value, m.upper) == (1500, 2500)


def test_approximation_words_are_flagged_and_value_kept() -> None:
    (m,) = find_numbers("一天大概三百左右")[1:]
    assert m.value == 300 and m.approx and set(m.approx_words) == {"左右", "大概"}
    (m,) = find_numbers("月入过万")
    assert (m.value, m.text, m.approx) == (10000, "过万", True)
    (m,) = find_numbers("税后一万出头")
    assert m.value == 10000 and "出头" in m.approx_words
    (m,) = find_numbers("about $4,200 a month")
    assert m.value == 4200 and m.approx_words == ("about",)


def test_trailing_one_before_a_classifier_is_the_period() -> None:
    values = [m.value for m in find_numbers("一万二一个月")]
    assert values[0] == 12000
    assert find_numbers("十一个月")[0].value == 11


def test_non_numbers_are_skipped() -> None:
    assert find_numbers("一直在百度上班，五险一金齐全") == []
    assert find_numbers("我家在四川") == []
    assert find_numbers("这是我的队伍") == []


def test_percent_and_ordinal_flags() -> None:
    (m,) = find_numbers("公积金按12%的比例交")
    assert m.percent and m.value == 12
    (m,) = find_numbers("市第一中学")
    assert m.ordinal


def test_fullwidth_offsets_index_the_original_text() -> None:
    text = "每月工资４５００元（税前），１２，０００也行"
    for m in find_numbers(text):
        assert text[m.start : m.end] == m.text
    assert [m.value for m in find_numbers(text)] == [4500, 12000]
    assert len(normalize(text)) == len(text)


# --- property tests ----------------------------------------------------------------------------

_DIG = "零一二三四五六七八九"


def _cn(n: int) -> str:
    """Chinese rendering built independently of the parser (standard 万/亿 grouping)."""

    def group(g: int) -> str:
        out, zero = "", False
        for unit, div in (("千", 1000), ("百", 100), ("十", 10), ("", 1)):
            d = g // div % 10
            if d:
                if zero and out:
                    out += "零"
                out += _DIG[d] + unit
                zero = False
            else:
                zero = True
        return out

    parts, n0 = [], n
    for unit, div in (("亿", 10**8), ("万", 10**4), ("", 1)):
        g = n0 // div % 10**4
        if g:
            if parts and g < 1000:
                parts.append("零")
            parts.append(group(g) + unit)
        elif parts and n0 % div:
            pass
    s = "".join(parts)
    return s.replace("零零", "零")


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=1, max_value=99_999_999))
def test_chinese_rendering_parses_back(n: int) -> None:
    assert parse_number(_cn(n)) == n
    assert parse_number(cn2an.an2cn(n)) == n


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=99_999_999))
def test_financial_capitals_parse_back(n: int) -> None:
    assert parse_number(cn2an.an2cn(n, "up")) == n


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=999), st.integers(min_value=1, max_value=9))
def test_n_unit_m_forms(n: int, m: int) -> None:
    assert parse_number(f"{n}万{m}") == n * 10000 + m * 1000
    assert parse_number(f"{n}w{m}") == n * 10000 + m * 1000
    assert parse_number(f"{n}k{m}") == n * 1000 + m * 100
    assert parse_number(f"{n}千{m}") == n * 1000 + m * 100


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=10**9))
def test_fullwidth_equals_halfwidth(n: int) -> None:
    half = f"{n:,}"
    full = half.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)})
    assert parse_number(full) == parse_number(half) == n


_SENTENCE = st.lists(
    st.sampled_from(
        ["月薪", "两万五", "，", "1.8万", "年薪36万", "一天三百", "左右", "七八千", "5k-2w",
         "到手", "１８０００", "元", "约", "多", " ", "12,000", "老婆", "一万二", "社保", "3k"]
    ),
    min_size=1,
    max_size=8,
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(_SENTENCE)
def test_offsets_cover_text_that_reparses_to_the_value(parts: list[str]) -> None:
    text = "".join(parts)
    last_end = 0
    for m in find_numbers(text):
        assert text[m.start : m.end] == m.text
        assert m.start >= last_end
        last_end = m.end
        if not m.percent and not m.ordinal:
            assert parse_number(m.text) == m.value


def test_trailing_yi_before_a_measure_word_is_not_money() -> None:
    # 12万一次性: the 一 belongs to 一次性 (in one go), not to the amount
    [m] = [m for m in find_numbers("想借12万一次性还清") if m.value > 1]
    assert m.value == 120000 and m.text == "12万"


def test_range_lower_bound_borrows_the_upper_unit() -> None:
    [m] = find_numbers("$15-20k a month")
    assert (m.value, m.upper) == (15000, 20000)
    [m] = find_numbers("20-30万")
    assert (m.value, m.upper) == (200000, 300000)
    [m] = find_numbers("8000-1万")
    assert (m.value, m.upper) == (8000, 10000)


def test_wanba_is_about_ten_thousand() -> None:
    (m,) = [x for x in find_numbers("一个月挣个万把块钱") if x.value > 1]
    assert m.value == Decimal(10000) and m.approx and m.text == "万把"
    assert [x.value for x in find_numbers("每月千把块")] == [Decimal(1000)]


@pytest.mark.parametrize(
    ("text", "lo", "hi"),
    [
        ("I earn twenty to twenty-five thousand dollars a year", 20000, 25000),
        ("between twenty and thirty thousand a year", 20000, 30000),
        ("from five to six thousand dollars", 5000, 6000),
    ],
)
def test_english_word_range_lower_bound_borrows_the_scale(text: str, lo: int, hi: int) -> None:
    (m,) = find_numbers(text)
    assert (m.value, m.upper, m.is_range) == (Decimal(lo), Decimal(hi), True)


def test_english_hundred_and_twenty_stays_one_number() -> None:
    (m,) = find_numbers("one hundred and twenty thousand")
    assert m.value == Decimal(120000) and not m.is_range


def test_a_space_ends_a_numeral_unless_a_unit_follows() -> None:
    # voice transcripts without punctuation: 八百 and 五险 are two phrases
    assert [m.value for m in find_numbers("补贴每月八百 五险一金都有")] == [800]
    assert [m.value for m in find_numbers("工资一万 五千")] == [15000]
    # a transcript that spaces every character
    assert [m.value for m in find_numbers("一百 五 十 二")] == [152]
    assert [m.value for m in find_numbers("月薪八千 三个月奖金")] == [8000, 3]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("I earn thirty-five grand a year (GBP)", 35000),
        ("I earn thirty-two grand a year before tax", 32000),
        ("twenty grand", 20000),
        ("forty-five grand a year", 45000),
        ("a hundred grand", 100000),
        ("a hundred and fifty grand", 150000),
        ("35 grand", 35000),
        ("fifty thousand", 50000),
        ("fifty k a year", 50000),
        ("two and a half thousand a month", 2500),
        ("two and a half grand", 2500),
        ("one and a half million", 1500000),
        ("I make a grand a week", 1000),
    ],
)
def test_english_word_numbers_scale_by_grand_k_and_a_half(text: str, value: int) -> None:
    (m,) = find_numbers(text)
    assert m.value == Decimal(value)


def test_english_grand_alone_is_not_a_number() -> None:
    assert find_numbers("a grand total of nothing, Grand Canyon trip") == []
    (m,) = find_numbers("between twenty and thirty grand")
    assert (m.value, m.upper) == (Decimal(20000), Decimal(30000))
    assert find_numbers("thirty-five grand")[0].unit == "grand"  # as for "35 grand"


def test_spaced_wan_takes_a_lone_digit_as_its_next_place() -> None:
    # "2 万 3" = 23000, as 两万三 and 1万8
    got = [m.value for m in find_numbers("gross 月薪 2 万 3，net 大概 1 万 8，公司交五险一金")]
    assert got == [23000, 18000]
    # a digit that starts a word or another figure is not the next place
    assert [m.value for m in find_numbers("月薪2万 3个月奖金")] == [20000, 3]
    assert [m.value for m in find_numbers("月薪2万 3 years")] == [20000, 3]


@pytest.mark.parametrize(("text", "value"), [("Rs.50000", 50000), ("Dhs.12,000", 12000)])
def test_the_dot_of_an_abbreviated_currency_is_not_a_decimal_point(text: str, value: int) -> None:
    (m,) = find_numbers(text)
    assert m.value == value
    assert find_numbers("pay is .5k")[0].value == 500  # a leading decimal point still reads


def test_a_long_run_of_numerals_is_split_not_parsed_recursively() -> None:
    text = "一万二" * 2000  # one chunk of 6,000 characters used to raise RecursionError
    found = find_numbers(text)
    assert len(found) > 100  # cut into bounded chunks
    assert all(m.end - m.start <= 64 for m in found)
