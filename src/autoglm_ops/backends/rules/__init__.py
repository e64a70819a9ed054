"""The `rules` backend: patterns, lexicons and negation handling (the honest baseline, seed §1).

Modules: ``income`` (which money is the applicant's regular income), ``benefits`` (provident fund
and social insurance with negation scope), ``tenure`` (employment years), ``stability`` (the
score and its reasons). Candidate generation lives in :mod:`autoglm_ops.text.amounts` so a
learned model can reuse it.
"""

from __future__ import annotations

from autoglm_ops.backends.base import Extractor
from autoglm_ops.backends.rules.benefits import decide_benefits
from autoglm_ops.backends.rules.income import decide_income
from autoglm_ops.backends.rules.loan import extract_loan_fields
from autoglm_ops.backends.rules.stability import score_stability
from autoglm_ops.backends.rules.tenure import decide_tenure
from autoglm_ops.core.errors import ValidationError
from autoglm_ops.core.types import Extraction, FieldResult
from autoglm_ops.tasks.schema import TaskDefinition

__all__ = ["RulesExtractor", "extract_income_fields"]


def extract_income_fields(text: str) -> tuple[dict[str, FieldResult], list[str]]:
    """All income_parsing fields for ``text`` and the review reasons."""
    income = decide_income(text)
    fields: dict[str, FieldResult] = dict(income.fields)
    fields.update(decide_benefits(text))
    fields["employment_years"] = decide_tenure(text)
    fields["income_stability_score"] = score_stability(
        text,
        fields,
        is_range=any(c.mention.is_range for c in income.chosen),
        n_sources=len(income.chosen),
    )
    reasons = list(dict.fromkeys(income.review_reasons))
    for name in ("has_provident_fund", "has_social_insurance", "employment_years"):
        reasons += [f"{name}: {r}" for r in fields[name].reasons]
    return fields, reasons


class RulesExtractor(Extractor):
    """Rule-based extractor for ``income_parsing`` and ``loan_application``; fast, local and
    explainable."""

    name = "rules"
    version = "1.0.0"
    supported_tasks = frozenset({"income_parsing", "loan_application"})

    def extract(self, text: str, task: TaskDefinition) -> Extraction:
        if not self.supports(task):
            raise ValidationError(f"backend 'rules' does not support task {task.name!r}")
        fields, reasons = extract_income_fields(text)
        if task.name == "loan_application":  # the income fields plus the loan's own
            fields.update(extract_loan_fields(text))
        out = {f.name: fields.get(f.name, FieldResult()) for f in task.fields}
        return Extraction(task=task.name, fields=out, model=self.model_id, review_reasons=reasons)
