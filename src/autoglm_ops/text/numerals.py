"""Chinese / English numeral normaliser.

``parse_number`` reads one numeral string, ``find_numbers`` scans a text.

Measured first (bench/numerals_libs.py, docs/benchmarks_numerals.md): cn2an is right on
plain Chinese numerals and financial capitals (两万五, 一万二, 壹万贰仟, 一千零五), so
plain numerals go to ``cn2an.cn2an(s, "normal")``. cn2an, chinese2digits, pycnnum,
Microsoft Recognizers-Text and jionlp each fail on some colloquial forms the income
contract needs (1w5, 3k, 七八千, 四五千, 5k-2w, 九千多, 过万, 百三, 12,000), so those go
through the small grammar in ``numerals_grammar``, also the fallback whenever cn2an
refuses a string. This module scans a text for numerals and reads ranges, approximation
words, percentages and English number words around them.

Offsets always index the ORIGINAL text: normalisation (full-width → half-width, traditional →
simplified numeral characters, financial capitals → plain digits) maps one character to one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache

from autoglm_ops.text.numerals_grammar import (
    BIG,
    DIGITS,
    LATIN_UNIT,
    SMALL,
    Tok,
    chunk_values,
    toks_value,
)

__all__ = ["NumberMention", "find_numbers", "normalize", "parse_number"]

# --- one-to-one normalisation --------------------------------------------------------------

_NORM = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}  # full-width ASCII → ASCII
_NORM.update({0x3000: 0x20, 0xFFE5: 0xA5, 0x301C: 0x7E, 0xFE50: 0x2C})
_NORM.update(
    str.maketrans(
        "兩倆萬億點負幾〇壹贰貳叁參肆伍陆陸柒捌玖拾佰仟",
        "两两万亿点负几零一二二三三四五六六七八九十百千",
    )
)
# capitals that are also ordinary words on their own (队伍, 陆地, 收拾, 放肆)
_AMBIGUOUS_CAPITALS = frozenset("伍陆陸拾肆")


@lru_cache(maxsize=2048)
def normalize(text: str) -> str:
    """Map full-width ASCII, traditional and financial numeral characters to plain ones, 1:1."""
    return text.translate(_NORM)


_CN_CHARS = "零一二两三四五六七八九十百千万亿兆"

# words that contain numeral characters but are not numbers (masked before scanning)
_STOP = re.compile(
    r"一直|一起|一些|一样|一定|一般|一下|一切|一看|一致|一向|一边|一旦|一律|一再|一同|一度|一时"
    r"|一心|一会|一阵|一路|一辈子|一并|一手|二手|一线|二线|三线|一口气|统一|唯一|万一|十分|万分"
    r"|百分百|千万(?=[别不要记])|一点(?![\d零一二两三四五六七八九])|四川|五金|五险|一金|三险|六险"
    r"|第三方|三方|两两|一共|一家人|一次性|百度|千千万万|成千上万"
)

_TOKEN = re.compile(
    # Indian digit grouping (1,18,000) before the western one
    r"(?P<ar>\d{1,2}(?:,\d{2})+,\d{3}(?:\.\d+)?(?!\d)|\d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\d)"
    r"|\d+(?:\.\d+)?|(?<![A-Za-z])\.\d+)"
    r"|(?P<cd>[零一二两三四五六七八九])|(?P<su>[十百千])|(?P<bu>[万亿兆])|(?P<dot>点)|(?P<apx>[多余几来])"
)
# a trailing 一 before one of these counts something else (一次性, 一个月, 一起), not money
_QUANT_AFTER = re.compile(
    r"个|年|天|周|月|星期|礼拜|次|笔|套|辆|台|份|张|位|名|家|批|期|下|些|起|样|辈|直|共|般|边|部"
)
_SCALE_AFTER = re.compile(
    r"\s*(hundred|thousand|million|billion|trillion|bn|mn|M|b(?=\b)|\s+k\b"
    r"|lakhs?|lacs?|crores?|grand|L(?=PA\b))(?!(?<!L)[A-Za-z])"
)
_LETTERS_AFTER = re.compile(r"[A-Za-z]")
_PRONOUN_ONE = re.compile(r"\b(?:the|this|that|which|each|any|every|no)\s+$", re.IGNORECASE)
_PREFIX_APPROX = re.compile(
    r"(?P<w>大约|大概|大致|差不多|将近|接近|至少|起码|最少|不到|不足|最多|顶多|估计|超过|约|近|快|过|上|破"
    r"|about|around|approximately|approx\.?|roughly|nearly|almost|over|more than|at least|up to"
    r"|some|~)\s*(?:[$¥€£]|US\$|HK\$|RMB|人民币)?\s*$",
    re.IGNORECASE,
)
_SUFFIX_APPROX = re.compile(
    r"\s*(?:多(?!少)|来(?=[块元])|余|左右|上下|出头|开外|以上|\+|plus\b|-ish\b|or so\b|or more\b)",
    re.IGNORECASE,
)
_RANGE_SEP = re.compile(r"\s*(?:到|至|~|-|–|—|或者|或|to)\s*(?:[$¥€£]\s*)?", re.IGNORECASE)
_BETWEEN = re.compile(r"(?:between|from)\s+$", re.IGNORECASE)
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)
_PERCENT_AFTER = re.compile(r"\s*(?:%|个百分点|percent\b)", re.IGNORECASE)

#: English number words zero..nineteen, in order (also used to render amounts in augmentation)
EN_NUMBER_WORDS = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
)
_EN_UNITS = {w: i for i, w in enumerate(EN_NUMBER_WORDS)}
_EN_TENS = {
    w: 10 * (i + 2)
    for i, w in enumerate(
        ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
    )
}
_EN_SCALES = {
    "hundred": 100,
    "thousand": 10**3,
    "million": 10**6,
    "billion": 10**9,
    "trillion": 10**12,
}
# colloquial thousands after a word number: "thirty-five grand", "fifty k"
_EN_SLANG_SCALES = {"grand": 10**3, "k": 10**3}
_EN_WORD = "|".join(sorted([*_EN_UNITS, *_EN_TENS, *_EN_SCALES], key=len, reverse=True))
_EN_NUMBER = re.compile(
    rf"\b(?:(?:a\s+(?=hundred|thousand|million|billion))?(?:{_EN_WORD})"
    rf"(?:(?:\s*-\s*|\s+(?:and\s+)?)(?:{_EN_WORD}))*"
    # "two and a half thousand", "one and a half million"
    r"(?:\s+and\s+a\s+half(?:\s+(?:thousand|million|billion))?)?"
    r"(?:\s+(?:grand|k))?"
    # "a grand a month": slang for a thousand, not "a grand total"
    r"|a\s+grand(?=\s+(?:a|an|per|every|each|net|gross|after|before)\b|\s*[.,;:!?)]|\s*$))\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class NumberMention:
    """One number in a text; ``text == original[start:end]``.

    For a range (七八千, 8000到10000, 5k-2w) ``value`` is the lower bound and ``upper`` the
    upper one. ``approx_words`` lists approximation words found next to it (约, 多, 出头, about),
    inside the span or just before it. ``unit`` holds the magnitude characters used (万, k, w, 千).
    """

    start: int
    end: int
    value: Decimal
    text: str
    upper: Decimal | None = None
    is_range: bool = False
    approx: bool = False
    approx_words: tuple[str, ...] = ()
    unit: str = ""
    percent: bool = False
    ordinal: bool = False


@dataclass(slots=True)
class _Chunk:
    start: int
    end: int
    value: Decimal
    upper: Decimal | None
    approx: bool
    unit: str
    has_unit: bool


# --- scanner -------------------------------------------------------------------------------


def _digit_continues(t: str, k: int) -> bool:
    """After a space, does the digit character at ``k`` continue the numeral before it?"""
    j = k + 1
    while j < len(t) and t[j] in " \t":
        j += 1
    if j < len(t) and t[j] in "十百千万亿":
        return True  # 一百 五 十
    # a digit that ends the phrase (一百 五 十 二) continues; one that starts a word does not
    return k + 1 >= len(t) or not ("\u4e00" <= t[k + 1] <= "\u9fff")


# "2 万 3，" / "1 万 8。": a lone Arabic digit that ends the phrase after 万 is its next place
_LONE_DIGIT = re.compile(r"[1-9](?=$|[，,。;；、!！?？)）])")


# the longest real numeral (壹仟贰佰叁拾肆万伍仟陆佰柒拾捌元 and the like) has about 20 tokens;
# a run of thousands (一万二一万二…) would otherwise be parsed as one numeral, recursively
_MAX_TOKENS = 32


def _scan_tokens(t: str, i: int) -> list[Tok]:
    n = len(t)
    toks: list[Tok] = []
    pos = i
    while pos < n and len(toks) < _MAX_TOKENS:
        m = _TOKEN.match(t, pos)
        prev = toks[-1].kind if toks else None
        if m is None:
            ch = t[pos]
            nxt = t[pos + 1] if pos + 1 < n else ""
            if prev == "ar" and ch in LATIN_UNIT and not (nxt.isascii() and nxt.isalpha()):
                toks.append(Tok("lu", ch, pos, pos + 1))
                pos += 1
                continue
            if ch in " \t" and toks:
                k = pos
                while k < n and t[k] in " \t":
                    k += 1
                # "一万 五千" and a transcript's "一百 五 十 二" continue across a space;
                # "补贴八百 五险一金" does not: a digit after a space that starts a word
                # (五险, 三个月) begins a new phrase
                if (
                    k < n
                    and (
                        t[k] in "十百千万亿兆多余几"
                        or (t[k] in DIGITS and _digit_continues(t, k))
                        or (prev == "bu" and len(toks) > 1 and _LONE_DIGIT.match(t, k))
                    )
                    and not (prev == "ar" and t[k] in DIGITS)
                ):
                    pos = k
                    continue
            break
        kind = m.lastgroup or ""
        if kind == "ar" and (prev == "ar" or (prev == "cd" and toks[-1].text != "零")):
            break
        if kind == "ar" and prev == "lu" and not m.group().isdigit():
            break
        if kind == "cd" and prev == "ar":
            break
        if kind == "dot":
            nxt = t[pos + 1] if pos + 1 < n else ""
            if prev not in ("cd", "su", "bu") or not (nxt.isdigit() or nxt in DIGITS):
                break
        if kind == "apx":
            k = pos + 1
            while k < n and t[k] == " ":
                k += 1
            if prev is None or k >= n or t[k] not in "十百千万亿":
                break
        toks.append(Tok(kind, m.group(), pos, m.end()))
        pos = m.end()
    return toks


def _scan_chunk(t: str, i: int) -> tuple[_Chunk | None, int]:
    """Parse the numeral starting at ``i``: the chunk (or None) and where scanning resumes."""
    toks = _scan_tokens(t, i)
    if not toks:
        return None, i + 1
    # 两万五一个月 / 九千一个月: a trailing 一 before a classifier counts the period, not money
    if (
        len(toks) > 1
        and toks[-1].text == "一"
        and toks[-2].text != "十"
        and _QUANT_AFTER.match(t, toks[-1].end)
    ):
        toks.pop()
    end = toks[-1].end
    # English scale word after Arabic digits: 2 million, 1.5k handled as a latin unit above
    if toks[-1].kind == "ar":
        m = _SCALE_AFTER.match(t, end)
        if m:
            word = m.group(1).strip()
            toks.append(Tok("lu", word, m.end(1) - len(word), m.end(1)))
            end = m.end()
        elif _LETTERS_AFTER.match(t, end) and toks[-1].text[-1].isdigit():
            return None, end  # 29km, 180ml, 4th, 11a: a measure or a code, not a number
    kinds = {tk.kind for tk in toks}
    if len(toks) == 1 and toks[0].kind in ("su", "bu") and toks[0].text != "十":
        return None, end  # 百度, bare 万 (过万 is handled by the caller)
    vals = chunk_values(toks)
    if vals is None:
        # a mis-joined chunk: keep its first token on its own
        first = toks[0]
        v = toks_value([first])
        if v is None or first.kind not in ("ar", "cd"):
            return None, first.end
        return _Chunk(first.start, first.end, v, None, False, "", False), first.end
    value, upper, approx = vals
    unit = "".join(tk.text for tk in toks if tk.kind in ("bu", "lu") or tk.text in "千百")
    has_unit = bool(kinds & {"bu", "lu"}) or any(tk.text in "千百" for tk in toks)
    return _Chunk(i, end, value, upper, approx, unit, has_unit), end


def _with_unit(lower: _Chunk, upper: _Chunk) -> Decimal:
    """1-2万: a unit-less lower bound borrows the upper bound's unit when that keeps lo <= hi."""
    if lower.has_unit or not upper.has_unit:
        return lower.value
    for mult in (10**8, 10**4, 1000):
        if upper.value >= mult and lower.value * mult <= upper.value:
            return lower.value * mult
    return lower.value


