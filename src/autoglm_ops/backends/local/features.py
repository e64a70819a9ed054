"""Features for the learned income model: one :class:`Analysis` per statement.

Every decision of the model is over spans a finder proposes: money candidates
(:func:`autoglm_ops.text.amounts.income_candidates`), durations and benefit terms
(:mod:`.spans`). A span is described by its normaliser features, character n-grams of a window
around it (digits folded to 0 so the model learns wording, not figures), its relation to the other
spans and, stacked on the baseline, what the ``rules`` backend decided. No feature holds more than
three consecutive characters of input text, and none is ever logged.
"""

from __future__ import annotations

import itertools
import math
import re
from bisect import bisect_left
from dataclasses import dataclass, field
from decimal import Decimal

from autoglm_ops.backends.local.spans import PF, SI, Duration, TermHit, find_durations, find_terms
from autoglm_ops.backends.rules.benefits import decide_benefits
from autoglm_ops.backends.rules.income import IncomeDecision, decide_income
from autoglm_ops.backends.rules.tenure import decide_tenure
from autoglm_ops.core.types import FieldResult
from autoglm_ops.text import lexicon as lx
from autoglm_ops.text.amounts import (
    AmountCandidate,
    Segment,
    owner_at,
    segment_at,
    segments,
)
from autoglm_ops.text.numerals import normalize

__all__ = [
    "FEATURE_VERSION",
    "MAX_DURATIONS",
    "MAX_FIGURES",
    "Analysis",
    "analyse",
    "close",
    "restatement_groups",
]

#: bump when feature names or meanings change: a model trained on other features is refused
FEATURE_VERSION = "2"  # 2: four-figure readings, reading size per figure count, period sources

#: a text with more money figures than this is a pasted table or a dump, not one statement: the
#: model reads the first ones only (the relations between figures grow with the cube of their
#: count, and a 20,000-character paste of figures would otherwise hold a worker for minutes)
MAX_FIGURES = 32
#: the same for durations (a tenure is one of the first few)
MAX_DURATIONS = 12
#: a clause's context is read this far (characters) either side of a span: whole clauses in any
#: real statement, bounded in a long unpunctuated paste (which would otherwise be quadratic)
_CLAUSE_SPAN = 300

F = dict[str, float]
_DIGIT = re.compile(r"\d")
_WORD = re.compile(r"[a-z]+")
_QUESTION = re.compile(r"[?？]|吗|么|嘛|多少|能不能|可以吗|how much|what is|can i", re.I)
_ENGLISH_SHARE = 0.4

# cue groups of a tenure's clause
_TENURE_CUES: dict[str, re.Pattern[str]] = {
    "work": re.compile(
        r"干|做|工作|上班|待|呆|在职|入职|任职|工龄|司龄|教龄|来公司|来这|在这|这家|就职|服务|从业|当|"
        r"返聘|已满|跑|送|开店|employ|work|job|been (?:with|at|there|in)|company|employer|firm",
        re.I,
    ),
    "previous": re.compile(
        r"以前|之前|原来|上一家|上个单位|上一份|前公司|退休前|那家|previous|before that|used to|"
        r"formerly|prior",
        re.I,
    ),
    "contribution": re.compile(r"社保|公积金|缴|交了|交过|保险|contribut|insurance|fund", re.I),
    "loan": re.compile(r"贷|还|借|期限|分期|loan|mortgage|term|repay", re.I),
    "age": re.compile(r"岁|年龄|\bage\b|\bold\b|born", re.I),
    "current": re.compile(
        r"现单位|现在|这家|本单位|目前|现公司|当前|current|now|this company", re.I
    ),
    "future": re.compile(r"打算|计划|还要|再干|准备|plan|will|next", re.I),
    "gap": re.compile(r"失业|待业|无业|没工作|辞职|unemployed|out of work", re.I),
}


@dataclass(frozen=True)
class Hypothesis:
    """One reading of the income: the candidates it sums (restatements included) and its value."""

    members: tuple[int, ...]
    value: float
    feats: F


