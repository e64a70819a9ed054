"""The `rules` backend: patterns, lexicons and negation handling (the honest baseline)."""

from __future__ import annotations

from autoglm_ops.backends.base import Extractor
from autoglm_ops.core.errors import ValidationError
from autoglm_ops.core.types import Extraction, FieldResult
from autoglm_ops.tasks.schema import TaskDefinition


class RulesExtractor(Extractor):
    """Placeholder until the income rules land: returns nulls with zero confidence."""

    name = "rules"
    version = "0.0.1"
    supported_tasks = frozenset({"income_parsing"})

    def extract(self, text: str, task: TaskDefinition) -> Extraction:
        if not self.supports(task):
            raise ValidationError(f"backend 'rules' does not support task {task.name!r}")
        return Extraction(
            task=task.name,
            fields={f.name: FieldResult() for f in task.fields},
            model=self.model_id,
            review_reasons=["not implemented"],
        )
