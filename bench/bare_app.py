"""A bare FastAPI endpoint calling the same extractor: the baseline for the platform overhead.

No auth, no storage, no validation beyond pydantic: what a hand-rolled wrapper would do.
"""

from __future__ import annotations

import os
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

from autoglm_ops.backends.registry import create_backend
from autoglm_ops.core.settings import Settings
from autoglm_ops.tasks.registry import TaskRegistry

_settings = Settings(backend=os.environ.get("BENCH_BACKEND", "rules"))
_task = TaskRegistry.load().get("income_parsing")
_backend = create_backend(_settings.backend, _settings)

app = FastAPI()


class Body(BaseModel):
    text: str
    task: str


@app.post("/v1/extract")
def extract(body: Body) -> dict[str, Any]:
    return _backend.extract(body.text, _task).data