@dataclass
class Analysis:
    """Everything the model needs about one statement, computed once."""

    text: str
    norm: str
    cands: list[AmountCandidate]
    cand_feats: list[F]
    #: restatement groups of ``cands`` (:func:`restatement_groups`), the readings' units
    groups: list[list[int]]
    hyps: list[Hypothesis]
    mode_feats: F
    rules_income: IncomeDecision
    terms: dict[str, list[TermHit]]
    benefit_feats: dict[str, F]
    rules_benefits: dict[str, FieldResult]
    durations: list[Duration]
    dur_feats: list[F]
    rules_tenure: FieldResult
    english: bool = False
    extra: dict[str, float] = field(default_factory=dict)
    #: more than MAX_FIGURES money figures or MAX_DURATIONS durations: only the first were read
    truncated: bool = False


def _fold(s: str) -> str:
    return _DIGIT.sub("0", s.lower())


def _grams(out: F, tag: str, s: str, sizes: tuple[int, ...] = (1, 2, 3)) -> None:
    for k in sizes:
        for i in range(len(s) - k + 1):
            out[f"{tag}{s[i : i + k]}"] = 1.0


def _words(out: F, tag: str, s: str) -> None:
    for w in _WORD.findall(s):
        out[f"{tag}{w}"] = 1.0


def close(a: float, b: float) -> bool:
    """The contract's number tolerance, max(0.01, 0.5%) of ``a``."""
    return abs(a - b) <= max(0.01, 0.005 * abs(a))


class Clauses:
    """A text's clauses, found by bisection, with each sentence's bounds (a scan per span would
    make a long text quadratic)."""

    def __init__(self, segs: list[Segment], n: int) -> None:
        self.segs = segs
        self.n = n
        self._starts = [s.start for s in segs]
        self._first: dict[int, int] = {}
        self._last: dict[int, int] = {}
        for s in segs:
            self._first[s.sentence] = min(self._first.get(s.sentence, s.start), s.start)
            self._last[s.sentence] = max(self._last.get(s.sentence, s.end), s.end)

    def bounds(self, pos: int) -> tuple[Segment, int, int]:
        """The clause holding ``pos`` (else the last clause) and its sentence's start and end."""
        if self.segs:
            seg = self.segs[segment_at(self._starts, self.segs, pos)]
        else:
            seg = Segment(0, self.n, 0)
        return seg, self._first.get(seg.sentence, 0), self._last.get(seg.sentence, self.n)

    def before(self, seg: Segment) -> Segment | None:
        """The clause ending where ``seg`` starts, in the same sentence."""
        i = bisect_left(self._starts, seg.start) - 1
        while i >= 0 and self.segs[i].end >= seg.start:
            if self.segs[i].end == seg.start and self.segs[i].sentence == seg.sentence:
                return self.segs[i]
            i -= 1
        return None


def _window(out: F, fl: str, start: int, end: int, lo: int, hi: int, english: bool) -> None:
    """N-grams left of ``start`` and right of ``end``, inside [lo, hi)."""
    left = fl[max(lo, start - 8) : start]
    right = fl[end : min(hi, end + 6)]
    _grams(out, "L:", left)
    _grams(out, "R:", right, (1, 2))
    if left:
        out[f"L1:{left[-1]}"] = 1.0
        out[f"L2:{left[-2:]}"] = 1.0
    if right:
        out[f"R1:{right[0]}"] = 1.0
        out[f"R2:{right[:2]}"] = 1.0
    if english:
        _words(out, "LW:", fl[max(lo, start - 40) : start])
        _words(out, "RW:", fl[end : min(hi, end + 24)])


# --- money candidates -------------------------------------------------------------------------


