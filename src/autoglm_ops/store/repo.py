"""Repositories: the only code that talks SQL. Services call these; edges never do."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Engine, and_, func, or_, select
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import defer

from autoglm_ops.core.errors import (
    ConflictError,
    NotFoundError,
    StoreUnavailableError,
    ValidationError,
)
from autoglm_ops.store.db import make_engine, migrate, session_factory
from autoglm_ops.store.models import ApiKey, ApplicationRecord, RequestRecord, ReviewLabel
from autoglm_ops.store.writer import GroupCommitWriter

SCOPES = ("extract", "review", "admin")
#: the kinds of pending review: answers that need one, and auto-accepted answers drawn for QA
REVIEW_KINDS = ("review", "qa")
_Row = TypeVar("_Row", RequestRecord, ApplicationRecord)
_KEY_PREFIX = "agk"


@dataclass(frozen=True)
class Principal:
    """Who is calling: resolved from an API key."""

    key_id: str
    tenant: str
    scopes: frozenset[str]

    def allows(self, scope: str) -> bool:
        return "admin" in self.scopes or scope in self.scopes


@dataclass(frozen=True)
class NewKey:
    key_id: str
    secret: str  # the full key, shown once
    scopes: tuple[str, ...]
    tenant: str


def _hash_secret(secret: str) -> str:
    # Keys carry 256 bits of entropy, so a fast hash is enough (no password stretching needed).
    return hashlib.sha256(secret.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def _why(exc: SQLAlchemyError) -> str:
    """A fixed, operator-facing reason for a database failure. The driver's own message is
    only matched, never repeated: it may quote the statement's parameters (customer text)."""
    msg = str(getattr(exc, "orig", None) or "").lower()
    if "readonly" in msg or "read-only" in msg or "read only" in msg:
        return (
            "it is read-only (check the permissions of the database file and its directory, "
            "and that the volume is mounted read-write)"
        )
    if "unable to open database file" in msg:
        return (
            "the file or its directory is read-only or missing (check permissions, and that "
            "the volume is mounted read-write)"
        )
    if "disk is full" in msg or "no space left" in msg or "disk full" in msg:
        return "the disk is full (free space on the volume that holds the database)"
    if "locked" in msg:
        return "it is locked by another writer"
    if isinstance(exc, OperationalError):
        return "it cannot be reached or written (check AUTOGLM_DATABASE_URL and the server)"
    return type(exc).__name__


