"""The loan_application fields beyond income: request, obligations, assets, employment and age.

Every money-like number gets a role from the nearest cue in its clause (loan request, existing
debt, income, price, down payment, ...), falling back to the cues earlier in its sentence; the
fields are then read off the roles. The lexicons live in :mod:`.loan_lexicon`. Offsets always
index the original text (``numerals.normalize`` maps one character to one).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from autoglm_ops.backends.rules import loan_lexicon as ll
from autoglm_ops.core.types import Evidence, FieldResult
from autoglm_ops.text import lexicon as lx
from autoglm_ops.text.amounts import Segment, owner_at, segment_at, segments
from autoglm_ops.text.numerals import NumberMention, find_numbers, normalize

__all__ = ["LOAN_FIELDS", "REFERENCE_YEAR", "extract_loan_fields"]

LOAN_FIELDS = (
    "requested_amount",
    "term_months",
    "purpose",
    "existing_monthly_repayments",
    "total_existing_debt",
    "owns_house",
    "owns_car",
    "employment_type",
    "age",
)
REFERENCE_YEAR = 2026  # the contract's reference year for birth years

_CN_DIGIT = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"两": 2}


@dataclass(slots=True)
class _Money:
    mention: NumberMention
    value: float
    start: int
    end: int
    clause: int
    sentence: int
    monthly: bool
    role: str = "unknown"
    explicit: bool = False  # the role came from a cue in the clause itself


@dataclass(slots=True)
class _Doc:
    text: str
    t: str
    clauses: tuple[Segment, ...]
    numbers: tuple[NumberMention, ...]
    money: list[_Money] = field(default_factory=list)
    cues: list[tuple[int, int, str, str]] = field(default_factory=list)  # start, end, role, text
    intent: list[int] = field(default_factory=list)  # start of every request verb
    starts: list[int] = field(default_factory=list)  # clause starts, for bisection

    def clause_at(self, pos: int) -> Segment:
        return self.clauses[segment_at(self.starts, self.clauses, pos)]

    def __post_init__(self) -> None:
        self.starts = [s.start for s in self.clauses]

    def sentence_span(self, sentence: int) -> tuple[int, int]:
        segs = [s for s in self.clauses if s.sentence == sentence]
        return segs[0].start, segs[-1].end

    def intent_sentences(self) -> set[int]:
        return {self.clause_at(p).sentence for p in self.intent}

    def cues_in(self, start: int, end: int) -> list[tuple[int, int, str, str]]:
        return [c for c in self.cues if start <= c[0] < end]


def _currency(t: str, m: NumberMention) -> tuple[int, int] | None:
    before = t[max(0, m.start - 8) : m.start]
    for rx, _ in lx.CURRENCY_BEFORE:
        hit = rx.search(before)
        if hit:
            return m.start - len(before) + hit.start(), m.end
    after = t[m.end : m.end + 24]
    for rx, _ in lx.CURRENCY_AFTER:
        hit = rx.match(after)
        if hit:
            return m.start, m.end + hit.end()
    if m.start > 0 and t[m.start - 1] in "₱₩₹฿$":
        return m.start - 1, m.end
    return None


def _value(m: NumberMention) -> float:
    """The mention's value; a range whose unit sits on its upper bound only (15-20k) borrows it."""
    v = m.value
    if m.is_range and m.upper is not None:
        for mult in (10**4, 1000):
            if m.upper >= mult and v * mult <= m.upper and v * 10 < m.upper:
                return float(v * mult)
    return float(v)


_CUE_WINDOW = 40


def _is_money(t: str, m: NumberMention, currency: tuple[int, int] | None) -> bool:
    if m.percent or m.ordinal or m.value <= 0 or ll.NON_MONEY_AFTER.match(t, m.end):
        return False
    if currency is not None:
        return True
    # both patterns end at the number with a few words: a bounded window keeps a long text linear
    lo = max(0, m.start - _CUE_WINDOW)
    if lx.NON_MONEY_AFTER.match(t, m.end) or lx.NON_MONEY_BEFORE.search(t, lo, m.start):
        return False
    if 1900 <= m.value <= 2100 and not m.unit and ll.YEAR_BEFORE.search(t, lo, m.start):
        return False
    big = any(u in m.unit for u in "万千百wWkK") or m.unit.lower() in ("m", "million", "thousand")
    return big or m.value >= 100


