"""Values of Chinese / Arabic numeral token runs: the grammar behind ``numerals``.

The scanner in ``numerals`` cuts a text into ``Tok`` runs; ``chunk_values`` and ``toks_value``
give their values. Plain Chinese numerals go to cn2an (right on 两万五, 壹万贰仟, 一千零五; see
``numerals``' docstring for the measurement); colloquial forms (1w5, 七八千, 百三, 5k, 十多万) and
anything cn2an refuses go through the small grammar here.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import cn2an

__all__ = [
    "BIG",
    "DIGITS",
    "INDIAN_SCALE_WORDS",
    "LATIN_UNIT",
    "SMALL",
    "Tok",
    "chunk_values",
    "toks_value",
]

DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"两": 2}
SMALL = {"十": 10, "百": 100, "千": 1000}
BIG = {"万": 10**4, "亿": 10**8, "兆": 10**12}
LATIN_UNIT = {"w": 10**4, "W": 10**4, "k": 1000, "K": 1000}
_SCALE_WORDS = {
    "hundred": 100,
    "k": 1000,
    "b": 10**9,
    "trillion": 10**12,
    "thousand": 10**3,
    "million": 10**6,
    "mn": 10**6,
    "m": 10**6,
    "billion": 10**9,
    "bn": 10**9,
    "grand": 10**3,  # British: 32 grand
}
#: Indian English scale words (1.2 lakh, 18 LPA = lakh per annum, 2 crore): rupee amounts only
INDIAN_SCALE_WORDS = {
    "lakh": 10**5,
    "lakhs": 10**5,
    "lac": 10**5,
    "lacs": 10**5,
    "l": 10**5,
    "crore": 10**7,
    "crores": 10**7,
}
_SCALE_WORDS |= INDIAN_SCALE_WORDS


@dataclass(slots=True)
class Tok:
    """One scanned token; ``start``/``end`` index the normalised text."""

    kind: str  # ar cd su bu dot apx lu
    text: str
    start: int
    end: int


def _dec(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def _parse_section(items: list[tuple[str, Decimal]]) -> Decimal | None:
    """Value of a run with only 十/百/千 units (colloquial 七千二 = 7200, 百三 = 130)."""
    total = Decimal(0)
    cur: Decimal | None = None
    cur_single = False
    last_unit: int | None = None
    saw_zero = False
    for kind, val in items:
        if kind == "num":
            if cur is not None:
                return None
            cur, cur_single = val, val < 10 and val == val.to_integral_value()
        elif kind == "zero":
            if cur is not None:
                return None
            saw_zero = True
        else:  # small unit
            u = int(val)
            if last_unit is not None and u >= last_unit:
                return None
            if cur is None:
                if (total == 0 and last_unit is None) or (saw_zero and u == 10):
                    cur = Decimal(1)
                else:
                    return None
            total += cur * u
            cur, last_unit, saw_zero = None, u, False
    if cur is not None:
        if last_unit is not None and not saw_zero and cur_single and last_unit >= 10:
            total += cur * last_unit // 10
        else:
            total += cur
    return total


def _parse_int(items: list[tuple[str, Decimal]]) -> Decimal | None:
    """Value of numeral items; big units split recursively (四万万 = 4e8, 4.78万亿 = 4.78e12)."""
    if not items:
        return None
    for big in (10**12, 10**8, 10**4):
        idx = next((k for k in range(len(items) - 1, -1, -1) if items[k] == ("big", big)), None)
        if idx is None:
            continue
        left, right = items[:idx], items[idx + 1 :]
        lv = _parse_int(left)
        if lv is None:
            return None
        lv *= big
        if not right:
            return lv
        if len(right) == 1 and right[0][0] == "num" and right[0][1] < 10 and left[-1][0] != "zero":
            return lv + right[0][1] * big // 10  # 两万五, 1万8, 一亿五
        rv = _parse_int(right)
        if rv is None or rv >= big:
            return None
        return lv + rv
    if all(k in ("num", "zero") for k, _ in items) and len(items) > 1:
        # bare digit strings: 二零二四 = 2024 (only single digits)
        if any(v >= 10 or v != v.to_integral_value() for k, v in items if k == "num"):
            return None
        return Decimal("".join(str(int(v)) for _, v in items))
    return _parse_section(items)


def _items(toks: list[Tok]) -> list[tuple[str, Decimal]] | None:
    out: list[tuple[str, Decimal]] = []
    for t in toks:
        if t.kind == "ar":
            try:
                out.append(("num", _dec(t.text)))
            except InvalidOperation:
                return None
        elif t.kind == "cd":
            d = DIGITS[t.text]
            out.append(("zero", Decimal(0)) if d == 0 else ("num", Decimal(d)))
        elif t.kind == "su":
            out.append(("small", Decimal(SMALL[t.text])))
        elif t.kind == "bu":
            out.append(("big", Decimal(BIG[t.text])))
        elif t.kind == "lu":
            mult = LATIN_UNIT.get(t.text) or _SCALE_WORDS.get(t.text.lower(), 0)
            out.append(("big", Decimal(mult)))
    return out


@lru_cache(maxsize=4096)
def _cn2an_value(s: str) -> Decimal | None:
    try:
        v = cn2an.cn2an(s, "normal")
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    return Decimal(str(v))


def toks_value(toks: list[Tok]) -> Decimal | None:
    if not toks:
        return None
    text = "".join(t.text for t in toks if t.kind != "lu")
    plain = all(t.kind in ("cd", "su", "bu") for t in toks)
    if plain and len(text) > 1 and text[0] not in "百千万亿":
        v = _cn2an_value(text)  # plain Chinese numeral: the library is right here
        if v is not None:
            return v
    dots = [k for k, t in enumerate(toks) if t.kind == "dot"]
    if dots:
        k = dots[0]
        int_part, frac = toks[:k], toks[k + 1 :]
        digits = ""
        rest: list[Tok] = []
        for j, t in enumerate(frac):
            if t.kind == "cd":
                digits += str(DIGITS[t.text])
            elif t.kind == "ar" and t.text.isdigit():
                digits += t.text
            else:
                rest = frac[j:]
                break
        whole = toks_value(int_part)
        if whole is None or not digits:
            return None
        value = whole + Decimal("0." + digits)
        for t in rest:
            if t.kind != "bu":
                return None
            value *= BIG[t.text]
        return value
    items = _items(toks)
    return _parse_int(items) if items is not None else None


def chunk_values(toks: list[Tok]) -> tuple[Decimal, Decimal | None, bool] | None:
    """(value, upper bound or None, approx) of a chunk: ranges 七八千, infix approx 十多万."""
    approx = any(t.kind == "apx" for t in toks)
    toks = [t for t in toks if t.kind != "apx"]
    dot = next((k for k, t in enumerate(toks) if t.kind == "dot"), len(toks))
    for k in range(dot - 1):  # 十点二三三 is a decimal, not a range
        a, b = toks[k], toks[k + 1]
        if a.kind == b.kind == "cd":
            d1, d2 = DIGITS[a.text], DIGITS[b.text]
            if d1 > 0 and (d2 == d1 + 1 or (d1, d2) == (3, 5)):
                lo = toks_value(toks[: k + 1] + toks[k + 2 :])
                hi = toks_value(toks[:k] + toks[k + 1 :])
                if lo is not None and hi is not None:
                    return lo, hi, approx
    v = toks_value(toks)
    return (v, None, approx) if v is not None else None
