"""Group commit: every acknowledged row is stored; one bad row fails alone."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest

from autoglm_ops.core.errors import StoreUnavailableError
from autoglm_ops.store.models import RequestRecord
from autoglm_ops.store.repo import Store


def _record(rid: str) -> RequestRecord:
    return RequestRecord(
        request_id=rid,
        tenant="t",
        created_at=datetime.now(UTC),
        task="x",
        model="m@1",
        latency_ms=1.0,
        text="t",
        fields={},
        review_required=False,
        review_reasons=[],
        text_chars=1,
    )


def test_concurrent_writes_all_committed(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'db.sqlite'}")
    ids = [f"r{i}" for i in range(200)]
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda rid: store.save_request(_record(rid)), ids))
    store.close()
    reopened = Store.open(f"sqlite:///{tmp_path / 'db.sqlite'}")
    assert reopened.request_ids() == set(ids)


def test_duplicate_fails_alone(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'db.sqlite'}")
    store.save_request(_record("dup"))
    errors: list[Exception] = []

    def save(rid: str) -> None:
        try:
            store.save_request(_record(rid))
        except StoreUnavailableError as exc:
            errors.append(exc)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(save, ["dup", *[f"ok{i}" for i in range(30)]]))
    assert len(errors) == 1
    assert {f"ok{i}" for i in range(30)} <= store.request_ids()
    store.close()


def test_auth_cache_honours_revocation(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'db.sqlite'}")
    key = store.create_key(["extract"])
    assert store.authenticate(key.secret) is not None
    store.revoke_key(key.key_id)
    assert store.authenticate(key.secret) is None


@pytest.mark.parametrize("bad", ["", "agk_x", "agk_nope_nope", "Bearer x", "a" * 500])
def test_malformed_keys_rejected(tmp_path: Path, bad: str) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'db.sqlite'}")
    assert store.authenticate(bad) is None
