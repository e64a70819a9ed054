"""Human review in the service layer, on SQLite and PostgreSQL: QA sampling of auto-accepted
answers, the pending queue, reviewers' labels checked against the task schema, the QA accuracy
and review-queue gauges they feed, and the export of labels as training JSONL."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from autoglm_ops.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from autoglm_ops.evals.runner import load_cases
from autoglm_ops.service import extraction, review
from autoglm_ops.service.extraction import ExtractResponse, qa_sampled
from autoglm_ops.service.platform import Platform
from autoglm_ops.store.models import ReviewLabel
from autoglm_ops.store.repo import Principal

TASK = "income_parsing"
# distinctive text whose identifiers must never reach a reviewer's listing or the export
TEXT = "我叫王小明，手机13812345678，月薪税后一万八，公积金正常缴纳"
OTHER = "月薪八千左右，做了三年"


def principal(platform: Platform, scope: str, tenant: str = "bank-a") -> Principal:
    found = platform.store.authenticate(platform.store.create_key([scope], tenant=tenant).secret)
    assert found is not None
    return found


def answer(
    platform: Platform, who: Principal, text: str = TEXT, *, needs_review: bool, qa_rate: float = 1
) -> ExtractResponse:
    """One stored answer; the threshold forces review (1.0) or auto-acceptance (0.0)."""
    platform.settings = platform.settings.model_copy(
        update={"review_threshold": 1.0 if needs_review else 0.0, "qa_sample_rate": qa_rate}
    )
    result = extraction.extract(platform, text=text, task=TASK, principal=who)
    assert result.review.required is needs_review
    return result


def gauge(platform: Platform, name: str, **labels: str) -> float | None:
    return platform.metrics.value(name, labels)


def test_qa_draw_is_reproducible_and_at_the_rate() -> None:
    ids = [uuid.uuid4().hex for _ in range(40_000)]
    share = sum(qa_sampled(i, 0.02) for i in ids) / len(ids)
    assert 0.017 < share < 0.023  # 0.02 ± 4 standard errors
    assert [qa_sampled(i, 0.02) for i in ids[:500]] == [qa_sampled(i, 0.02) for i in ids[:500]]
    # a larger rate draws a superset: raising it never drops an item already drawn
    assert all(qa_sampled(i, 0.1) for i in ids if qa_sampled(i, 0.02))
    assert not any(qa_sampled(i, 0.0) for i in ids[:1000])
    assert all(qa_sampled(i, 1.0) for i in ids[:1000])


def test_auto_answers_are_drawn_for_qa_and_reviewed_ones_are_not(platform: Platform) -> None:
    who = principal(platform, "extract")
    auto = answer(platform, who, needs_review=False)
    needs = answer(platform, who, needs_review=True)
    unsampled = answer(platform, who, needs_review=False, qa_rate=0.0)
    tenant = who.tenant
    assert platform.store.get_request(auto.request_id, tenant).qa_sampled is True
    assert platform.store.get_request(needs.request_id, tenant).qa_sampled is False
    assert platform.store.get_request(unsampled.request_id, tenant).qa_sampled is False
    drawn = gauge(
        platform,
        "autoglm_qa_sampled_total",
        task=TASK,
        backend=platform.settings.backend,
        model_version=auto.model,
    )
    assert drawn == 1.0


def test_queue_lists_the_tenants_pending_answers_without_text(platform: Platform) -> None:
    a, b = principal(platform, "extract"), principal(platform, "extract", tenant="bank-b")
    needs = answer(platform, a, needs_review=True)
    auto = answer(platform, a, OTHER, needs_review=False)
    answer(platform, b, needs_review=True)
    reviewer = principal(platform, "review")

    queue = review.list_pending(platform, principal=reviewer, kind="review")
    assert queue.pending == 1 and [i.request_id for i in queue.items] == [needs.request_id]
    item = queue.items[0]
    assert item.kind == "review" and item.reasons and item.task == TASK
    assert set(item.fields) == set(needs.fields)
    for name, f in item.fields.items():
        assert f.value == needs.fields[name].value
        assert f.confidence == needs.fields[name].confidence
        if f.evidence is not None:
            ev = needs.fields[name].evidence
            assert ev is not None and (f.evidence.start, f.evidence.end) == (ev.start, ev.end)
    dumped = queue.model_dump_json()
    assert TEXT not in dumped and "13812345678" not in dumped and "王小明" not in dumped

    qa = review.list_pending(platform, principal=reviewer, kind="qa")
    assert [i.request_id for i in qa.items] == [auto.request_id] and qa.items[0].kind == "qa"
    # every replica reads the same queue from the database: 2 + 1 of the other tenant
    assert gauge(platform, "autoglm_review_queue_size") == 3.0


def test_queue_refuses_a_key_without_review_scope_and_bad_paging(platform: Platform) -> None:
    with pytest.raises(PermissionDeniedError, match="'review' scope"):
        review.list_pending(platform, principal=principal(platform, "extract"))
    reviewer = principal(platform, "review")
    with pytest.raises(ValidationError, match="'kind'"):
        review.list_pending(platform, principal=reviewer, kind="everything")
    with pytest.raises(ValidationError, match="'limit'"):
        review.list_pending(platform, principal=reviewer, limit=0)


def test_labels_count_agreement_feed_qa_accuracy_and_leave_the_queue(platform: Platform) -> None:
    who, reviewer = principal(platform, "extract"), principal(platform, "review")
    first = answer(platform, who, needs_review=False)
    second = answer(platform, who, OTHER, needs_review=False)
    assert gauge(platform, "autoglm_review_queue_size") == 2.0
    assert gauge(platform, "autoglm_qa_accuracy", task=TASK, model_version=first.model) is None

    confirmed = review.submit_review(
        platform, request_id=first.request_id, fields={}, principal=reviewer
    )
    n = len(confirmed.fields)
    assert confirmed.kind == "qa" and confirmed.corrected == [] and confirmed.agreement == 1.0
    assert confirmed.fields == {k: f.value for k, f in first.fields.items()}
    assert gauge(platform, "autoglm_review_queue_size") == 1.0
    assert gauge(platform, "autoglm_qa_accuracy", task=TASK, model_version=first.model) == 1.0

    old = second.fields["income_amount"].value
    new_amount = (old or 0) + 1000
    # a value equal to the model's within the comparison's tolerance is not a correction
    same = second.fields["income_period"].value
    corrected = review.submit_review(
        platform,
        request_id=second.request_id,
        fields={"income_amount": new_amount, "income_period": same},
        principal=reviewer,
    )
    assert corrected.corrected == ["income_amount"]
    assert corrected.fields["income_amount"] == new_amount
    assert corrected.agreement == pytest.approx((n - 1) / n)
    assert gauge(platform, "autoglm_review_queue_size") == 0.0
    accuracy = gauge(platform, "autoglm_qa_accuracy", task=TASK, model_version=first.model)
    assert accuracy == pytest.approx((2 * n - 1) / (2 * n))
    assert (
        gauge(
            platform, "autoglm_review_labels_total", task=TASK, kind="qa", model_version=first.model
        )
        == 2.0
    )
    assert (
        gauge(
            platform,
            "autoglm_review_corrections_total",
            task=TASK,
            field="income_amount",
            kind="qa",
        )
        == 1.0
    )
    exposition = platform.metrics.render().decode()
    assert first.request_id not in exposition and "bank-a" not in exposition


def test_qa_accuracy_counts_only_qa_labels_of_the_last_hour(platform: Platform) -> None:
    who, reviewer = principal(platform, "extract"), principal(platform, "review")
    needs = answer(platform, who, needs_review=True)
    stale = answer(platform, who, OTHER, needs_review=False)
    # a review-kind label with a correction: not a QA measurement
    review.submit_review(
        platform, request_id=needs.request_id, fields={"currency": "USD"}, principal=reviewer
    )
    assert gauge(platform, "autoglm_qa_accuracy", task=TASK, model_version=needs.model) is None
    # a QA label written two hours ago has left the window
    platform.store.save_label(
        ReviewLabel(
            request_id=stale.request_id,
            tenant=who.tenant,
            task=TASK,
            kind="qa",
            model=stale.model,
            fields={},
            corrected=["income_amount"],
            n_fields=7,
            n_agree=6,
            reviewer_key_id=reviewer.key_id,
            reviewed_at=datetime.now(UTC) - timedelta(hours=2),
        )
    )
    assert gauge(platform, "autoglm_qa_accuracy", task=TASK, model_version=stale.model) is None
    assert platform.store.qa_agreement(hours=3) == {(TASK, stale.model): pytest.approx(6 / 7)}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"salary": 1}, "unknown field(s) salary for task income_parsing; its fields are"),
        ({"income_amount": "lots"}, "income_amount: must be a number or null"),
        ({"income_amount": True}, "income_amount: must be a number"),
        ({"income_amount": float("inf")}, "income_amount: must be a finite number"),
        ({"income_period": "fortnight"}, "income_period: must be one of month, year, week, day"),
        ({"income_stability_score": None}, "income_stability_score: must not be null"),
        ({"income_stability_score": 1.5}, "income_stability_score: must be at most 1"),
        ({"is_after_tax": "yes"}, "is_after_tax: must be true, false or null"),
        (["income_amount"], "'fields' must be an object"),
    ],
)
def test_label_values_are_checked_against_the_task_schema(
    platform: Platform, fields: object, message: str
) -> None:
    who, reviewer = principal(platform, "extract"), principal(platform, "review")
    queued = answer(platform, who, needs_review=True)
    with pytest.raises(ValidationError) as caught:
        review.submit_review(
            platform, request_id=queued.request_id, fields=fields, principal=reviewer
        )
    assert message in caught.value.public_message
    assert (
        "lots" not in caught.value.public_message and "fortnight" not in caught.value.public_message
    )
    assert platform.store.get_label(queued.request_id) is None


def test_other_tenants_unqueued_and_relabelled_answers_are_refused(platform: Platform) -> None:
    a, b = principal(platform, "extract"), principal(platform, "extract", tenant="bank-b")
    reviewer = principal(platform, "review")
    theirs = answer(platform, b, needs_review=True)
    with pytest.raises(NotFoundError):
        review.submit_review(platform, request_id=theirs.request_id, fields={}, principal=reviewer)
    with pytest.raises(NotFoundError):
        review.submit_review(platform, request_id="no-such-id", fields={}, principal=reviewer)
    unqueued = answer(platform, a, needs_review=False, qa_rate=0.0)
    with pytest.raises(ConflictError, match="neither flagged for review nor drawn for QA"):
        review.submit_review(
            platform, request_id=unqueued.request_id, fields={}, principal=reviewer
        )
    queued = answer(platform, a, needs_review=True)
    with pytest.raises(PermissionDeniedError):
        review.submit_review(platform, request_id=queued.request_id, fields={}, principal=a)
    review.submit_review(platform, request_id=queued.request_id, fields={}, principal=reviewer)
    with pytest.raises(ConflictError, match="already been reviewed"):
        review.submit_review(
            platform, request_id=queued.request_id, fields={"currency": "USD"}, principal=reviewer
        )
    assert platform.store.get_label(queued.request_id).corrected == []  # type: ignore[union-attr]


def test_export_writes_labels_as_training_jsonl(platform: Platform, tmp_path: Path) -> None:
    a, b = principal(platform, "extract"), principal(platform, "extract", tenant="bank-b")
    mine = answer(platform, a, needs_review=True)
    theirs = answer(platform, b, OTHER, needs_review=False)
    answer(platform, a, OTHER, needs_review=True)  # never labelled: not exported
    review.submit_review(
        platform,
        request_id=mine.request_id,
        fields={"income_amount": 18000, "is_after_tax": True},
        principal=principal(platform, "review"),
    )
    review.submit_review(
        platform,
        request_id=theirs.request_id,
        fields={},
        principal=principal(platform, "review", tenant="bank-b"),
    )
    lines = list(review.export_corrections(platform.store, platform.tasks, task=TASK))
    assert [line["id"] for line in lines] == [mine.request_id, theirs.request_id]
    first = lines[0]
    assert first["expected"]["income_amount"] == 18000 and first["expected"]["is_after_tax"]
    assert first["source"] == "review-label" and lines[1]["source"] == "qa-label"
    # the wording stays, the customer's identifiers do not
    assert "[PHONE]" in first["text"] and "13812345678" not in first["text"]
    assert "月薪税后一万八" in first["text"]
    out = tmp_path / "labels.jsonl"
    out.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines))
    cases = load_cases(out, TASK)  # what `autoglm-ops train` and `eval` read
    assert [c.id for c in cases] == [mine.request_id, theirs.request_id]
    only_b = review.export_corrections(platform.store, platform.tasks, task=TASK, tenant="bank-b")
    assert [x["id"] for x in only_b] == [theirs.request_id]
