"""Reading the model's answer: find the JSON object, validate it, and locate each value.

Problems are described by field path and schema keyword only. jsonschema's own messages quote
the offending value, which may be customer text copied by the model, so they are never used.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator

from autoglm_ops.backends.llm.client import TokenLogprob

_THINK = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)
_WS = re.compile(r"\s*")
_DECODER = json.JSONDecoder()


@dataclass
class ParsedAnswer:
    """A JSON object read from the answer, with each top-level value's span in the answer."""

    data: dict[str, Any] | None
    problems: list[str]
    # field -> (start, end) character offsets of its value in the answer content
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)


def _object_start(content: str) -> int:
    """Offset of the answer's JSON object, skipping reasoning blocks and code fences."""
    search_from = 0
    for m in _THINK.finditer(content):
        search_from = m.end()
    return content.find("{", search_from)


def _value_spans(content: str, start: int) -> dict[str, tuple[int, int]]:
    """Spans of the top-level values of the object at ``start`` (best effort: {} on a surprise)."""
    spans: dict[str, tuple[int, int]] = {}
    pos = _WS.match(content, start + 1).end()  # type: ignore[union-attr]
    try:
        while pos < len(content) and content[pos] != "}":
            key, pos = _DECODER.raw_decode(content, pos)
            pos = _WS.match(content, pos).end()  # type: ignore[union-attr]
            if content[pos] != ":":
                return {}
            pos = _WS.match(content, pos + 1).end()  # type: ignore[union-attr]
            _, end = _DECODER.raw_decode(content, pos)
            if isinstance(key, str):
                spans[key] = (pos, end)
            pos = _WS.match(content, end).end()  # type: ignore[union-attr]
            if pos < len(content) and content[pos] == ",":
                pos = _WS.match(content, pos + 1).end()  # type: ignore[union-attr]
    except (ValueError, IndexError):
        return {}
    return spans


def parse_answer(content: str, schema: dict[str, Any], *, truncated: bool = False) -> ParsedAnswer:
    """Parse and validate ``content`` against ``schema``; list the problems, if any."""
    start = _object_start(content)
    if start < 0:
        reason = "the answer was cut off at max_tokens" if truncated else "no JSON object found"
        return ParsedAnswer(None, [reason])
    try:
        data, _ = _DECODER.raw_decode(content, start)
    except ValueError as exc:
        reason = "the answer was cut off at max_tokens" if truncated else "invalid JSON"
        return ParsedAnswer(None, [f"{reason} (at character {exc.pos - start})"])  # type: ignore[attr-defined]
    if not isinstance(data, dict):
        return ParsedAnswer(None, ["the answer is not a JSON object"])
    problems = schema_problems(data, schema)
    return ParsedAnswer(data, problems, _value_spans(content, start))


_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


def _safe_key(key: Any) -> str:
    """A key the model wrote, shown only when it is a plain identifier (a key may quote text)."""
    return str(key) if isinstance(key, int) or _IDENT.match(str(key)) else "?"


def schema_problems(data: Any, schema: dict[str, Any]) -> list[str]:
    """Schema violations as 'path: what is wrong', naming schema terms, never the value."""
    problems = []
    validator = Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    for err in errors:
        path = ".".join(_safe_key(p) for p in err.absolute_path) or "(object)"
        kw = err.validator
        if kw == "required":
            missing = [p for p in err.validator_value if isinstance(data, dict) and p not in data]
            problems.append(f"missing required fields: {', '.join(missing)}")
        elif kw == "additionalProperties":
            extra = sorted(_safe_key(k) for k in set(data) - set(schema.get("properties", {})))
            problems.append(f"fields not in the schema: {', '.join(extra)}")
        elif kw == "anyOf":
            allowed = [s.get("type") for s in err.validator_value if isinstance(s, dict)]
            problems.append(f"{path}: must be one of types {allowed} within the schema limits")
        elif kw in ("type", "enum", "minimum", "maximum", "const"):
            problems.append(f"{path}: violates {kw} {json.dumps(err.validator_value)}")
        else:
            problems.append(f"{path}: violates {kw}")
    return problems


def value_logprob_confidence(
    content: str, span: tuple[int, int], tokens: list[TokenLogprob] | None
) -> float | None:
    """exp(sum of the log-probabilities of the tokens covering ``span``), or None.

    Servers may strip whitespace around the content that the tokens still carry (llama.cpp
    does), so the content is located inside the tokens' bytes; None when it is not there (some
    servers drop or re-encode tokens), since any offset mapping would then be a guess.
    """
    if not tokens:
        return None
    raw = content.encode("utf-8")
    base = b"".join(t.data for t in tokens).find(raw)
    if base < 0:
        return None
    lo = base + len(content[: span[0]].encode("utf-8"))
    hi = base + len(content[: span[1]].encode("utf-8"))
    total, pos, covered = 0.0, 0, False
    for tok in tokens:
        end = pos + len(tok.data)
        if end > lo and pos < hi:
            total += tok.logprob
            covered = True
        pos = end
    return math.exp(total) if covered else None