def _cand_features(
    fl: str,
    segs: Clauses,
    cands: list[AmountCandidate],
    i: int,
    rules_chosen: set[tuple[int, int]],
    english: bool,
) -> F:
    c = cands[i]
    f: F = {"bias": 1.0}
    for k, v in c.features().items():
        if k in ("amount", "monthly", "log10_amount", "clause", "sentence"):
            continue
        if k == "position":
            f["pos"] = float(v)
            f[f"pos_bin={min(int(float(v) * 4), 3)}"] = 1.0
        elif isinstance(v, bool):
            if v:
                f[k] = 1.0
        elif isinstance(v, str):
            f[f"{k}={v}"] = 1.0
        else:
            f[k] = float(v)
    monthly = float(c.monthly)
    mag = int(math.log10(monthly)) if monthly >= 1 else 0
    f[f"mag={min(max(mag, 1), 6)}"] = 1.0
    f[f"clause_idx={min(c.clause, 3)}"] = 1.0
    f[f"sentence_idx={min(c.sentence, 2)}"] = 1.0
    f[f"owner={c.owner}&period={c.period}"] = 1.0
    for cat in sorted(c.cues_left):
        f[f"owner={c.owner}&left={cat}"] = 1.0
    seg, s0, s1 = segs.bounds(c.mention.start)
    _window(f, fl, c.mention.start, c.mention.end, s0, s1, english)
    _grams(f, "CL:", fl[max(seg.start, c.mention.start - _CLAUSE_SPAN) : c.mention.start], (2,))
    _grams(f, "CR:", fl[c.mention.end : min(seg.end, c.mention.end + _CLAUSE_SPAN)], (2,))
    # relations with the other candidates: restatements, totals, parts, order
    n = len(cands)
    others = [float(o.monthly) for j, o in enumerate(cands) if j != i]
    f[f"n_cands={min(n, 4)}"] = 1.0
    if i == 0:
        f["first"] = 1.0
    if i == n - 1:
        f["last"] = 1.0
    if others:
        if monthly > max(others):
            f["largest"] = 1.0
        if monthly < min(others):
            f["smallest"] = 1.0
        if any(close(monthly, o) for o in others):
            f["restated"] = 1.0
        if len(others) >= 2 and close(monthly, sum(others)):
            f["sum_of_others"] = 1.0
        for a in range(len(others)):
            for b in range(a + 1, len(others)):
                if close(monthly, others[a] + others[b]):
                    f["sum_of_two"] = 1.0
                if close(others[a], monthly + others[b]) or close(others[b], monthly + others[a]):
                    f["part_of_other"] = 1.0
        same = sum(1 for j, o in enumerate(cands) if j != i and o.sentence == c.sentence)
        f[f"same_sentence={min(same, 2)}"] = 1.0
        # what the other figures are: a net figure elsewhere makes a gross one a restatement,
        # a total elsewhere makes this one a part
        mine = "after" if c.after_tax else "pre" if c.after_tax is False else "none"
        for j, o in enumerate(cands):
            if j == i:
                continue
            tax = "after" if o.after_tax else "pre" if o.after_tax is False else "none"
            f[f"other_tax={tax}&mine={mine}"] = 1.0
            for cat in ("total", "part", "income", "bonus", "turnover", "profit", "base"):
                if cat in o.cues_left or cat in o.cues_right:
                    f[f"other_{cat}"] = 1.0
            f[f"other_owner={o.owner}"] = 1.0
            rel = "gt" if monthly > float(o.monthly) else "lt"
            f[f"other_{rel}&tax={tax}"] = 1.0
            if o.period == c.period:
                f["other_same_period"] = 1.0
    if (c.start, c.end) in rules_chosen:
        f["rules_chosen"] = 1.0
        f[f"rules_chosen&n={min(len(rules_chosen), 3)}"] = 1.0
    return f


# --- hypotheses: which figures, alone or summed, are the income --------------------------------

_MAX_PAIR_GROUPS = 8
_MAX_TRIPLE_GROUPS = 6
_MAX_QUAD_GROUPS = 5  # base + three allowances: 5 figures give 5 more readings
_KEY_CUES = (
    "income", "bonus", "loan", "repayment", "total", "part", "rent", "pension", "parttime",
    "commission", "base", "turnover", "profit", "addition", "provident", "previous",
)  # fmt: skip


def _flags(c: AmountCandidate) -> list[str]:
    tax = "after" if c.after_tax else "pre" if c.after_tax is False else "none"
    out = [f"owner={c.owner}", f"tax={tax}", f"period={c.period}"]
    out += [f"cue={cat}" for cat in _KEY_CUES if cat in c.cues_left or cat in c.cues_right]
    return out


