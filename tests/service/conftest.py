"""Fixtures of this folder: ``database_url`` runs a test on SQLite and on PostgreSQL."""

from tests.databases import database_url, fresh_postgres_schema

__all__ = ["database_url", "fresh_postgres_schema"]
