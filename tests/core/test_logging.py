"""JSON-lines logging: the shape of a line, idempotent setup, context binding, PII masking."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from autoglm_ops.core.logging import CONTEXT_FIELDS, configure_logging, log_context

PHONE = "13812345678"
ID_NO = "110101199003071233"
CARD = "4111111111111111"


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    out = io.StringIO()
    configure_logging("DEBUG", out)
    yield out
    for handler in list(root.handlers):
        if handler not in saved_handlers:
            root.removeHandler(handler)
    root.setLevel(saved_level)


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_each_record_is_one_json_line_with_the_fixed_fields(stream: io.StringIO) -> None:
    log = logging.getLogger("autoglm_ops.test")
    log.info("served", extra={"task": "income_parsing", "latency_ms": 12.5, "outcome": "ok"})
    log.warning("second")
    first, second = lines(stream)
    assert list(first)[:4] == ["ts", "level", "logger", "msg"]
    assert set(CONTEXT_FIELDS) <= set(first)
    assert first["level"] == "INFO" and first["logger"] == "autoglm_ops.test"
    assert first["msg"] == "served"
    assert (first["task"], first["latency_ms"], first["outcome"]) == ("income_parsing", 12.5, "ok")
    assert first["request_id"] is None and first["model"] is None
    assert first["ts"].endswith("Z") and "T" in first["ts"]
    assert second["level"] == "WARNING"


def test_level_is_honoured(stream: io.StringIO) -> None:
    configure_logging("WARNING", stream)
    logging.getLogger("autoglm_ops.test").info("dropped")
    logging.getLogger("autoglm_ops.test").error("kept")
    assert [r["msg"] for r in lines(stream)] == ["kept"]


def test_configure_logging_is_idempotent(stream: io.StringIO) -> None:
    configure_logging("INFO", stream)
    configure_logging("INFO", stream)
    logging.getLogger("x").info("once")
    assert len(lines(stream)) == 1
    marked = [h for h in logging.getLogger().handlers if getattr(h, "_autoglm_ops_handler", 0)]
    assert len(marked) == 1


def test_import_has_no_side_effects() -> None:
    code = (
        "import logging; before = (list(logging.getLogger().handlers), logging.getLogger().level);"
        "import autoglm_ops.core.logging;"
        "after = (list(logging.getLogger().handlers), logging.getLogger().level);"
        "assert before == after, (before, after)"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_extras_of_any_type_are_serialised(stream: io.StringIO) -> None:
    logging.getLogger("x").info("n", extra={"amount": Decimal("1.50"), "tags": ("a", "b")})
    [row] = lines(stream)
    assert row["amount"] == "1.50" and row["tags"] == ["a", "b"]


def test_pii_is_masked_in_message_args_extras_and_tracebacks(stream: io.StringIO) -> None:
    log = logging.getLogger("autoglm_ops.test")
    log.info(
        f"text was 身份证{ID_NO}",
        extra={"note": f"call {PHONE}", "nested": {"cards": [f"卡{CARD}"], "n": 3}},
    )
    log.info("caller %s wrote %s", "a@example.com", f"手机{PHONE}")
    try:
        raise ValueError(f"cannot parse {ID_NO}")
    except ValueError:
        log.exception("failed")
    out = stream.getvalue()
    for secret in (PHONE, ID_NO, CARD, "a@example.com"):
        assert secret not in out
    first, second, third = lines(stream)
    assert first["msg"] == "text was 身份证[ID]"
    assert first["note"] == "call [PHONE]"
    assert first["nested"] == {"cards": ["卡[CARD]"], "n": 3}
    assert second["msg"] == "caller [EMAIL] wrote 手机[PHONE]"
    assert "ValueError: cannot parse [ID]" in third["exc"]


def test_records_from_third_party_loggers_are_masked_too(stream: io.StringIO) -> None:
    # the filter sits on the handler, so propagated records pass through it
    logging.getLogger("uvicorn.error.something").warning("client %s", PHONE)
    [row] = lines(stream)
    assert row["msg"] == "client [PHONE]"


def test_log_context_binds_fields_and_explicit_extra_wins(stream: io.StringIO) -> None:
    log = logging.getLogger("autoglm_ops.test")
    with log_context(request_id="r-1", tenant="acme"):
        log.info("inside")
        with log_context(task="income_parsing"):
            log.info("nested", extra={"tenant": "override"})
    log.info("outside")
    inside, nested, outside = lines(stream)
    assert (inside["request_id"], inside["tenant"], inside["task"]) == ("r-1", "acme", None)
    assert (nested["request_id"], nested["tenant"], nested["task"]) == (
        "r-1",
        "override",
        "income_parsing",
    )
    assert outside["request_id"] is None and outside["tenant"] is None


def test_bound_context_is_masked(stream: io.StringIO) -> None:
    with log_context(request_id=f"req-{PHONE}"):
        logging.getLogger("x").info("m")
    assert lines(stream)[0]["request_id"] == "req-[PHONE]"


def test_log_context_is_isolated_between_concurrent_tasks(stream: io.StringIO) -> None:
    log = logging.getLogger("autoglm_ops.test")

    async def handle(rid: str) -> None:
        with log_context(request_id=rid):
            await asyncio.sleep(0)  # interleave with the other task
            log.info("done", extra={"outcome": rid})

    async def main() -> None:
        await asyncio.gather(handle("a"), handle("b"))

    asyncio.run(main())
    rows = [r for r in lines(stream) if r["logger"] == "autoglm_ops.test"]
    assert sorted((r["request_id"], r["outcome"]) for r in rows) == [
        ("a", "a"),
        ("b", "b"),
    ]
