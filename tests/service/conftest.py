"""Fixtures of this folder: ``database_url`` (and ``platform`` on it) runs a test on SQLite and
on PostgreSQL; ``spans`` captures the platform's spans."""

from tests.databases import database_url, fresh_postgres_schema, platform, spans

__all__ = ["database_url", "fresh_postgres_schema", "platform", "spans"]
