"""Engine construction and schema migration (Alembic), for SQLite and PostgreSQL alike."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from autoglm_ops.core.errors import ConfigurationError, StoreUnavailableError


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # WAL lets readers run beside the writer; synchronous=FULL makes every committed
    # (and therefore acknowledged) request survive a kill -9 or power loss.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _drop_read_only_connections(context: Any) -> None:
    # SQLite opens a file it may not write read-only, and such a connection stays read-only
    # after the file becomes writable again: treating the error as a disconnect makes the
    # pool replace its connections, so the service recovers without a restart.
    msg = str(context.original_exception).lower()
    if "readonly database" in msg or "unable to open database file" in msg:
        context.is_disconnect = True


def make_engine(url: str) -> Engine:
    """Create an engine for ``url``; SQLite files get WAL + synchronous=FULL."""
    try:
        parsed = make_url(url)
    except Exception:  # sqlalchemy raises ArgumentError for garbage URLs
        raise ConfigurationError(
            "AUTOGLM_DATABASE_URL is not a valid SQLAlchemy URL "
            "(e.g. sqlite:///var/autoglm.db or postgresql+psycopg://user@host/db)"
        ) from None
    if parsed.get_backend_name() == "sqlite":
        is_uri = parsed.query.get("uri") == "true"  # file:...?mode=ro names no plain path
        if parsed.database and parsed.database != ":memory:" and not is_uri:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 5.0}, pool_size=8
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "handle_error", _drop_read_only_connections)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision."""
    from alembic import command
    from alembic.config import Config

    script_dir = resources.files("autoglm_ops.store") / "migrations"
    cfg = Config()
    cfg.set_main_option("script_location", str(script_dir))
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    except SQLAlchemyError as exc:
        raise StoreUnavailableError(
            f"cannot migrate the database ({type(exc).__name__}); check AUTOGLM_DATABASE_URL "
            "and that the server is reachable"
        ) from None


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
