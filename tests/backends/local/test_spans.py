"""Duration and benefit-term finders."""

from __future__ import annotations

from decimal import Decimal

import pytest

from autoglm_ops.backends.local.spans import PF, SI, find_durations, find_terms


@pytest.mark.parametrize(
    ("text", "years", "covered"),
    [
        ("在这家干了三年半", Decimal("3.5"), "三年半"),
        ("从入职到现在两年零三个月", Decimal("2.25"), "两年零三个月"),
        ("with my employer for 18 months", Decimal("1.5"), "18 months"),
        ("been there two and a half years", Decimal("2.5"), "two and a half years"),
        ("才来半年", Decimal("0.5"), "半年"),
    ],
)
def test_durations(text: str, years: Decimal, covered: str) -> None:
    found = find_durations(text)
    assert len(found) == 1
    d = found[0]
    assert d.years == years
    assert text[d.start : d.end] == covered


def test_a_calendar_year_is_not_a_duration() -> None:
    assert find_durations("2019年入职") == []


def test_five_insurances_one_fund_is_both_terms() -> None:
    text = "单位交五险一金"
    hits = find_terms(text)
    assert len(hits[PF]) == 1 and len(hits[SI]) == 1
    assert text[hits[PF][0].start : hits[PF][0].end] == "五险一金"
    assert hits[PF][0].combined


def test_terms_english() -> None:
    hits = find_terms("no social insurance, but a housing provident fund")
    assert [h.field for h in hits[SI]] == [SI]
    assert [h.field for h in hits[PF]] == [PF]