_NEAR = (0.8, 1.25)


def _near_pairs(
    t: str, cands: list[AmountCandidate], groups: list[list[int]]
) -> dict[tuple[int, int], bool]:
    """Pairs of groups (earlier, later) whose monthly amounts are near but not equal: a rounded
    restatement or two similar figures; the value says whether a restating word sits between."""
    out: dict[tuple[int, int], bool] = {}
    for a, b in itertools.combinations(range(len(groups)), 2):
        ca, cb = cands[groups[a][0]], cands[groups[b][0]]
        if cb.start < ca.start:
            a, b, ca, cb = b, a, cb, ca
        va, vb = float(ca.monthly), float(cb.monthly)
        if vb <= 0 or not _NEAR[0] <= va / vb <= _NEAR[1]:
            continue
        out[(a, b)] = bool(lx.RESTATE.search(t, ca.end, max(ca.end, cb.start)))
    return out


def restatement_groups(cands: list[AmountCandidate]) -> list[list[int]]:
    """Candidates with the same monthly amount (月薪一万 / 一年十二万), in order of their first
    mention: one figure said twice, which a reading never counts twice."""
    groups: list[list[int]] = []
    for i, c in enumerate(cands):
        g = next((g for g in groups if close(float(cands[g[0]].monthly), float(c.monthly))), None)
        if g is None:
            groups.append([i])
        else:
            g.append(i)
    return groups


def hypotheses(
    cands: list[AmountCandidate],
    feats: list[F],
    groups: list[list[int]],
    rules_value: float | None,
    t: str,
) -> list[Hypothesis]:
    """Every reading of the income as one figure or the sum of two to four distinct figures
    (``groups``: :func:`restatement_groups`, so a restatement never counts twice).

    Features: the members' own features (prefixed ``m:``), flags of the figures left out
    (``x:``), and how the members relate to each other and to the rest (gross + net, a total with
    its parts, a left-out total equal to the sum, a rounded restatement).
    """
    vals = [float(cands[g[0]].monthly) for g in groups]
    prefixed = [{"m:" + k: v for k, v in fs.items()} for fs in feats]
    flags_only = [{k: v for k, v in fs.items() if ":" not in k[2:]} for fs in prefixed]
    combos: list[tuple[int, ...]] = [(k,) for k in range(len(groups))]
    if len(groups) <= _MAX_PAIR_GROUPS:
        combos += [(a, b) for a in range(len(groups)) for b in range(a + 1, len(groups))]
    if len(groups) <= _MAX_TRIPLE_GROUPS:
        n = len(groups)
        combos += [(a, b, c) for a in range(n) for b in range(a + 1, n) for c in range(b + 1, n)]
    if len(groups) <= _MAX_QUAD_GROUPS:
        combos += list(itertools.combinations(range(len(groups)), 4))
    near = _near_pairs(t, cands, groups)
    out: list[Hypothesis] = []
    for combo in combos:
        members = tuple(sorted(i for k in combo for i in groups[k]))
        value = sum(vals[k] for k in combo)
        f: F = {"bias": 1.0, f"size={len(combo)}": 1.0}
        for (a, b), cue in near.items():
            tag = "&cue" if cue else ""
            if a in combo and b in combo:
                f["near_pair_in" + tag] = 1.0
            elif a in combo or b in combo:
                f[f"near_twin={'first' if a in combo else 'second'}{tag}"] = 1.0
        # how many distinct figures there are to choose from shifts the prior of a sum
        f[f"size={len(combo)}/of={min(len(groups), 5)}"] = 1.0
        if len(combo) == 1:
            for i in members:
                f.update(prefixed[i])
        else:
            for i in members:  # n-grams only describe single readings (keeps the model small)
                f.update(flags_only[i])
        if len(combo) > 1:
            heads = [cands[groups[k][0]] for k in combo]
            flag_sets = [set(_flags(c)) for c in heads]
            for fl_ in set.union(*flag_sets):
                f[f"size{len(combo)}&{fl_}"] = 1.0
                if all(fl_ in fs for fs in flag_sets):
                    f[f"all:{fl_}"] = 1.0
            taxes = sorted(
                "after" if c.after_tax else "pre" if c.after_tax is False else "none" for c in heads
            )
            f[f"in_tax={'+'.join(taxes)}"] = 1.0
            periods = sorted(str(c.period) for c in heads)
            f[f"in_periods_same={len(set(periods)) == 1}"] = 1.0
            if any(close(vals[a], sum(vals[b] for b in combo if b != a)) for a in combo):
                f["in_total_with_parts"] = 1.0
            if len({c.sentence for c in heads}) == 1:
                f["in_one_sentence"] = 1.0
        rest = [k for k in range(len(groups)) if k not in combo]
        for k in rest:
            for fl_ in _flags(cands[groups[k][0]]):
                f[f"x:{fl_}"] = 1.0
            if close(vals[k], value) and len(combo) > 1:
                f["x_total_equals_sum"] = 1.0
            if vals[k] > value:
                f["x_larger"] = 1.0
        if (
            len(rest) >= 2
            and len(combo) == 1
            and (
                any(close(value, vals[a] + vals[b]) for a in rest for b in rest if a < b)
                or close(value, sum(vals[k] for k in rest))
            )
        ):
            f["is_total_of_rest"] = 1.0
        if rules_value:
            f[f"rules_same={close(value, rules_value)}"] = 1.0
        out.append(Hypothesis(members=members, value=round(value, 2), feats=f))
    return out


