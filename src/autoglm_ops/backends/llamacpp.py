"""``llamacpp`` backend: the llm backend on a local GGUF file, served in-process by xllamacpp.

The same prompt, structured output, validation, grounding and confidence as ``llm``; only the
transport differs: requests go straight to llama.cpp's server object in this process, with no
network hop and no server to operate. For one machine without a GPU or an inference server;
needs the ``llamacpp`` extra (``pip install 'autoglm-ops[llamacpp]'``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, ClassVar

import httpx

from autoglm_ops.backends.llm.backend import LLMExtractor
from autoglm_ops.backends.llm.client import ChatClient
from autoglm_ops.core.errors import ConfigurationError, ModelArtifactError
from autoglm_ops.core.settings import Settings

_LOCAL_URL = "http://llamacpp.in-process/v1"


class InProcessTransport(httpx.BaseTransport):
    """An httpx transport that hands chat-completions bodies to an in-process llama.cpp server."""

    def __init__(self, server: Any) -> None:
        self._server = server

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Answer one request as the HTTP server would (400 for a refused body)."""
        try:
            body = json.loads(request.read())
            result = self._server.handle_chat_completions(body)
        except ValueError as exc:
            # llama.cpp refuses bad request fields with ValueError; its message names the field
            error = {"error": {"code": 400, "type": "invalid_request_error", "message": str(exc)}}
            return httpx.Response(400, json=error, request=request)
        if isinstance(result, dict) and isinstance(result.get("error"), dict):
            code = result["error"].get("code")
            status = code if isinstance(code, int) and 400 <= code < 600 else 500
            return httpx.Response(status, json=result, request=request)
        return httpx.Response(200, json=result, request=request)


class LlamaCppExtractor(LLMExtractor):
    """Extracts any task with a local GGUF chat model through xllamacpp, in this process."""

    name: ClassVar[str] = "llamacpp"
    version: ClassVar[str] = "1.0.0"
    remote: ClassVar[bool] = False

    def __init__(
        self,
        model_path: str | Path,
        *,
        n_ctx: int = 4096,
        n_threads: int | None = None,
        n_parallel: int = 1,
        **kw: Any,
    ) -> None:
        path = Path(model_path)
        if not path.is_file():
            raise ModelArtifactError(
                f"GGUF model file not found: {path}; set AUTOGLM_LLM_GGUF_PATH to a .gguf file"
            )
        try:
            import xllamacpp
        except ImportError:
            raise ConfigurationError(
                "the llamacpp backend needs xllamacpp: pip install 'autoglm-ops[llamacpp]'"
            ) from None
        params = xllamacpp.CommonParams()
        params.model.path = str(path)
        params.n_ctx = n_ctx
        params.n_parallel = n_parallel
        threads = n_threads or max(1, min(8, os.cpu_count() or 1))
        params.cpuparams.n_threads = threads
        params.cpuparams_batch.n_threads = threads
        # xllamacpp also opens an HTTP listener; keep it on loopback and on a free port
        params.hostnames = ["127.0.0.1"]
        params.port = 0
        params.warmup = False
        self._server = xllamacpp.Server(params)
        client = ChatClient(
            _LOCAL_URL,
            timeout_s=kw.pop("timeout_s", 300.0),
            max_retries=0,
            max_concurrency=n_parallel,
            transport=InProcessTransport(self._server),
        )
        kw.setdefault("model", path.stem)
        kw.setdefault("max_concurrency", n_parallel)
        super().__init__(_LOCAL_URL, client=client, **kw)

    @classmethod
    def from_settings(cls, settings: Settings) -> LlamaCppExtractor:
        """Build from ``AUTOGLM_LLM_GGUF_PATH`` and the ``AUTOGLM_LLM_*`` generation settings."""
        if settings.llm_gguf_path is None:
            raise ConfigurationError(
                "the llamacpp backend needs a GGUF model file: set AUTOGLM_LLM_GGUF_PATH"
            )
        return cls(
            settings.llm_gguf_path,
            max_tokens=settings.llm_max_tokens,
            structured_output=settings.llm_structured_output,
            logprobs=settings.llm_logprobs,
            max_repairs=settings.llm_max_repairs,
            token_budget=settings.llm_token_budget,
        )

    def close(self) -> None:
        super().close()
        # the native server stops in its destructor
        self._server = None
