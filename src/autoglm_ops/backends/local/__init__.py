"""The ``local`` backend: the built-in learned small model for ``income_parsing`` (CPU, offline).

Registered as ``local = "autoglm_ops.backends.local:LocalExtractor"`` in the
``autoglm_ops.backends`` entry-point group. The model ships inside the package
(``autoglm_ops/models/income_parsing``, rebuilt by ``make models``); ``local_model_dir`` points
to another directory written by ``autoglm-ops train``. For ``loan_application`` the income fields
come from the model and the loan's own fields (amount, term, purpose, ...) from the ``rules``
backend, which has no learned counterpart yet.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from autoglm_ops.backends.base import Extractor
from autoglm_ops.backends.local.artifacts import default_model_dir, load_artifact
from autoglm_ops.backends.local.model import IncomeModel
from autoglm_ops.backends.rules.loan import extract_loan_fields
from autoglm_ops.core.errors import ValidationError
from autoglm_ops.core.settings import Settings
from autoglm_ops.core.types import Extraction, FieldResult
from autoglm_ops.tasks.schema import TaskDefinition

__all__ = ["LocalExtractor"]


class LocalExtractor(Extractor):
    """Span classifiers over the normaliser's candidates, with calibrated confidences."""

    name = "local"
    version = "1.0.0"
    supported_tasks = frozenset({"income_parsing", "loan_application"})
    calibrated = True

    def __init__(self, model: IncomeModel, manifest: dict[str, Any] | None = None) -> None:
        self.model = model
        self.manifest = manifest or {}

    @property
    def model_id(self) -> str:
        return f"{self.name}@{self.manifest.get('version', self.version)}"

    @classmethod
    def load(cls, path: Path | None = None) -> LocalExtractor:
        """Load and verify a model directory (default: the model shipped in the package)."""
        model, manifest = load_artifact(path or default_model_dir())
        return cls(model, manifest)

    @classmethod
    def from_settings(cls, settings: Settings) -> LocalExtractor:
        """The model at ``settings.local_model_dir``, or the shipped one when unset."""
        return cls.load(settings.local_model_dir)

    def extract(self, text: str, task: TaskDefinition) -> Extraction:
        if not self.supports(task):
            raise ValidationError(f"backend 'local' does not support task {task.name!r}")
        fields, reasons = self.model.predict(text)
        if task.name == "loan_application":
            fields = {**extract_loan_fields(text), **fields}
        out = {f.name: fields.get(f.name, FieldResult()) for f in task.fields}
        return Extraction(task=task.name, fields=out, model=self.model_id, review_reasons=reasons)
