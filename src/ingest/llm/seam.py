"""THE LLM seam: `LLM.complete(RenderedPrompt, Schema) -> LLMResult[Schema]`, and the call log.

Stages never build clients; they receive an `LLM` from `ingest.llm.make_llm(settings)`. Backends:
`OpenAICompatibleLLM` (openai_backend.py, the only importer of `openai`) and `RuleBasedLLM`
(offline/). Both return validated pydantic objects or raise an `LLMError` subclass carrying
attempts and token usage. `log_call` adds the llm_call row of a finished call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel
from sqlmodel import Session

from ingest.db.models import LLMCall
from ingest.errors import LLMError
from ingest.llm.prompts import RenderedPrompt

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

    async def aclose(self) -> None:
        """Release clients/connections; call once at the end of the event loop that used the LLM."""
        ...


def log_call(
    session: Session,
    *,
    stage: str,
    prompt: RenderedPrompt,
    backend: str,
    model: str,
    result: LLMResult[Any] | None = None,
    error: LLMError | None = None,
    paper_id: int | None = None,
    run_id: int | None = None,
    input_hash: str | None = None,
    latency_ms: float | None = None,
    batch_id: int | None = None,
) -> LLMCall:
    """Add one llm_call row for a finished call (success: `result`; failure: `error`) to `session`.

    The caller commits (together with what the call produced, so a crash never leaves one without
    the other). Raw output is stored as returned; error text must already be free of secrets.
    `batch_id`: the llm_batch row of a Batch API call (priced with the batch discount).
    """
    row = LLMCall(
        run_id=run_id,
        paper_id=paper_id,
        stage=stage,
        prompt_name=prompt.name,
        prompt_version=prompt.version,
        prompt_hash=prompt.hash,
        backend=backend,
        model=model,
        input_hash=input_hash,
        batch_id=batch_id,
    )
    if result is not None:
        row.prompt_tokens, row.completion_tokens = result.prompt_tokens, result.completion_tokens
        row.attempts, row.latency_ms, row.raw_output = result.attempts, result.latency_ms, result.raw
        row.status = "ok"
    elif error is not None:
        row.prompt_tokens, row.completion_tokens = error.prompt_tokens, error.completion_tokens
        row.attempts, row.raw_output = error.attempts, error.raw
        row.status, row.error = "failed", f"{type(error).__name__}: {error}"
        row.latency_ms = latency_ms or 0.0
    session.add(row)
    return row
