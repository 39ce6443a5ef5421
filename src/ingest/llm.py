"""THE LLM seam: `LLM.complete(RenderedPrompt, Schema) -> LLMResult[Schema]`.

Stages never build clients; they receive an `LLM` from `make_llm(settings)`.
Backends: `OpenAICompatibleLLM` (this module; the only importer of `openai`) and `RuleBasedLLM`
(offline.py). Both return validated pydantic objects or raise an `LLMError` subclass carrying
attempts and token usage.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from pydantic import BaseModel

from .config import Settings
from .prompts import RenderedPrompt

T = TypeVar("T", bound=BaseModel)


@dataclass
class LLMResult(Generic[T]):
    """A validated answer plus its provenance and cost."""

    parsed: T
    raw: str
    backend: str
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    attempts: int = 1
    latency_ms: float = 0.0


class LLM(Protocol):
    """Any backend: `backend` and `model` name it in the llm_call log."""

    backend: str
    model: str

    async def complete(self, prompt: RenderedPrompt, schema: type[T]) -> LLMResult[T]: ...


def make_llm(settings: Settings) -> LLM:
    """The active backend for these settings (see Settings.active_backend)."""
    if settings.active_backend == "offline":
        from .offline import RuleBasedLLM

        return RuleBasedLLM()
    return OpenAICompatibleLLM(settings)
