"""Database tables (SQLAlchemy 2 declarative). Schema changes go through Alembic migrations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class ApiKey(Base):
    """An API key: only a hash of the secret is stored; ``key_id`` is the public lookup part."""

    __tablename__ = "api_keys"

    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    secret_hash: Mapped[str] = mapped_column(String(128))
    scopes: Mapped[str] = mapped_column(String(200))  # space-separated
    tenant: Mapped[str] = mapped_column(String(100), default="default")
    name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class RequestRecord(Base):
    """One answered extraction request, stored before the answer is sent."""

    __tablename__ = "requests"

    request_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    task: Mapped[str] = mapped_column(String(100))
    model: Mapped[str] = mapped_column(String(200))
    latency_ms: Mapped[float] = mapped_column(Float)
    text: Mapped[str] = mapped_column(Text)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)
    review_required: Mapped[bool] = mapped_column(Boolean, default=False)
    review_reasons: Mapped[list[str]] = mapped_column(JSON)
    usage: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    api_key_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    text_chars: Mapped[int] = mapped_column(Integer, default=0)
    # an auto-accepted answer drawn for quality assurance (service.extraction.qa_sampled)
    qa_sampled: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        Index("ix_requests_tenant_created", "tenant", "created_at"),
        Index("ix_requests_review", "tenant", "review_required"),
        Index("ix_requests_qa", "tenant", "qa_sampled"),
    )


class ReviewLabel(Base):
    """A reviewer's values for one stored request (at most one: the primary key). The model's
    answer in ``requests`` is never changed; agreement with it is counted when the label is
    written, so QA accuracy is a sum over labels, not a re-comparison at every scrape."""

    __tablename__ = "review_labels"

    request_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("requests.request_id", ondelete="CASCADE"), primary_key=True
    )
    tenant: Mapped[str] = mapped_column(String(100))
    task: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(10))  # "review" | "qa"
    model: Mapped[str] = mapped_column(String(200))  # the model that answered
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)  # every field: the reviewer's value
    corrected: Mapped[list[str]] = mapped_column(JSON)  # fields whose value the reviewer changed
    n_fields: Mapped[int] = mapped_column(Integer)
    n_agree: Mapped[int] = mapped_column(Integer)
    reviewer_key_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    reviewed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_review_labels_kind_reviewed", "kind", "reviewed_at"),
        Index("ix_review_labels_tenant_task", "tenant", "task"),
    )


class ApplicationRecord(Base):
    """One credit application and its audit record: input, fields with their sources and
    evidence, the suggestion with the policy and model versions, and intake problems."""

    __tablename__ = "applications"

    application_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    text: Mapped[str] = mapped_column(Text)
    form: Mapped[dict[str, Any]] = mapped_column(JSON)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)
    decision: Mapped[str] = mapped_column(String(20))
    suggestion: Mapped[dict[str, Any]] = mapped_column(JSON)
    intake_problems: Mapped[list[str]] = mapped_column(JSON)
    model: Mapped[str] = mapped_column(String(200))
    policy_version: Mapped[str] = mapped_column(String(100))
    latency_ms: Mapped[float] = mapped_column(Float)

    __table_args__ = (Index("ix_applications_tenant_created", "tenant", "created_at"),)
