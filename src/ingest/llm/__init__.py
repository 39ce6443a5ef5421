"""The LLM seam and its backends: `make_llm(settings)` -> an `LLM` whose `complete(prompt, Schema)`
returns a validated `LLMResult`.

Stages import only this package's entry points: the seam types, `make_llm`, `log_call`, the prompt
registry (`render`, `prompt_hash`), the contracts module and `BatchAPI` (the provider's Batch API).
Backend `offline` (rules, no network) is the default without an endpoint; `openai` talks to any
OpenAI-compatible server.
"""

from __future__ import annotations

from ingest.config import Settings
from ingest.llm.batch_api import ENDED, BatchAPI, BatchState, split_lines
from ingest.llm.offline import RuleBasedLLM
from ingest.llm.openai_backend import OpenAICompatibleLLM
from ingest.llm.prompts import RenderedPrompt, prompt_hash, render
from ingest.llm.seam import LLM, LLMResult, log_call

__all__ = [
    "ENDED",
    "LLM",
    "BatchAPI",
    "BatchState",
    "LLMResult",
    "OpenAICompatibleLLM",
    "RenderedPrompt",
    "RuleBasedLLM",
    "log_call",
    "make_llm",
    "prompt_hash",
    "render",
    "split_lines",
]


def make_llm(settings: Settings) -> LLM:
    """The active backend for these settings (see Settings.active_backend); ConfigError at once when
    it cannot work (openai without a key, see Settings.check_llm)."""
    settings.check_llm()
    if settings.active_backend == "offline":
        return RuleBasedLLM()
    return OpenAICompatibleLLM(settings)
