"""Units declared in a label or column header, for the bare numbers that follow them.

Forms write the magnitude once, in the label: ``年收入（万元）：36``, ``月收入/万：1.2``,
``个人年薪（单位：万元）28``, ``Annual income (USD thousands): 85``, ``Gross salary, £'000 per
annum: 42.5``. :func:`label_units` finds every such header of a text (a bracketed group that names
a scale or a currency, a scale after a slash, ``单位：…``, a bare ``'000``); :func:`governing` says
which one, if any, applies to a number: the nearest header to its left on the same line, unless a
new label (a second colon), a sentence end, a tenure/age/count label or the number's own unit is in
between. A header that names a currency and no scale (``(CAD)``, ``（元）``) applies too, and so
resets the scale of an earlier one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from autoglm_ops.text import lexicon as lx
from autoglm_ops.text.numerals import NumberMention

__all__ = ["LabelUnit", "governing", "label_units"]


@dataclass(frozen=True, slots=True)
class LabelUnit:
    """A unit declared in a label: ``scale`` (1 when only a currency is named), the ISO code and
    span of a currency mark in it, a period written in it (``千元/月``), and the header's span."""

    start: int
    end: int
    scale: Decimal
    currency: str | None = None
    currency_span: tuple[int, int] | None = None
    period: str | None = None
    period_span: tuple[int, int] | None = None


_HINT = re.compile(r"[()（）/]|单位|['’‘]000|thousand", re.IGNORECASE)
_GROUP = re.compile(r"[（(]([^()（）\n]{1,32})[)）]")
_DIGIT = re.compile(r"\d")
_TOKEN = re.compile(r"[^\s,，、:：;；/]+")
_SENTENCE_END = re.compile(r"[。！？!?\n]|\.(?=\s|$)")
_COLON = re.compile(r"[:：]")
_SEPARATOR = re.compile(r"[，,;；|｜、]")


def _scale(t: str, lo: int, hi: int) -> tuple[Decimal | None, str]:
    """The scale named in t[lo:hi] and the text with the scale words blanked (same offsets)."""
    part = t[lo:hi]
    hit = lx.HEADER_SCALE.search(part)
    if hit is None:
        return None, part
    scale = Decimal(lx.HEADER_SCALES[hit.lastgroup or "k"])
    masked = lx.HEADER_SCALE.sub(lambda m: " " * len(m.group()), part)
    return scale, masked


def _token_currency(masked: str, tok: re.Match[str]) -> tuple[str, int, int] | None:
    """The currency mark a token of a header is (``HK$``, ``CAD``, ``美元``): code and span."""
    for rx, code in lx.CURRENCY_BEFORE:
        hit = rx.search(masked, tok.start(), tok.end())
        if hit and hit.start() == tok.start():
            return code, tok.start(), tok.end()
    rest = masked[tok.start() :]
    for rx, code in lx.CURRENCY_AFTER:
        hit = rx.match(rest)
        if hit and tok.start() + hit.end() >= tok.end():
            return code, tok.start(), tok.start() + hit.end()
    return None


def _period(t: str, lo: int, hi: int) -> tuple[str | None, tuple[int, int] | None]:
    for rx, name in lx.HEADER_PERIOD:
        hit = rx.search(t, lo, hi)
        if hit:
            return name, hit.span()
    return None, None


def _unit(t: str, lo: int, hi: int, need_scale: bool) -> LabelUnit | None:
    """The unit declared in t[lo:hi]; None when it names neither a scale nor a currency, or when
    it holds other words (``（千里马公司）`` is a name, not a unit in thousands)."""
    scale, masked = _scale(t, lo, hi)
    if scale is None and need_scale:
        return None
    code: str | None = None
    span: tuple[int, int] | None = None
    covered = 0
    for tok in _TOKEN.finditer(masked):
        if tok.start() < covered:
            continue
        cur = _token_currency(masked, tok)
        if cur is not None:
            covered = cur[2]
            if code is None:
                code, span = cur[0], (lo + cur[1], lo + cur[2])
        elif not lx.HEADER_FILLER.fullmatch(tok.group()):
            return None
    if scale is None and code is None:
        return None
    period, pspan = _period(t, lo, hi)
    return LabelUnit(lo, hi, scale or Decimal(1), code, span, period, pspan)


@lru_cache(maxsize=512)
def label_units(t: str) -> tuple[LabelUnit, ...]:
    """Every unit declared in a label of the (normalised) text ``t``, in order of their end."""
    if not _HINT.search(t):
        return ()
    found: dict[int, LabelUnit] = {}
    for g in _GROUP.finditer(t):
        inner = g.group(1)
        if _DIGIT.search(lx.HEADER_SCALE.sub("", inner)):
            continue  # "(约1万)", "(HK$19,000/month)": a figure in brackets, not a unit
        before = t[: g.start()].rstrip(" ")
        if before and before[-1].isdigit():
            continue  # 401(k), 403(b): a plan name
        unit = _unit(t, g.start(1), g.end(1), need_scale=False)
        if unit is not None:
            found[g.end()] = LabelUnit(g.start(), g.end(), *_fields(unit))
    for rx in (lx.HEADER_SLASH, lx.HEADER_UNIT_WORD):
        for m in rx.finditer(t):
            unit = _unit(t, m.start(), m.end(), need_scale=True)
            if unit is not None:
                found.setdefault(m.end(), unit)
    for m in lx.HEADER_BARE.finditer(t):
        # "£'000": the currency mark just before the '000 is the header's
        lo = m.start()
        for rx, _code in lx.CURRENCY_BEFORE:
            hit = rx.search(t, max(0, lo - 4), lo)
            if hit:
                lo = hit.start()
                break
        unit = _unit(t, lo, m.end(), need_scale=True)
        if unit is not None:
            found.setdefault(m.end(), unit)
    return tuple(found[k] for k in sorted(found))


def _fields(
    u: LabelUnit,
) -> tuple[Decimal, str | None, tuple[int, int] | None, str | None, tuple[int, int] | None]:
    return u.scale, u.currency, u.currency_span, u.period, u.period_span


def governing(t: str, units: tuple[LabelUnit, ...], m: NumberMention) -> LabelUnit | None:
    """The label unit that applies to the number ``m`` of ``t``, or None.

    The nearest header to the left on the same line applies when, between it and the number,
    there is no sentence end and at most one colon (the header's own, before any figure), and
    the label right before the number does not name a count, age or tenure. A figure that
    follows another figure of the same header (a list: ``工资 20，租金 3.6``) is scaled only when
    it is under 1000, since a list item that large is written in plain units.
    """
    if not units:
        return None
    head = None
    for u in units:
        if u.end > m.start:
            break
        head = u
    if head is None:
        return None
    gap = t[head.end : m.start]
    if _SENTENCE_END.search(gap):
        return None
    colons = [c.start() for c in _COLON.finditer(gap)]
    first_digit = _DIGIT.search(gap)
    if len(colons) > 1 or (colons and first_digit and first_digit.start() < colons[0]):
        return None  # a new label ("Years in current job: 4", "工作年限：10")
    cut = max(
        [s.end() for s in _SEPARATOR.finditer(gap)]
        + [d.end() for d in _DIGIT.finditer(gap)]
        + [colons[0] + 1 if colons else 0]
    )
    if lx.NON_SCALE_LABEL.search(gap[cut:]):
        return None  # "现单位工作年限 5": a tenure, not money
    if first_digit is not None and head.scale != 1 and m.value >= 1000:
        return None
    return head
