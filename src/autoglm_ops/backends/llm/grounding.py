"""Grounding: align every non-null value the model returned with a span of the input.

In order of strength:

1. ``exact`` - the value's own literal is in the text ("18000", "USD", "month");
2. ``normalised`` - a number in the text equals the value within the contract tolerance, as is
   or converted by a rule of the field's contract section ("yearly ÷ 12", "daily × 21.75",
   "months ÷ 12"), or a sum of two or three numbers (several income sources);
3. ``keyword`` - a cue word that supports the value (公积金, 税后, 年薪 ...), from a small
   per-task cue map, falling back to terms named in the field's description.

A value with none of these is ``none`` (ungrounded): it may come from an injected instruction or
a hallucination, so the backend lowers its confidence and asks for review. Fields of type
``score`` are ``derived`` (a judgement over the whole text, not a quote) and are not grounded.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal, Protocol

from autoglm_ops.core.compare import numbers_equal
from autoglm_ops.tasks.schema import FieldSpec, TaskDefinition
from autoglm_ops.text.numerals import find_numbers

GroundKind = Literal["exact", "normalised", "keyword", "derived", "null", "none"]
GROUNDED: frozenset[str] = frozenset({"exact", "normalised", "keyword"})
MAX_SUM_MENTIONS = 12


class Mention(Protocol):
    """What grounding needs of a number mention (``text.numerals.NumberMention`` fits)."""

    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def value(self) -> Decimal: ...


@dataclass(frozen=True)
class Grounding:
    """How one value is supported by the input."""

    kind: GroundKind
    span: tuple[int, int] | None = None
    note: str = ""

    @property
    def grounded(self) -> bool:
        return self.kind in GROUNDED


# Per task, per field: value key ("true", "false", an enum/string value, "0" for numbers, or "*"
# for any value) -> cue words that support it. Lower-case; ASCII cues match as whole words.
CUES: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    "income_parsing": {
        "is_after_tax": {
            "true": (
                "税后",
                "到手",
                "实发",
                "实得",
                "净收入",
                "net pay",
                "take-home",
                "take home",
                "after tax",
                "after-tax",
            ),
            "false": ("税前", "应发", "gross", "pre-tax", "before tax", "pretax"),
        },
        "has_provident_fund": {"*": ("公积金", "五险一金", "provident fund", "housing fund")},
        "has_social_insurance": {
            "*": ("社保", "五险", "社会保险", "social insurance", "social security"),
        },
        "income_period": {
            "month": ("月", "monthly", "a month", "per month", "/month", "/mo"),
            "year": (
                "年薪",
                "年收入",
                "年入",
                "一年",
                "每年",
                "全年",
                "annual",
                "a year",
                "per year",
                "yearly",
                "/year",
            ),
            "week": ("周", "星期", "礼拜", "weekly", "a week", "per week", "/week"),
            "day": ("天", "日薪", "每日", "一日", "日结", "daily", "a day", "per day", "/day"),
        },
        "currency": {
            "CNY": (
                "元",
                "块",
                "人民币",
                "¥",
                "￥",
                "rmb",
                "cny",
                "万",
                "千",
                "工资",
                "薪",
                "收入",
            ),
            "USD": ("$", "usd", "dollar", "dollars", "美元", "美金"),
            "EUR": ("€", "eur", "euro", "euros", "欧元"),
            "HKD": ("hk$", "hkd", "港币", "港元"),
            "GBP": ("£", "gbp", "pound", "pounds", "英镑"),
            "JPY": ("日元", "jpy", "yen", "円"),
        },
        "income_amount": {
            "0": (
                "没有收入",
                "无收入",
                "没收入",
                "零收入",
                "没有工作",
                "待业",
                "失业",
                "无业",
                "no income",
                "unemployed",
                "not working",
                "no job",
            ),
        },
    },
}

# Per task, per field: the value the contract prescribes when the text marks none ("CNY when no
# currency is marked"); grounded by the text's amount when no cue of another value is present.
DEFAULTS: dict[str, dict[str, str]] = {"income_parsing": {"currency": "CNY"}}

_CJK_TERM = re.compile(r"[\u4e00-\u9fff]{2,}")
_SLASH_TERM = re.compile(r"(?<=/)[A-Za-z][A-Za-z \-]{1,20}|[A-Za-z][A-Za-z \-]{1,20}(?=/)")
_RULE = re.compile(
    r"(?P<what>[A-Za-z\u4e00-\u9fff]+)\s*(?P<op>[×*÷/])\s*(?P<a>\d+(?:\.\d+)?)"
    r"(?:\s*/\s*(?P<b>\d+(?:\.\d+)?))?"
)
_UNIT_AFTER = re.compile(r"\s*[万千百亿wWkK]")


def _contract_section(task: TaskDefinition, field: str) -> str:
    """The part of the contract about ``field`` (the whole contract when it has no sections)."""
    names = "|".join(re.escape(n) for n in task.field_names)
    headers = list(re.finditer(rf"^(?:{names}):", task.contract, re.M))
    for i, m in enumerate(headers):
        if m.group(0)[:-1] == field:
            end = headers[i + 1].start() if i + 1 < len(headers) else len(task.contract)
            return task.contract[m.start() : end]
    return "" if headers else task.contract


def conversion_factors(task: TaskDefinition, field: str) -> list[tuple[Fraction, str]]:
    """Multipliers from a stated number to the field's value, read from its contract section.

    "yearly ÷ 12" gives 1/12, "weekly × 52 / 12" gives 52/12, "daily × 21.75" gives 21.75; the
    identity comes first.
    """
    factors: list[tuple[Fraction, str]] = [(Fraction(1), "")]
    for m in _RULE.finditer(_contract_section(task, field)):
        a = Fraction(m.group("a"))
        if a == 0:
            continue
        factor = a if m.group("op") in "×*" else 1 / a
        if m.group("b"):
            b = Fraction(m.group("b"))
            if b == 0:
                continue
            factor /= b
        if all(f != factor for f, _ in factors):
            factors.append((factor, m.group(0)))
    return factors


def description_cues(spec: FieldSpec) -> tuple[str, ...]:
    """Terms named in a field's description (CJK words, slash-separated phrases)."""
    terms = _CJK_TERM.findall(spec.description)
    terms += [t.strip().lower() for t in _SLASH_TERM.findall(spec.description)]
    return tuple(dict.fromkeys(t for t in terms if len(t) >= 2))