def _role(doc: _Doc, k: int) -> tuple[str, bool]:
    """Role of money ``k``: the nearest cue left in its clause, else right in it; else a loan
    request earlier in the sentence, else the last cue of the clause just before."""
    mo = doc.money[k]
    seg = doc.clauses[mo.clause]
    prev_end = doc.money[k - 1].end if k and doc.money[k - 1].clause == mo.clause else seg.start
    nxt = doc.money[k + 1].start if k + 1 < len(doc.money) else len(doc.t)
    left = doc.cues_in(prev_end, mo.start)
    for c in left:  # 当初贷了100万 / 额度5万: whatever else the clause says
        if c[2] in ("original", "limit"):
            return c[2], True
    strong = [c for c in left if c[3] != "要"]  # 要6千 only when nothing else speaks
    if strong or left:
        return (strong or left)[-1][2], True
    right = doc.cues_in(mo.end, min(seg.end, nxt))
    if right:
        return right[0][2], True
    s0, _ = doc.sentence_span(mo.sentence)
    taken = max((m.end for m in doc.money[:k] if m.sentence == mo.sentence), default=s0)
    if any(c[2] in ("loan", "request") for c in doc.cues_in(taken, seg.start)):
        return "loan", False
    if mo.clause > 0 and doc.clauses[mo.clause - 1].sentence == mo.sentence:
        prev = doc.clauses[mo.clause - 1]
        cues = doc.cues_in(prev.start, prev.end)
        if cues:
            return cues[-1][2], False
    return "unknown", False


@lru_cache(maxsize=256)
def _doc(text: str) -> _Doc:
    t = normalize(text)
    clauses = tuple(segments(text)) or (Segment(0, len(t), 0),)
    doc = _Doc(text, t, clauses, tuple(find_numbers(text)))
    doc.cues = [(c.start(), c.end(), c.lastgroup or "", c.group()) for c in ll.CUE.all(t)]
    doc.intent = [m.start() for m in ll.INTENT.all(t)]
    after_prev = 0
    for m in doc.numbers:
        cur = _currency(t, m)
        if not _is_money(t, m, cur):
            continue
        start, end = cur or (m.start, m.end)
        seg = doc.clause_at(m.start)
        # a period word right after the previous amount is that amount's, not this one's
        after = ll.MONTHLY_AFTER.match(t, m.end, m.end + 30)
        monthly = bool(after or ll.MONTHLY_LEFT.first(t, max(seg.start, after_prev), m.start))
        after_prev = after.end() if after else end
        ci = clauses.index(seg)
        doc.money.append(_Money(m, _value(m), start, end, ci, seg.sentence, monthly))
    for k, mo in enumerate(doc.money):
        mo.role, mo.explicit = _role(doc, k)
        if mo.role == "request":  # 申请/想贷/金额: an unambiguous request
            mo.role = "loan"
        if mo.role == "unknown" and ll.PRICE_AFTER.match(t, mo.mention.end):
            mo.role, mo.explicit = "price", True
    return doc


def _result(doc: _Doc, value: object, conf: float, span: tuple[int, int]) -> FieldResult:
    ev = Evidence.from_span(doc.text, *span)
    return FieldResult(value=value, confidence=round(conf, 3), evidence=ev)


def _null(conf: float) -> FieldResult:
    return FieldResult(value=None, confidence=conf)


def _num(v: float) -> float | int:
    return int(v) if float(v).is_integer() else round(v, 2)


# --- requested_amount ----------------------------------------------------------------------------


def _down_payment(doc: _Doc, price: _Money, sentence_end: int) -> float | None:
    for mo in doc.money:
        if mo.role == "down" and mo.sentence == price.sentence and mo.start > price.start:
            return mo.value
    m = ll.DOWN_RATIO.search(doc.t, price.end, sentence_end)
    if m is None:
        return None
    if m.group("cn"):
        return price.value * _CN_DIGIT[m.group("cn")] / 10
    if m.group("pct") or m.group("pct2"):
        return price.value * int(m.group("pct") or m.group("pct2")) / 100
    return price.value / 2


