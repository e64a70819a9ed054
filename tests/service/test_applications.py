"""The credit decision flow: every application is stored; problems become manual review."""

from __future__ import annotations

import pytest

from autoglm_ops.core.errors import NotFoundError, PermissionDeniedError
from autoglm_ops.service.applications import assess, get_application, submit_application
from autoglm_ops.service.platform import Platform
from autoglm_ops.store.repo import Principal

BANK_A = Principal("k1", "bank-a", frozenset({"extract"}))
BANK_B = Principal("k2", "bank-b", frozenset({"extract"}))
GOOD_FORM = {
    "requested_amount": 50000,
    "term_months": 24,
    "purpose": "consumption",
    "age": 35,
    "income_amount": 20000,
    "currency": "CNY",
    "income_period": "month",
    "existing_monthly_repayments": 0,
    "total_existing_debt": 0,
    "employment_type": "state_owned",
    "employment_years": 6,
    "income_stability_score": 0.9,
    "owns_house": True,
    "has_social_insurance": True,
    "has_provident_fund": True,
}


def test_form_values_win_and_are_marked(platform: Platform) -> None:
    out = submit_application(
        platform, text="我想贷款五万,月薪八千", form=GOOD_FORM, principal=BANK_A
    )
    assert out.fields["income_amount"].value == 20000
    assert out.fields["income_amount"].source == "form"
    assert out.fields["income_amount"].confidence == 1.0
    sug = out.suggestion
    assert out.decision == sug["decision"]
    assert sug["policy_version"] and sug["model_versions"]["risk"]
    assert 0.0 <= sug["pd"] <= 1.0
    for reason in sug["reasons"]:
        assert reason["ref"]  # every reason traces to a rule or a model factor
    record = get_application(platform, application_id=out.application_id, principal=BANK_A)
    assert record["decision"] == out.decision
    assert record["fields"]["income_amount"]["source"] == "form"
    assert record["suggestion"]["policy"]["fired_rules"] is not None


@pytest.mark.parametrize(
    ("text", "form", "problem"),
    [
        (None, None, "no application text"),
        ("", {"requested_amount": 10000}, "no application text"),
        ("贷款十万", "not a dict", "not an object"),
        ("贷款十万", {"requested_amount": "lots"}, "wrong type"),
        ("贷款十万", {"favourite_colour": "red"}, "unknown form field"),
        ("八" * 30_000, None, "over the limit"),
    ],
)
def test_bad_or_partial_applications_are_stored_for_review(
    platform: Platform, text: object, form: object, problem: str
) -> None:
    out = submit_application(platform, text=text, form=form, principal=BANK_A)
    assert out.decision in {"manual_review", "decline"}
    assert any(problem in p for p in out.intake_problems)
    assert any(r["ref"] == "intake" for r in out.suggestion["reasons"])
    stored = get_application(platform, application_id=out.application_id, principal=BANK_A)
    assert stored["intake_problems"] == out.intake_problems


def test_extraction_failure_is_not_lost(platform: Platform) -> None:
    out = submit_application(
        platform, text="月薪一万", form=None, principal=BANK_A, backend="nosuch"
    )
    assert out.decision == "manual_review"
    assert any("extraction failed" in p for p in out.intake_problems)
    get_application(platform, application_id=out.application_id, principal=BANK_A)


def test_tenant_isolation_and_scope(platform: Platform) -> None:
    out = submit_application(platform, text="贷款十万", form=GOOD_FORM, principal=BANK_A)
    with pytest.raises(NotFoundError):
        get_application(platform, application_id=out.application_id, principal=BANK_B)
    with pytest.raises(PermissionDeniedError):
        submit_application(
            platform,
            text="x",
            form=None,
            principal=Principal("k3", "bank-a", frozenset({"review"})),
        )


def test_assess_does_not_store(platform: Platform) -> None:
    before = platform.store.count_requests()
    result = assess(platform, text="贷款十万", form=GOOD_FORM)
    assert result.decision in {"approve", "manual_review", "decline"}
    assert platform.store.count_requests() == before


def test_review_queue_gauge_counts_recent_reviews(platform: Platform) -> None:
    before = platform.metrics.value("autoglm_review_queue_size") or 0.0
    out = submit_application(platform, text=None, form=None, principal=BANK_A)
    assert out.decision == "manual_review"
    assert platform.metrics.value("autoglm_review_queue_size") == before + 1
