"""PII detection and masking: examples of each kind, the over-masking policy, properties."""

from __future__ import annotations

import time
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autoglm_ops.core.pii import (
    MASKS,
    PiiKind,
    find_pii,
    id_check_char,
    luhn_valid,
    mask_pii,
)

# --- helpers that build valid numbers (independently of the module's internals) --------------


def make_id(region: int, born: date, seq: int) -> str:
    body = f"{region:06d}{born:%Y%m%d}{seq:03d}"
    weights = [2 ** (17 - i) % 11 for i in range(17)]  # the ISO 7064 MOD 11-2 weights
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    return body + check


def luhn_complete(body: str) -> str:
    for d in "0123456789":
        if luhn_valid(body + d):
            return body + d
    raise AssertionError("unreachable")


def to_fullwidth(s: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in s)


VALID_ID = make_id(110101, date(1990, 3, 7), 123)  # 110101199003071233
VISA_TEST = "4111111111111111"
UNIONPAY = luhn_complete("622202123456789012")  # 19 digits


# --- examples --------------------------------------------------------------------------------


def test_check_digit_helpers_agree_with_known_values() -> None:
    assert VALID_ID == "110101199003071233"
    assert id_check_char(VALID_ID[:17]) == "3"
    assert id_check_char("11010519491231002") == "X"  # the published GB 11643 example
    assert luhn_valid("79927398713") and not luhn_valid("79927398710")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"身份证{VALID_ID}号", "身份证[ID]号"),
        ("身份证号11010519491231002X，", "身份证号[ID]，"),
        ("身份证号11010519491231002x", "身份证号[ID]"),
        (f"证件 {VALID_ID[:6]} {VALID_ID[6:14]} {VALID_ID[14:]}", "证件 [ID]"),
        (f"证件 {VALID_ID[:6]}-{VALID_ID[6:10]}-{VALID_ID[10:14]}-{VALID_ID[14:]}", "证件 [ID]"),
        ("老证110101900307123到期", "老证[ID]到期"),  # 15-digit pre-1999 format
        ("手机13812345678联系我", "手机[PHONE]联系我"),
        ("电话：+86 138-1234-5678。", "电话：[PHONE]。"),
        ("电话0086 13812345678", "电话[PHONE]"),
        ("tel: (+86)13812345678", "tel: [PHONE]"),
        ("8613812345678", "[PHONE]"),
        ("138 1234 5678", "[PHONE]"),
        (f"卡号{UNIONPAY}，工资卡", "卡号[CARD]，工资卡"),
        ("卡 4111 1111 1111 1111 谢谢", "卡 [CARD] 谢谢"),
        ("卡 4111-1111-1111-1111", "卡 [CARD]"),
        ("邮箱zhang.san+loan@example.com.cn。", "邮箱[EMAIL]。"),
        ("QQ邮箱12345678@qq.com", "QQ邮箱[EMAIL]"),
        # several kinds in one text, glued to Chinese
        (f"张三{VALID_ID}电话13912345678卡{VISA_TEST}", "张三[ID]电话[PHONE]卡[CARD]"),
        # a grouped card followed by a grouped phone: both found
        ("4111 1111 1111 1111 138 1234 5678", "[CARD] [PHONE]"),
    ],
)
def test_masks_each_kind(text: str, expected: str) -> None:
    assert mask_pii(text) == expected


def test_wrong_id_check_digit_is_still_masked_but_not_verified() -> None:
    wrong = VALID_ID[:17] + ("0" if VALID_ID[17] != "0" else "1")
    [hit] = find_pii(f"号码{wrong}")
    assert (hit.kind, hit.verified) == (PiiKind.ID_CARD, False)
    [good] = find_pii(f"号码{VALID_ID}")
    assert (good.kind, good.verified) == (PiiKind.ID_CARD, True)


def test_long_digit_run_failing_luhn_is_masked_as_unverified_card() -> None:
    body = UNIONPAY[:-1] + str((int(UNIONPAY[-1]) + 1) % 10)
    [hit] = find_pii(f"卡号{body}")
    assert (hit.kind, hit.verified) == (PiiKind.BANK_CARD, False)


def test_short_runs_and_groups_need_luhn() -> None:
    luhn13 = luhn_complete("400000000000")
    assert mask_pii(f"号{luhn13}") == "号[CARD]"
    not_luhn13 = luhn13[:-1] + str((int(luhn13[-1]) + 1) % 10)
    assert mask_pii(f"号{not_luhn13}") == f"号{not_luhn13}"
    assert mask_pii("年份 2025 2026 2027 2028") == "年份 2025 2026 2027 2028"


def test_offsets_refer_to_original_text_with_fullwidth_digits() -> None:
    text = "手机" + to_fullwidth("13812345678") + "，邮箱" + to_fullwidth("a@b.cn")
    hits = find_pii(text)
    assert [(h.kind, text[h.start : h.end]) for h in hits] == [
        (PiiKind.PHONE, to_fullwidth("13812345678")),
        (PiiKind.EMAIL, to_fullwidth("a@b.cn")),
    ]
    assert mask_pii(text) == "手机[PHONE]，邮箱[EMAIL]"


