"""The store on SQLite and on the real PostgreSQL: the Alembic migration, keys and requests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import inspect, text

from autoglm_ops.core.errors import NotFoundError, ValidationError
from autoglm_ops.store.models import RequestRecord
from autoglm_ops.store.repo import Store


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    s = Store.open(database_url)
    yield s
    s.close()


def record(rid: str, tenant: str = "bank-a", **over: object) -> RequestRecord:
    values: dict[str, object] = {
        "request_id": rid,
        "tenant": tenant,
        "created_at": datetime(2026, 11, 29, 8, 30, tzinfo=UTC),
        "task": "income_parsing",
        "model": "rules@1.0.0",
        "latency_ms": 1.5,
        "text": "月薪一万八，公积金正常缴纳",
        "fields": {"income_amount": {"value": 18000.0, "confidence": 0.93, "evidence": None}},
        "review_required": False,
        "review_reasons": [],
        "usage": None,
        "api_key_id": "k1",
        "text_chars": 13,
    }
    values.update(over)
    return RequestRecord(**values)


def test_migration_creates_schema_at_head(store: Store) -> None:
    insp = inspect(store.engine)
    assert {"api_keys", "requests", "alembic_version"} <= set(insp.get_table_names())
    index_names = {ix["name"] for ix in insp.get_indexes("requests")}
    assert {"ix_requests_tenant_created", "ix_requests_review"} <= index_names
    with store.engine.connect() as conn:
        versions = conn.execute(text("select version_num from alembic_version")).scalars().all()
    assert len(versions) == 1


def test_migration_is_idempotent(database_url: str) -> None:
    first = Store.open(database_url)
    key = first.create_key(["extract"])
    first.close()
    again = Store.open(database_url)  # a second start migrates nothing and loses nothing
    try:
        assert again.authenticate(key.secret) is not None
    finally:
        again.close()


def test_keys_are_hashed_scoped_and_revocable(store: Store) -> None:
    key = store.create_key(["extract", "review"], tenant="bank-a", name="intake")
    principal = store.authenticate(key.secret)
    assert principal is not None
    assert principal.tenant == "bank-a" and principal.allows("review")
    assert not principal.allows("admin")
    with store.engine.connect() as conn:
        stored = conn.execute(text("select secret_hash from api_keys")).scalar_one()
    assert key.secret not in stored and len(stored) == 64
    assert store.authenticate(key.secret + "x") is None
    assert store.authenticate("garbage") is None
    [listed] = store.list_keys()
    assert listed["name"] == "intake" and listed["revoked"] is False
    assert store.count_active_keys() == 1
    store.revoke_key(key.key_id)
    assert store.authenticate(key.secret) is None
    assert store.count_active_keys() == 0
    with pytest.raises(NotFoundError):
        store.revoke_key("nope")
    with pytest.raises(ValidationError):
        store.create_key(["root"])


def test_requests_round_trip_with_json_and_timezone(store: Store) -> None:
    rec = record(
        "r1",
        usage={"prompt_tokens": 12.0, "cost": 0.001},
        review_required=True,
        review_reasons=["low confidence on income_amount (0.50 < 0.80)"],
    )
    store.save_request(rec)
    got = store.get_request("r1", "bank-a")
    assert got.text == "月薪一万八，公积金正常缴纳"
    assert got.fields["income_amount"]["value"] == 18000.0
    assert got.usage == {"prompt_tokens": 12.0, "cost": 0.001}
    assert got.review_required is True and got.review_reasons[0].startswith("low confidence")
    assert got.created_at.replace(tzinfo=got.created_at.tzinfo or UTC) == datetime(
        2026, 11, 29, 8, 30, tzinfo=UTC
    )


def test_requests_are_tenant_scoped(store: Store) -> None:
    store.save_request(record("a1", tenant="bank-a"))
    store.save_request(record("b1", tenant="bank-b"))
    with pytest.raises(NotFoundError):
        store.get_request("a1", "bank-b")
    with pytest.raises(NotFoundError):
        store.get_request("missing", "bank-a")
    assert store.count_requests() == 2
    assert store.count_requests("bank-a") == 1
    assert store.request_ids() == {"a1", "b1"}


def test_ping(store: Store) -> None:
    assert store.ping() is True


def test_each_test_starts_empty(store: Store) -> None:
    # with test_requests_are_tenant_scoped above: no rows leak between tests or databases
    assert store.count_requests() == 0
    assert store.list_keys() == []
