"""Money candidates in an income statement, with the context a rule or a learned model decides on.

``income_candidates(text)`` finds every money-like number and describes it: amount (lower bound of
a range), currency (explicit or CNY by default), period cue, tax cue, whose money it is (self,
other person, household) and which cue categories (loan, bonus, turnover, total, ...) surround it.
``AmountCandidate.features()`` flattens that for a classifier; ``to_monthly`` is the one place
that holds the contract's period arithmetic. A unit declared in a label (``年收入（万元）：36``)
scales the bare number after it (:mod:`autoglm_ops.text.headers`); a quarterly payment
(``租金每季度三千``) has the period "month", period_source "quarter" and a third of it per month.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Literal

from autoglm_ops.text import lexicon as lx
from autoglm_ops.text.headers import LabelUnit, governing, label_units
from autoglm_ops.text.numerals import NumberMention, find_numbers, normalize
from autoglm_ops.text.numerals_grammar import INDIAN_SCALE_WORDS

__all__ = [
    "AmountCandidate",
    "Segment",
    "income_candidates",
    "money_mentions",
    "owner_at",
    "segment_at",
    "segments",
    "to_monthly",
]

Period = Literal["month", "year", "week", "day"]
Owner = Literal["self", "other", "household"]

_CENT = Decimal("0.01")
_PER_MONTH: dict[str, Decimal] = {
    "month": Decimal(1),
    "year": Decimal(1) / Decimal(12),
    "week": Decimal(52) / Decimal(12),
    "day": Decimal("21.75"),
}


#: payments at intervals the contract has no period for, read per month: name -> months
PAID_EVERY: dict[str, int] = {"quarter": 3, "halfyear": 6}


def to_monthly(amount: Decimal, period: str | None) -> Decimal:
    """Contract arithmetic: month as is, year ÷ 12, week × 52 / 12, day × 21.75; 2 decimals.

    ``None`` (no period stated) is taken as monthly. "quarter" and "halfyear" are not contract
    periods; such a payment is counted per month (÷ 3, ÷ 6), as the labelling decisions say.
    """
    if period in PAID_EVERY:
        value = amount / PAID_EVERY[period]
    elif period == "year":
        value = amount / 12
    elif period == "week":
        value = amount * 52 / 12
    elif period == "day":
        value = amount * _PER_MONTH["day"]
    else:
        value = amount
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


# --- segmentation ------------------------------------------------------------------------------

# the dots of "p.a.", "approx." and "e.g." end no clause ("$85,000 p.a. before tax")
_ABBREV_DOT = (
    r"(?<!\bp\.a\.)(?<!\bp\.)(?<!\bapprox\.)(?<!\be\.g\.)(?<!\be\.)(?<!\bi\.e\.)(?<!\bi\.)"
)
# a clause ends at Chinese/English punctuation; a comma or dot between digits (4,200 / 1.8) does not
_CLAUSE_END = re.compile(r"[，;；。！？!?\n]|,(?!\d)|(?<!\d),|\.(?!\d)" + _ABBREV_DOT)
# A question and its answer ("问：月收入？答：八千多") are one sentence: the cue of the
# question ("月收入") is what makes the answer's number money.
_SENTENCE_END = re.compile(
    r"(?:[;；。！？!?\n]|\.(?=\s|$)" + _ABBREV_DOT + r")(?![\s。？?]*(?:答|A\s*[:：]|Answer\b))"
)


@dataclass(frozen=True, slots=True)
class Segment:
    """A clause with the index of its sentence."""

    start: int
    end: int
    sentence: int


def segments(text: str) -> list[Segment]:
    """Clauses of ``text`` (offsets into it), each tagged with its sentence number."""
    return list(_segments(text))


@lru_cache(maxsize=1024)
def _segments(text: str) -> tuple[Segment, ...]:
    t = normalize(text)
    sentence_ends = {m.end() for m in _SENTENCE_END.finditer(t)}
    out: list[Segment] = []
    start, sent = 0, 0
    for m in _CLAUSE_END.finditer(t):
        if m.end() > start:
            out.append(Segment(start, m.end(), sent))
        start = m.end()
        if m.end() in sentence_ends:
            sent += 1
    if start < len(t):
        out.append(Segment(start, len(t), sent))
    return tuple(out)


# --- owner tracking ----------------------------------------------------------------------------

_OWNER = re.compile(
    rf"(?P<household>{lx.CUES['household'].pattern})|(?P<other>{lx.CUES['spouse'].pattern})"
    rf"|(?P<self>{lx.CUES['self'].pattern})",
    re.IGNORECASE,
)
# "他一万，我八千五，加起来一万八千五": a sum said after both the speaker's and someone else's
# figure is the household's
_OWNER_SUM = re.compile(
    rf"(?P<household>{lx.CUES['household'].pattern})|(?P<other>{lx.CUES['spouse'].pattern})"
    rf"|(?P<self>{lx.CUES['self'].pattern})"
    r"|(?P<sum>加起来|加一块|加一起|加在一起|合起来|一共|总共|合计|\bin total\b|\baltogether\b)",
    re.IGNORECASE,
)


#: how far back (characters) a figure's sentence is searched for whose money or which period it
#: is: far more than any real sentence, and it keeps a 20,000-character text without punctuation
#: linear instead of quadratic in its figures
LOOKBACK = 240


def owner_at(t: str, sentence_start: int, pos: int) -> Owner:
    """Whose money the text at ``pos`` talks about, from person cues since the sentence start."""
    owner: Owner = "self"
    seen: set[str] = set()
    sentence_start = max(sentence_start, pos - LOOKBACK)
    last_end = sentence_start
    for m in _OWNER_SUM.finditer(t, sentence_start, pos):
        kind = m.lastgroup or "self"
        if kind == "sum":
            # in a clause of its own: "我兼职两份一共三千" is still the speaker's
            if {"self", "other"} <= seen and _CLAUSE_END.search(t, last_end, m.start()):
                owner = "household"
            continue
        seen.add(kind)
        last_end = m.end()
        owner = "household" if kind == "household" else "other" if kind == "other" else "self"
    return owner


# "HK$4,195 Old Age Living Allowance... sorry, that's my mum.", "两千，那是我妈的": a correction
# right after a figure says whose it is
_THATS = re.compile(
    r"(?:^|[\s,，.。;；!！…~-])(?:that'?s|that is|that was|this is|those are|"
    r"(?:那|这)(?:个|些|笔|钱)?(?:是|都是|算是?))\s*(?:(?:my|our)\s+|(?=我|俺))?",
    re.IGNORECASE,
)


def owner_after(t: str, end: int, stop: int) -> Owner | None:
    """The owner a correction after a figure names ("..., that's my mum"), looking no further
    than ``stop`` (the next figure) nor 60 characters; None when there is none."""
    for hit in _THATS.finditer(t, end, min(stop, end + 60)):
        who = _OWNER.match(t, hit.end())
        if who is not None and who.lastgroup in ("other", "household"):
            return "other" if who.lastgroup == "other" else "household"
    return None


# --- candidates --------------------------------------------------------------------------------


@dataclass(slots=True)
class AmountCandidate:
    """One money-like number and its context. ``start``/``end`` cover the currency mark too."""

    mention: NumberMention
    start: int
    end: int
    amount: Decimal
    currency: str
    currency_explicit: bool
    currency_span: tuple[int, int] | None
    period: Period | None
    # adjacent | left | right | sentence | heading | header | implied | none; "quarter" or
    # "halfyear" when the figure is paid at that interval (period "month", monthly ÷ 3 or ÷ 6)
    period_source: str
    period_span: tuple[int, int] | None
    after_tax: bool | None
    tax_span: tuple[int, int] | None
    owner: Owner
    clause: int
    sentence: int
    cues_left: frozenset[str]
    cues_right: frozenset[str]
    cues_sentence: frozenset[str]
    position: float
    cue_spans: dict[str, tuple[int, int]] = field(default_factory=dict)
    scale: Decimal = Decimal(1)  # the label's unit that ``amount`` was multiplied by (万元 → 10000)

    @property
    def monthly(self) -> Decimal:
        """The amount per month by the contract's arithmetic."""
        if self.period_source in PAID_EVERY:
            return to_monthly(self.amount, self.period_source)
        return to_monthly(self.amount, self.period)

    def near(self, *cats: str) -> bool:
        """True when any of the cue categories is in this candidate's clause (either side)."""
        return any(c in self.cues_left or c in self.cues_right for c in cats)

    def features(self) -> dict[str, float | str | bool]:
        """Flat features for a classifier (no input text in them)."""
        f: dict[str, float | str | bool] = {
            "amount": float(self.amount),
            "log10_amount": math.log10(float(self.amount)) if self.amount > 0 else 0.0,
            "monthly": float(self.monthly),
            "period": self.period or "none",
            "period_source": self.period_source,
            "currency": self.currency,
            "currency_explicit": self.currency_explicit,
            "tax": "after" if self.after_tax else "pre" if self.after_tax is False else "none",
            "approx": self.mention.approx,
            "is_range": self.mention.is_range,
            "unit": self.mention.unit or ("header" if self.scale != 1 else "none"),
            "owner": self.owner,
            "position": self.position,
            "clause": float(self.clause),
            "sentence": float(self.sentence),
        }
        for cat in lx.CUES:
            f[f"left_{cat}"] = cat in self.cues_left
            f[f"right_{cat}"] = cat in self.cues_right
            f[f"sentence_{cat}"] = cat in self.cues_sentence
        return f