def _requested(doc: _Doc, term: FieldResult) -> FieldResult:
    asks = [m for m in doc.money if m.role == "loan" and not m.monthly]
    explicit = [m for m in asks if m.explicit]
    if explicit:
        return _result(doc, _num(explicit[0].value), 0.9, (explicit[0].start, explicit[0].end))
    intent = doc.intent_sentences()
    for sent in sorted({m.sentence for m in doc.money}):
        # the calculation may run into the next sentence (price $300,000; 20% down; the rest)
        s1 = doc.sentence_span(min(sent + 1, doc.clauses[-1].sentence))[1]
        prices = [m for m in doc.money if m.sentence == sent and m.role in ("price", "unknown")]
        if not prices:
            continue
        p = prices[0]
        if ll.FULL_LOAN.first(doc.t, p.end, s1):  # 总价四十万，全部贷款
            return _result(doc, _num(p.value), 0.75, (p.start, p.end))
        rest = ll.REST.first(doc.t, p.end, s1)
        if rest and intent & {sent, sent + 1}:  # 总价X，首付三成，其余贷款
            down = _down_payment(doc, p, s1)
            if down is not None and down < p.value:
                return _result(doc, _num(p.value - down), 0.8, (p.start, rest.end()))
    if asks:
        return _result(doc, _num(asks[0].value), 0.7, (asks[0].start, asks[0].end))
    if ll.NO_AMOUNT.first(doc.t):
        return _null(0.85)
    prices = [m for m in doc.money if m.role == "price"]
    if len(prices) == 1 and intent:  # "the course costs 6千; lend me for it"
        return _result(doc, _num(prices[0].value), 0.55, (prices[0].start, prices[0].end))
    if term.evidence is not None:  # 买个车位，12万，分5年还: the amount said with the term
        sent = doc.clause_at(term.evidence.start).sentence
        near = [m for m in doc.money if m.sentence == sent and m.role == "unknown"]
        if near:
            return _result(doc, _num(near[0].value), 0.5, (near[0].start, near[0].end))
    # a loan asked for without an amount we can read: the amount is usually there, missed
    return _null(0.35 if intent else 0.8)


# --- term_months -------------------------------------------------------------------------------


def _term(doc: _Doc) -> FieldResult:
    t = doc.t
    spans: list[tuple[int, int, int]] = []
    for m in doc.numbers:
        d = ll.DURATION_AFTER.match(t, m.end)
        if d is None or m.value <= 0 or m.percent or m.value != int(m.value):
            continue
        n = int(m.value)
        months = n * 12 + 6 if d.group("half") else n * 12 if d.group("y") or d.group("ey") else n
        spans.append((months, m.start, d.end()))
    spans += [(6, h.start(), h.end()) for h in ll.HALF_YEAR.all(t)]
    spans += [(12, h.start(), h.end()) for h in ll.A_YEAR.all(t)]
    intent = doc.intent_sentences()
    cands: list[tuple[int, int, int, int]] = []  # (rank, start, months, end)
    for months, start, end in spans:
        seg = doc.clause_at(start)
        left, near = t[seg.start : start], t[max(seg.start, start - 12) : start]
        # 工作五年 / 还剩两年 are not terms, unless said as one (分5年, 期限5年)
        not_term = ll.NOT_TERM_LEFT.search(near) or ll.NOT_TERM_RIGHT.match(t, end, seg.end)
        if not_term and (not ll.SPLIT_TERM.search(near) or ll.NOT_TERM_RIGHT.match(t, end)):
            continue
        ask = seg.sentence in intent
        if ll.TERM_LEFT.search(near) or ll.TERM_RIGHT.match(t, end, seg.end):
            cands.append((0 if ask else 1, start, months, end))
        elif ll.BARE.fullmatch(left.strip() + " " + t[end : seg.end]):  # "…，三年。" / "2 years."
            cands.append((2 if ask else 3, start, months, end))
    cands += [(2, h.start(), 1, h.end()) for h in ll.NEXT_MONTH.all(t)]  # 下个月发工资就还
    if not cands or (min(cands)[0] == 3 and not intent):
        return _null(0.8 if not spans else 0.6)
    rank, start, months, end = min(cands)
    return _result(doc, months, (0.9, 0.75, 0.75, 0.55)[rank], (start, end))


# --- purpose -----------------------------------------------------------------------------------


