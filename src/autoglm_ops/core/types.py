"""Core result types shared by every backend, service and edge."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class Evidence(BaseModel):
    """A span of the original input: ``text == input[start:end]``."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str

    @classmethod
    def from_span(cls, source: str, start: int, end: int) -> Evidence:
        return cls(start=start, end=end, text=source[start:end])


class FieldResult(BaseModel):
    """One extracted field: value, confidence in [0, 1] and the evidence that supports it."""

    value: Any = None
    confidence: float = Field(0.0, ge=0.0, le=1.0)
    evidence: Evidence | None = None
    # optional per-field notes (e.g. the stability score's reasons, "from form")
    reasons: list[str] = Field(default_factory=list)


class Extraction(BaseModel):
    """What an extractor returns for one text and one task."""

    task: str
    fields: dict[str, FieldResult]
    model: str  # "name@version"
    review_reasons: list[str] = Field(default_factory=list)
    # token usage and cost of remote backends (prompt_tokens, completion_tokens, cost, ...)
    usage: dict[str, float] | None = None

    @property
    def data(self) -> dict[str, Any]:
        """The flat field -> value mapping, as the seed prints it."""
        return {name: f.value for name, f in self.fields.items()}

    def low_confidence_fields(self, threshold: float) -> list[str]:
        return [n for n, f in self.fields.items() if f.confidence < threshold]
