"""The policy engine: loading, refusing malformed policies, each default rule, null-safety."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import yaml

from autoglm_ops.core.errors import ConfigurationError, status_for
from autoglm_ops.decision.fields import LOAN_APPLICATION_FIELDS, annuity_payment, annuity_principal
from autoglm_ops.decision.policy import (
    Policy,
    PolicyCatalog,
    PolicyDefinitionError,
    load_policy,
)
from tests.decision.conftest import good_applicant

MINIMAL: dict[str, Any] = {
    "name": "test-policy",
    "version": "1.0.0",
    "parameters": {"annual_rate": 0.06, "max_dti": 0.5},
    "rules": [
        {
            "id": "DTI",
            "condition": "debt_to_income > max_dti",
            "outcome": "decline",
            "severity": "high",
            "reason_zh": "负债收入比 {debt_to_income:.0%}",
            "reason_en": "DTI {debt_to_income:.0%}",
        }
    ],
}


def _policy_with_rule(**rule: Any) -> dict[str, Any]:
    base = dict(MINIMAL["rules"][0])
    base.update(rule)
    return {**MINIMAL, "rules": [base]}


def _write(tmp_path: Path, data: Any, name: str = "p.yaml") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True))
    return path


def _fired(decision: Any) -> dict[str, Any]:
    return {f.id: f for f in decision.fired_rules}


# --- the default policy ------------------------------------------------------------------------


def test_default_policy_loads_with_name_version_and_rules(policy: Policy) -> None:
    assert policy.name == "retail-credit-default"
    assert policy.version == "1.1.0"
    assert {"INC_MISSING", "INC_ZERO", "DTI_HIGH", "INCOME_COVER", "LOW_CONFIDENCE"} <= set(
        policy.rule_ids
    )


def test_good_applicant_passes_with_full_limit(policy: Policy) -> None:
    decision = policy.evaluate(good_applicant(), {"income_amount": 0.97}, 0.8)
    assert decision.outcome == "pass"
    assert decision.fired_rules == []
    assert decision.credit_limit == 50000
    assert decision.policy_name == "retail-credit-default" and decision.policy_version == "1.1.0"
    assert decision.derived["new_monthly_repayment"] == pytest.approx(
        annuity_payment(50000, 36, 0.072)
    )
    dti = decision.derived["new_monthly_repayment"] / 15000
    assert decision.derived["debt_to_income"] == pytest.approx(dti)


# One case per default rule: overrides of the good applicant, confidences, the expected outcome.
# Outcome "pass" is a 提示 (note) rule: it fires and gives its reason without stopping a decision.
RULE_CASES: dict[str, tuple[dict[str, Any], dict[str, float], str]] = {
    "REQ_MISSING": ({"requested_amount": None}, {}, "manual_review"),
    "TERM_MISSING": ({"term_months": None}, {}, "pass"),
    # 300,000 over 36 months is 8,333 a month before interest, over half of 15,000
    "TERM_MISSING_DTI": ({"term_months": None, "requested_amount": 300000}, {}, "manual_review"),
    "REQ_INVALID": ({"requested_amount": 0}, {}, "manual_review"),
    "INC_MISSING": ({"income_amount": None, "currency": None}, {}, "manual_review"),
    "INC_ZERO": ({"income_amount": 0, "currency": None}, {}, "decline"),
    "INC_CURRENCY": ({"currency": "XAU"}, {}, "manual_review"),
    "NO_INCOME_STATUS": (
        {"employment_type": "student", "income_amount": None, "currency": None},
        {},
        "decline",
    ),
    "INC_UNSTABLE": ({"income_stability_score": 0.1}, {}, "manual_review"),
    "DTI_HIGH": ({"existing_monthly_repayments": 7000}, {}, "decline"),
    "INCOME_COVER": ({"requested_amount": 120000, "term_months": 12}, {}, "decline"),
    "DEBT_BURDEN": ({"total_existing_debt": 400000}, {}, "manual_review"),
    "AGE_MISSING": ({"age": None}, {}, "pass"),
    "AGE_UNDER": ({"age": 17}, {}, "decline"),
    "AGE_OVER": ({"age": 66}, {}, "decline"),
    "AGE_AT_MATURITY": ({"age": 64}, {}, "decline"),
    "TENURE_SHORT": ({"employment_years": 0.25}, {}, "manual_review"),
    "EMPLOYMENT_MISSING": ({"employment_type": None}, {}, "pass"),
    "LOW_CONFIDENCE": ({}, {"income_amount": 0.4, "purpose": 0.1}, "manual_review"),
    "LOW_CONFIDENCE_READ": ({}, {"age": 0.5}, "manual_review"),
    "INVALID_VALUES": ({"age": "thirty"}, {}, "manual_review"),
}


def test_every_default_rule_has_a_case(policy: Policy) -> None:
    assert set(RULE_CASES) == set(policy.rule_ids)


@pytest.mark.parametrize("rule_id", sorted(RULE_CASES))
def test_each_default_rule_fires(policy: Policy, rule_id: str) -> None:
    overrides, confidences, outcome = RULE_CASES[rule_id]
    decision = policy.evaluate(good_applicant(**overrides), confidences, 0.8)
    fired = _fired(decision)
    assert rule_id in fired, f"{rule_id} did not fire; fired: {sorted(fired)}"
    assert decision.outcome == outcome
    rule = fired[rule_id]
    assert not rule.unevaluable
    assert rule.reason_zh and rule.reason_en
    assert "{" not in rule.reason_zh + rule.reason_en  # every placeholder filled
    if outcome == "decline":
        assert decision.credit_limit == 0


def test_reasons_carry_the_values(policy: Policy) -> None:
    decision = policy.evaluate(good_applicant(existing_monthly_repayments=7000), None, 0.8)
    rule = _fired(decision)["DTI_HIGH"]
    dti = (7000 + annuity_payment(50000, 36, 0.072)) / 15000  # type: ignore[operator]
    assert f"{dti:.0%}" in rule.reason_zh and f"{dti:.0%}" in rule.reason_en
    assert "50%" in rule.reason_en
    assert rule.values["debt_to_income"] == pytest.approx(dti)


def test_low_confidence_reason_names_key_fields_only(policy: Policy) -> None:
    conf = {"income_amount": 0.4, "purpose": 0.1, "age": 0.99}
    rule = _fired(policy.evaluate(good_applicant(), conf, 0.8))["LOW_CONFIDENCE"]
    assert "income_amount" in rule.reason_en and "purpose" not in rule.reason_en
    assert "0.80" in rule.reason_zh
    # the threshold is the caller's: at 0.3 nothing is low
    assert "LOW_CONFIDENCE" not in _fired(policy.evaluate(good_applicant(), conf, 0.3))


def test_zh_reasons_use_chinese_labels(policy: Policy) -> None:
    decision = policy.evaluate(
        good_applicant(employment_type="unemployed", income_amount=0, currency=None), None, 0.8
    )
    assert "待业人员" in _fired(decision)["NO_INCOME_STATUS"].reason_zh


def test_most_severe_outcome_wins_and_comes_first(policy: Policy) -> None:
    decision = policy.evaluate(
        good_applicant(age=None, existing_monthly_repayments=9000), None, 0.8
    )
    ids = [f.id for f in decision.fired_rules]
    assert {"AGE_MISSING", "DTI_HIGH"} <= set(ids)
    assert decision.outcome == "decline"
    assert decision.fired_rules[0].outcome == "decline"


def test_note_rules_come_last_and_do_not_set_the_outcome(policy: Policy) -> None:
    decision = policy.evaluate(good_applicant(age=None, existing_monthly_repayments=9000))
    assert decision.outcome == "decline"
    assert decision.fired_rules[-1].id == "AGE_MISSING"
    assert decision.fired_rules[-1].outcome == "pass"


# --- fields that other sources provide ----------------------------------------------------------


def test_missing_age_employment_and_term_do_not_force_review(policy: Policy) -> None:
    values = good_applicant(age=None, employment_type=None, term_months=None)
    decision = policy.evaluate(values, dict.fromkeys(values, 1.0), 0.8)
    assert decision.outcome == "pass"
    fired = _fired(decision)
    assert set(fired) == {"AGE_MISSING", "EMPLOYMENT_MISSING", "TERM_MISSING"}
    assert "身份证" in fired["AGE_MISSING"].reason_zh  # the note says where the value comes from
    assert "36" in fired["TERM_MISSING"].reason_en


def test_missing_employment_type_uses_the_lowest_income_multiple(policy: Policy) -> None:
    values = good_applicant(employment_type=None, income_amount=10000, requested_amount=100000)
    decision = policy.evaluate(values, None, 0.8)
    multiples = policy.parameters.credit_limit
    assert multiples.default_multiple <= min(multiples.income_multiples.values())
    assert decision.outcome == "pass"
    assert decision.credit_limit == multiples.default_multiple * 10000


@pytest.mark.parametrize("missing", ["income_amount", "requested_amount"])
def test_decision_critical_values_still_force_review(policy: Policy, missing: str) -> None:
    decision = policy.evaluate(good_applicant(**{missing: None}), None, 0.8)
    assert decision.outcome == "manual_review"


def test_stated_ages_are_still_checked(policy: Policy) -> None:
    assert policy.evaluate(good_applicant(age=17)).outcome == "decline"
    assert policy.evaluate(good_applicant(age=66)).outcome == "decline"
    # 63 + 36 months = 66 at maturity
    assert policy.evaluate(good_applicant(age=63)).outcome == "decline"
    assert policy.evaluate(good_applicant(age=62)).outcome == "pass"  # 65 at maturity


def test_missing_term_checks_affordability_before_interest(policy: Policy) -> None:
    # room = 0.5 × 15,000 − 1,000 existing = 6,500 a month; × 36 months = 234,000 before interest
    base = {"term_months": None, "existing_monthly_repayments": 1000}
    ok = policy.evaluate(good_applicant(requested_amount=234000, **base))
    assert ok.outcome == "pass"
    over = policy.evaluate(good_applicant(requested_amount=235000, **base))
    assert over.outcome == "manual_review"
    assert "TERM_MISSING_DTI" in _fired(over)


def test_uncertain_null_is_a_null_but_an_uncertain_reading_is_reviewed(policy: Policy) -> None:
    doubtful = {"age": 0.3, "employment_type": 0.3, "existing_monthly_repayments": 0.3}
    missing = good_applicant(age=None, employment_type=None, existing_monthly_repayments=None)
    assert policy.evaluate(missing, doubtful, 0.8).outcome == "pass"
    for name in doubtful:
        read = policy.evaluate(good_applicant(), {name: 0.3}, 0.8)
        assert read.outcome == "manual_review", name
        assert list(_fired(read)) == ["LOW_CONFIDENCE_READ"]
    # a doubtful null of a decision-critical value still needs a person
    critical = policy.evaluate(good_applicant(income_amount=None), {"income_amount": 0.3}, 0.8)
    assert "LOW_CONFIDENCE" in _fired(critical)


# --- null-safety -----------------------------------------------------------------------------


def test_empty_application_is_manual_review_not_an_error(policy: Policy) -> None:
    decision = policy.evaluate({}, None, 0.8)
    assert decision.outcome == "manual_review"
    assert decision.credit_limit is None
    assert {"INC_MISSING", "REQ_MISSING", "AGE_MISSING"} <= set(_fired(decision))
    assert not any(f.unevaluable for f in decision.fired_rules)
    assert decision.derived["debt_to_income"] is None
    assert decision.derived["new_monthly_repayment"] is None


def test_all_fields_null_and_nan(policy: Policy) -> None:
    values = {name: None for name in LOAN_APPLICATION_FIELDS}
    values["income_amount"] = math.nan  # type: ignore[assignment]
    decision = policy.evaluate(values, {}, 0.8)
    assert decision.outcome == "manual_review"
    assert "INC_MISSING" in _fired(decision)


def test_missing_income_makes_derived_values_null(policy: Policy) -> None:
    derived = policy.derive(good_applicant(income_amount=None), None, 0.8)
    for name in (
        "monthly_income",
        "debt_to_income",
        "repayment_to_income",
        "debt_to_annual_income",
    ):
        assert derived[name] is None
    assert derived["new_monthly_repayment"] is not None


def test_wrong_types_are_treated_as_missing(policy: Policy) -> None:
    derived = policy.derive(good_applicant(income_amount=True, owns_house="yes"), None, 0.8)
    assert derived["income_amount"] is None and derived["owns_house"] is None
    assert derived["invalid_fields"] == ["owns_house", "income_amount"]


def test_income_in_foreign_currency_is_converted(policy: Policy) -> None:
    derived = policy.derive(
        good_applicant(income_amount=6500, currency="usd", requested_amount=15000), None, 0.8
    )
    assert derived["monthly_income"] == pytest.approx(6500 * 7.1)
    assert derived["requested_amount_cny"] == pytest.approx(15000 * 7.1)


def test_unguarded_null_sends_to_review_and_names_the_value(tmp_path: Path) -> None:
    policy = load_policy(_write(tmp_path, MINIMAL))
    decision = policy.evaluate({"requested_amount": 10000, "term_months": 12}, None, 0.8)
    assert decision.outcome == "manual_review"
    rule = decision.fired_rules[0]
    assert rule.id == "DTI" and rule.unevaluable
    assert "debt_to_income" in rule.reason_en and "debt_to_income" in rule.reason_zh
    # with an income the same rule evaluates normally
    ok = policy.evaluate({"requested_amount": 10000, "term_months": 12, "income_amount": 9000})
    assert ok.outcome == "pass"


def test_on_null_skip(tmp_path: Path) -> None:
    policy = load_policy(_write(tmp_path, _policy_with_rule(on_null="skip")))
    decision = policy.evaluate({}, None, 0.8)
    assert decision.outcome == "pass" and decision.skipped_rules == ["DTI"]


# --- credit limit -----------------------------------------------------------------------------


def test_credit_limit_is_the_smallest_cap_rounded_down(policy: Policy) -> None:
    values = good_applicant(
        employment_type="private",
        income_amount=8000,
        requested_amount=150000,
        term_months=60,
        existing_monthly_repayments=1000,
        total_existing_debt=20000,
    )
    decision = policy.evaluate(values, None, 0.8)
    income_cap = 15 * 8000 - 20000
    affordable = annuity_principal(0.5 * 8000 - 1000, 60, 0.072)
    assert affordable is not None
    expected = math.floor(min(150000, income_cap, affordable, 300000) / 1000) * 1000
    assert decision.outcome == "pass"
    assert decision.credit_limit == expected == 100000  # the income multiple binds


def test_annuity_formula() -> None:
    assert annuity_payment(120000, 12, 0.12) == pytest.approx(10661.85, abs=0.01)
    assert annuity_payment(1200, 12, 0.0) == 100
    assert annuity_payment(1000, 0, 0.1) is None
    p = annuity_payment(80000, 24, 0.072)
    assert p is not None and annuity_principal(p, 24, 0.072) == pytest.approx(80000)


# --- refusing malformed policies ----------------------------------------------------------------


def _refused(tmp_path: Path, data: Any) -> PolicyDefinitionError:
    path = _write(tmp_path, data)
    with pytest.raises(PolicyDefinitionError) as info:
        load_policy(path)
    assert str(path) in info.value.message
    return info.value


def test_bad_yaml_is_refused_naming_the_file(tmp_path: Path) -> None:
    err = _refused(tmp_path, "name: x\nrules: [\n  - id: A\n")
    assert err.rule_id == "(policy)" and "YAML" in err.reason
    assert isinstance(err, ConfigurationError)
    assert status_for(err) == (500, "FAILED_PRECONDITION")
    assert err.details == {"file": err.path, "rule": "(policy)", "reason": err.reason}


@pytest.mark.parametrize(
    ("rule", "needle"),
    [
        ({"outcome": "approve_maybe"}, "outcome"),
        ({"severity": "extreme"}, "severity"),
        ({"condition": "debt_to_income > "}, "does not parse"),
        ({"condition": "debt_to_incom > 0.5"}, "'debt_to_incom'"),
        ({"condition": "credit_score > 600"}, "not a known field"),
        ({"condition": "__import__('os').system('true')"}, "__import__"),
        ({"condition": "age.__class__ == null"}, "does not parse"),
        ({"condition": "purpose =~ '(a+)+$'"}, "regular-expression"),
        ({"condition": "$now > null"}, "builtins"),
        ({"condition": "age + 1"}, "true/false"),
        ({"reason_en": "DTI {debt_to_income.__class__}"}, "plain name"),
        ({"reason_zh": "{password}"}, "not a known value"),
        ({"reason_en": "{"}, "template"),
        ({"reason_zh": ""}, "reason_zh"),
        ({"unexpected": 1}, "unexpected"),
    ],
)
def test_malformed_rule_is_refused_naming_the_rule(
    tmp_path: Path, rule: dict[str, Any], needle: str
) -> None:
    err = _refused(tmp_path, _policy_with_rule(**rule))
    assert err.rule_id == "DTI"
    assert needle in err.reason
    assert "rule 'DTI'" in err.message


def test_duplicate_rule_id_is_refused(tmp_path: Path) -> None:
    data = {**MINIMAL, "rules": MINIMAL["rules"] * 2}
    err = _refused(tmp_path, data)
    assert err.rule_id == "DTI" and "duplicate" in err.reason


def test_rule_without_id_is_named_by_position(tmp_path: Path) -> None:
    rule = dict(MINIMAL["rules"][0])
    del rule["id"]
    err = _refused(tmp_path, {**MINIMAL, "rules": [MINIMAL["rules"][0] | {"id": "A"}, rule]})
    assert err.rule_id == "#2" and "id" in err.reason


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"version": "1.0"}, "semantic"),
        ({"name": "Bad Name"}, "name"),
        ({"parameters": {"max_dti": 0.5}}, "annual_rate"),
        ({"parameters": {"annual_rate": 0.05, "age": 3}}, "shadows"),
        ({"parameters": {"annual_rate": 0.05, "limits": [1, 2]}}, "number, string or boolean"),
        ({"parameters": {"annual_rate": 0.05, "key_fields": ["salary"]}}, "salary"),
        ({"rules": []}, "rules"),
    ],
)
def test_malformed_policy_header_is_refused(
    tmp_path: Path, change: dict[str, Any], needle: str
) -> None:
    err = _refused(tmp_path, {**MINIMAL, **change})
    assert err.rule_id == "(policy)" and needle in err.reason


def test_not_a_mapping_and_unreadable(tmp_path: Path) -> None:
    assert "mapping" in _refused(tmp_path, "- just\n- a list\n").reason
    with pytest.raises(PolicyDefinitionError, match="cannot read"):
        load_policy(tmp_path / "absent.yaml")


def test_policy_may_declare_extra_fields(tmp_path: Path) -> None:
    data = _policy_with_rule(condition="bureau_score != null and bureau_score < 500")
    data["fields"] = {"bureau_score": "number"}
    policy = load_policy(_write(tmp_path, data))
    assert policy.evaluate({"bureau_score": 420}).outcome == "decline"
    assert policy.evaluate({"bureau_score": 700}).outcome == "pass"


# --- versions --------------------------------------------------------------------------------


def test_catalog_chooses_by_name_and_version(tmp_path: Path) -> None:
    for v in ("1.0.0", "1.2.0", "1.10.0", "2.0.0-rc.1"):
        _write(tmp_path, {**MINIMAL, "version": v}, f"p-{v}.yaml")
    _write(tmp_path, {**MINIMAL, "name": "other"}, "other.yml")
    catalog = PolicyCatalog.load_dir(tmp_path)
    assert catalog.names() == ["other", "test-policy"]
    assert catalog.versions("test-policy") == ["1.0.0", "1.2.0", "1.10.0", "2.0.0-rc.1"]
    assert catalog.get("test-policy").version == "1.10.0"  # highest release, not the rc
    assert catalog.get("test-policy", "2.0.0-rc.1").version == "2.0.0-rc.1"
    assert catalog.get("test-policy", "1.2.0").source.endswith("p-1.2.0.yaml")
    with pytest.raises(ConfigurationError, match=r"no version '3\.0\.0'"):
        catalog.get("test-policy", "3.0.0")
    with pytest.raises(ConfigurationError, match="unknown policy 'nope'"):
        catalog.get("nope")


def test_catalog_refuses_the_same_version_twice_and_bad_files(tmp_path: Path) -> None:
    _write(tmp_path, MINIMAL, "a.yaml")
    _write(tmp_path, MINIMAL, "b.yaml")
    with pytest.raises(PolicyDefinitionError, match=r"a\.yaml") as info:
        PolicyCatalog.load_dir(tmp_path)
    assert info.value.path.endswith("b.yaml")
    (tmp_path / "b.yaml").write_text(yaml.safe_dump(_policy_with_rule(outcome="maybe")))
    with pytest.raises(PolicyDefinitionError, match=r"b\.yaml"):
        PolicyCatalog.load_dir(tmp_path)
    with pytest.raises(PolicyDefinitionError, match="not a directory"):
        PolicyCatalog.load_dir(tmp_path / "a.yaml")


def test_field_types_match_the_loan_application_task() -> None:
    from autoglm_ops.tasks.registry import TaskRegistry

    registry = TaskRegistry.load()
    if "loan_application" not in registry:
        pytest.skip("loan_application task not registered")
    task = registry.get("loan_application")
    kinds = {"number": "number", "integer": "number", "score": "number", "boolean": "boolean"}
    expected = {f.name: kinds.get(f.type, "string") for f in task.fields}
    assert expected == LOAN_APPLICATION_FIELDS
