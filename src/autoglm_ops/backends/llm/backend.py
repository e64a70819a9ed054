"""``llm`` backend: extraction by a GLM-class model behind an OpenAI-compatible endpoint.

One extraction is: build a task-driven prompt with the text fenced as data; ask for structured
output; validate the JSON against the task schema, re-asking with the problems listed (at most
``max_repairs`` times, within ``token_budget``); ground every value in the input; score it from
token log-probabilities when the server returns them, else from the grounding; record token
usage and cost on the :class:`Extraction`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar

from autoglm_ops.backends.base import Extractor
from autoglm_ops.backends.llm.client import ChatClient, ChatResult
from autoglm_ops.backends.llm.grounding import Grounder, Grounding
from autoglm_ops.backends.llm.injection import injection_spans
from autoglm_ops.backends.llm.output import ParsedAnswer, parse_answer, value_logprob_confidence
from autoglm_ops.backends.llm.prompt import (
    StructuredMode,
    build_messages,
    repair_messages,
    response_format,
)
from autoglm_ops.core.errors import BackendError, ConfigurationError
from autoglm_ops.core.settings import Settings
from autoglm_ops.core.types import Evidence, Extraction, FieldResult
from autoglm_ops.tasks.schema import TaskDefinition

log = logging.getLogger(__name__)

# Confidence by grounding when the server gives no log-probabilities. A null has nothing to
# ground and passed validation; an ungrounded value may be injected or invented.
GROUNDING_CONFIDENCE: dict[str, float] = {
    "exact": 0.9,
    "normalised": 0.85,
    "keyword": 0.8,
    "null": 0.8,
    "derived": 0.6,
    "none": 0.2,
}
UNGROUNDED_CAP = 0.3
_DOWNGRADE: dict[str, StructuredMode] = {"json_schema": "json_object", "json_object": "none"}
_MAX_ECHO_CHARS = 4000


def field_confidence(grounding: Grounding, logprob_conf: float | None) -> float:
    """Confidence of one value: its token probability when known, never high when ungrounded."""
    conf = GROUNDING_CONFIDENCE[grounding.kind] if logprob_conf is None else logprob_conf
    if grounding.kind == "none":
        conf = min(conf, UNGROUNDED_CAP)
    return max(0.0, min(1.0, conf))


class LLMExtractor(Extractor):
    """Extracts any task with a chat model served over the OpenAI chat-completions protocol."""

    name: ClassVar[str] = "llm"
    version: ClassVar[str] = "1.0.0"
    remote: ClassVar[bool] = True

    def __init__(
        self,
        base_url: str,
        *,
        model: str = "glm-4",
        api_key: str | None = None,
        timeout_s: float = 30.0,
        max_retries: int = 2,
        max_concurrency: int = 8,
        max_tokens: int = 1024,
        temperature: float | None = 0.0,
        structured_output: StructuredMode = "json_schema",
        logprobs: bool = True,
        max_repairs: int = 2,
        token_budget: int = 16_000,
        price_per_1k_input: float = 0.0,
        price_per_1k_output: float = 0.0,
        extra_body: dict[str, Any] | None = None,
        client: ChatClient | None = None,
    ) -> None:
        self.model = model
        self.client = client or ChatClient(
            base_url,
            api_key=api_key,
            timeout_s=timeout_s,
            max_retries=max_retries,
            max_concurrency=max_concurrency,
        )
        self.max_concurrency = max_concurrency
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.structured_output: StructuredMode = structured_output
        self.logprobs = logprobs
        self.max_repairs = max(0, max_repairs)
        self.token_budget = token_budget
        self.price_per_1k_input = price_per_1k_input
        self.price_per_1k_output = price_per_1k_output
        # server-specific request fields (e.g. llama.cpp's "cache_prompt", vLLM's "top_k")
        self.extra_body = dict(extra_body or {})
        self._grounders: dict[tuple[str, str], Grounder] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> LLMExtractor:
        """Build from ``AUTOGLM_LLM_*`` settings; the base URL is required."""
        if not settings.llm_base_url:
            raise ConfigurationError(
                "the llm backend needs the URL of an OpenAI-compatible server: "
                "set AUTOGLM_LLM_BASE_URL or pass --llm-url (e.g. http://127.0.0.1:8000/v1)"
            )
        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
        return cls(
            settings.llm_base_url,
            model=settings.llm_model,
            api_key=key or None,
            timeout_s=settings.llm_timeout_s,
            max_retries=settings.llm_max_retries,
            max_concurrency=settings.llm_max_concurrency,
            max_tokens=settings.llm_max_tokens,
            structured_output=settings.llm_structured_output,
            logprobs=settings.llm_logprobs,
            max_repairs=settings.llm_max_repairs,
            token_budget=settings.llm_token_budget,
            price_per_1k_input=settings.llm_price_per_1k_input,
            price_per_1k_output=settings.llm_price_per_1k_output,
        )

    @property
    def model_id(self) -> str:
        return f"{self.name}:{self.model}@{self.version}"

    def close(self) -> None:
        self.client.close()

    # --- one extraction ----------------------------------------------------------------------

    def extract(self, text: str, task: TaskDefinition) -> Extraction:
        """Extract every field of ``task`` from ``text`` (see the module docstring)."""
        schema = task.output_json_schema()
        messages = build_messages(task, text)
        results: list[ChatResult] = []
        parsed: ParsedAnswer | None = None
        for attempt in range(self.max_repairs + 1):
            result = self._send(task, messages)
            results.append(result)
            parsed = parse_answer(
                result.content, schema, truncated=result.finish_reason == "length"
            )
            if not parsed.problems:
                break
            # the next attempt re-sends this conversation plus the answer and may use max_tokens
            used = sum(r.prompt_tokens + r.completion_tokens for r in results)
            last_cost = result.prompt_tokens + result.completion_tokens + self.max_tokens
            if attempt == self.max_repairs or used + last_cost > self.token_budget:
                raise BackendError(
                    f"the model's answer for task {task.name!r} was not valid after "
                    f"{len(results)} attempt(s) ({used} tokens): {'; '.join(parsed.problems[:5])}",
                    details={
                        "problems": parsed.problems,
                        "attempts": len(results),
                        "usage": self._usage(results),
                    },
                )
            log.info(
                "llm answer invalid; re-asking",
                extra={"task": task.name, "attempt": attempt + 1, "problems": len(parsed.problems)},
            )
            messages = messages + repair_messages(result.content[:_MAX_ECHO_CHARS], parsed.problems)
        assert parsed is not None and parsed.data is not None
        return self._build(text, task, parsed, results)

    def extract_batch(self, texts: Sequence[str], task: TaskDefinition) -> list[Extraction]:
        """Extract many texts concurrently (bounded by the client's concurrency limit)."""
        if len(texts) <= 1:
            return [self.extract(t, task) for t in texts]
        with ThreadPoolExecutor(max_workers=min(len(texts), self.max_concurrency)) as pool:
            return list(pool.map(lambda t: self.extract(t, task), texts))

    def _body(self, task: TaskDefinition, messages: list[dict[str, str]]) -> dict[str, Any]:
        body: dict[str, Any] = {
            **self.extra_body,
            "model": self.model,
            "messages": messages,
            "max_tokens": self.max_tokens,
        }
        if self.temperature is not None:
            body["temperature"] = self.temperature
        fmt = response_format(task, self.structured_output)
        if fmt is not None:
            body["response_format"] = fmt
        if self.logprobs:
            body["logprobs"] = True
        return body

    def _send(self, task: TaskDefinition, messages: list[dict[str, str]]) -> ChatResult:
        """One request; drops optional fields the server says it does not support, and remembers."""
        while True:
            try:
                return self.client.complete(self._body(task, messages))
            except BackendError as exc:
                rejected = exc.details.get("rejected_options") or []
                if "response_format" in rejected and self.structured_output in _DOWNGRADE:
                    new_mode = _DOWNGRADE[self.structured_output]
                    log.warning(
                        "llm server refused structured output; downgrading",
                        extra={"from": self.structured_output, "to": new_mode},
                    )
                    self.structured_output = new_mode
                elif "logprobs" in rejected and self.logprobs:
                    log.warning("llm server refused logprobs; no longer asking for them")
                    self.logprobs = False
                elif "temperature" in rejected and self.temperature is not None:
                    # some hosted GLM APIs refuse temperature 0; their default is then used
                    log.warning("llm server refused the temperature; using its default")
                    self.temperature = None
                else:
                    raise

    def _grounder(self, task: TaskDefinition) -> Grounder:
        key = (task.name, task.version)
        if key not in self._grounders:
            self._grounders[key] = Grounder(task)
        return self._grounders[key]

    def _usage(self, results: list[ChatResult]) -> dict[str, float]:
        prompt = sum(r.prompt_tokens for r in results)
        completion = sum(r.completion_tokens for r in results)
        cost = (prompt * self.price_per_1k_input + completion * self.price_per_1k_output) / 1000
        return {
            "prompt_tokens": float(prompt),
            "completion_tokens": float(completion),
            "total_tokens": float(prompt + completion),
            "requests": float(len(results)),
            "http_attempts": float(sum(r.http_attempts for r in results)),
            "latency_s": round(sum(r.latency_s for r in results), 4),
            "cost": round(cost, 8),
            "usage_reported": float(all(r.usage_reported for r in results)),
        }

    def _build(
        self, text: str, task: TaskDefinition, parsed: ParsedAnswer, results: list[ChatResult]
    ) -> Extraction:
        data = parsed.data or {}
        last = results[-1]
        suspicious = injection_spans(text)
        groundings = self._grounder(task).ground_all(text, data, excluded=suspicious)
        fields: dict[str, FieldResult] = {}
        review: list[str] = []
        if suspicious:
            review.append("possible prompt injection in the input")
        for spec in task.fields:
            value = data.get(spec.name)
            grounding = groundings[spec.name]
            span = parsed.spans.get(spec.name)
            lp = value_logprob_confidence(last.content, span, last.logprobs) if span else None
            reasons = [
                f"grounding: {grounding.kind}" + (f" ({grounding.note})" if grounding.note else "")
            ]
            if lp is not None:
                reasons.append(f"token probability {lp:.3f}")
            if value is not None and grounding.kind == "none":
                review.append(f"ungrounded value for {spec.name}")
            fields[spec.name] = FieldResult(
                value=value,
                confidence=field_confidence(grounding, lp),
                evidence=Evidence.from_span(text, *grounding.span) if grounding.span else None,
                reasons=reasons,
            )
        if len(results) > 1:
            review_note = f"answer repaired after {len(results) - 1} invalid attempt(s)"
            for f in fields.values():
                f.reasons.append(review_note)
        usage = self._usage(results)
        log.info(
            "llm extraction",
            extra={
                "task": task.name,
                "model": self.model,
                "prompt_tokens": usage["prompt_tokens"],
                "completion_tokens": usage["completion_tokens"],
                "requests": usage["requests"],
                "cost": usage["cost"],
            },
        )
        return Extraction(
            task=task.name, fields=fields, model=self.model_id, review_reasons=review, usage=usage
        )
