"""has_provident_fund / has_social_insurance: term spotting with negation scope."""

from __future__ import annotations

import re
from dataclasses import dataclass

from autoglm_ops.core.types import Evidence, FieldResult
from autoglm_ops.text.amounts import segments
from autoglm_ops.text.numerals import normalize

_I = re.IGNORECASE
# (field, regex, specific): 五险一金 yields both fields through 五险 and 一金
_TERMS: list[tuple[str, re.Pattern[str], bool]] = [
    ("has_provident_fund", re.compile(r"住房公积金|公积金|一金", _I), True),
    (
        "has_provident_fund",
        re.compile(r"(?:housing )?provident fund|housing fund|one fund", _I),
        True,
    ),
    ("has_social_insurance", re.compile(r"社保|社会保险|养老保险|[三五六]险", _I), True),
    (
        "has_social_insurance",
        re.compile(r"social (?:insurance|security)|five insurances|pension insurance", _I),
        True,
    ),
]
_COMBINED = re.compile(r"[三五六]险一金|five insurances and one fund", _I)
# a negator shortly before the term: 没有/无/不交/没给交/暂未缴纳 … ; English no/without/not
_NEG_BEFORE_ZH = re.compile(
    r"(?:没有?|无|不|未|非)(?:给|帮|有|签|在)?(?:交|缴|缴纳|上|买|办)?(?:过|了)?(?:住房)?\s*$"
)
_NEG_BEFORE_EN = re.compile(
    r"\b(?:no|without|not|don't|doesn't|didn't|never|none)\b[\w\s']{0,24}$", _I
)
# a negator right after the term: 公积金没有 / 五险一金都没有 / 社保断缴
_NEG_AFTER = re.compile(
    r"^(?:[一金和及与、]|公积金|社保)*\s*(?:都|也|均|全|还|是)?\s*"
    r"(?:没有?|无|不交|没交|没缴|不缴|断缴|断了|停缴|停了|不给|没给|不买|没买|not\b|none\b)"
    r"(?!有?\s*(?:住房)?(?:公积金|一金|社保|[三五六]险|housing|provident|social))",
    _I,
)
_QUESTION = re.compile(r"(?:吗|嘛|么|\?)\s*$")
_ASSERT = re.compile(r"我|有|交|缴|扣|I\b|my\b|have|pay", _I)


@dataclass(frozen=True, slots=True)
class _Assertion:
    field: str
    value: bool
    start: int
    end: int
    specific: bool


def _assertions(text: str) -> list[_Assertion]:
    t = normalize(text)
    segs = segments(text)
    combined = [(m.start(), m.end()) for m in _COMBINED.finditer(t)]
    out: list[_Assertion] = []
    for fld, rx, _ in _TERMS:
        for m in rx.finditer(t):
            seg = next((s for s in segs if s.start <= m.start() < s.end), None)
            c0, c1 = (seg.start, seg.end) if seg else (0, len(t))
            clause = t[c0:c1]
            if _QUESTION.search(clause.rstrip("。.!！ ")) and not _ASSERT.search(clause):
                continue  # "你们看公积金吗?" asks, does not state
            # a term inside 五险一金 shares the negation of the whole phrase (无五险一金)
            span = next(((s, e) for s, e in combined if s <= m.start() < e), None)
            t0, t1 = span or (m.start(), m.end())
            nb = _NEG_BEFORE_ZH.search(t[max(c0, t0 - 8) : t0]) or _NEG_BEFORE_EN.search(
                t[max(c0, t0 - 30) : t0]
            )
            na = _NEG_AFTER.match(t[t1:c1])
            value = not (nb or na)
            start = t0 - len(nb.group()) if nb else t0
            end = t1 + na.end() if na else t1
            out.append(_Assertion(fld, value, start, end, span is None))
    return out


def decide_benefits(text: str) -> dict[str, FieldResult]:
    """Both insurance fields with evidence; null when neither term is mentioned."""
    found = _assertions(text)
    fields: dict[str, FieldResult] = {}
    for fld in ("has_provident_fund", "has_social_insurance"):
        mine = [a for a in found if a.field == fld]
        if not mine:
            fields[fld] = FieldResult(value=None, confidence=0.92, evidence=None)
            continue
        specific = [a for a in mine if a.specific] or mine
        last = max(specific, key=lambda a: a.start)
        agree = len({a.value for a in specific}) == 1
        conf = 0.92 if agree else 0.6
        if not last.specific:
            conf -= 0.04
        fields[fld] = FieldResult(
            value=last.value,
            confidence=conf,
            evidence=Evidence.from_span(text, last.start, last.end),
            reasons=[] if agree else ["conflicting statements; the last one kept"],
        )
    return fields


__all__ = ["decide_benefits"]
