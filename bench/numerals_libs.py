"""Measure offline numeral libraries on the income contract's numeral forms.

Prints a table (form × library → value, ✓/✗). A library that is not installed is shown as "n/a".
The libraries are measured, not used by the project (except cn2an for plain Chinese numerals):

    python -m venv /tmp/numbench && /tmp/numbench/bin/pip install cn2an chinese2digits pycnnum \
        jionlp recognizers-text-number "emoji<2" rich
    PYTHONPATH=src /tmp/numbench/bin/python bench/numerals_libs.py [--markdown]

For a range the contract wants the lower bound; a library answering a range [lo, hi] is counted
right when lo is right. For an approximation (九千多, 过万) the stated value is right.
"""

from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Callable
from decimal import Decimal
from typing import Any

FORMS: list[tuple[str, Decimal]] = [
    ("1.8万", Decimal(18000)),
    ("两万五", Decimal(25000)),
    ("一万二", Decimal(12000)),
    ("七千二", Decimal(7200)),
    ("1万8", Decimal(18000)),
    ("1w5", Decimal(15000)),
    ("3k", Decimal(3000)),
    ("壹万贰仟", Decimal(12000)),
    ("捌仟伍佰", Decimal(8500)),
    ("１８０００", Decimal(18000)),
    ("12,000", Decimal(12000)),
    ("十万", Decimal(100000)),
    ("三百", Decimal(300)),
    ("九千多", Decimal(9000)),
    ("过万", Decimal(10000)),
    ("七八千", Decimal(7000)),
    ("四五千", Decimal(4000)),
    ("5k-2w", Decimal(5000)),
    ("8000到10000", Decimal(8000)),
    ("十七八万", Decimal(170000)),
    ("百三", Decimal(130)),
    ("四万万", Decimal(400000000)),
]

Adapter = Callable[[str], Any]


def _first(values: Any) -> Any:
    if isinstance(values, list | tuple):
        return values[0] if values else None
    return values


def _adapters() -> dict[str, Adapter | None]:
    libs: dict[str, Adapter | None] = {}
    try:
        import cn2an

        libs["cn2an (smart)"] = lambda s: cn2an.cn2an(s, "smart")
    except ImportError:
        libs["cn2an (smart)"] = None
    try:
        import chinese2digits as c2d

        libs["chinese2digits"] = lambda s: _first(c2d.takeNumberFromString(s)["digitsStringList"])
    except ImportError:
        libs["chinese2digits"] = None
    try:
        import pycnnum

        libs["pycnnum"] = lambda s: pycnnum.cn2num(s)
    except ImportError:
        libs["pycnnum"] = None
    try:
        from recognizers_number import Culture, recognize_number

        def _msr(s: str) -> Any:
            res = recognize_number(s, Culture.Chinese)
            return res[0].resolution.get("value") if len(res) == 1 else None

        libs["recognizers-text"] = _msr
    except ImportError:
        libs["recognizers-text"] = None
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            import jionlp

        libs["jionlp.parse_money"] = lambda s: _first(jionlp.parse_money(s)["num"])
    except ImportError:
        libs["jionlp.parse_money"] = None
    from autoglm_ops.text.numerals import parse_number

    libs["autoglm-ops"] = parse_number
    return libs


def _run(fn: Adapter, form: str) -> tuple[str, bool, Decimal | None]:
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            raw = fn(form)
    except Exception as exc:  # libraries raise all sorts on forms they do not know
        return f"error ({type(exc).__name__})", False, None
    if raw is None:
        return "-", False, None
    try:
        val = Decimal(str(raw).replace(",", ""))
    except Exception:
        return str(raw), False, None
    return f"{val.normalize():f}", True, val


def main(markdown: bool = False) -> None:
    libs = _adapters()
    names = list(libs)
    rows: list[list[str]] = []
    score = dict.fromkeys(names, 0)
    for form, want in FORMS:
        row = [form, f"{want:f}"]
        for name in names:
            fn = libs[name]
            if fn is None:
                row.append("n/a")
                continue
            shown, ok, val = _run(fn, form)
            right = ok and val is not None and abs(val - want) < Decimal("0.01")
            score[name] += right
            row.append(f"{'✓' if right else '✗'} {shown}")
        rows.append(row)
    total = ["**right**" if markdown else "right", f"of {len(FORMS)}"]
    total += [str(score[n]) if libs[n] else "n/a" for n in names]
    header = ["form", "expected", *names]
    if markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for r in [*rows, total]:
            print("| " + " | ".join(r) + " |")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Numeral libraries on the income contract's forms")
    for h in header:
        table.add_column(h)
    for r in rows:
        table.add_row(*r)
    table.add_row(*total)
    Console().print(table)


if __name__ == "__main__":
    main(markdown="--markdown" in sys.argv)