@pytest.mark.parametrize(
    "text",
    [
        "月入18000元",
        "月薪1.8万，年终奖3万",
        "税后12,000元，税前15,000",
        "2026年1月入职，2026-01-15发薪",
        "贷款1500000元分360期",
        "营业额12345678901元左右",  # 11 digits but not 1[3-9]
        "订单号 1234567890",
        "pi=3.14159265358979323846",  # a long fraction is not a card
        "hash 3f2a13812345678b",  # glued to Latin letters: an identifier, not a phone
        "req-7f9c4b1e-13812345678a",
        "version 1.2.3, build 20260115",
        "",
    ],
)
def test_business_numbers_are_not_masked(text: str) -> None:
    assert find_pii(text) == []
    assert mask_pii(text) == text


# --- properties ------------------------------------------------------------------------------

chinese = st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), max_size=12)

ids = st.builds(
    make_id,
    st.integers(110000, 829999),
    st.dates(date(1900, 1, 1), date(2025, 12, 31)),
    st.integers(0, 999),
)
phones = st.builds(
    lambda second, rest: f"1{second}{rest:09d}",
    st.sampled_from("3456789"),
    st.integers(0, 10**9 - 1),
)
# UnionPay-style cards (62 prefix) of 16, 17 and 19 digits: never shaped like an 18-char ID
cards = st.builds(
    lambda n, rest: luhn_complete(("62" + f"{rest:017d}")[: n - 1]),
    st.sampled_from([16, 17, 19]),
    st.integers(0, 10**17 - 1),
)
any_luhn = st.builds(
    lambda n, rest: luhn_complete(f"{rest:018d}"[: n - 1]),
    st.integers(13, 19),
    st.integers(10**17, 10**18 - 1),
)


@given(chinese, ids, chinese)
def test_property_valid_ids_in_chinese_text_are_masked(pre: str, idn: str, post: str) -> None:
    assert mask_pii(pre + idn + post) == f"{pre}[ID]{post}"


@given(chinese, phones, chinese)
def test_property_phones_in_chinese_text_are_masked(pre: str, phone: str, post: str) -> None:
    assert mask_pii(pre + phone + post) == f"{pre}[PHONE]{post}"


@given(chinese, cards, chinese)
def test_property_cards_in_chinese_text_are_masked(pre: str, card: str, post: str) -> None:
    assert mask_pii(pre + card + post) == f"{pre}[CARD]{post}"


@given(chinese, any_luhn, chinese)
def test_property_any_luhn_number_13_to_19_digits_is_masked(
    pre: str, number: str, post: str
) -> None:
    # 15 and 18 digits may be taken for an ID instead; either way the digits are gone
    assert mask_pii(pre + number + post) in {f"{pre}{m}{post}" for m in MASKS.values()}


@given(chinese, ids, chinese)
def test_property_fullwidth_ids_are_masked(pre: str, idn: str, post: str) -> None:
    assert mask_pii(pre + to_fullwidth(idn) + post) == f"{pre}[ID]{post}"


# Text built only from pieces that cannot form PII: Chinese, short numbers, amounts, dates.
_safe_piece = st.one_of(
    chinese,
    st.integers(0, 10**9).map(str),  # at most 10 digits
    st.builds(lambda a, b: f"{a}.{b}万", st.integers(0, 999), st.integers(0, 99)),
    st.builds(lambda a: f"{a:,}", st.integers(0, 10**12)),  # thousands separators
    st.builds(lambda y, m: f"{y}年{m}月", st.integers(1990, 2030), st.integers(1, 12)),
    st.sampled_from(["元", "，", "。", " ", "到", "左右", "k", "w"]),
)
safe_text = st.lists(_safe_piece, max_size=12).map(
    # a Chinese character between pieces keeps digit pieces from joining into a long run
    lambda parts: "的".join(parts)
)


@given(safe_text)
def test_property_text_without_pii_is_unchanged(text: str) -> None:
    assert mask_pii(text) == text


# An adversarial alphabet: everything the patterns care about, densely mixed.
_adversarial = st.text(
    alphabet=st.sampled_from([*"0123456789 -+.@()Xx86abc[]的号,:%_", "１", "３", "＠", "，"]),
    max_size=60,
)
_with_pii = st.lists(st.one_of(_adversarial, ids, phones, cards, any_luhn), max_size=6).map("".join)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(_with_pii)
def test_property_masking_is_idempotent(text: str) -> None:
    once = mask_pii(text)
    assert mask_pii(once) == once


@given(_with_pii)
def test_property_matches_are_ordered_disjoint_and_in_bounds(text: str) -> None:
    last = 0
    for hit in find_pii(text):
        assert last <= hit.start < hit.end <= len(text)
        last = hit.end


def test_speed_one_pass_over_a_long_text() -> None:
    """Masking is cheap enough to run on every log line (well under 50 µs for a short one)."""
    line = f"user 张三 phone 13812345678 card {VISA_TEST} id {VALID_ID} 月入18000元"
    text = line * 500  # ~37k characters, 1500 matches
    t0 = time.perf_counter()
    masked = mask_pii(text)
    elapsed = time.perf_counter() - t0
    assert masked.count("[PHONE]") == masked.count("[CARD]") == masked.count("[ID]") == 500
    assert elapsed < 0.5  # measured ~10 ms; a generous bound for a loaded 2-core machine


@settings(max_examples=300)
@given(st.lists(st.one_of(_adversarial, ids, phones, cards), max_size=5).map("".join))
def test_property_fullwidth_text_is_found_as_its_ascii_form(text: str) -> None:
    """Folding only some full-width characters (see _FULLWIDTH_RUN) loses nothing."""
    wide = to_fullwidth(text).replace(" ", "\u3000")
    assert find_pii(wide) == find_pii(text)
