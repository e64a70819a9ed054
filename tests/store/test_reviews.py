"""The review tables on SQLite and on the real PostgreSQL: migration 0003 over existing rows
(and back), the pending queue, one label per request, QA agreement and the export join."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from importlib import resources

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, inspect, text

from autoglm_ops.core.errors import ConflictError, ValidationError
from autoglm_ops.store.db import make_engine
from autoglm_ops.store.models import ReviewLabel
from autoglm_ops.store.repo import Store
from tests.store.test_store import record


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    s = Store.open(database_url)
    yield s
    s.close()


def _alembic(engine: Engine, action: str, revision: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("autoglm_ops.store") / "migrations"))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        getattr(command, action)(cfg, revision)


def label(
    rid: str, *, kind: str = "qa", agree: int = 7, ago_h: float = 0.0, **over: object
) -> ReviewLabel:
    values: dict[str, object] = {
        "request_id": rid,
        "tenant": "bank-a",
        "task": "income_parsing",
        "kind": kind,
        "model": "rules@1.0.0",
        "fields": {"income_amount": 18000.0},
        "corrected": [],
        "n_fields": 8,
        "n_agree": agree,
        "reviewer_key_id": "k2",
        "reviewed_at": datetime.now(UTC) - timedelta(hours=ago_h),
    }
    values.update(over)
    return ReviewLabel(**values)


def test_migration_0003_keeps_existing_requests_and_goes_back(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        _alembic(engine, "upgrade", "0002")
        with engine.begin() as conn:  # a request stored before human review existed
            conn.execute(
                text(
                    "INSERT INTO requests (request_id, tenant, created_at, task, model, "
                    "latency_ms, text, fields, review_required, review_reasons, text_chars) "
                    "VALUES ('old', 'bank-a', :ts, 'income_parsing', 'rules@1', 1.0, 'x', "
                    "'{}', :t, '[]', 1)"
                ),
                {"ts": datetime(2026, 11, 1, tzinfo=UTC), "t": True},
            )
        store = Store.open(database_url)  # migrates to head on open
        try:
            insp = inspect(store.engine)
            assert "review_labels" in insp.get_table_names()
            assert "ix_requests_qa" in {ix["name"] for ix in insp.get_indexes("requests")}
            old = store.get_request("old", "bank-a")
            assert old.qa_sampled is False and old.review_required is True
            rows, pending = store.pending_reviews("bank-a", "review", 10)
            assert [r.request_id for r in rows] == ["old"] and pending == 1
        finally:
            store.close()
        _alembic(engine, "downgrade", "0002")
        insp = inspect(engine)
        assert "review_labels" not in insp.get_table_names()
        assert "qa_sampled" not in {c["name"] for c in insp.get_columns("requests")}
        _alembic(engine, "upgrade", "head")
    finally:
        engine.dispose()


def test_pending_queue_is_per_kind_oldest_first_and_tenant_scoped(store: Store) -> None:
    t0 = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
    for i, (review_required, qa, tenant) in enumerate(
        [
            (True, False, "bank-a"),
            (False, True, "bank-a"),
            (True, False, "bank-a"),
            (False, False, "bank-a"),
            (True, False, "bank-b"),
        ]
    ):
        store.save_request(
            record(
                f"r{i}",
                tenant=tenant,
                created_at=t0 - timedelta(minutes=i),
                review_required=review_required,
                qa_sampled=qa,
            )
        )
    rows, pending = store.pending_reviews("bank-a", "review", 10)
    assert [r.request_id for r in rows] == ["r2", "r0"] and pending == 2
    rows, pending = store.pending_reviews("bank-a", "review", 1)
    assert [r.request_id for r in rows] == ["r2"] and pending == 2
    rows, pending = store.pending_reviews("bank-a", "qa", 10)
    assert [r.request_id for r in rows] == ["r1"] and pending == 1
    with pytest.raises(ValidationError):
        store.pending_reviews("bank-a", "everything", 10)
    assert store.review_queue_size() == 4.0
    store.save_label(label("r2", kind="review"))
    assert [r.request_id for r in store.pending_reviews("bank-a", "review", 10)[0]] == ["r0"]
    assert store.review_queue_size() == 3.0


def test_a_request_takes_one_label(store: Store) -> None:
    store.save_request(record("r1", review_required=True))
    store.save_label(label("r1", kind="review"))
    with pytest.raises(ConflictError, match="already been reviewed"):
        store.save_label(label("r1", kind="review", agree=1))
    got = store.get_label("r1")
    assert got is not None and got.n_agree == 7 and got.fields == {"income_amount": 18000.0}
    assert store.get_label("r2") is None


def test_qa_agreement_sums_fields_of_recent_qa_labels_per_task_and_model(store: Store) -> None:
    for rid in ("a", "b", "c", "d", "e"):
        store.save_request(record(rid, qa_sampled=True))
    store.save_label(label("a", agree=8))
    store.save_label(label("b", agree=6))
    store.save_label(label("c", agree=8, model="local@2.0.0"))
    store.save_label(label("d", agree=0, kind="review"))  # not a QA label
    store.save_label(label("e", agree=0, ago_h=1.5))  # outside the hour
    assert store.qa_agreement() == {
        ("income_parsing", "rules@1.0.0"): pytest.approx(14 / 16),
        ("income_parsing", "local@2.0.0"): 1.0,
    }
    assert store.qa_agreement(hours=2)[("income_parsing", "rules@1.0.0")] == pytest.approx(14 / 24)


def test_labelled_requests_join_text_and_label(store: Store) -> None:
    store.save_request(record("a", review_required=True))
    store.save_request(record("b", tenant="bank-b", qa_sampled=True))
    store.save_request(record("c", review_required=True))
    store.save_label(label("a", kind="review", ago_h=1))
    store.save_label(label("b", tenant="bank-b"))
    pairs = store.labelled_requests("income_parsing")
    assert [(r.request_id, lab.kind) for r, lab in pairs] == [("a", "review"), ("b", "qa")]
    assert pairs[0][0].text == "月薪一万八，公积金正常缴纳"
    assert [r.request_id for r, _ in store.labelled_requests("income_parsing", "bank-b")] == ["b"]
    assert store.labelled_requests("loan_application") == []
