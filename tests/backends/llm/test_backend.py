"""LLMExtractor end to end against the scripted OpenAI double (protocol, not model quality)."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from autoglm_ops.backends.llm import LLMExtractor
from autoglm_ops.backends.llm.client import ChatClient
from autoglm_ops.backends.registry import create_backend
from autoglm_ops.core.errors import BackendError, ConfigurationError
from autoglm_ops.core.settings import Settings
from autoglm_ops.tasks.schema import TaskDefinition
from tests.doubles.openai_double import OpenAIDouble, Reply

TEXT = "税前年薪36万,税后到手每月两万五,五险一金齐全,在这家公司干了三年半"
ANSWER: dict[str, Any] = {
    "income_amount": 25000,
    "currency": "CNY",
    "income_period": "month",
    "is_after_tax": True,
    "has_provident_fund": True,
    "has_social_insurance": True,
    "employment_years": 3.5,
    "income_stability_score": 0.85,
}


def extractor(double: OpenAIDouble, **kw: Any) -> LLMExtractor:
    client = ChatClient(double.base_url, backoff_base_s=0.01, max_concurrency=4)
    return LLMExtractor(double.base_url, model="glm-test", client=client, **kw)


def test_good_answer_becomes_grounded_extraction(
    openai_double: OpenAIDouble, income_task: TaskDefinition
) -> None:
    openai_double.script(
        Reply.json_answer(ANSWER, usage={"prompt_tokens": 900, "completion_tokens": 60})
    )
    ext = extractor(
        openai_double, price_per_1k_input=0.5, price_per_1k_output=2.0, logprobs=False
    ).extract(TEXT, income_task)
    assert ext.data == ANSWER
    assert ext.model == "llm:glm-test@1.0.0"
    assert ext.review_reasons == []
    amount = ext.fields["income_amount"]
    assert amount.evidence is not None and amount.evidence.text == "两万五"
    assert amount.confidence == 0.85  # normalised grounding, no logprobs
    assert ext.fields["employment_years"].evidence.text == "三年半"  # type: ignore[union-attr]
    assert ext.fields["is_after_tax"].evidence.text == "税后"  # type: ignore[union-attr]
    assert ext.fields["income_stability_score"].evidence is None
    for f in ext.fields.values():
        if f.evidence is not None:
            assert TEXT[f.evidence.start : f.evidence.end] == f.evidence.text
    assert ext.usage is not None
    assert ext.usage["prompt_tokens"] == 900 and ext.usage["completion_tokens"] == 60
    assert ext.usage["requests"] == 1
    assert math.isclose(ext.usage["cost"], 0.9 * 0.5 + 0.06 * 2.0)


def test_request_body(openai_double: OpenAIDouble, income_task: TaskDefinition) -> None:
    openai_double.script(Reply.json_answer(ANSWER))
    extractor(openai_double, max_tokens=321, extra_body={"cache_prompt": True}).extract(
        TEXT, income_task
    )
    body = openai_double.requests[0].body
    assert body["model"] == "glm-test"
    assert body["max_tokens"] == 321 and body["temperature"] == 0.0
    assert body["logprobs"] is True and body["cache_prompt"] is True
    assert body["response_format"]["json_schema"]["schema"] == income_task.output_json_schema()
    assert body["response_format"]["json_schema"]["strict"] is True
    assert [m["role"] for m in body["messages"]] == ["system", "user"]


@pytest.mark.parametrize(("mode", "expected"), [("json_object", "json_object"), ("none", None)])
def test_structured_output_modes(
    openai_double: OpenAIDouble, income_task: TaskDefinition, mode: str, expected: str | None
) -> None:
    openai_double.script(Reply.json_answer(ANSWER))
    extractor(openai_double, structured_output=mode).extract(TEXT, income_task)
    fmt = openai_double.requests[0].body.get("response_format")
    assert (fmt["type"] if fmt else None) == expected


def test_unsupported_structured_output_and_logprobs_are_dropped(
    openai_double: OpenAIDouble, income_task: TaskDefinition
) -> None:
    openai_double.script(
        Reply.error(400, "response_format type json_schema is unavailable"),
        Reply.error(400, "logprobs are not supported by this provider"),
        Reply.json_answer(ANSWER),
        Reply.json_answer(ANSWER),
    )
    ext = extractor(openai_double)
    ext.extract(TEXT, income_task)
    ext.extract(TEXT, income_task)
    bodies = [r.body for r in openai_double.requests]
    assert bodies[0]["response_format"]["type"] == "json_schema"
    assert bodies[1]["response_format"]["type"] == "json_object" and bodies[1]["logprobs"]
    assert bodies[2]["response_format"]["type"] == "json_object" and "logprobs" not in bodies[2]
    assert bodies[3] == bodies[2]  # remembered for later extractions


def test_refused_temperature_is_dropped(
    openai_double: OpenAIDouble, income_task: TaskDefinition
) -> None:
    openai_double.script(
        Reply.error(400, "temperature must be in (0, 1]"), Reply.json_answer(ANSWER)
    )
    extractor(openai_double).extract(TEXT, income_task)
    first, second = (r.body for r in openai_double.requests)
    assert first["temperature"] == 0.0 and "temperature" not in second
    assert second["response_format"]["type"] == "json_schema"


def test_malformed_json_is_repaired(
    openai_double: OpenAIDouble, income_task: TaskDefinition
) -> None:
    openai_double.script(
        Reply.text('{"income_amount": 25000, "currency": '), Reply.json_answer(ANSWER)
    )
    ext = extractor(openai_double).extract(TEXT, income_task)
    assert ext.data == ANSWER
    assert ext.usage is not None and ext.usage["requests"] == 2
    second = openai_double.requests[1].body["messages"]
    assert [m["role"] for m in second] == ["system", "user", "assistant", "user"]
    assert second[2]["content"] == '{"income_amount": 25000, "currency": '
    assert "invalid JSON" in second[3]["content"]
    assert "repaired after 1 invalid attempt(s)" in ext.fields["currency"].reasons[-1]


def test_schema_violations_give_up_with_clear_reason(
    openai_double: OpenAIDouble, income_task: TaskDefinition
) -> None:
    bad = {**ANSWER, "income_amount": TEXT}  # the model copied the customer text into a number
    openai_double.script(*[Reply.json_answer(bad)] * 3)
    with pytest.raises(BackendError) as info:
        extractor(openai_double, max_repairs=2).extract(TEXT, income_task)
    err = info.value
    assert "not valid after 3 attempt(s)" in err.message
    assert "income_amount: must be one of types ['number', 'null']" in err.message
    assert TEXT not in json.dumps(err.to_dict(), ensure_ascii=False)
    assert "两万五" not in json.dumps(err.to_dict(), ensure_ascii=False)
    assert err.details["usage"]["requests"] == 3
    assert len(openai_double.requests) == 3


def test_token_budget_stops_reasking(
    openai_double: OpenAIDouble, income_task: TaskDefinition
) -> None:
    usage = {"prompt_tokens": 1500, "completion_tokens": 200}
    openai_double.script(*[Reply.text("not json", usage=usage)] * 3)
    with pytest.raises(BackendError, match="after 1 attempt"):
        extractor(openai_double, max_repairs=2, token_budget=2000, max_tokens=256).extract(
            TEXT, income_task
        )
    assert len(openai_double.requests) == 1


def test_truncated_answer_is_named(
    openai_double: OpenAIDouble, income_task: TaskDefinition
) -> None:
    openai_double.script(Reply.text('{"income_amount": 2', finish_reason="length"))
    with pytest.raises(BackendError, match="cut off at max_tokens"):
        extractor(openai_double, max_repairs=0).extract(TEXT, income_task)


def test_logprobs_drive_confidence(
    openai_double: OpenAIDouble, income_task: TaskDefinition
) -> None:
    openai_double.script(
        Reply.json_answer(
            ANSWER,
            logprobs=True,
            split_utf8=True,
            field_logprobs={"income_amount": math.log(0.6), "currency": math.log(0.97)},
        )
    )
    ext = extractor(openai_double).extract(TEXT, income_task)
    assert math.isclose(ext.fields["income_amount"].confidence, 0.6, rel_tol=1e-6)
    assert math.isclose(ext.fields["currency"].confidence, 0.97, rel_tol=1e-6)
    assert "token probability 0.600" in ext.fields["income_amount"].reasons


def test_logprobs_cannot_lift_an_ungrounded_value(
    openai_double: OpenAIDouble, income_task: TaskDefinition
) -> None:
    answer = {**ANSWER, "income_amount": 1000000}
    openai_double.script(Reply.json_answer(answer, logprobs=True))
    ext = extractor(openai_double).extract(TEXT, income_task)
    assert ext.fields["income_amount"].confidence <= 0.3
    assert ext.fields["income_amount"].evidence is None
    assert "ungrounded value for income_amount" in ext.review_reasons


def test_extract_batch_runs_concurrently_within_the_bound(
    openai_double: OpenAIDouble, income_task: TaskDefinition
) -> None:
    openai_double.responder = lambda body: Reply.json_answer(ANSWER, delay_s=0.15)
    results = extractor(openai_double).extract_batch([TEXT] * 8, income_task)
    assert [r.data for r in results] == [ANSWER] * 8
    assert 2 <= openai_double.max_in_flight <= 4


def test_from_settings_requires_base_url() -> None:
    with pytest.raises(ConfigurationError, match="set AUTOGLM_LLM_BASE_URL or pass --llm-url"):
        LLMExtractor.from_settings(Settings())


def test_registry_builds_it_from_settings(
    openai_double: OpenAIDouble, income_task: TaskDefinition, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTOGLM_LLM_BASE_URL", openai_double.base_url)
    monkeypatch.setenv("AUTOGLM_LLM_MODEL", "glm-4-9b")
    monkeypatch.setenv("AUTOGLM_LLM_API_KEY", "sk-from-env")
    monkeypatch.setenv("AUTOGLM_LLM_STRUCTURED_OUTPUT", "json_object")
    monkeypatch.setenv("AUTOGLM_LLM_LOGPROBS", "false")
    monkeypatch.setenv("AUTOGLM_LLM_MAX_TOKENS", "300")
    backend = create_backend("llm", Settings())
    assert isinstance(backend, LLMExtractor)
    openai_double.script(Reply.json_answer(ANSWER))
    backend.extract(TEXT, income_task)
    backend.close()
    req = openai_double.requests[0]
    assert req.headers["Authorization"] == "Bearer sk-from-env"
    assert req.body["model"] == "glm-4-9b" and req.body["max_tokens"] == 300
    assert req.body["response_format"] == {"type": "json_object"}
    assert "logprobs" not in req.body
