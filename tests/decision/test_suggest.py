"""suggest(): the policy and the model combined into approve / manual_review / decline."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from autoglm_ops.decision.policy import Policy
from autoglm_ops.decision.risk import RiskModel
from autoglm_ops.decision.suggest import RiskCutoffs, suggest
from tests.decision.conftest import good_applicant

# Bureau values that make the model confident either way.
SAFE = {
    "checking_account_status": "no_account",
    "credit_history": "critical_or_credits_elsewhere",
    "savings_level": "above_1000",
}
DEFAULT = RiskCutoffs()

RISKY = {
    "checking_account_status": "negative",
    "credit_history": "no_credits_or_all_repaid",
    "savings_level": "below_100",
    "term_months": 60,
    "requested_amount": 120000,
    "income_amount": 40000,
    "owns_house": False,
    "existing_monthly_repayments": 2000,
    "employment_years": 0.75,
}


def _run(policy: Policy, model: RiskModel | None, values: dict[str, Any], **kw: Any) -> Any:
    return suggest(values, {k: 0.95 for k in values}, policy, model, 0.8, **kw)


def test_policy_pass_and_low_pd_approves(policy: Policy, risk_model: RiskModel) -> None:
    s = _run(policy, risk_model, good_applicant(**SAFE))
    assert s.decision == "approve"
    assert s.pd is not None and s.pd < DEFAULT.approve_below
    assert s.credit_limit == 50000
    assert s.policy_version == "retail-credit-default@1.1.0"
    assert s.model_versions == {"risk": risk_model.version_tag}
    assert risk_model.version_tag == "german-credit-scorecard@2.0.0"
    refs = [r.ref for r in s.reasons]
    assert refs[0] == "risk:pd"
    assert all(r.startswith("risk:") for r in refs)
    assert all(r.effect == "decreases_risk" for r in s.reasons[1:])
    assert s.imputed_model_inputs == []


def test_high_pd_declines_even_when_policy_passes(policy: Policy, risk_model: RiskModel) -> None:
    s = _run(policy, risk_model, good_applicant(**RISKY))
    assert s.policy.outcome == "pass"
    assert s.pd is not None and s.pd >= DEFAULT.decline_at
    assert s.decision == "decline" and s.credit_limit == 0
    pd_reason = next(r for r in s.reasons if r.ref == "risk:pd")
    assert pd_reason.effect == "decline" and f"{DEFAULT.decline_at:.0%}" in pd_reason.text_zh
    assert any(r.effect == "increases_risk" for r in s.reasons)


def test_pd_between_cutoffs_is_manual_review(policy: Policy, risk_model: RiskModel) -> None:
    values = good_applicant(**SAFE)
    pd = _run(policy, risk_model, values).pd
    s = _run(policy, risk_model, values, cutoffs=RiskCutoffs(approve_below=pd / 2, decline_at=0.9))
    assert s.decision == "manual_review"
    assert s.credit_limit == 50000  # the reviewer sees the limit the policy allows
    assert next(r for r in s.reasons if r.ref == "risk:pd").effect == "manual_review"


def test_policy_decline_wins_over_a_low_pd(policy: Policy, risk_model: RiskModel) -> None:
    s = _run(policy, risk_model, good_applicant(age=17, **SAFE))
    assert s.pd is not None and s.pd < DEFAULT.approve_below
    assert s.decision == "decline" and s.credit_limit == 0
    assert s.reasons[0].source == "policy" and s.reasons[0].ref == "AGE_UNDER"


def test_policy_review_wins_over_a_low_pd(policy: Policy, risk_model: RiskModel) -> None:
    s = _run(policy, risk_model, good_applicant(income_amount=None, **SAFE))
    assert s.decision == "manual_review"
    assert s.credit_limit is None
    assert "INC_MISSING" in [r.ref for r in s.reasons]
    # the model still speaks, with the unknown inputs imputed and listed
    assert "repayment_to_income" in s.imputed_model_inputs


def test_low_confidence_sends_to_review(policy: Policy, risk_model: RiskModel) -> None:
    values = good_applicant(**SAFE)
    s = suggest(values, {"income_amount": 0.3}, policy, risk_model, 0.8)
    assert s.decision == "manual_review"
    assert [r.ref for r in s.reasons if r.source == "policy"] == ["LOW_CONFIDENCE"]


def test_without_a_model_the_policy_decides(policy: Policy) -> None:
    s = _run(policy, None, good_applicant())
    assert s.decision == "approve" and s.pd is None and s.model_versions == {}
    assert _run(policy, None, good_applicant(age=70)).decision == "decline"
    assert _run(policy, None, good_applicant(income_amount=None)).decision == "manual_review"


def test_note_rules_are_reasons_but_do_not_stop_an_approval(policy: Policy) -> None:
    s = _run(policy, None, good_applicant(age=None))
    assert s.decision == "approve" and s.credit_limit == 50000
    note = next(r for r in s.reasons if r.ref == "AGE_MISSING")
    assert note.source == "policy" and note.effect == "pass"


def test_every_reason_is_traced(policy: Policy, risk_model: RiskModel) -> None:
    s = _run(policy, risk_model, good_applicant(age=None, existing_monthly_repayments=9000))
    rule_ids = set(policy.rule_ids)
    factors = {f"risk:{n}" for n in risk_model.feature_names} | {"risk:pd"}
    for reason in s.reasons:
        assert reason.ref in (rule_ids if reason.source == "policy" else factors)
        assert reason.text_zh and reason.text_en


def test_empty_application(policy: Policy, risk_model: RiskModel) -> None:
    s = suggest({}, None, policy, risk_model, 0.8)
    assert s.decision == "manual_review" and s.credit_limit is None
    assert s.pd is not None  # the baseline PD, every input imputed
    assert set(s.imputed_model_inputs) == set(risk_model.feature_names)


def test_cutoffs_are_validated() -> None:
    with pytest.raises(ValidationError):
        RiskCutoffs(approve_below=0.6, decline_at=0.5)


def test_suggestion_is_json_serialisable(policy: Policy, risk_model: RiskModel) -> None:
    s = _run(policy, risk_model, good_applicant())
    body = s.model_dump(mode="json")
    assert body["policy"]["policy_version"] == "1.1.0"
    assert isinstance(body["risk"]["factors"], list)
