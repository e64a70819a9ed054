"""The ``llm`` extraction backend: any OpenAI-compatible chat-completions server.

Registered as ``llm = "autoglm_ops.backends.llm:LLMExtractor"`` in the
``autoglm_ops.backends`` entry-point group. Configure it with ``AUTOGLM_LLM_*``, e.g.::

    AUTOGLM_LLM_BASE_URL=http://127.0.0.1:8000/v1  AUTOGLM_LLM_MODEL=THUDM/glm-4-9b-chat  # vLLM
    AUTOGLM_LLM_BASE_URL=http://127.0.0.1:30000/v1                                        # SGLang
    AUTOGLM_LLM_BASE_URL=http://127.0.0.1:11434  AUTOGLM_LLM_MODEL=glm4                   # Ollama
    AUTOGLM_LLM_BASE_URL=http://127.0.0.1:8080/v1                                   # llama-server
    AUTOGLM_LLM_BASE_URL=https://open.bigmodel.cn/api/paas/v4  AUTOGLM_LLM_API_KEY=...   # hosted

A base URL without a path gets ``/v1``. Structured output defaults to ``json_schema``; the
backend falls back to ``json_object`` and then plain prompting, and stops asking for logprobs or
a temperature, when the server says it does not support them.
"""

from autoglm_ops.backends.llm.backend import LLMExtractor, field_confidence
from autoglm_ops.backends.llm.client import ChatClient, ChatResult, chat_completions_url
from autoglm_ops.backends.llm.grounding import Grounder, Grounding

__all__ = [
    "ChatClient",
    "ChatResult",
    "Grounder",
    "Grounding",
    "LLMExtractor",
    "chat_completions_url",
    "field_confidence",
]
