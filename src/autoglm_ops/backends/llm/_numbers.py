"""Minimal number finder, used only until ``autoglm_ops.text.numerals`` is available.

Finds Arabic (also full-width, with thousands separators and 万/w/千/k units) and Chinese
numerals (via cn2an, which knows financial capitals and colloquial forms like 两万五).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import cn2an

_ARABIC = r"(?:[0-9０-９]{1,3}(?:[,，][0-9０-９]{3})+|[0-9０-９]+)(?:\.[0-9０-９]+)?"
_CHINESE = r"[零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟]"
_RUN = re.compile(rf"(?:{_ARABIC}|{_CHINESE}|[wWkK])+")
_HAS_DIGIT = re.compile(r"[0-9０-９零〇一二两三四五六七八九十壹贰叁肆伍陆柒捌玖拾]")
_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")


@dataclass(frozen=True)
class NumberMention:
    """A number found in a text: ``text[start:end]`` has the value ``value``."""

    start: int
    end: int
    value: Decimal


def parse_number(s: str) -> Decimal | None:
    """The value of one number expression, or None when it is not one."""
    s = re.sub(r"(?<=\d)[,，](?=\d{3})", "", s.translate(_FULLWIDTH))
    s = s.replace("w", "万").replace("W", "万").replace("k", "千").replace("K", "千")
    if not s or not _HAS_DIGIT.search(s):
        return None
    try:
        return Decimal(s)
    except InvalidOperation:
        pass
    try:
        return Decimal(str(cn2an.cn2an(s, "smart")))
    except (ValueError, KeyError, IndexError, InvalidOperation):
        return None


def find_numbers(text: str) -> list[NumberMention]:
    """Every number mention in ``text``, left to right."""
    found = []
    for m in _RUN.finditer(text):
        value = parse_number(m.group(0))
        if value is not None:
            found.append(NumberMention(m.start(), m.end(), value))
    return found