class Store:
    """Access to keys and stored requests over one engine."""

    #: how long a verified key is trusted without a database lookup; revocation in this
    #: process is immediate, in other replicas it takes at most this long
    AUTH_CACHE_SECONDS = 10.0

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = session_factory(engine)
        self._writer: GroupCommitWriter | None = None
        self._writer_lock = threading.Lock()
        self._auth_cache: dict[str, tuple[float, Principal]] = {}

    @classmethod
    def open(cls, url: str, *, migrate_schema: bool = True) -> Store:
        """Open (and by default migrate) the database at ``url``."""
        engine = make_engine(url)
        if migrate_schema:
            migrate(engine)
        return cls(engine)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self.engine.dispose()

    @property
    def writer(self) -> GroupCommitWriter:
        if self._writer is None:
            with self._writer_lock:
                if self._writer is None:
                    self._writer = GroupCommitWriter(self._sessions)
        return self._writer

    def _fail(self, exc: SQLAlchemyError, what: str) -> StoreUnavailableError:
        return StoreUnavailableError(f"the database is unavailable while {what}: {_why(exc)}")

    # --- health ---------------------------------------------------------------------------------
    def ping(self) -> bool:
        """True when the database answers and accepts writes."""
        try:
            with self.engine.begin() as conn:
                conn.exec_driver_sql("SELECT 1")
                if self.engine.dialect.name == "sqlite":
                    # a read-only file or a full disk only shows on a write
                    conn.exec_driver_sql("PRAGMA user_version = 0")
                elif self.engine.dialect.name == "postgresql":
                    # a hot standby or a read-only role answers SELECT but refuses writes
                    ro = conn.exec_driver_sql("SHOW transaction_read_only").scalar()
                    return ro != "on"
            return True
        except SQLAlchemyError:
            return False

    # --- keys -----------------------------------------------------------------------------------
    def create_key(
        self, scopes: Sequence[str], tenant: str = "default", name: str | None = None
    ) -> NewKey:
        bad = [s for s in scopes if s not in SCOPES]
        if bad or not scopes:
            raise ValidationError(f"unknown scope(s) {bad or '(none)'}; choose from {SCOPES}")
        key_id = secrets.token_hex(6)
        secret = f"{_KEY_PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"
        row = ApiKey(
            key_id=key_id,
            secret_hash=_hash_secret(secret),
            scopes=" ".join(sorted(set(scopes))),
            tenant=tenant,
            name=name,
            created_at=_now(),
        )
        try:
            with self._sessions.begin() as s:
                s.add(row)
        except SQLAlchemyError as exc:
            raise self._fail(exc, "creating a key") from None
        return NewKey(key_id, secret, tuple(sorted(set(scopes))), tenant)

    def authenticate(self, secret: str) -> Principal | None:
        """Resolve a presented key; None when unknown, malformed or revoked."""
        digest = _hash_secret(secret)
        cached = self._auth_cache.get(digest)
        if cached is not None and time.monotonic() - cached[0] < self.AUTH_CACHE_SECONDS:
            return cached[1]
        parts = secret.split("_", 2)
        if len(parts) != 3 or parts[0] != _KEY_PREFIX:
            # still hash once so malformed keys cost the same as wrong ones
            hmac.compare_digest(_hash_secret(secret), "0" * 64)
            return None
        try:
            with self._sessions() as s:
                row = s.get(ApiKey, parts[1])
        except SQLAlchemyError as exc:
            raise self._fail(exc, "checking a key") from None
        expected = row.secret_hash if row is not None else "0" * 64
        ok = hmac.compare_digest(digest, expected)
        if row is None or not ok or row.revoked_at is not None:
            return None
        principal = Principal(row.key_id, row.tenant, frozenset(row.scopes.split()))
        if len(self._auth_cache) > 10_000:
            self._auth_cache.clear()
        self._auth_cache[digest] = (time.monotonic(), principal)
        return principal

    def list_keys(self) -> list[dict[str, Any]]:
        with self._sessions() as s:
            rows = s.scalars(select(ApiKey).order_by(ApiKey.created_at)).all()
        return [
            {
                "key_id": r.key_id,
                "scopes": r.scopes.split(),
                "tenant": r.tenant,
                "name": r.name,
                "created_at": r.created_at.isoformat(),
                "revoked": r.revoked_at is not None,
            }
            for r in rows
        ]

    def count_active_keys(self) -> int:
        with self._sessions() as s:
            return int(
                s.scalar(
                    select(func.count()).select_from(ApiKey).where(ApiKey.revoked_at.is_(None))
                )
                or 0
            )

    def revoke_key(self, key_id: str) -> None:
        with self._sessions.begin() as s:
            row = s.get(ApiKey, key_id)
            if row is None:
                raise NotFoundError(f"no API key with id {key_id!r}; see `autoglm-ops keys list`")
            row.revoked_at = row.revoked_at or _now()
        self._auth_cache = {d: c for d, c in self._auth_cache.items() if c[1].key_id != key_id}

    # --- requests -------------------------------------------------------------------------------
    def save_request(self, record: RequestRecord) -> None:
        """Store one answered request durably: returns once its transaction has committed
        (group commit shares one transaction among concurrent requests)."""
        self._save(record, "storing a request")

    def save_application(self, record: ApplicationRecord) -> None:
        """Store one application's audit record durably (group commit, as requests)."""
        self._save(record, "storing an application")

    def _save(self, row: RequestRecord | ApplicationRecord, what: str) -> None:
        try:
            self.writer.write(row)
        except SQLAlchemyError as exc:
            raise self._fail(exc, what) from None
        except TimeoutError:
            raise StoreUnavailableError(
                "the database did not commit in time; check its health"
            ) from None

    def get_request(self, request_id: str, tenant: str) -> RequestRecord:
        """One stored request of ``tenant``; another tenant's id reads as not found."""
        return self._get_for_tenant(RequestRecord, request_id, tenant, "request")

    def _get_for_tenant(self, model: type[_Row], key: str, tenant: str, what: str) -> _Row:
        try:
            with self._sessions() as s:
                row = s.get(model, key)
        except SQLAlchemyError as exc:
            raise self._fail(exc, f"reading a {what}") from None
        if row is None or row.tenant != tenant:
            raise NotFoundError(f"no {what} {key!r} for this tenant")
        return row

    def count_requests(self, tenant: str | None = None) -> int:
        stmt = select(func.count()).select_from(RequestRecord)
        if tenant is not None:
            stmt = stmt.where(RequestRecord.tenant == tenant)
        with self._sessions() as s:
            return int(s.scalar(stmt) or 0)

    def review_queue_size(self, application_hours: float = 24.0) -> float:
        """Cases waiting for a reviewer: stored requests flagged for review or QA that have no
        label yet, plus ``manual_review`` applications of the last ``application_hours`` (those
        are worked in the lending system, not labelled here, so only recent ones count). NaN
        when the database cannot be read, so a scrape never fails."""
        since = _now() - timedelta(hours=application_hours)
        try:
            with self._sessions() as s:
                n = (
                    s.scalar(
                        select(func.count())
                        .select_from(RequestRecord)
                        .where(or_(_pending("review"), _pending("qa")))
                    )
                    or 0
                )
                n += (
                    s.scalar(
                        select(func.count())
                        .select_from(ApplicationRecord)
                        .where(ApplicationRecord.decision == "manual_review")
                        .where(ApplicationRecord.created_at >= since)
                    )
                    or 0
                )
        except SQLAlchemyError:
            return float("nan")
        return float(n)

    def request_ids(self) -> set[str]:
        with self._sessions() as s:
            return set(s.scalars(select(RequestRecord.request_id)).all())

    # --- applications ---------------------------------------------------------------------------
    def get_application(self, application_id: str, tenant: str) -> ApplicationRecord:
        """One stored application of ``tenant``; another tenant's id reads as not found."""
        return self._get_for_tenant(ApplicationRecord, application_id, tenant, "application")

    # --- reviews --------------------------------------------------------------------------------
    def pending_reviews(
        self, tenant: str, kind: str, limit: int
    ) -> tuple[list[RequestRecord], int]:
        """Up to ``limit`` unlabelled requests of ``tenant`` of one review kind, oldest first
        (without their text), and how many are pending in all."""
        if kind not in REVIEW_KINDS:
            raise ValidationError(f"unknown review kind {kind!r}; choose from {REVIEW_KINDS}")
        where = and_(RequestRecord.tenant == tenant, _pending(kind))
        try:
            with self._sessions() as s:
                rows = s.scalars(
                    select(RequestRecord)
                    .options(defer(RequestRecord.text))
                    .where(where)
                    .order_by(RequestRecord.created_at, RequestRecord.request_id)
                    .limit(limit)
                ).all()
                total = s.scalar(select(func.count()).select_from(RequestRecord).where(where))
        except SQLAlchemyError as exc:
            raise self._fail(exc, "listing pending reviews") from None
        return list(rows), int(total or 0)

    def get_label(self, request_id: str) -> ReviewLabel | None:
        try:
            with self._sessions() as s:
                return s.get(ReviewLabel, request_id)
        except SQLAlchemyError as exc:
            raise self._fail(exc, "reading a review") from None

    def save_label(self, label: ReviewLabel) -> None:
        """Store a reviewer's label; a second label for the same request is a conflict."""
        try:
            with self._sessions.begin() as s:
                s.add(label)
        except IntegrityError:
            raise ConflictError(
                f"request {label.request_id!r} has already been reviewed; a label is final"
            ) from None
        except SQLAlchemyError as exc:
            raise self._fail(exc, "storing a review") from None

    def qa_agreement(self, hours: float = 1.0) -> dict[tuple[str, str], float] | None:
        """Field-level agreement of QA labels written in the last ``hours``, per (task, model):
        agreeing fields / labelled fields. None when the database cannot be read."""
        since = _now() - timedelta(hours=hours)
        stmt = (
            select(
                ReviewLabel.task,
                ReviewLabel.model,
                func.sum(ReviewLabel.n_agree),
                func.sum(ReviewLabel.n_fields),
            )
            .where(ReviewLabel.kind == "qa", ReviewLabel.reviewed_at >= since)
            .group_by(ReviewLabel.task, ReviewLabel.model)
        )
        try:
            with self._sessions() as s:
                rows = s.execute(stmt).all()
        except SQLAlchemyError:
            return None
        return {(t, m): float(agree) / float(n) for t, m, agree, n in rows if n}

    def labelled_requests(
        self, task: str, tenant: str | None = None
    ) -> list[tuple[RequestRecord, ReviewLabel]]:
        """Every labelled request of ``task`` (of one tenant, or all), oldest label first."""
        stmt = (
            select(RequestRecord, ReviewLabel)
            .join(ReviewLabel, ReviewLabel.request_id == RequestRecord.request_id)
            .where(ReviewLabel.task == task)
            .order_by(ReviewLabel.reviewed_at, ReviewLabel.request_id)
        )
        if tenant is not None:
            stmt = stmt.where(ReviewLabel.tenant == tenant)
        try:
            with self._sessions() as s:
                return [(r, lab) for r, lab in s.execute(stmt).tuples().all()]
        except SQLAlchemyError as exc:
            raise self._fail(exc, "reading reviews") from None


def _pending(kind: str) -> ColumnElement[bool]:
    """Requests of one review kind that have no label yet."""
    flagged = (
        RequestRecord.review_required.is_(True)
        if kind == "review"
        else and_(RequestRecord.qa_sampled.is_(True), RequestRecord.review_required.is_(False))
    )
    labelled = select(ReviewLabel.request_id).where(
        ReviewLabel.request_id == RequestRecord.request_id
    )
    return and_(flagged, ~labelled.exists())