# --- case-level "is there income at all" -------------------------------------------------------


def _mode_features(
    t: str, fl: str, segs: Clauses, cands: list[AmountCandidate], rules: IncomeDecision
) -> F:
    f: F = {"bias": 1.0, f"n_cands={min(len(cands), 4)}": 1.0}
    amount = rules.fields["income_amount"].value
    f[f"rules_mode={'null' if amount is None else 'zero' if amount == 0 else 'income'}"] = 1.0
    for m in lx.NO_INCOME.finditer(t):
        _, s0, _ = segs.bounds(m.start())
        f[f"no_income_{owner_at(t, s0, m.start())}"] = 1.0
    if _QUESTION.search(t):
        f["question"] = 1.0
    for c in cands:
        f[f"any_owner={c.owner}"] = 1.0
        if c.period:
            f["any_period"] = 1.0
        if c.currency_explicit:
            f["any_currency"] = 1.0
        if c.owner == "self" and c.near("income", "pension", "rent", "parttime", "profit"):
            f["any_self_income"] = 1.0
        if c.owner == "self" and not c.near(
            "loan", "repayment", "debt", "bonus", "savings", "expense", "provident"
        ):
            f["any_self_clean"] = 1.0
        for fl_ in _flags(c):
            f[f"c:{fl_}"] = 1.0
            f[f"c:owner={c.owner}&{fl_}"] = 1.0
    if cands and all(c.owner != "self" for c in cands):
        f["all_not_self"] = 1.0
    for cat in ("income", "loan", "spouse", "household", "turnover", "profit", "savings"):
        if lx.CUES[cat].search(t):
            f[f"text_{cat}"] = 1.0
    _grams(f, "T:", fl, (1, 2))
    return f


# --- provident fund / social insurance ---------------------------------------------------------


def _benefit_features(
    fl: str, segs: Clauses, hits: list[TermHit], rules: FieldResult, english: bool
) -> F:
    f: F = {"bias": 1.0, f"rules={rules.value}": 1.0}
    if not hits:
        f["no_hit"] = 1.0
        return f
    f[f"n_hits={min(len(hits), 3)}"] = 1.0
    for k, h in enumerate(hits):
        seg, _, _ = segs.bounds(h.start)
        tag = "last_" if k == len(hits) - 1 else ""
        left = fl[max(seg.start, h.start - 6) : h.start]
        right = fl[h.end : min(seg.end, h.end + 6)]
        _grams(f, f"{tag}L:", left, (1, 2))
        _grams(f, f"{tag}R:", right, (1, 2))
        if english:
            _words(f, f"{tag}LW:", fl[max(seg.start, h.start - 30) : h.start])
            _words(f, f"{tag}RW:", right + fl[h.end + 6 : min(seg.end, h.end + 20)])
        if h.combined:
            f[f"{tag}combined"] = 1.0
        if _QUESTION.search(fl[seg.start : seg.end]):
            f[f"{tag}question"] = 1.0
    return f