_MONEY_CATS = frozenset((
    "income", "turnover", "profit", "pension", "rent", "bonus", "loan", "repayment", "debt",
    "parttime", "base", "commission", "total", "provident", "savings",
))  # fmt: skip


# category -> (match ends, match spans): finditer's matches of one pattern are sorted and do not
# overlap, so their ends are sorted too and a window's matches are found by bisection
_CueIndex = dict[str, tuple[list[int], list[int], list[tuple[int, int]]]]
_LATIN = re.compile(r"[A-Za-z]")
_LONG_DIGITS = re.compile(r"\s*\d{11,}\s*")
# a calendar year: "since 2018", "in 2019", "2024-03", "(k)" of a 401(k) plan
_YEAR = re.compile(r"(?:19[5-9]\d|20[0-4]\d)")
_MONTH_NAME = (
    r"\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
# "since 2018", "in March 2020", "Mar 2020", "March 3, 2020", "3月 2020", "三月份 2020"
_YEAR_BEFORE = re.compile(
    r"(?:\b(?:since|in|from|until|till|by|of|back|year)|自|从|于|"
    rf"{_MONTH_NAME}(?:\s+\d{{1,2}}(?:st|nd|rd|th)?)?,?|"
    r"(?:\d{1,2}|[一二三四五六七八九十]{1,2})\s*月份?)\s*$",
    re.I,
)
_YEAR_AFTER = re.compile(r"[-/.]\d{1,2}(?!\d)|\s*(?:年|年度)(?!薪|收入|入)")
_ANNUAL_WHEN_LARGE = frozenset(("GBP", "USD", "EUR", "AUD", "CAD", "NZD", "CHF", "SGD"))
_PLAN_AFTER = re.compile(r"\s*\(\s*[kK]\s*\)")


def segment_at(starts: list[int], segs: Sequence[Segment], pos: int) -> int:
    """Index of the clause holding ``pos`` (the last clause when none does), by bisection over
    ``starts`` (the clauses' starts): a scan per span would make a long text quadratic."""
    i = bisect_right(starts, pos) - 1
    if i >= 0 and segs[i].start <= pos < segs[i].end:
        return i
    return len(segs) - 1


def _cue_index(t: str) -> _CueIndex:
    """Every cue match of the text, by category (one pass per category, reused per window)."""
    cues = lx.CUES if _LATIN.search(t) else lx.CUES_NO_LATIN
    out: _CueIndex = {}
    for name, rx in cues.items():
        spans = [m.span() for m in rx.finditer(t)]
        out[name] = ([a for a, _ in spans], [b for _, b in spans], spans)
    return out


def _cats(
    index: _CueIndex, start: int, end: int
) -> tuple[frozenset[str], dict[str, tuple[int, int]]]:
    found: set[str] = set()
    spans: dict[str, tuple[int, int]] = {}
    if end <= start:
        return frozenset(), spans
    for name, (starts, ends, hits) in index.items():
        lo, hi = bisect_left(starts, start), bisect_right(ends, end)
        if hi > lo:  # hits[lo:hi] lie inside the window; the last one is kept
            found.add(name)
            spans[name] = hits[hi - 1]
    return frozenset(found), spans


def _currency(t: str, m: NumberMention) -> tuple[str | None, tuple[int, int] | None]:
    # a mark after the number wins: in "4人民币 5美元" the 人民币 before 5 belongs to 4
    after = t[m.end : m.end + 24]
    for rx, code in lx.CURRENCY_AFTER:
        hit = rx.match(after)
        if hit:
            s = m.end + hit.start() + (len(hit.group()) - len(hit.group().lstrip()))
            return code, (s, m.end + hit.end())
    before = t[max(0, m.start - 8) : m.start]
    for rx, code in lx.CURRENCY_BEFORE:
        hit = rx.search(before)
        if hit:
            off = m.start - len(before)
            return code, (off + hit.start(), off + hit.end())
    if m.unit.lower() in INDIAN_SCALE_WORDS:
        return "INR", None  # "18 LPA", "3 lakh": only rupee amounts are counted in lakhs
    return None, None


_PeriodFound = tuple[Period | None, str, tuple[int, int] | None]
_PAID_BEFORE = [(lx.QUARTER_BEFORE, "quarter"), (lx.HALFYEAR_BEFORE, "halfyear")]
_PAID_AFTER = [(lx.QUARTER_AFTER, "quarter"), (lx.HALFYEAR_AFTER, "halfyear")]
_PERIODS: dict[str, Period] = {"month": "month", "year": "year", "week": "week", "day": "day"}


def _found(name: str, source: str, span: tuple[int, int]) -> _PeriodFound:
    """(period, period_source, span) of a period word; a quarter or half year is read per
    month."""
    if name in PAID_EVERY:
        return "month", name, span
    return _PERIODS.get(name), source, span


def _period(
    t: str, m: NumberMention, left: tuple[int, int], right: tuple[int, int], sent_start: int
) -> _PeriodFound:
    after = t[m.end : right[1]]
    # the interval words first: "twice a year" and "every six months" end in a plain period word
    for rx, name in [*_PAID_AFTER, *lx.PERIOD_AFTER]:
        hit = rx.match(after)
        if hit:
            if _SPOKEN_PAUSE.match(after) and _period_just_before(t, m.start):
                # "一年十二万 一个月就是一万": in a transcript without punctuation, a period word
                # after a pause starts the next figure; the one glued before this number is its own
                break
            return _found(name, "adjacent", (m.end + hit.start(), m.end + hit.end()))
    pm = _PM.match(after)
    if pm and (m.unit or "," in m.text or m.value >= 2400):
        # "55k pm", "4,800 pm net": per month; "10pm" or "1130 pm" is a time of day
        return "month", "adjacent", (m.end + pm.start(1), m.end + pm.end(1))
    windows = (
        (left, "left"),
        ((m.end, min(right[1], m.end + 10)), "right"),
        ((max(sent_start, left[0] - LOOKBACK), left[0]), "sentence"),
    )
    for (lo, hi), source in windows:
        got = _nearest_period(t, lo, hi)
        if got:
            return _found(got[0], source, got[1])
    return None, "none", None


_PM = re.compile(r"\s*(p\.?m\.?)(?![A-Za-z])", re.I)
_SPOKEN_PAUSE = re.compile(r"[ \t\u3000]+[\u4e00-\u9fff]")
_LIST_ITEM = re.compile(r"\s*(?:[-·•*・]|\d{1,2}[.、)）]|[（(]\d{1,2}[)）])")
_HEADING = re.compile(r"[^\n]*[:：]\s*$")


def _list_heading(t: str, line_start: int) -> tuple[int, int] | None:
    """The span of the heading line ("收入明细：") that the list item starting at ``line_start``
    belongs to, when it is one; None otherwise."""
    if not _LIST_ITEM.match(t, line_start):
        return None
    end = line_start - 1
    while end > 0:
        start = t.rfind("\n", 0, end) + 1
        if _HEADING.fullmatch(t, start, end):
            return start, end
        if not _LIST_ITEM.match(t, start):
            return None
        end = start - 1
    return None


def _nearest_period(t: str, lo: int, hi: int) -> tuple[str, tuple[int, int]] | None:
    """The last period word of t[lo:hi] (quarters and half years included), if any; on a tie
    the quarter or half year (每三个月 ends where 个月 does)."""
    best: tuple[str, tuple[int, int]] | None = None
    for rx, name in [*_PAID_BEFORE, *lx.PERIOD_BEFORE]:
        for hit in rx.finditer(t, lo, hi):
            if best is None or hit.end() > best[1][1]:
                best = (name, (hit.start(), hit.end()))
    return best


def _tax(
    t: str, lo: int, hi: int, at: tuple[int, int] | None = None
) -> tuple[bool | None, tuple[int, int] | None]:
    """The tax cue in t[lo:hi] nearest to the number at ``at`` (or the last one)."""
    best: tuple[int, bool, int, int] | None = None
    for rx, val in ((lx.AFTER_TAX, True), (lx.PRE_TAX, False)):
        for hit in rx.finditer(t, lo, hi):
            if at is None:
                dist = -hit.start()
            else:
                dist = at[0] - hit.end() if hit.end() <= at[0] else hit.start() - at[1]
            if best is None or dist < best[0]:
                best = (dist, val, hit.start(), hit.end())
    if best is None:
        return None, None
    return best[1], (best[2], best[3])


def money_mentions(text: str) -> list[tuple[NumberMention, str, tuple[int, int]]]:
    """Numbers with an explicit currency mark next to them: (mention, ISO code, mark span)."""
    t = normalize(text)
    out = []
    for m in find_numbers(text):
        code, span = _currency(t, m)
        if code is not None and span is not None:
            out.append((m, code, span))
    return out


# A phone number written in groups: "0755 8821 4410", "139 1234 0000", "020-8821-4410",
# "07700 900123", "+852 9123 4567": after a +country code or a 0 area code, two or more groups;
# otherwise three groups of 3-4 digits (3-4-4, 4-4-4); 8-13 digits in all. A run whose groups
# are all round ("3000 4000 5000") is a list of amounts, not a number to dial.
_PHONE = re.compile(
    r"(?<![\d,.])(?P<cc>\+\d{1,3}[ -]?)?(?P<area>\(?0\d{1,4}\)?[ -])?"
    r"\d{2,8}(?:[ -]\d{3,8})*(?![\d,]|\.\d)"
)
_PHONE_GROUPS = re.compile(r"\d{3,4} \d{3,4} \d{4}|\d{3,4}-\d{3,4}-\d{4}")
_LEADING_ZERO = re.compile(r"0\d")
_UPPER_RUN = re.compile(r"[A-Z]+$")


@lru_cache(maxsize=256)
def _phone_spans(t: str) -> tuple[tuple[int, int], ...]:
    out = []
    for hit in _PHONE.finditer(t):
        groups = re.findall(r"\d+", hit.group())
        digits = sum(len(g) for g in groups)
        if not 8 <= digits <= 13:
            continue
        if hit.group("cc") or hit.group("area"):
            if len(groups) < 2:
                continue
        elif not _PHONE_GROUPS.fullmatch(hit.group()):
            continue
        if all(g.endswith("00") for g in groups):
            continue
        out.append(hit.span())
    return tuple(out)


def _identifier(t: str, m: NumberMention, currency: str | None) -> bool:
    """A code, not an amount: a phone number in groups, digits written with a leading zero
    (0755), or digits glued to capital letters that are no currency mark (HT2023080012)."""
    if _LEADING_ZERO.match(m.text):
        return True
    if any(a <= m.start and m.end <= b for a, b in _phone_spans(t)):
        return True
    if currency is not None:
        return False
    run = _UPPER_RUN.search(t, max(0, m.start - 8), m.start)
    if run is not None and (len(run.group()) != 3 or m.end - m.start >= 8):
        return True  # a three-letter run may be an unlisted ISO code (PHP5000)
    # letters on both sides of the digits: 2023AB12, A12B
    return bool(
        m.start > 0
        and t[m.start - 1].isascii()
        and t[m.start - 1].isalpha()
        and re.match(r"[A-Za-z]+\d", t[m.end : m.end + 8])
    )


def _money_like(t: str, m: NumberMention, currency: str | None, scaled: bool = False) -> bool:
    """``scaled``: a unit declared in the number's label (年收入（万元）：36) makes it money."""
    if m.percent or m.ordinal or m.value <= 0:
        return False
    if lx.NON_MONEY_AFTER.match(t, m.end) and currency is None:
        return False
    if lx.NON_MONEY_BEFORE.search(t[max(0, m.start - 10) : m.start]):
        return False
    if _LONG_DIGITS.fullmatch(m.text):
        return False  # 13905718826: a phone, card or ID number, never written like money
    if currency is None and _PLAN_AFTER.match(t, m.end):
        return False  # 401(k), 403(b) style plan names
    if (
        currency is None
        and not m.unit
        and _YEAR.fullmatch(m.text)
        and (_YEAR_BEFORE.search(t, max(0, m.start - 20), m.start) or _YEAR_AFTER.match(t, m.end))
    ):
        return False
    if _identifier(t, m, currency):
        return False
    big_unit = any(u in m.unit for u in "万千百wWkK") or m.unit.lower() in ("m", "million")
    if currency is not None or big_unit or scaled or m.value >= 100:
        return True
    if m.value < 10:
        return False
    # "pays 80 a day": a small amount with its period right after it
    after = t[m.end : m.end + 16]
    if any(rx.match(after) for rx, _ in [*lx.PERIOD_AFTER, *_PAID_AFTER]):
        return True
    # "一天六十", "一晚上给八十", "平均每天还能多拿六十": the period word just before it, in the
    # same clause, with at most a few verbs between; and nothing after it that makes it a count
    return bool(_SMALL_END.match(t, m.end)) and _period_just_before(t, m.start)


# words that may stand between a period word and its small amount (一天能多挣八十, 每晚给八十,
# "a day I make 60"): adverbs, pay verbs and approximations, nothing with a noun in it
_PAY_GAP = re.compile(
    r"(?:\s|[:：]|能|还|也|就|都|再|多|可以|可|平均|大概|大约|约|差不多|基本|稳定|"
    r"给|挣|赚|拿|收|得|领|落|有|是|纯|净|个|"
    r"(?:I|we|you|he|she|they)\b|\b(?:make|makes|get|gets|earn|earns|is|was|about|around|"
    r"roughly|of)\b)*$",
    re.I,
)
# what may follow such a small amount: nothing, punctuation, money words or an approximation
_SMALL_END = re.compile(
    r"\s*(?:$|[，,。.；;！!？?、)）\n]|左右|上下|出头|来块|多块|块|元|的样子|\s(?![A-Za-z\d]))"
)


def _period_just_before(t: str, start: int) -> bool:
    """True when a period word (PERIOD_BEFORE) ends within a few pay verbs of ``start``, in the
    same clause: 一天六十, 一晚上给八十, 平均每天还能多拿六十."""
    lo = max(0, start - 14)
    for cut in _CLAUSE_END.finditer(t, lo, start):
        lo = cut.end()
    return any(
        (hit := rx.match(t, i, start)) is not None and _PAY_GAP.fullmatch(t, hit.end(), start)
        for i in range(lo, start)
        for rx, _ in lx.PERIOD_BEFORE
    )


_WORD_AFTER = re.compile(r"[ \t]*[A-Za-z]")
_CELL_SEP = re.compile(r"\s*[|｜\t]\s*")
_NUMERIC_CELL = re.compile(r"[-+]?[\d,，.]+\s*(?:元|块)?")


def _cells(t: str, lo: int, hi: int) -> list[tuple[int, int]]:
    """The non-empty cells of the line t[lo:hi], split at | or tab, as spans."""
    out, start = [], lo
    for sep in [*_CELL_SEP.finditer(t, lo, hi), None]:
        end = sep.start() if sep else hi
        if t[start:end].strip():
            out.append((start, end))
        start = sep.end() if sep else hi
    return out


def _table_headers(t: str) -> dict[tuple[int, int], tuple[tuple[int, int], tuple[int, int]]]:
    """Value cell -> header cell of pasted tables (a salary slip's ``基本工资 | 绩效 | 实发`` line
    over ``4,500.00 | 1,500.00 | 5,888.00``): a number's label sits a line above, not beside it.
    Maps each value cell to (its header cell, the whole header line)."""
    if "|" not in t and "｜" not in t and "\t" not in t:
        return {}
    lines, pos = [], 0
    for row in t.split("\n"):
        lines.append(_cells(t, pos, pos + len(row)))
        pos += len(row) + 1
    out: dict[tuple[int, int], tuple[tuple[int, int], tuple[int, int]]] = {}
    header: list[tuple[int, int]] = []
    for cells in lines:
        numeric = len(cells) >= 2 and all(_NUMERIC_CELL.fullmatch(t[a:b]) for a, b in cells)
        if numeric and len(header) == len(cells):
            line = (header[0][0], header[-1][1])
            out.update((c, (h, line)) for c, h in zip(cells, header, strict=True))
        elif len(cells) >= 2 and not numeric:
            header = cells
    return out


_Picked = tuple[NumberMention, str | None, tuple[int, int] | None, Decimal, LabelUnit | None]


def _pick(t: str, m: NumberMention, units: tuple[LabelUnit, ...]) -> _Picked | None:
    """The number with its currency and the scale of its label's unit, when it is money-like.

    A unit declared in the label (年收入（万元）：36, "(USD thousands): 85") scales a number that
    has no magnitude or currency word of its own after it, and gives its currency when the number
    has none; the currency span then stays in the label.
    """
    code, span = _currency(t, m)
    unit = governing(t, units, m) if units else None
    scale = Decimal(1)
    if unit is not None:
        if not m.unit and not (span is not None and span[0] >= m.end):
            scale = unit.scale
        if code is None and unit.currency is not None:
            code, span = unit.currency, unit.currency_span
    if not _money_like(t, m, code, scaled=scale != 1):
        return None
    return m, code, span, scale, unit


def income_candidates(text: str) -> list[AmountCandidate]:
    """Every money-like number of ``text`` with its context, in order of appearance."""
    t = normalize(text)
    segs = segments(text)
    sent_start: dict[int, int] = {}
    sent_end: dict[int, int] = {}
    for s in segs:
        sent_start.setdefault(s.sentence, s.start)
        sent_end[s.sentence] = max(sent_end.get(s.sentence, s.end), s.end)
    seg_starts = [s.start for s in segs]
    units = label_units(t)
    picked = [p for p in (_pick(t, m, units) for m in find_numbers(text)) if p is not None]
    out: list[AmountCandidate] = []
    loose: set[int] = set()
    n = max(len(t), 1)
    index = _cue_index(t) if picked else {}
    sent_cues: dict[int, frozenset[str]] = {}
    headers = _table_headers(t) if picked else {}
    for k, (m, code, cspan, scale, unit) in enumerate(picked):
        amount = m.value * scale
        ci = segment_at(seg_starts, segs, m.start)
        seg = segs[ci]
        prev_end = picked[k - 1][0].end if k else 0
        next_start = picked[k + 1][0].start if k + 1 < len(picked) else len(t)
        left = (max(seg.start, prev_end), m.start)
        right = (m.end, min(seg.end, next_start))
        s0 = sent_start[seg.sentence]
        s1 = sent_end.get(seg.sentence, len(t))
        cues_left, spans_l = _cats(index, *left)
        cues_right, spans_r = _cats(index, *right)
        if seg.sentence not in sent_cues:
            sent_cues[seg.sentence] = _cats(index, s0, s1)[0]
        cues_sent = sent_cues[seg.sentence]
        head = next((h for (a, b), h in headers.items() if a <= m.start < b), None)
        if head is not None:
            # a table cell: its column header is its left context, the header line its sentence
            head_cues, head_spans = _cats(index, *head[0])
            cues_left, spans_l = cues_left | head_cues, {**spans_l, **head_spans}
            cues_sent = cues_sent | _cats(index, *head[1])[0]
        period, psrc, pspan = _period(t, m, left, right, s0)
        heading = _list_heading(t, s0)
        if period is None and heading is not None:
            # "年度收入：\n- 工资 216,000元": a list item's period is in its heading
            got = _nearest_period(t, *heading)
            if got is not None:
                period, psrc, pspan = _found(got[0], "heading", got[1])
        if period is None and unit is not None and unit.period is not None:
            # "收入情况（单位：千元/月）| 税前 15": the period written in the unit header
            period, psrc, pspan = _PERIODS.get(unit.period), "header", unit.period_span
        if period is None and code in _ANNUAL_WHEN_LARGE and amount >= 15000:
            # "on £36k", "Base $165k": pay in these currencies is quoted per year
            period, psrc = "year", "implied"
        tax, tspan = _tax(t, left[0], right[1], (m.start, m.end))
        # a tax word next to a figure makes it money too (税后一万出头)
        anchored = bool(code or cues_sent & _MONEY_CATS or period or scale != 1 or tax is not None)
        if not anchored and _WORD_AFTER.match(t, m.end):
            continue  # "a 1099 side gig": a bare figure naming a thing, not an amount
        if tax is None and head is not None:
            tax, tspan = _tax(t, *head[0])
        if tax is None:
            # "月入1.8万，是税后的数" / "base 25k per month, pre-tax": a following clause
            # with no number of its own still speaks about this one
            nxt = segs[ci + 1] if ci + 1 < len(segs) else None
            if nxt and nxt.sentence == seg.sentence and next_start >= nxt.end:
                tax, tspan = _tax(t, nxt.start, nxt.end)
        # a currency named in the label (unit header) stays apart from the number's span
        mark = cspan if cspan and (unit is None or unit.currency_span != cspan) else None
        start = min(m.start, mark[0]) if mark else m.start
        end = max(m.end, mark[1]) if mark else m.end
        out.append(
            AmountCandidate(
                mention=m,
                start=start,
                end=end,
                amount=amount,
                currency=code or "CNY",
                currency_explicit=code is not None,
                currency_span=cspan,
                period=period,
                period_source=psrc,
                period_span=pspan,
                after_tax=tax,
                tax_span=tspan,
                owner=owner_after(t, m.end, next_start) or owner_at(t, s0, m.start),
                clause=ci,
                sentence=seg.sentence,
                cues_left=cues_left,
                cues_right=cues_right,
                cues_sentence=cues_sent,
                position=m.start / n,
                cue_spans={**spans_r, **spans_l},
                scale=scale,
            )
        )
        if not anchored:
            loose.add(len(out) - 1)
    # a figure with nothing of money about it counts when another figure of its sentence is
    # money ("保洁三千二，晚上在饭店洗碗一天六十"): it is not a date, age or count (_money_like)
    money_sentences = {c.sentence for i, c in enumerate(out) if i not in loose}
    return [c for i, c in enumerate(out) if i not in loose or c.sentence in money_sentences]
