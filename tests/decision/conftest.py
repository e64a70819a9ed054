"""Fixtures for the decision layer: the shipped policy and model, the German credit file."""

from __future__ import annotations

from pathlib import Path

import pytest

from autoglm_ops.decision.policy import Policy, default_policy
from autoglm_ops.decision.risk import RiskModel, default_risk_model

GERMAN = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "credit" / "german.data"


@pytest.fixture(scope="session")
def policy() -> Policy:
    return default_policy()


@pytest.fixture(scope="session")
def risk_model() -> RiskModel:
    return default_risk_model()


@pytest.fixture
def german() -> Path:
    if not GERMAN.is_file():
        pytest.skip("shared German credit data not present")
    return GERMAN


def good_applicant(**overrides: object) -> dict[str, object]:
    """A state-owned-enterprise employee asking for an affordable renovation loan."""
    values: dict[str, object] = {
        "requested_amount": 50000,
        "term_months": 36,
        "purpose": "home_renovation",
        "existing_monthly_repayments": 0,
        "total_existing_debt": 0,
        "owns_house": True,
        "owns_car": False,
        "employment_type": "state_owned",
        "age": 35,
        "income_amount": 15000,
        "currency": "CNY",
        "income_period": "month",
        "is_after_tax": True,
        "has_provident_fund": True,
        "has_social_insurance": True,
        "employment_years": 6,
        "income_stability_score": 0.9,
    }
    values.update(overrides)
    return values
