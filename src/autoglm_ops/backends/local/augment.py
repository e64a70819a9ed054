"""Label-preserving (or label-recomputing) augmentation of labelled income statements.

Operations, each applied to a dev case with its gold fields kept consistent:

- ``restyle``: re-render an amount in another numeral form (阿拉伯, 中文, 大写, 口语 一万八,
  万/w/k, full-width, thousands separators), sometimes with a new value and the gold recomputed;
- ``decorate``: wrap an income figure in an approximation word or a range (lower bound kept);
- ``period``: swap the period word of the income (月薪 → 日薪, a month → a week), amount and gold
  recomputed with the contract's arithmetic;
- ``distractor``: insert someone else's income, a loan, a repayment, a bonus, a fund contribution,
  savings, a previous salary, a wish (never the applicant's income);
- ``benefit`` / ``tenure`` / ``tenure_distractor``: insert a (negated) fund or insurance statement,
  a current tenure, or a duration that is not a tenure;
- ``add_source`` / ``add_total`` / ``gross_net``: a second regular source (gold summed), a stated
  total of the sources, a net figure with its gross (gold stays the net one);
- ``synonym`` (工资 → 薪水), ``shuffle`` (sentence order), ``code_switch`` (工资 → salary),
  ``punct`` (full/half width).

Every result is re-analysed and kept only when the gold amount is still reachable from the same
number of candidate figures and the gold tenure from the same number of durations, so a rendering
that the normaliser reads differently never becomes a wrong label.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

import cn2an

from autoglm_ops.backends.local import augment_lexicon as al
from autoglm_ops.backends.local.features import close
from autoglm_ops.backends.local.labels import candidate_labels
from autoglm_ops.backends.local.spans import find_durations, find_terms
from autoglm_ops.backends.local.train import Case
from autoglm_ops.text.amounts import PAID_EVERY, AmountCandidate, income_candidates, to_monthly
from autoglm_ops.text.numerals import EN_NUMBER_WORDS, normalize, parse_number

__all__ = ["STYLES", "Augmenter", "augment", "render_amount", "render_duration"]

Expected = dict[str, Any]
_FW = {c: c + 0xFEE0 for c in range(0x21, 0x7F)}
STYLES = (
    "arabic", "comma", "fullwidth", "wan", "wan_mixed", "w", "k", "cn", "cn_colloquial", "capital",
)  # fmt: skip
_EN_STYLES = ("arabic", "comma", "k")
_ZH_DIGITS = "零一二三四五六七八九"


def _plain(v: Decimal) -> str:
    s = format(v.normalize(), "f")
    return s.rstrip("0").rstrip(".") if "." in s else s


def _colloquial(v: int) -> str | None:
    """一万八 / 七千二 / 两万五: drop the last unit when it is one step below the one before."""
    for big, small, bigc in ((10000, 1000, "万"), (1000, 100, "千"), (100, 10, "百")):
        hi, rest = divmod(v, big)
        if 1 <= hi <= 9 and rest and rest % small == 0 and rest // small <= 9:
            head = "两" if hi == 2 else _ZH_DIGITS[hi]
            return f"{head}{bigc}{_ZH_DIGITS[rest // small]}"
    return None


def render_amount(value: Decimal, style: str, rng: random.Random | None = None) -> str | None:
    """``value`` written in ``style`` (see :data:`STYLES`), or None when the style does not fit.

    The result always parses back to ``value`` (checked with :func:`parse_number`); ``rng``
    picks the letter case of w/k (lower case without one).
    """
    v = Decimal(value)
    integral = v == v.to_integral_value()
    iv = int(v) if integral else 0
    out: str | None = None
    if style == "arabic":
        out = _plain(v)
    elif style == "comma":
        out = f"{iv:,}" if integral and iv >= 1000 else None
    elif style == "fullwidth":
        out = _plain(v).translate(_FW)
    elif style == "wan" and integral and iv >= 10000 and iv % 100 == 0:
        out = _plain(v / 10000) + "万"
    elif style == "wan_mixed" and integral and iv >= 10000:
        hi, rest = divmod(iv, 10000)
        out = f"{hi}万{rest // 1000}" if rest and rest % 1000 == 0 and hi < 10 else None
    elif style == "w" and integral and iv >= 10000 and iv % 100 == 0:
        out = _plain(v / 10000) + (rng.choice("wW") if rng else "w")
    elif style == "k" and integral and iv >= 1000 and iv % 100 == 0:
        out = _plain(v / 1000) + (rng.choice("kK") if rng else "k")
    elif style == "cn" and integral and 0 < iv < 10**8:
        out = str(cn2an.an2cn(iv, "low"))
        out = re.sub(r"^二(?=[千万])", "两", out)
    elif style == "cn_colloquial" and integral:
        out = _colloquial(iv)
    elif style == "capital" and integral and 0 < iv < 10**8:
        out = str(cn2an.an2cn(iv, "up"))
    if out is None:
        return None
    back = parse_number(out)
    return out if back is not None and close(float(v), float(back)) else None


_EN_SMALL = EN_NUMBER_WORDS[:13]  # zero..twelve


def render_duration(rng: random.Random, english: bool) -> tuple[str, Decimal]:
    """A random tenure wording and its value in years (2 decimals)."""
    n = rng.choice([1, 2, 2, 3, 3, 4, 5, 6, 7, 8, 10, 12, 15])
    m = rng.choice([3, 4, 6, 8, 9, 10, 18, 20])
    if english:
        kind = rng.choice(["years", "months", "half", "mixed"])
        if kind == "years":
            return f"{n} year{'s' if n > 1 else ''}", Decimal(n)
        if kind == "months":
            word = _EN_SMALL[m] if m < len(_EN_SMALL) and rng.random() < 0.5 else str(m)
            return f"{word} months", (Decimal(m) / 12).quantize(Decimal("0.01"), ROUND_HALF_UP)
        if kind == "mixed":
            mm = rng.choice([2, 3, 5, 7])
            years = f"{n} year{'s' if n > 1 else ''}"
            value = (Decimal(n) + Decimal(mm) / 12).quantize(Decimal("0.01"), ROUND_HALF_UP)
            return f"{years} and {mm} months", value
        return f"{n} and a half years", Decimal(n) + Decimal("0.5")
    cn = ("两" if n == 2 else str(cn2an.an2cn(n, "low"))) if rng.random() < 0.6 else str(n)
    kind = rng.choice(["years", "years", "half", "months", "more", "almost", "mixed"])
    if kind == "half":
        return f"{cn}年半", Decimal(n) + Decimal("0.5")
    if kind == "months":
        mcn = str(cn2an.an2cn(m, "low")) if rng.random() < 0.5 else str(m)
        return f"{mcn}个月", (Decimal(m) / 12).quantize(Decimal("0.01"), ROUND_HALF_UP)
    if kind == "more":
        return f"{cn}年多", Decimal(n)
    if kind == "almost":
        return f"{rng.choice(['快', '近', '差不多'])}{cn}年", Decimal(n)
    if kind == "mixed":
        mm = rng.choice([2, 3, 5, 7])
        return f"{cn}年零{mm}个月", (Decimal(n) + Decimal(mm) / 12).quantize(Decimal("0.01"))
    return f"{cn}年", Decimal(n)


@lru_cache(maxsize=2048)
def _cands(text: str) -> tuple[AmountCandidate, ...]:
    return tuple(income_candidates(text))


@lru_cache(maxsize=2048)
def _durations(text: str) -> tuple[Decimal, ...]:
    return tuple(d.years for d in find_durations(normalize(text)))


def _plain_figure(c: AmountCandidate) -> bool:
    """Whether the figure's text says its amount as is: not scaled by a unit in its label
    (年收入（万元）：36) nor read per month from a quarter or half year, so rewriting it keeps
    the label."""
    return c.scale == 1 and c.period_source not in PAID_EVERY


def _nice(v: float, step: int) -> Decimal:
    return Decimal(max(step, round(v / step) * step))


class Augmenter:
    """Seeded generator of augmented variants of labelled cases."""

    def __init__(self, seed: int = 13) -> None:
        self.rng = random.Random(seed)
        self.ops: dict[str, tuple[float, Callable[[str, Expected], tuple[str, Expected] | None]]]
        self.ops = {
            "restyle": (0.7, self.restyle),
            "decorate": (0.2, self.decorate),
            "period": (0.25, self.period),
            "add_source": (0.12, self.add_source),
            "gross_net": (0.12, self.gross_net),
            "add_total": (0.3, self.add_total),
            "restate": (0.12, self.restate),
            "distractor": (0.6, self.distractor),
            "benefit": (0.3, self.benefit),
            "tenure": (0.25, self.tenure),
            "tenure_distractor": (0.2, self.tenure_distractor),
            "synonym": (0.3, self.synonym),
            "shuffle": (0.2, self.shuffle),
            "code_switch": (0.15, self.code_switch),
            "punct": (0.2, self.punct),
        }

    # --- helpers -------------------------------------------------------------------------------

    @staticmethod
    def english(text: str) -> bool:
        letters = sum(ch.isalpha() for ch in text) or 1
        return sum(ch.isascii() and ch.isalpha() for ch in text) / letters > 0.4

    def amount_text(self, value: Decimal, english: bool) -> str:
        styles = list(_EN_STYLES if english else STYLES)
        self.rng.shuffle(styles)
        for st in styles:
            out = render_amount(value, st, self.rng)
            if out:
                return out
        return _plain(value)

    def insert(
        self, text: str, clause: str, english: bool, *, last: bool = False
    ) -> tuple[str, int]:
        """Insert ``clause`` as its own sentence (start, middle) or as a last clause."""
        where = "end" if last else self.rng.choice(["start", "end", "end", "middle"])
        stop, comma = (". ", ", ") if english else ("。", "，")
        body = text.rstrip()
        if where == "start":
            piece = clause[:1].upper() + clause[1:] if english else clause
            return piece + stop + text, 0
        if where == "middle":
            ends = [m.end() for m in re.finditer(r"[。！？!?；;]|\. ", body)][:-1]
            if ends:
                at = self.rng.choice(ends)
                return body[:at] + clause + stop.strip() + body[at:], at
        if body and body[-1] in "。.!！?？":
            body = body[:-1]
        return body + comma + clause + (stop.strip() if english else "。"), len(body) + 1

    def _pos(self, text: str, exp: Expected) -> tuple[list[AmountCandidate], list[bool]] | None:
        cands = list(_cands(text))
        labels = candidate_labels(cands, exp.get("income_amount"))
        return (cands, labels) if labels is not None else None

    # --- operations ----------------------------------------------------------------------------

    def restyle(self, text: str, exp: Expected) -> tuple[str, Expected] | None:
        got = self._pos(text, exp)
        if not got or not got[0]:
            return None
        cands, labels = got
        i = self.rng.randrange(len(cands))
        c = cands[i]
        m = c.mention
        if m.is_range or (m.approx_words and any(w in m.text for w in m.approx_words)):
            return None
        if not _plain_figure(c):
            return None
        exp = dict(exp)
        value = c.amount
        others = [float(o.monthly) for j, o in enumerate(cands) if j != i]
        lonely = not any(close(float(c.monthly), o) for o in others) and len(cands) <= 2
        if self.rng.random() < 0.5 and (not labels[i] or lonely):
            step = 100 if value >= 1000 else 10
            value = _nice(float(value) * self.rng.uniform(0.6, 1.8), step)
            if labels[i]:
                old, new = c.monthly, to_monthly(value, c.period)
                exp["income_amount"] = float(Decimal(str(exp["income_amount"])) - old + new)
        new_text = self.amount_text(value, self.english(text))
        if new_text == m.text:
            return None
        return text[: m.start] + new_text + text[m.end :], exp

    def decorate(self, text: str, exp: Expected) -> tuple[str, Expected] | None:
        got = self._pos(text, exp)
        if not got or not any(got[1]):
            return None
        cands, labels = got
        c = cands[self.rng.choice([i for i, lab in enumerate(labels) if lab])]
        m = c.mention
        if m.is_range or m.approx or c.amount < 100 or not _plain_figure(c):
            return None
        en = self.english(text)
        r = self.amount_text(c.amount, en)
        hi = self.amount_text(_nice(float(c.amount) * self.rng.uniform(1.2, 1.6), 100), en)
        if en:
            prefix, forms = ["about ", "around ", "roughly "], [f"{r} to {hi}", f"{r}-{hi}"]
        else:
            prefix, forms = ["约", "大概", "差不多"], [f"{r}左右", f"{r}到{hi}", f"{r}出头"]
            k, rest = divmod(int(c.amount), 1000)
            if not rest and 1 <= k <= 8:
                forms.append(f"{_ZH_DIGITS[k]}{_ZH_DIGITS[k + 1]}千")
        if self.rng.random() < 0.4:
            # the approximation word goes before a currency mark (about $5,000)
            return text[: c.start] + self.rng.choice(prefix) + text[c.start :], dict(exp)
        return text[: m.start] + self.rng.choice(forms) + text[m.end :], dict(exp)

    def period(self, text: str, exp: Expected) -> tuple[str, Expected] | None:
        got = self._pos(text, exp)
        if not got or sum(got[1]) != 1 or len(got[0]) > 3:
            return None
        cands, labels = got
        c = cands[labels.index(True)]
        if c.period is None or c.period_span is None or c.mention.is_range:
            return None
        if not _plain_figure(c):
            return None
        if any(o is not c and o.sentence == c.sentence for o in cands) or c.near("total"):
            return None  # a total with its parts would no longer add up
        ps, pe = c.period_span
        word = text[ps:pe]
        row = next(
            (r for r in al.PERIOD_WORDS if r.get(c.period, "").lower() == word.lower()), None
        )
        if row is None:
            return None
        new_p = self.rng.choice([p for p in row if p != c.period])
        per_month = {"month": 1.0, "year": 12.0, "week": 12 / 52, "day": 1 / 21.75}[new_p]
        step = {"month": 100, "year": 1000, "week": 10, "day": 10}[new_p]
        amount = _nice(float(c.monthly) * per_month * self.rng.uniform(0.8, 1.25), step)
        num = self.amount_text(amount, self.english(text))
        m = c.mention
        parts = sorted([(m.start, m.end, num), (ps, pe, row[new_p])], reverse=True)
        if parts[0][0] < parts[1][1]:
            return None  # overlapping spans
        for s, e, rep in parts:
            text = text[:s] + rep + text[e:]
        exp = dict(exp, income_amount=float(to_monthly(amount, new_p)), income_period=new_p)
        return text, exp

    def add_source(self, text: str, exp: Expected) -> tuple[str, Expected] | None:
        """A second regular source of the applicant: the gold becomes the sum (period month)."""
        got = self._pos(text, exp)
        gold = exp.get("income_amount")
        if not got or not gold or sum(got[1]) != 1 or len(got[0]) > 2:
            return None
        if any(c.near("total") or "total" in c.cues_sentence for c in got[0]):
            return None  # a stated total already covers every source
        en = self.english(text)
        extra = _nice(float(gold) * self.rng.uniform(0.15, 0.6), 100)
        tpl = self.rng.choice(al.EXTRA_SOURCES[1] if en else al.EXTRA_SOURCES[0])
        body = text.rstrip().rstrip("。.!！")
        sep = ", " if en else "，"
        new = body + sep + tpl.format(a=self.amount_text(extra, en)) + ("." if en else "。")
        total = float(Decimal(str(gold)) + extra)
        period = exp.get("income_period") if exp.get("income_period") == "month" else "month"
        return new, dict(exp, income_amount=total, income_period=period)

    def add_total(self, text: str, exp: Expected) -> tuple[str, Expected] | None:
        """A stated total after several sources: the gold is unchanged (total = sum)."""
        got = self._pos(text, exp)
        gold = exp.get("income_amount")
        if not got or not gold or sum(got[1]) < 2 or exp.get("income_period") != "month":
            return None
        en = self.english(text)
        tpl = self.rng.choice(al.TOTALS[1] if en else al.TOTALS[0])
        body = text.rstrip().rstrip("。.!！")
        clause = tpl.format(a=self.amount_text(Decimal(str(gold)), en))
        return body + (", " if en else "，") + clause + ("." if en else "。"), dict(exp)

    def restate(self, text: str, exp: Expected) -> tuple[str, Expected] | None:
        """A rounded restatement in another period after the income (一年十万，就是说一个月
        八千多): one income, the first-stated figure, so the gold is unchanged."""
        got = self._pos(text, exp)
        gold = exp.get("income_amount")
        if not got or not gold or sum(got[1]) != 1 or len(got[0]) > 2:
            return None
        cands, labels = got
        c = cands[labels.index(True)]
        if c.mention.is_range or not _plain_figure(c) or c.end != max(o.end for o in cands):
            return None
        en = self.english(text)
        monthly = float(c.monthly)
        if (c.period or "month") == "month":
            tpl, value = al.RESTATE_YEARLY, monthly * 12
            step = 10_000 if value >= 50_000 else 1000
        else:
            tpl, value = al.RESTATE_MONTHLY, monthly
            step = 500 if value >= 2000 else 100
        rounded = _nice(value * self.rng.uniform(0.94, 1.0), step)
        if close(float(rounded), value):
            return None  # not a rounding: it would be an exact restatement, a case seen enough
        clause = self.rng.choice(tpl[1] if en else tpl[0]).format(a=self.amount_text(rounded, en))
        body = text.rstrip().rstrip("。.!！")
        return body + (", " if en else "，") + clause + ("." if en else "。"), dict(exp)

    def gross_net(self, text: str, exp: Expected) -> tuple[str, Expected] | None:
        """Mark the income as net and state a gross figure too: the net one stays the income."""
        got = self._pos(text, exp)
        if not got or sum(got[1]) != 1 or exp.get("is_after_tax") is not None:
            return None
        cands, labels = got
        c = cands[labels.index(True)]
        if c.after_tax is not None or c.mention.is_range or not _plain_figure(c):
            return None
        en = self.english(text)
        gross = _nice(float(c.amount) * self.rng.uniform(1.15, 1.4), 100)
        net_word = self.rng.choice(al.NET_WORDS[1] if en else al.NET_WORDS[0])
        clause = self.rng.choice(al.GROSS_CLAUSES[1] if en else al.GROSS_CLAUSES[0])
        clause = clause.format(a=self.amount_text(gross, en))
        seg_end = next(
            (m.start() for m in re.finditer(r"[，,。；;.!?！？]", text) if m.start() >= c.end),
            len(text),
        )
        if text[seg_end - 1 : seg_end].isdigit():
            return None
        new = (
            text[: c.start] + net_word + text[c.start : seg_end]
            + ("（" + clause + "）" if not en else f" ({clause})") + text[seg_end:]
        )  # fmt: skip
        check = self._pos(new, exp)
        if not check or not any(
            lab and cand.after_tax for cand, lab in zip(check[0], check[1], strict=True)
        ):
            return None
        return new, dict(exp, is_after_tax=True)

    def distractor(self, text: str, exp: Expected) -> tuple[str, Expected] | None:
        en = self.english(text) != (self.rng.random() < 0.1)
        exp = dict(exp)
        if self.rng.random() < 0.15:
            zh, enl, effects = self.rng.choice(al.BENEFIT_AMOUNT)
            if any(exp.get(f) is False for f in effects) or exp.get("income_amount") == 0:
                return None
            exp.update(effects)
            tpl = self.rng.choice(enl if en else zh)
            lo, hi = al.MAGNITUDE["benefit"]
        else:
            cat = self.rng.choice(sorted(al.DISTRACTORS))
            zh, enl = al.DISTRACTORS[cat]
            tpl = self.rng.choice(enl if en else zh)
            lo, hi = al.MAGNITUDE[cat]
        amount = _nice(10 ** self.rng.uniform(lo, hi), 100)
        gold = exp.get("income_amount")
        if gold and close(float(gold), float(amount)):
            return None
        clause = tpl.format(a=self.amount_text(amount, en))
        # another person's money before the applicant's own would change whose a subject-less
        # figure is (男朋友月薪一万。一年能挣七八万): people go last
        last = tpl in al.DISTRACTORS["spouse"][int(en)] + al.DISTRACTORS["household"][int(en)]
        return self.insert(text, clause, en, last=last)[0], exp

    def benefit(self, text: str, exp: Expected) -> tuple[str, Expected] | None:
        if exp.get("income_amount") == 0:
            return None
        zh, enl, effects = self.rng.choice(al.BENEFITS)
        terms = find_terms(normalize(text))
        if any(exp.get(f) is not None or terms[f] for f in effects):
            return None
        en = self.english(text)
        exp = dict(exp, **effects)
        return self.insert(text, self.rng.choice(enl if en else zh), en)[0], exp

    def tenure(self, text: str, exp: Expected) -> tuple[str, Expected] | None:
        if exp.get("employment_years") is not None or exp.get("income_amount") == 0:
            return None
        en = self.english(text)
        words, years = render_duration(self.rng, en)
        tpl = self.rng.choice(al.TENURE[1] if en else al.TENURE[0])
        exp = dict(exp, employment_years=float(years))
        return self.insert(text, tpl.format(d=words), en)[0], exp

    def tenure_distractor(self, text: str, exp: Expected) -> tuple[str, Expected] | None:
        zh, enl, effects = self.rng.choice(al.TENURE_DISTRACTORS)
        if any(exp.get(f) is False for f in effects):
            return None
        en = self.english(text)
        words, years = render_duration(self.rng, en)
        gy = exp.get("employment_years")
        if gy is not None and close(float(gy), float(years)):
            return None
        exp = dict(exp, **effects)
        return self.insert(text, self.rng.choice(enl if en else zh).format(d=words), en)[0], exp

    def shuffle(self, text: str, exp: Expected) -> tuple[str, Expected] | None:
        parts = [p for p in re.split(r"(?<=[。！？!?；;])|(?<=\.)\s+", text) if p and p.strip()]
        if len(parts) < 2:
            return None
        order = parts[:]
        self.rng.shuffle(order)
        if order == parts:
            return None
        joiner = " " if self.english(text) else ""
        return joiner.join(p.strip() for p in order), dict(exp)

    def synonym(self, text: str, exp: Expected) -> tuple[str, Expected] | None:
        """Swap one wording for an interchangeable one (工资 → 薪水, earn → make)."""
        present = [(w, g) for g in al.SYNONYMS for w in g if w in text]
        if not present:
            return None
        word, group = self.rng.choice(present)
        other = self.rng.choice([w for w in group if w != word])
        if word.isascii():
            new = re.sub(rf"\b{re.escape(word)}\b", other, text, count=1)
        else:
            new = text.replace(word, other, 1)
        return (new, dict(exp)) if new != text else None

    def code_switch(self, text: str, exp: Expected) -> tuple[str, Expected] | None:
        present = [w for w in al.CODE_SWITCH if w in text]
        if not present:
            return None
        for w in self.rng.sample(present, min(len(present), self.rng.choice([1, 2]))):
            text = text.replace(w, f" {al.CODE_SWITCH[w]} ", 1)
        return re.sub(r"\s{2,}", " ", text).strip(), dict(exp)

    def punct(self, text: str, exp: Expected) -> tuple[str, Expected] | None:
        if self.english(text):
            return None
        if "，" in text or "。" in text:
            new = text.replace("，", ",").replace("。", ".")
        else:
            new = re.sub(r",(?!\d)", "，", text)
        return (new, dict(exp)) if new != text else None

    # --- driving -------------------------------------------------------------------------------

    def _shape(self, text: str, exp: Expected) -> tuple[int, int, bool] | None:
        """(positive candidates, durations at the gold tenure, whether the gold period and tax
        agree with what the income figures say), or None when the gold is unreachable."""
        got = self._pos(text, exp)
        if got is None:
            return None
        gy = exp.get("employment_years")
        n_dur = 0
        if gy is not None:
            n_dur = sum(close(float(gy), float(y)) for y in _durations(text))
            if not n_dur:
                return None
        pos = [c for c, lab in zip(*got, strict=True) if lab]
        agree = True
        if pos:
            periods = {c.period or "month" for c in pos}
            period = periods.pop() if len(periods) == 1 else "month"
            tax = next((c.after_tax for c in pos if c.after_tax is not None), None)
            agree = exp.get("income_period", period) == period
            agree = agree and exp.get("is_after_tax", tax) == tax
        return sum(got[1]), n_dur, agree

    def variant(self, text: str, exp: Expected) -> tuple[str, Expected, list[str]] | None:
        """One augmented variant (text, gold, operations applied), or None when none applied."""
        applied: list[str] = []
        for name in self.ops:
            prob, op = self.ops[name]
            if self.rng.random() >= prob:
                continue
            before = self._shape(text, exp)
            got = op(text, exp)
            if got is None:
                continue
            after = self._shape(*got)
            if before is None or after is None:
                continue
            want = {"add_source": before[0] + 1, "add_total": 1}.get(name, before[0])
            if after[0] != want:
                continue
            if name not in ("tenure",) and after[1] != before[1]:
                continue
            if before[2] and not after[2]:
                continue  # the wording no longer says the gold period or tax
            text, exp = got
            applied.append(name)
        if not applied:
            return None
        if isinstance(exp.get("income_amount"), float):
            exp["income_amount"] = round(exp["income_amount"], 2)
        return text, exp, applied


def _extra_cases(rng: random.Random) -> list[tuple[str, Expected]]:
    """New explicit-zero and off-topic (null) statements from the lexicon."""
    empty: Expected = {
        "currency": None, "income_period": None, "is_after_tax": None,
        "has_provident_fund": None, "has_social_insurance": None, "employment_years": None,
    }  # fmt: skip
    out: list[tuple[str, Expected]] = []
    for texts, amount in ((al.NO_INCOME, 0.0), (al.OFF_TOPIC, None)):
        for lang in texts:
            for t in lang:
                out.append((t, dict(empty, income_amount=amount)))
    rng.shuffle(out)
    return out


def augment(cases: Sequence[Case], total: int, seed: int = 13) -> list[Case]:
    """The originals plus augmented variants, ``total`` cases in all (fewer if cases is empty)."""
    out = list(cases)
    if not cases:
        return out
    aug = Augmenter(seed)
    pool: list[Case] = list(cases)
    pool += [
        Case(id=f"lex-{k}", text=t, expected=e, group=f"lex-{k}", original=False)
        for k, (t, e) in enumerate(_extra_cases(aug.rng))
    ]
    k = 0
    misses = 0
    while len(out) < total and misses < 20 * total:
        src = pool[k % len(pool)]
        k += 1
        got = aug.variant(src.text, dict(src.expected))
        if got is None or not got[0].strip():
            misses += 1
            continue
        text, exp, _ = got
        out.append(
            Case(id=f"{src.id}~a{k}", text=text, expected=exp, group=src.key, original=False)
        )
    return out