def _cue_spans(text: str, lowered: str, cue: str) -> list[tuple[int, int]]:
    """Every occurrence of ``cue``; ASCII-word cues must not touch other letters."""
    if cue.isascii() and cue[:1].isalpha():
        pattern = rf"(?<![a-z]){re.escape(cue.lower())}(?![a-z])"
        return [(m.start(), m.end()) for m in re.finditer(pattern, lowered)]
    haystack = lowered if cue.isascii() else text
    needle = cue.lower() if cue.isascii() else cue
    return [(m.start(), m.end()) for m in re.finditer(re.escape(needle), haystack)]


def _first_cue(
    text: str, cues: Sequence[str], shadowing: Sequence[str] = ()
) -> tuple[int, int] | None:
    """Earliest occurrence of any of ``cues`` that is not part of a ``shadowing`` cue
    (元 in 美元 is not a yuan)."""
    lowered = text.lower()
    shadows = [sp for c in shadowing for sp in _cue_spans(text, lowered, c)]
    spans = [
        sp
        for c in cues
        for sp in _cue_spans(text, lowered, c)
        if not any(s0 <= sp[0] and sp[1] <= e0 and (s0, e0) != sp for s0, e0 in shadows)
    ]
    return min(spans) if spans else None


def _number_literals(value: float) -> list[str]:
    dec = Decimal(str(value))
    if dec == dec.to_integral_value():
        n = int(dec)
        return list(dict.fromkeys([str(n), f"{n:,}"]))
    plain = format(dec.normalize(), "f")
    return [plain]


def _exact_number(text: str, value: float) -> tuple[int, int] | None:
    for lit in _number_literals(value):
        for m in re.finditer(rf"(?<![\d.,]){re.escape(lit)}(?!\d|[.,]\d)", text):
            # "36" in "36万" is 360000, not 36
            if not _UNIT_AFTER.match(text, m.end()):
                return (m.start(), m.end())
    return None


def _half_suffix(text: str, end: int) -> int | None:
    """End of a 半 that follows a number (三年半 = 3.5, 两个半月 = 2.5)."""
    for suffix in ("年半", "个半", "半"):
        if text.startswith(suffix, end):
            return end + len(suffix)
    return None


