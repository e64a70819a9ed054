"""Reading answers: JSON location, schema problems (never quoting values), logprob mapping."""

from __future__ import annotations

import json
import math

from autoglm_ops.backends.llm.client import TokenLogprob
from autoglm_ops.backends.llm.output import parse_answer, value_logprob_confidence
from autoglm_ops.tasks.schema import TaskDefinition

GOOD = {
    "income_amount": 18000,
    "currency": "CNY",
    "income_period": "month",
    "is_after_tax": None,
    "has_provident_fund": True,
    "has_social_insurance": None,
    "employment_years": None,
    "income_stability_score": 0.7,
}


def test_plain_json_and_value_spans(income_task: TaskDefinition) -> None:
    content = json.dumps(GOOD, ensure_ascii=False, indent=2)
    parsed = parse_answer(content, income_task.output_json_schema())
    assert parsed.problems == [] and parsed.data == GOOD
    for name, value in GOOD.items():
        s, e = parsed.spans[name]
        assert json.loads(content[s:e]) == value


def test_code_fences_and_think_blocks_are_skipped(income_task: TaskDefinition) -> None:
    content = '<think>maybe {"x": 1}</think>\n```json\n' + json.dumps(GOOD) + "\n```"
    parsed = parse_answer(content, income_task.output_json_schema())
    assert parsed.data == GOOD and parsed.problems == []


def test_invalid_and_truncated_json(income_task: TaskDefinition) -> None:
    schema = income_task.output_json_schema()
    assert parse_answer('{"income_amount": 18000,', schema).problems[0].startswith("invalid JSON")
    cut = parse_answer('{"income_amount": 180', schema, truncated=True)
    assert cut.data is None and "cut off at max_tokens" in cut.problems[0]
    assert parse_answer("I cannot help with that.", schema).problems == ["no JSON object found"]
    assert parse_answer("[1, 2]", schema).problems == ["no JSON object found"]


def test_schema_problems_never_quote_values(income_task: TaskDefinition) -> None:
    secret = "张三的身份证110101199003077777"
    bad = {
        **GOOD,
        "income_amount": secret,
        "income_period": secret,
        "approved": secret,
        secret: 1,
    }
    del bad["currency"]
    parsed = parse_answer(json.dumps(bad, ensure_ascii=False), income_task.output_json_schema())
    text = " ".join(parsed.problems)
    assert secret not in text and "1101011990" not in text
    assert "missing required fields: currency" in text
    assert "fields not in the schema: ?, approved" in text
    assert "income_amount: must be one of types ['number', 'null']" in text
    assert "income_period" in text


def test_minimum_violation_is_reported(income_task: TaskDefinition) -> None:
    bad = {**GOOD, "income_stability_score": 3}
    problems = parse_answer(json.dumps(bad), income_task.output_json_schema()).problems
    assert problems == ["income_stability_score: violates maximum 1.0"]


def test_logprob_confidence_over_value_tokens() -> None:
    content = '{"a": 12, "b": "人民币"}'
    raw = content.encode()
    # tokens cut every 3 bytes: splits the CJK characters at odd places
    toks = [TokenLogprob("", -0.1, raw[i : i + 3]) for i in range(0, len(raw), 3)]
    a_start = content.index("12")
    conf = value_logprob_confidence(content, (a_start, a_start + 2), toks)
    # "12" spans bytes 6..8, inside tokens [6:9) only
    assert conf is not None and math.isclose(conf, math.exp(-0.1))
    b_start = content.index('"人民币"')
    conf_b = value_logprob_confidence(content, (b_start, b_start + 5), toks)
    n_tokens = len({i // 3 for i in range(len(content[:b_start].encode()), len(raw) - 1)})
    assert conf_b is not None and math.isclose(conf_b, math.exp(-0.1 * n_tokens))


def test_logprob_confidence_tolerates_whitespace_the_server_stripped() -> None:
    toks = [
        TokenLogprob("\n", -5.0, b"\n"),
        TokenLogprob('{"a": ', -0.01, b'{"a": '),
        TokenLogprob("7", -0.2, b"7"),
        TokenLogprob("}", -0.01, b"}"),
        TokenLogprob("\n  ", -3.0, b"\n  "),
    ]
    conf = value_logprob_confidence('{"a": 7}', (6, 7), toks)
    assert conf is not None and math.isclose(conf, math.exp(-0.2))


def test_logprob_confidence_refuses_tokens_that_do_not_spell_the_content() -> None:
    toks = [TokenLogprob("{}", -0.1, b"{}")]
    assert value_logprob_confidence('{"a": 1}', (6, 7), toks) is None
    assert value_logprob_confidence('{"a": 1}', (6, 7), None) is None
