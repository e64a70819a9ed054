"""Fixtures of the llm backend tests: the scripted OpenAI double on an ephemeral port."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from autoglm_ops.tasks.registry import TaskRegistry
from autoglm_ops.tasks.schema import TaskDefinition
from tests.doubles.openai_double import OpenAIDouble


@pytest.fixture
def openai_double() -> Iterator[OpenAIDouble]:
    with OpenAIDouble() as double:
        yield double


@pytest.fixture(scope="session")
def income_task() -> TaskDefinition:
    return TaskRegistry.load().get("income_parsing")