class Grounder:
    """Grounds the values of one task; build once per task, call per text."""

    def __init__(self, task: TaskDefinition) -> None:
        self.task = task
        self._factors = {f.name: conversion_factors(task, f.name) for f in task.fields}
        task_cues = CUES.get(task.name, {})
        self._cues = {f.name: task_cues.get(f.name) for f in task.fields}
        self._defaults = DEFAULTS.get(task.name, {})
        self._desc_cues = {f.name: description_cues(f) for f in task.fields}

    def ground_all(
        self,
        text: str,
        values: dict[str, Any],
        excluded: Sequence[tuple[int, int]] = (),
    ) -> dict[str, Grounding]:
        """A grounding for every field of the task.

        Nothing inside an ``excluded`` span (an instruction-like clause) can ground a value.
        """
        if excluded:
            chars = list(text)
            for s, e in excluded:
                chars[s:e] = " " * (e - s)
            text = "".join(chars)  # same length, so spans still index the original text
        mentions: list[Mention] = [
            m for m in find_numbers(text) if not getattr(m, "percent", False)
        ]
        return {
            f.name: self.ground(text, f, values.get(f.name), mentions) for f in self.task.fields
        }

    def ground(
        self, text: str, spec: FieldSpec, value: Any, mentions: Sequence[Mention]
    ) -> Grounding:
        """How ``value`` of field ``spec`` is supported by ``text``."""
        if value is None:
            return Grounding("null")
        if spec.type == "score":
            return Grounding("derived", note="a judgement over the whole text")
        if isinstance(value, bool):
            return self._keyword(text, spec, "true" if value else "false")
        if isinstance(value, int | float):
            return self._number(text, spec, float(value), mentions)
        if isinstance(value, str):
            span = _first_cue(text, [value]) if value.strip() else None
            if span:
                return Grounding("exact", span)
            found = self._keyword(text, spec, value)
            if not found.grounded and self._defaults.get(spec.name) == value:
                return self._default(text, spec, mentions)
            return found
        return Grounding("none")

    def _default(self, text: str, spec: FieldSpec, mentions: Sequence[Mention]) -> Grounding:
        """The contract default holds when no cue of another value is in the text."""
        others = [c for k, cues in (self._cues[spec.name] or {}).items() for c in cues if k != "*"]
        default_cues = (self._cues[spec.name] or {}).get(self._defaults[spec.name], ())
        others = [c for c in others if c not in default_cues]
        if not mentions or _first_cue(text, others):
            return Grounding("none")
        amount = max(mentions, key=lambda m: m.value)
        return Grounding("keyword", (amount.start, amount.end), "contract default; none marked")

    def _keyword(self, text: str, spec: FieldSpec, key: str) -> Grounding:
        by_value = self._cues[spec.name]
        if by_value is not None:
            cues = [*by_value.get(key, ()), *by_value.get(key.upper(), ()), *by_value.get("*", ())]
        else:
            cues = list(self._desc_cues[spec.name])
        others = [
            c for k, cs in (by_value or {}).items() if k not in (key, key.upper(), "*") for c in cs
        ]
        span = _first_cue(text, cues, shadowing=others) if cues else None
        return Grounding("keyword", span) if span else Grounding("none")

    def _number(
        self, text: str, spec: FieldSpec, value: float, mentions: Sequence[Mention]
    ) -> Grounding:
        span = _exact_number(text, value)
        if span:
            return Grounding("exact", span)
        factors = self._factors[spec.name]
        for factor, rule in factors:
            for m in mentions:
                stated = [(Fraction(m.value), m.end)]
                half_end = _half_suffix(text, m.end)
                if half_end is not None:
                    stated.append((Fraction(m.value) + Fraction(1, 2), half_end))
                for amount, end in stated:
                    if numbers_equal(float(amount * factor), value):
                        return Grounding("normalised", (m.start, end), rule)
        if 2 <= len(mentions) <= MAX_SUM_MENTIONS:
            for factor, rule in factors:
                for k in (2, 3):
                    for combo in itertools.combinations(mentions, k):
                        total = sum((Fraction(m.value) for m in combo), Fraction(0))
                        if numbers_equal(float(total * factor), value):
                            note = f"sum of {k} amounts" + (f", {rule}" if rule else "")
                            return Grounding("normalised", (combo[0].start, combo[-1].end), note)
        if value == 0:
            return self._keyword(text, spec, "0")
        return Grounding("none")
