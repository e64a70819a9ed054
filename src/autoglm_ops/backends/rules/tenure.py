"""employment_years: durations said about the current job (or the only job mentioned)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from autoglm_ops.core.types import Evidence, FieldResult
from autoglm_ops.text.amounts import segments
from autoglm_ops.text.numerals import find_numbers, normalize

_I = re.IGNORECASE
_YEARS = re.compile(r"\s*(?:多|来)?\s*(?:个)?\s*年(半)?(?:多|左右)?", _I)
_MONTHS = re.compile(r"\s*(?:个半月|(?:多)?个(?:多)?月)", _I)
_EN_YEARS = re.compile(r"(\s+and a half)?\s*-?\s*(?:years?|yrs?)\b", _I)
_EN_MONTHS = re.compile(r"\s*-?\s*months?\b", _I)
_ZERO_MONTHS = re.compile(r"\s*零?", _I)
_HALF_YEAR = re.compile(r"(?<![一二两三四五六七八九十\d])半年")
# a period used as a rate, a point in time or a term, not a tenure
_NOT_AFTER = re.compile(
    r"\s*(?:[\d零一二两三四五六七八九十百千万]|前|后|以前|以后|之前|之后|内|期|到期|的时候|ago|later|term|loan|挣|赚|收入|能|到手|大概|约|净|"
    r"流水|营业|下来|薪|工资|拿|的收入|多少|income|salary|old)",
    _I,
)
_NOT_BEFORE = re.compile(r"(?:每|第|最近|过去|every|per|last|next|first)\s*$", _I)
_WORK = re.compile(
    r"干|做|工作|上班|待|呆|在职|入职|任职|工龄|司龄|教龄|来公司|来这|在这|这家|就职|服务|从业|当|"
    r"返聘|已满|跑|送|开店|employ|work|job|been (?:with|at|there|in)|company|employer|firm|clinic|"
    r"there|tenure|council|hospital",
    _I,
)
_EXCLUDE = re.compile(
    r"社保|公积金|缴|交了|交过|保险|贷|还|借|欠|合同|到期|失业|没工作|辞职|待业|无业|读|学|岁|"
    r"loan|mortgage|contribution|insurance|unemployed|\bage\b|\bold\b|retire",
    _I,
)
_PREVIOUS = re.compile(
    r"以前|之前|原来|上一家|上个单位|上一份|前公司|退休前|那家|"
    r"previous|before that|used to|formerly",
    _I,
)
_SPECIFIC = re.compile(
    r"这家|现|在这|待|呆|干|入职|来公司|来这|司龄|返聘|任职|"
    r"company|employer|firm|there|with|at the",
    _I,
)
_JOINED_AGO = re.compile(r"\s*(?:前|以前|之前)(?:就)?(?:入职|进|来|加入|跳槽)", _I)
_TENURE_VERB = re.compile(r"了|职|干|做|待|呆|作|来|满|快|近|有|已|for|been", _I)
_CURRENT = re.compile(r"现单位|现在|这家|本单位|目前|现公司|当前|current|now|this company", _I)


@dataclass(frozen=True, slots=True)
class _Tenure:
    years: Decimal
    start: int
    end: int
    specific: bool
    current: bool
    approx: bool


def _round(v: Decimal) -> Decimal:
    return v.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _durations(t: str, text: str) -> list[tuple[Decimal, int, int, bool]]:
    """(years, start, end, approx) for every duration in the normalised text."""
    out: list[tuple[Decimal, int, int, bool]] = []
    mentions = find_numbers(text)
    skip_until = -1
    for k, m in enumerate(mentions):
        if m.start < skip_until or m.percent or m.ordinal or m.value <= 0:
            continue
        approx = m.approx
        y = _YEARS.match(t, m.end)
        if y:
            years = m.value + (Decimal("0.5") if y.group(1) else 0)
            end = y.end()
            # 两年零三个月
            z = _ZERO_MONTHS.match(t, end)
            nxt = mentions[k + 1] if k + 1 < len(mentions) else None
            if z and nxt and end <= nxt.start <= z.end():
                mm = _MONTHS.match(t, nxt.end)
                if mm:
                    years += nxt.value / 12
                    end = mm.end()
                    skip_until = end
            out.append((years, m.start, end, approx or "多" in y.group()))
            continue
        mo = _MONTHS.match(t, m.end)
        if mo:
            half = Decimal("0.5") if "半" in mo.group() else 0
            out.append(((m.value + half) / 12, m.start, mo.end(), approx))
            continue
        ey = _EN_YEARS.match(t, m.end)
        if ey:
            years = m.value + (Decimal("0.5") if ey.group(1) else 0)
            out.append((years, m.start, ey.end(), approx))
            continue
        em = _EN_MONTHS.match(t, m.end)
        if em:
            out.append((m.value / 12, m.start, em.end(), approx))
    for h in _HALF_YEAR.finditer(t):
        out.append((Decimal("0.5"), h.start(), h.end(), False))
    return sorted(out, key=lambda d: d[1])


def _tenures(text: str) -> list[_Tenure]:
    t = normalize(text)
    segs = segments(text)
    out: list[_Tenure] = []
    for years, start, end, approx in _durations(t, text):
        ci = next((i for i, s in enumerate(segs) if s.start <= start < s.end), None)
        if ci is None:
            continue
        seg = segs[ci]
        clause = t[seg.start : seg.end]
        prev = segs[ci - 1] if ci and segs[ci - 1].sentence == seg.sentence else None
        prev_clause = t[prev.start : prev.end] if prev else ""
        joined_ago = _JOINED_AGO.match(t, end)
        if joined_ago:
            end = joined_ago.end()
        elif _NOT_AFTER.match(t, end) or _NOT_BEFORE.search(t[max(seg.start, start - 4) : start]):
            continue
        if _EXCLUDE.search(clause) or _PREVIOUS.search(clause):
            continue
        if (
            years in (1, Decimal(1) / 12)
            and not t.startswith("了", end)
            and not _TENURE_VERB.search(t[max(seg.start, start - 3) : start])
        ):
            continue  # "现在一个月算上加班费有六千": 一个月 / 一年 is a rate here
        if not (_WORK.search(clause) or (prev_clause and _WORK.search(prev_clause))):
            continue
        specific = bool(_SPECIFIC.search(clause) or (prev and _CURRENT.search(prev_clause)))
        if re.search(r"参加工作|工龄|从业|工作(?:了)?(?:快|近|已经|有)?\s*$", t[seg.start : start]):
            specific = False
        current = bool(_CURRENT.search(clause) or (prev and _CURRENT.search(prev_clause)))
        out.append(_Tenure(years, start, end, specific, current, approx))
    return out


def decide_tenure(text: str) -> FieldResult:
    """Years at the current employer, or the only working period stated; null otherwise."""
    found = _tenures(text)
    if not found:
        durations = _durations(normalize(text), text)
        return FieldResult(value=None, confidence=0.75 if durations else 0.92, evidence=None)
    pick = (
        next((x for x in found if x.current and x.specific), None)
        or next((x for x in found if x.specific), None)
        or found[0]
    )
    conf = 0.88
    reasons: list[str] = []
    if len(found) > 1:
        conf -= 0.12
        reasons.append("several tenures; the current employer's kept")
    if pick.approx:
        conf -= 0.05
    if not pick.specific:
        conf -= 0.08
        reasons.append("working years, employer not named")
    return FieldResult(
        value=float(_round(pick.years)),
        confidence=conf,
        evidence=Evidence.from_span(text, pick.start, pick.end),
        reasons=reasons,
    )


__all__ = ["decide_tenure"]
