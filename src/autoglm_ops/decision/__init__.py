"""Decision layer of the credit flow: structured fields → policy rules + risk model → suggestion.

Run-time pieces only (no scikit-learn import); training lives in ``decision.training``.
"""

from autoglm_ops.decision.policy import (
    FiredRule,
    Policy,
    PolicyCatalog,
    PolicyDecision,
    PolicyDefinitionError,
    default_policy,
    load_policy,
)
from autoglm_ops.decision.risk import RiskFactor, RiskModel, RiskPrediction, default_risk_model
from autoglm_ops.decision.suggest import RiskCutoffs, Suggestion, SuggestionReason, suggest

__all__ = [
    "FiredRule",
    "Policy",
    "PolicyCatalog",
    "PolicyDecision",
    "PolicyDefinitionError",
    "RiskCutoffs",
    "RiskFactor",
    "RiskModel",
    "RiskPrediction",
    "Suggestion",
    "SuggestionReason",
    "default_policy",
    "default_risk_model",
    "load_policy",
    "suggest",
]
