"""Span finders the learned model decides over: tenure durations and benefit terms.

Amount candidates come from :func:`autoglm_ops.text.amounts.income_candidates`; these two finders
are deliberately permissive (every duration, every mention of a fund or insurance) because the
classifiers, not the finder, decide which one is the answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from autoglm_ops.text.numerals import find_numbers

__all__ = ["Duration", "TermHit", "find_durations", "find_terms"]

_I = re.IGNORECASE
_YEARS = re.compile(r"\s*(?:多|来)?\s*(?:个)?\s*年(半)?(?:多|左右)?")
_MONTHS = re.compile(r"\s*(?:个半月|(?:多)?个(?:多)?月)")
_EN_YEARS = re.compile(r"(\s+and a half)?\s*-?\s*(?:years?|yrs?)\b", _I)
_EN_MONTHS = re.compile(r"\s*-?\s*months?\b", _I)
_ZERO = re.compile(r"\s*(?:零|又)?")
_HALF_YEAR = re.compile(r"(?<![一二两三四五六七八九十\d])半年")
_YEAR_AND_HALF = re.compile(r"\ba year and a half\b|\bhalf a year\b|\bsix months\b", _I)
_MAX_YEARS = Decimal(60)


@dataclass(frozen=True, slots=True)
class Duration:
    """A stated duration in years; ``start``/``end`` index the input text."""

    years: Decimal
    start: int
    end: int
    approx: bool
    unit: str  # year | month


def find_durations(t: str) -> list[Duration]:
    """Every duration (years, months, 三年半, 两年零三个月, 半年) in the normalised text ``t``."""
    out: list[Duration] = []
    mentions = find_numbers(t)
    skip_until = -1
    for k, m in enumerate(mentions):
        if m.start < skip_until or m.percent or m.ordinal or m.value <= 0 or m.is_range:
            continue
        y = _YEARS.match(t, m.end)
        if y:
            years = m.value + (Decimal("0.5") if y.group(1) else 0)
            end = y.end()
            z = _ZERO.match(t, end)
            nxt = mentions[k + 1] if k + 1 < len(mentions) else None
            # 两年零三个月: the month part may start at 零 (find_numbers reads 零三 as 3)
            if z and nxt and nxt.start in (end, z.end()):
                mm = _MONTHS.match(t, nxt.end)
                if mm:
                    years += nxt.value / 12
                    end = mm.end()
                    skip_until = end
            if years <= _MAX_YEARS:
                out.append(Duration(years, m.start, end, m.approx or "多" in y.group(), "year"))
            continue
        mo = _MONTHS.match(t, m.end) or _EN_MONTHS.match(t, m.end)
        if mo:
            half = Decimal("0.5") if "半" in mo.group() else 0
            if m.value <= 600:
                out.append(Duration((m.value + half) / 12, m.start, mo.end(), m.approx, "month"))
            continue
        ey = _EN_YEARS.match(t, m.end)
        if ey:
            years = m.value + (Decimal("0.5") if ey.group(1) else 0)
            if years <= _MAX_YEARS:
                out.append(Duration(years, m.start, ey.end(), m.approx, "year"))
    for h in _HALF_YEAR.finditer(t):
        out.append(Duration(Decimal("0.5"), h.start(), h.end(), False, "year"))
    for h in _YEAR_AND_HALF.finditer(t):
        val = Decimal("1.5") if "and a half" in h.group().lower() else Decimal("0.5")
        out.append(Duration(val, h.start(), h.end(), False, "year"))
    return sorted(out, key=lambda d: d.start)


# --- benefit terms ------------------------------------------------------------------------------

PF = "has_provident_fund"
SI = "has_social_insurance"

_COMBINED = re.compile(r"[三五六]险一金|five insurances and one (?:housing )?fund", _I)
_TERMS: dict[str, re.Pattern[str]] = {
    PF: re.compile(
        r"住房公积金|公积金|(?<=险)一金|(?:housing )?provident fund|housing fund|one fund", _I
    ),
    SI: re.compile(
        r"社保|社会保险|养老保险|医保|[三五六]险|social (?:insurance|security)|five insurances"
        r"|pension insurance",
        _I,
    ),
}


@dataclass(frozen=True, slots=True)
class TermHit:
    """One mention of a benefit; ``start``/``end`` cover the whole 五险一金 when combined."""

    field: str
    start: int
    end: int
    combined: bool


def find_terms(t: str) -> dict[str, list[TermHit]]:
    """Mentions of the provident fund and of social insurance in the normalised text ``t``."""
    combined = [(m.start(), m.end()) for m in _COMBINED.finditer(t)]
    out: dict[str, list[TermHit]] = {PF: [], SI: []}
    for fld, rx in _TERMS.items():
        for m in rx.finditer(t):
            span = next(((s, e) for s, e in combined if s <= m.start() < e), None)
            s, e = span or (m.start(), m.end())
            if any(h.start == s for h in out[fld]):
                continue
            out[fld].append(TermHit(fld, s, e, span is not None))
    return out
