"""Structured JSON-lines logging on the standard library, with PII masking as a last defence.

One line per record, always with the same keys (``null`` when unknown) so that log stores can
index them: ``ts, level, logger, msg, request_id, tenant, task, model, latency_ms, outcome``,
then any extras passed with ``extra={...}``, then ``exc`` for a traceback.

The service never logs customer text; :class:`PiiMaskingFilter` still runs
:func:`~autoglm_ops.core.pii.mask_pii` over the message, every string extra and the traceback,
in case some library or a careless ``log.info("%s", text)`` does.

Nothing happens at import time: call :func:`configure_logging` once at process start (calling it
again replaces the handler it installed instead of adding a second one).
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import IO, Any

from autoglm_ops.core.pii import mask_pii

__all__ = [
    "CONTEXT_FIELDS",
    "ContextFilter",
    "JsonFormatter",
    "PiiMaskingFilter",
    "configure_logging",
    "log_context",
]

# Fields every line carries; the first five can be bound per request with log_context().
CONTEXT_FIELDS = ("request_id", "tenant", "task", "model", "latency_ms", "outcome")

# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_RESERVED = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "taskName",
}

_context: contextvars.ContextVar[Mapping[str, Any] | None] = contextvars.ContextVar(
    "autoglm_log_context", default=None
)

_HANDLER_MARK = "_autoglm_ops_handler"


@contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """Bind fields (request_id, tenant, ...) to every record logged inside the ``with`` block.

    Context-local, so concurrent requests under asyncio or threads don't see each other's fields.
    """
    token = _context.set({**(_context.get() or {}), **fields})
    try:
        yield
    finally:
        _context.reset(token)


class ContextFilter(logging.Filter):
    """Copies the fields bound by :func:`log_context` onto the record, unless given explicitly."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in (_context.get() or {}).items():
            if key not in record.__dict__:
                setattr(record, key, value)
        return True


def _mask_value(value: Any) -> Any:
    if isinstance(value, str):
        return mask_pii(value)
    if isinstance(value, Mapping):
        return {k: _mask_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_mask_value(v) for v in value]
    return value


class PiiMaskingFilter(logging.Filter):
    """Masks personal data in the message, in every string extra and in the traceback.

    The message is rendered (``msg % args``) before masking, so PII passed as an argument is
    caught too; ``args`` is then cleared so nothing renders it again.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_pii(record.getMessage())
        record.args = None
        for key, value in list(record.__dict__.items()):
            if key not in _RESERVED:
                record.__dict__[key] = _mask_value(value)
        if record.exc_info and not record.exc_text:
            # Formatter.format reuses exc_text when set, so the raw traceback is never printed.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_pii(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_pii(record.stack_info)
        return True


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object on one line."""

    def format(self, record: logging.LogRecord) -> str:
        body: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, tz=UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key in CONTEXT_FIELDS:
            body[key] = record.__dict__.get(key)
        for key, value in record.__dict__.items():
            if key not in _RESERVED and key not in body:
                body[key] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            body["exc"] = record.exc_text
        if record.stack_info:
            body["stack"] = record.stack_info
        return json.dumps(body, ensure_ascii=False, default=str)


def configure_logging(level: int | str = "INFO", stream: IO[str] | None = None) -> logging.Handler:
    """Send every log record to ``stream`` (default stderr) as masked JSON lines.

    Installs one handler on the root logger and sets the root level. Idempotent: a second call
    replaces the handler installed by the first, so records are never written twice.
    Returns the handler (tests read from its stream).
    """
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(old)
        old.close()
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    setattr(handler, _HANDLER_MARK, True)
    # On the handler, not a logger: handler filters also see records propagated from
    # third-party loggers, logger filters do not. Context first, so bound fields get masked.
    handler.addFilter(ContextFilter())
    handler.addFilter(PiiMaskingFilter())
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)
    return handler
