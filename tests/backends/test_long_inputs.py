"""The longest text the service accepts never holds a worker for long, whatever it contains.

Every case is a 20,000-character paste that used to be quadratic or worse somewhere (a figure's
sentence scanned per figure, clause windows without bounds, a numeral run parsed recursively):
the slowest took minutes. Measured now: under 3 s each on a 2-core CI machine; the bound here is
loose so that a busy machine does not fail it, and tight enough to catch a quadratic return.
"""

from __future__ import annotations

import time

import pytest

from autoglm_ops.backends.local import LocalExtractor
from autoglm_ops.backends.registry import create_backend
from autoglm_ops.core.settings import Settings
from autoglm_ops.tasks.registry import TaskRegistry

N = Settings().max_text_chars
LIMIT_S = 15.0

PASTES = {
    "figures under a header unit": "年收入（万元）：36，工资 20，租金 3.6；",
    "a run of colloquial numerals": "一万二",
    "English figures": "$1,200 a month, ",
    "durations": "工作三年，",
    "benefit terms": "没有社保有公积金，",
    "a transcript without punctuation": "一年 ",
    "a salary-slip table": "基本工资 | 绩效 | 实发\n4,500.00 | 1,500.00 | 5,888.00\n",
}


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["rules", "local"])
@pytest.mark.parametrize("task", ["income_parsing", "loan_application"])
@pytest.mark.parametrize("unit", list(PASTES.values()), ids=list(PASTES))
def test_a_maximal_paste_is_answered_quickly(backend: str, task: str, unit: str) -> None:
    text = (unit * (N // len(unit) + 1))[:N]
    ex = LocalExtractor.load() if backend == "local" else create_backend("rules", Settings())
    definition = TaskRegistry.load().get(task)
    t0 = time.perf_counter()
    out = ex.extract(text, definition)
    assert time.perf_counter() - t0 < LIMIT_S
    assert set(out.fields) == set(definition.field_names)


def test_a_paste_of_many_figures_is_read_in_part_and_sent_to_review() -> None:
    text = "工资五千，" * 60
    out = LocalExtractor.load().extract(text, TaskRegistry.load().get("income_parsing"))
    assert any("only the first were read" in r for r in out.review_reasons)
    assert max(f.confidence for f in out.fields.values()) <= 0.3