def _purpose(doc: _Doc) -> FieldResult:
    t = doc.t
    intent = doc.intent_sentences()
    hits: list[tuple[int, int, str]] = []
    for name, lex in ll.PURPOSES:
        for m in lex.all(t):
            if name == "car_purchase" and ll.NOT_CAR.first(t, max(0, m.start() - 3), m.end() + 3):
                continue
            hits.append((m.start(), m.end(), name))
    hits.sort()
    asked = [h for h in hits if doc.clause_at(h[0]).sentence in intent]
    # none where the loan is asked for: one in a sentence saying what the applicant wants
    wants = {doc.clause_at(m.start()).sentence for m in ll.WANT.all(t)}
    pool = asked or [h for h in hits if doc.clause_at(h[0]).sentence in wants]
    if not pool:
        return _null(0.7 if not intent else 0.35)  # nearly every request names a purpose
    # the first purpose named after a request verb of its sentence, else the first
    first = pool[0]
    for h in pool:
        s0, _ = doc.sentence_span(doc.clause_at(h[0]).sentence)
        if any(s0 <= p <= h[0] for p in doc.intent):
            first = h
            break
    start, end, name = first
    names = {h[2] for h in pool}
    if t[start:end] == "首付":  # 首付买台挖机 / 买车首付: what the down payment is for
        name = next((h[2] for h in pool if h[2] != "home_purchase"), name)
    if name in ("home_renovation", "car_purchase") and "business" in names:
        seg = doc.clause_at(start)
        if ll.BUSINESS_CONTEXT.first(t, seg.start, seg.end):  # renovating the shop, a work van
            name = "business"
    conf = (0.85 if len(names) == 1 else 0.7) if asked else 0.55
    return _result(doc, name, conf, (start, end))


# --- existing debts ----------------------------------------------------------------------------


def _no_debt(doc: _Doc) -> re.Match[str] | None:
    """The statement that there are no debts at all, when no debt is mentioned anywhere."""
    t = doc.t
    said = ll.NO_DEBT.all(t)
    found = None
    for m in said:
        seg = doc.clause_at(m.start())
        if ll.NO_DEBT_SCOPED.search(t, seg.start, m.start()):
            # 房子车子都没有贷款 speaks of those assets only, unless they are all of them
            before = doc.clauses[max(0, doc.clauses.index(seg) - 1)]
            if not ll.HOUSE_CAR.search(t, before.start, m.start()):
                continue
        found = m
        break
    if found is None:
        return None
    blocked = [m.span() for m in said] + [m.span() for m in ll.PAID.all(t)]
    for start, _, role, _ in doc.cues:
        if role == "existing" and not any(s <= start < e for s, e in blocked):
            return None
    return found


def _repayments(doc: _Doc) -> FieldResult:
    pays = [m for m in doc.money if m.role == "existing" and m.monthly]
    if pays:
        totals = [m for m in pays if ll.TOTAL.first(doc.t, doc.clauses[m.clause].start, m.start)]
        chosen = totals[:1] or pays
        conf = 0.85 if all(m.explicit for m in chosen) else 0.7
        value = _num(sum(m.value for m in chosen))
        return _result(doc, value, conf, (chosen[0].start, chosen[-1].end))
    nodebt = _no_debt(doc)
    if nodebt is not None:
        return _result(doc, 0, 0.85, nodebt.span())
    return _null(0.55 if any(c[2] == "existing" for c in doc.cues) else 0.85)


def _remaining_balances(doc: _Doc) -> list[tuple[float, int, int]]:
    """Balances given as remaining instalments: 还剩12期 × the monthly amount of that sentence."""
    out: list[tuple[float, int, int]] = []
    for r in ll.REMAINING.finditer(doc.t):
        raw = r.group("n") or r.group("en")
        n = int(raw) if raw.isdigit() else next((int(m.value) for m in find_numbers(raw)), 0)
        months = n * 12 if r.group("u") == "年" else n
        sent = doc.clause_at(r.start()).sentence
        same = [m for m in doc.money if m.sentence == sent and m.role == "existing"]
        pays = [m for m in same if m.monthly]
        if pays and months and len(pays) == len(same):
            p = min(pays, key=lambda m: abs(m.start - r.start()))
            out.append((p.value * months, min(p.start, r.start()), max(p.end, r.end())))
    return out