# --- tenure ------------------------------------------------------------------------------------


def _duration_features(
    fl: str,
    segs: Clauses,
    durs: list[Duration],
    i: int,
    rules: FieldResult,
    english: bool,
) -> F:
    d = durs[i]
    f: F = {"bias": 1.0, f"unit={d.unit}": 1.0}
    y = float(d.years)
    f[f"years_bin={0 if y < 1 else 1 if y < 3 else 2 if y < 10 else 3 if y < 30 else 4}"] = 1.0
    if d.approx:
        f["approx"] = 1.0
    if y != int(y):
        f["fraction"] = 1.0
    seg, s0, s1 = segs.bounds(d.start)
    _window(f, fl, d.start, d.end, s0, s1, english)
    clause = fl[max(seg.start, d.start - _CLAUSE_SPAN) : min(seg.end, d.end + _CLAUSE_SPAN)]
    prev = segs.before(seg)
    before = fl[max(prev.start, prev.end - _CLAUSE_SPAN) : prev.end] if prev else ""
    for name, rx in _TENURE_CUES.items():
        if rx.search(clause):
            f[f"clause_{name}"] = 1.0
        if before and rx.search(before):
            f[f"prev_{name}"] = 1.0
    f[f"n_durs={min(len(durs), 3)}"] = 1.0
    f[f"index={min(i, 2)}"] = 1.0
    ev = rules.evidence
    if (
        rules.value is not None
        and ev is not None
        and ev.start <= d.start < max(ev.end, ev.start + 1)
    ):
        f["rules_pick"] = 1.0
    return f


def analyse(text: str) -> Analysis:
    """Describe ``text`` for every classifier of the model (and keep the rules' decisions)."""
    t = normalize(text)
    fl = _fold(t)
    segs = Clauses(segments(text), len(t))
    letters = sum(ch.isalpha() for ch in t) or 1
    english = sum(ch.isascii() and ch.isalpha() for ch in t) / letters > _ENGLISH_SHARE
    rules = decide_income(text)
    cands = rules.candidates
    truncated = len(cands) > MAX_FIGURES
    if truncated:
        cands = cands[:MAX_FIGURES]
    chosen = {(c.start, c.end) for c in rules.chosen}
    cand_feats = [_cand_features(fl, segs, cands, i, chosen, english) for i in range(len(cands))]
    rv = rules.fields["income_amount"].value
    groups = restatement_groups(cands)
    hyps = hypotheses(cands, cand_feats, groups, float(rv) if rv else None, t)
    mode_feats = _mode_features(t, fl, segs, cands, rules)
    terms = find_terms(t)
    rules_benefits = decide_benefits(text)
    benefit_feats = {
        fld: _benefit_features(fl, segs, terms[fld], rules_benefits[fld], english)
        for fld in (PF, SI)
    }
    durs = find_durations(t)
    if len(durs) > MAX_DURATIONS:
        durs, truncated = durs[:MAX_DURATIONS], True
    rules_tenure = decide_tenure(text)
    dur_feats = [
        _duration_features(fl, segs, durs, i, rules_tenure, english) for i in range(len(durs))
    ]
    return Analysis(
        text=text,
        norm=t,
        cands=cands,
        cand_feats=cand_feats,
        groups=groups,
        hyps=hyps,
        mode_feats=mode_feats,
        rules_income=rules,
        terms=terms,
        benefit_feats=benefit_feats,
        rules_benefits=rules_benefits,
        durations=durs,
        dur_feats=dur_feats,
        rules_tenure=rules_tenure,
        english=english,
        truncated=truncated,
    )


def monthly_sum(cands: list[AmountCandidate]) -> Decimal:
    """Sum of the candidates' monthly amounts."""
    return sum((c.monthly for c in cands), Decimal(0))
