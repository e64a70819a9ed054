"""Alembic environment: runs on the connection handed over by autoglm_ops.store.db.migrate,
or on AUTOGLM_DATABASE_URL when invoked through the alembic CLI."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from autoglm_ops.core.settings import get_settings
from autoglm_ops.store.models import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    conn = config.attributes.get("connection")
    if conn is not None:
        context.configure(connection=conn, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(get_settings().resolved_database_url)
    with engine.begin() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


run()