def _debt(doc: _Doc) -> FieldResult:
    parts = [
        (m.value, m.start, m.end)
        for m in doc.money
        if m.role == "existing" and not m.monthly and not ll.PAID.first(doc.t, m.end, m.end + 12)
    ]
    parts += _remaining_balances(doc)
    if parts:
        parts.sort(key=lambda p: p[1])
        return _result(doc, _num(sum(p[0] for p in parts)), 0.75, (parts[0][1], parts[-1][2]))
    nodebt = _no_debt(doc)
    if nodebt is not None:
        return _result(doc, 0, 0.85, nodebt.span())
    return _null(0.55 if any(c[2] == "existing" for c in doc.cues) else 0.85)


# --- assets ------------------------------------------------------------------------------------


def _asset(doc: _Doc, no: ll.Lex, yes: ll.Lex, weak_no: ll.Lex | None) -> FieldResult:
    """False on a negation, true on ownership, false on a living situation that excludes it;
    statements about other people (父母的房子, my husband's car) are skipped."""
    t = doc.t
    for lex, value, conf in ((no, False, 0.85), (yes, True, 0.85), (weak_no, False, 0.8)):
        for m in lex.all(t) if lex is not None else ():
            if owner_at(t, doc.clause_at(m.start()).start, m.start()) != "other":
                return _result(doc, value, conf, m.span())
    return _null(0.75)


# --- employment --------------------------------------------------------------------------------


def _employment(doc: _Doc) -> FieldResult:
    t = doc.t
    found: list[tuple[int, int, int, str, bool]] = []  # (priority, start, end, value, own)
    for value, prio, lex in ll.EMPLOYMENT:
        for m in lex.all(t):
            seg = doc.clause_at(m.start())
            if value != "retired" and ll.PREVIOUS.search(t, seg.start, m.start()):
                continue
            own = owner_at(t, seg.start, m.start()) != "other"
            found.append((prio, m.start(), m.end(), value, own))
    if not found:
        return _null(0.35)  # few applicants say nothing about their work
    pool = [f for f in found if f[4]] or found
    best = max(pool, key=lambda f: (f[0], -f[1]))
    conf = 0.85 if len({f[3] for f in pool}) == 1 else 0.7
    return _result(doc, best[3], conf, (best[1], best[2]))


# --- age ---------------------------------------------------------------------------------------


def _age(doc: _Doc) -> FieldResult:
    t = doc.t
    for m in doc.numbers:
        if m.percent or m.value != int(m.value) or m.value <= 0:
            continue
        v = int(m.value)
        seg = doc.clause_at(m.start)
        left = t[seg.start : m.start]
        if ll.AGE_OTHER.search(left[-6:]) or owner_at(t, seg.start, m.start) == "other":
            continue
        if 1900 <= v <= REFERENCE_YEAR and (ll.BIRTH.match(t, m.end) or ll.BORN.search(left)):
            return _result(doc, REFERENCE_YEAR - v, 0.85, (m.start, m.end))
        if len(m.text) == 2 and m.text.isdigit() and ll.BIRTH.match(t, m.end):  # 95年的
            year = 1900 + v if v > REFERENCE_YEAR % 100 else 2000 + v
            return _result(doc, REFERENCE_YEAR - year, 0.8, (m.start, m.end))
        if not 10 <= v <= 110:
            continue
        after = ll.AGE_AFTER.match(t, m.end)
        if after:
            return _result(doc, v, 0.9, (m.start, after.end()))
        if ll.AGE_BEFORE.search(left) and ll.AGE_END.match(t, m.end):
            return _result(doc, v, 0.85, (m.start, m.end))
        if ll.BARE_AGE.fullmatch(left) and ll.BARE_AGE_END.fullmatch(t, m.end, seg.end):
            return _result(doc, v, 0.6, (m.start, m.end))  # "Retired teacher, 71."
    return _null(0.8)


def extract_loan_fields(text: str) -> dict[str, FieldResult]:
    """The nine loan-specific fields of ``loan_application`` for ``text``."""
    doc = _doc(text)
    term = _term(doc)
    return {
        "requested_amount": _requested(doc, term),
        "term_months": term,
        "purpose": _purpose(doc),
        "existing_monthly_repayments": _repayments(doc),
        "total_existing_debt": _debt(doc),
        "owns_house": _asset(doc, ll.HOUSE_NO, ll.HOUSE_YES, ll.HOUSE_RENT),
        "owns_car": _asset(doc, ll.CAR_NO, ll.CAR_YES, None),
        "employment_type": _employment(doc),
        "age": _age(doc),
    }