def find_numbers(text: str) -> list[NumberMention]:
    """Every number in ``text`` (Chinese, Arabic, mixed, English words), in order."""
    return list(_find_numbers(text))


@lru_cache(maxsize=1024)
def _find_numbers(text: str) -> tuple[NumberMention, ...]:
    t = normalize(text)
    n = len(t)
    masked = bytearray(n)
    for m in _STOP.finditer(t):
        masked[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
    out: list[NumberMention] = []
    i = 0
    while i < n:
        ch = t[i]
        if masked[i] or not ((ch.isdigit() and ch.isascii()) or ch in _CN_CHARS or ch == "."):
            i += 1
            continue
        if ch == "." and not (i + 1 < n and t[i + 1].isdigit()):
            i += 1
            continue
        start = i
        chunk, nxt = _scan_chunk(t, i)
        if chunk is None:
            prefix = t[max(0, i - 1) : i]
            if t[i] in "万千" and t.startswith("把", i + 1) and nxt == i + 1:
                # 万把块 / 千把块: "about ten thousand / a thousand"
                mult = Decimal(BIG.get(t[i]) or SMALL[t[i]])
                out.append(
                    NumberMention(i, i + 2, mult, text[i : i + 2], None, False, True, ("把",), t[i])
                )
                i += 2
                continue
            if t[i] in "万千百" and prefix in ("过", "上", "破") and nxt == i + 1:
                mult = Decimal(BIG.get(t[i]) or SMALL[t[i]])
                out.append(
                    NumberMention(
                        i - 1, i + 1, mult, text[i - 1 : i + 1], None, False, True, (prefix,), t[i]
                    )
                )
            i = max(nxt, i + 1)
            continue
        if chunk.end - chunk.start == 1 and text[chunk.start] in _AMBIGUOUS_CAPITALS:
            i = chunk.end
            continue
        mention = _finish(text, t, chunk, start, out)
        out.append(mention)
        i = mention.end
    return tuple(_merge_english(text, t, out))


def _finish(
    text: str, t: str, chunk: _Chunk, start: int, out: list[NumberMention]
) -> NumberMention:
    """Extend a chunk with sign, percent, approximation words and a range's upper bound."""
    value, upper, end = chunk.value, chunk.upper, chunk.end
    is_range = upper is not None
    words: list[str] = []
    if chunk.approx:
        words.append(next((c for c in t[chunk.start : chunk.end] if c in "多余几来"), "多"))
    unit = chunk.unit
    percent = ordinal = False
    lo_limit = out[-1].end if out else 0
    if (
        start > lo_limit
        and t[start - 1] in "负-"
        and (start < 2 or not (t[start - 2].isalnum() or t[start - 2] in "%"))
    ):
        start -= 1
        value = -value
    elif t.startswith("百分之", max(lo_limit, start - 3)) and start - 3 >= lo_limit:
        start -= 3
        percent = True
    if start > lo_limit and t[start - 1] == "第":
        ordinal = True
    # range: <chunk> 到|-|~|to <chunk>
    m = _RANGE_SEP.match(t, end) if not is_range else None
    if m and m.end() < len(t) and (t[m.end()].isdigit() or t[m.end()] in _CN_CHARS):
        upper_chunk, _ = _scan_chunk(t, m.end())
        if upper_chunk is not None and upper_chunk.value > 0:
            lo = _with_unit(chunk, upper_chunk)
            if lo <= upper_chunk.value and (m.group().strip() not in ("-", "to") or lo > 0):
                value = -lo if value < 0 else lo
                upper, end, is_range = upper_chunk.value, upper_chunk.end, True
                if upper_chunk.unit not in unit:
                    unit += upper_chunk.unit
                if upper_chunk.approx:
                    words.append("多")
    # English "between 6,000 and 9,000"
    if not is_range and _BETWEEN.search(t, max(0, start - 10), start):
        m2 = _AND.match(t, end)
        if m2:
            upper_chunk, _ = _scan_chunk(t, m2.end())
            if upper_chunk is not None and upper_chunk.value >= value:
                upper, end, is_range = upper_chunk.value, upper_chunk.end, True
    m = _PERCENT_AFTER.match(t, end)
    if m:
        percent, end = True, m.end()
    m = _SUFFIX_APPROX.match(t, end)
    if m and not percent:
        words.append(m.group().strip())
        end = m.end()
    pm = _PREFIX_APPROX.search(t, max(lo_limit, start - 16), start)
    if pm:
        words.append(pm.group("w"))
    return NumberMention(
        start=start,
        end=end,
        value=value,
        text=text[start:end],
        upper=upper,
        is_range=is_range,
        approx=bool(words),
        approx_words=tuple(words),
        unit=unit,
        percent=percent,
        ordinal=ordinal,
    )


def _en_words_value(s: str) -> Decimal | None:
    words = [w for w in re.split(r"[\s-]+", s.lower()) if w and w != "and"]
    total, cur = Decimal(0), Decimal(0)
    seen = False
    for k, w in enumerate(words):
        if w == "a":
            if k + 1 < len(words) and words[k + 1] != "half":
                cur = Decimal(1)  # "a hundred", "a grand"; "and a half" adds below
        elif w == "half":
            cur += Decimal("0.5")
        elif w in _EN_SLANG_SCALES:
            total += (cur or Decimal(1)) * _EN_SLANG_SCALES[w]
            cur = Decimal(0)
            seen = True
        elif w in _EN_UNITS:
            cur += _EN_UNITS[w]
            seen = True
        elif w in _EN_TENS:
            cur += _EN_TENS[w]
            seen = True
        elif w == "hundred":
            cur = (cur or Decimal(1)) * 100
            seen = True
        else:
            total += (cur or Decimal(1)) * _EN_SCALES[w]
            cur = Decimal(0)
            seen = True
    if not seen:
        return None
    value = total + cur
    return value.to_integral_value() if value == value.to_integral_value() else value


def _merge_english(text: str, t: str, found: list[NumberMention]) -> list[NumberMention]:
    if not any(c.isascii() and c.isalpha() for c in t):
        return found
    taken = [(m.start, m.end) for m in found]
    extra: list[NumberMention] = []
    for m in _EN_NUMBER.finditer(t):
        if any(s < m.end() and m.start() < e for s, e in taken):
            continue
        v = _en_words_value(m.group())
        if v is None:
            continue
        if m.group().lower() == "one" and _PRONOUN_ONE.search(t, max(0, m.start() - 8), m.start()):
            continue  # "the one you mentioned"
        end = m.end()
        words: list[str] = []
        pm = _PREFIX_APPROX.search(t, max(0, m.start() - 16), m.start())
        if pm:
            words.append(pm.group("w"))
        last = m.group().rsplit(None, 1)[-1].lower()
        extra.append(
            NumberMention(
                m.start(),
                end,
                v,
                text[m.start() : end],
                approx=bool(words),
                approx_words=tuple(words),
                unit=last if last in _EN_SLANG_SCALES else "",  # as for "35 grand"
            )
        )
    if not extra:
        return found
    return sorted([*found, *_en_ranges(text, t, extra)], key=lambda x: x.start)


_EN_RANGE_SEP = re.compile(r"\s*(?:to|-|–|or)\s*$", re.IGNORECASE)
_EN_AND = re.compile(r"\s+and\s+", re.IGNORECASE)


def _scaled_lower(lo: Decimal, hi: Decimal) -> Decimal:
    """ "twenty to twenty-five thousand": a scale-less lower bound borrows the upper's scale."""
    if lo >= 100 or lo >= hi:
        return lo
    for mult in (10**9, 10**6, 1000):
        if hi >= mult and lo * mult <= hi:
            return lo * mult
    return lo


def _en_ranges(text: str, t: str, extra: list[NumberMention]) -> list[NumberMention]:
    """Join English word numbers into ranges: "twenty to twenty-five thousand", "between twenty
    and thirty thousand" (the lower bound is the value, as for digits)."""
    out: list[NumberMention] = []
    for m in extra:
        if _BETWEEN.search(t, max(0, m.start - 10), m.start):
            parts = list(_EN_AND.finditer(m.text))
            for sep in reversed(parts):
                if m.text[sep.end() :].lower().startswith("a half"):
                    continue  # "two and a half thousand" is one number
                lo_v = _en_words_value(m.text[: sep.start()])
                hi_v = _en_words_value(m.text[sep.end() :])
                if lo_v is not None and hi_v is not None and _scaled_lower(lo_v, hi_v) <= hi_v:
                    if lo_v < hi_v:  # "one hundred and twenty" stays one number
                        lo = _scaled_lower(lo_v, hi_v)
                        m = replace(m, value=lo, upper=hi_v, is_range=True)
                    break
        prev = out[-1] if out else None
        if (
            prev is not None
            and not prev.is_range
            and _EN_RANGE_SEP.match(t[prev.end : m.start])
            and prev.value < m.value
        ):
            lo = _scaled_lower(prev.value, m.value)
            out[-1] = NumberMention(
                prev.start,
                m.end,
                lo,
                text[prev.start : m.end],
                upper=m.value,
                is_range=True,
                approx=prev.approx or m.approx,
                approx_words=prev.approx_words + m.approx_words,
            )
            continue
        out.append(m)
    return out


_LEADING = re.compile(
    r"^\s*(?:大约|大概|差不多|将近|接近|约|近|快|超过|about|around|approximately|roughly|nearly|almost"
    r"|over|more than)?\s*",
    re.IGNORECASE,
)


def parse_number(s: str) -> Decimal | None:
    """The value of one numeral string (lower bound for a range), or None when it is not one.

    Leading approximation words are allowed (约1.8万 → 18000); anything else around the numeral
    (currency, units of time) makes it not a numeral string.
    """
    lead = _LEADING.match(s)
    body_start = lead.end() if lead else 0
    body = s[body_start:].rstrip()
    if not body:
        return None
    if body in _AMBIGUOUS_CAPITALS:  # skipped by the scanner (放肆, 陆地), a numeral on its own
        plain = normalize(body)
        return Decimal(DIGITS[plain]) if plain in DIGITS else Decimal(SMALL[plain])
    found = find_numbers(body)
    if len(found) != 1:
        return None
    m = found[0]
    if m.start != 0 or m.end != len(body) or m.ordinal:
        return None
    return m.value
