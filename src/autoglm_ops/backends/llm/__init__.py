"""The ``llm`` extraction backend: any OpenAI-compatible chat-completions server.

Registered as ``llm = "autoglm_ops.backends.llm:LLMExtractor"`` in the
``autoglm_ops.backends`` entry-point group.
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
