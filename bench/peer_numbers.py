"""Run the numeral scanner on Microsoft Recognizers-Text's specification cases (MIT).

    .venv/bin/python bench/peer_numbers.py [--markdown] [--failures FILE]

Reads ../shared/data/peer-numbers/*.json (relative to the repository root). A case passes when
the resolved values match the spec's, in order (numbers within 1e-6 relative; currency cases also
compare the ISO code; range cases compare both bounds, ignoring open/closed brackets). Cases whose
expected text uses a form this project does not handle (fractions, percentages, exponents,
ordinals, comparatives such as 大于/小于, dozens, lakh/crore, ...) are counted as out of scope
and reported apart, so the in-scope rate is not flattered by leaving them out silently.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from autoglm_ops.text.amounts import money_mentions
from autoglm_ops.text.numerals import find_numbers

ROOT = Path(__file__).resolve().parents[1]
PEER = ROOT.parent / "shared" / "data" / "peer-numbers"

_OUT_OF_SCOPE = re.compile(
    r"分之|/|\^|\d\s*[eE]\s*[-+]?\d|[½¼¾⅓⅔⅙]|又|打|双|对|dozen|\bover\b|fifth|third|quarter|half|"
    r"hundredth|trillionth|eighth|fourth|ninth|lakh|crore|大于|小于|超过|以上|以下|之间|至少|最多|"
    r"高于|低于|等于|≥|<|>|比|\bbln\b|\btln\b|\d\s*[Gg]\b|\bmm\b|\bmil\b|minus|negative|"
    r"\bout of\b|\bin\b|百分|个百分点|cent|penny|pence|毛|角|分|mao|bitcoin|satoshi|₿|btc|"
    r"\d\s+\d|\.\.\.|－－|point|and\s+\d|dollars?\s+\d|\d\s*[a-z]{3}\s+\d",
    re.IGNORECASE,
)

_ISO_BY_UNIT = {"Dollar": "USD", "Chinese yuan": "CNY", "Euro": "EUR", "Pound": "GBP"}


def _dec(v: Any) -> Decimal | None:
    try:
        return Decimal(str(v))
    except (InvalidOperation, TypeError):
        return None


def _same(a: Decimal | None, b: Decimal | None) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) <= abs(b) * Decimal("1e-6") + Decimal("1e-9")


def _numbers(case: dict[str, Any]) -> tuple[list[Any], list[Any]]:
    want = [_dec(r["Resolution"].get("value")) for r in case["Results"]]
    got = [m.value for m in find_numbers(case["Input"]) if not m.ordinal]
    return want, got


def _interval(s: str) -> tuple[Decimal | None, Decimal | None]:
    lo, _, hi = s.strip("[]()").partition(",")
    return (_dec(lo) if lo else None, _dec(hi) if hi else None)


def _ranges(case: dict[str, Any]) -> tuple[list[Any], list[Any]]:
    want = [_interval(r["Resolution"]["value"]) for r in case["Results"]]
    got = [(m.value, m.upper) for m in find_numbers(case["Input"]) if m.is_range or m.approx]
    return want, got


def _currency(case: dict[str, Any]) -> tuple[list[Any], list[Any]]:
    want = []
    for r in case["Results"]:
        res = r["Resolution"]
        if res.get("value") is None:
            continue  # a bare currency name, no amount
        iso = res.get("isoCurrency") or _ISO_BY_UNIT.get(res.get("unit", ""), res.get("unit"))
        want.append((_dec(res["value"]), iso))
    got = [(m.value, code) for m, code, _ in money_mentions(case["Input"])]
    return want, got


def _match(want: list[Any], got: list[Any]) -> bool:
    if len(want) != len(got):
        return False
    for w, g in zip(want, got, strict=True):
        if isinstance(w, tuple):
            if not all(
                _same(a, b) if isinstance(a, Decimal) or a is None else a == b
                for a, b in zip(w, g, strict=True)
            ):
                return False
        elif not _same(g, w):
            return False
    return True


SUITES: list[tuple[str, Callable[[dict[str, Any]], tuple[list[Any], list[Any]]]]] = [
    ("Number_Chinese_NumberModel.json", _numbers),
    ("Number_Chinese_NumberRangeModel.json", _ranges),
    ("NumberWithUnit_Chinese_CurrencyModel.json", _currency),
    ("Number_English_NumberModel.json", _numbers),
    ("NumberWithUnit_English_CurrencyModel.json", _currency),
]


def main(markdown: bool = False, failures: Path | None = None) -> None:
    rows = []
    fails: list[str] = []
    for name, fn in SUITES:
        cases = json.loads((PEER / name).read_text(encoding="utf-8"))
        total = ok = scope = scope_ok = 0
        for case in cases:
            want, got = fn(case)
            passed = _match(want, got)
            oos = any(_OUT_OF_SCOPE.search(r.get("Text", "")) for r in case["Results"])
            total += 1
            ok += passed
            if not oos:
                scope += 1
                scope_ok += passed
                if not passed:
                    fails.append(f"{name}\t{case['Input']!r}\twant={want}\tgot={got}")
        rows.append((name, total, ok, scope, scope_ok))
    head = ("file", "cases", "pass", "rate", "in scope", "pass", "rate")
    fmt = (
        "| {} | {} | {} | {:.1%} | {} | {} | {:.1%} |"
        if markdown
        else "{:45} {:>5} {:>5} {:>7.1%} {:>8} {:>5} {:>7.1%}"
    )
    if markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
    else:
        print("{:45} {:>5} {:>5} {:>7} {:>8} {:>5} {:>7}".format(*head))
    for name, total, ok, scope, scope_ok in rows:
        print(fmt.format(name, total, ok, ok / total, scope, scope_ok, scope_ok / max(scope, 1)))
    if failures:
        failures.write_text("\n".join(fails) + "\n", encoding="utf-8")


if __name__ == "__main__":
    out = None
    if "--failures" in sys.argv:
        out = Path(sys.argv[sys.argv.index("--failures") + 1])
    main(markdown="--markdown" in sys.argv, failures=out)
