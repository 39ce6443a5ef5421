"""RuleBasedLLM: the LLM seam without a network (backend "offline", model "offline-rules").

Input: a RenderedPrompt (only its name and `variables` are read: never the database, never the
rendered text, so the fake OpenAI server can run it on variables recovered from a request) and the
pydantic schema to answer. Output: an LLMResult whose `parsed` validates against the schema.
Dispatch on prompt.name: "extract_paper" -> offline_extract rules; the report prompts ->
offline_report.answer. Deterministic: the same variables always give the same answer. Token counts
are estimated as characters // 4 so the llm_call log and the benches have figures.
Failure: an unknown prompt name or an answer that does not fit the schema raises LLMOutputError.
"""

from __future__ import annotations

import time
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ingest.config import REPORT_PROMPT_NAMES
from ingest.errors import LLMOutputError
from ingest.facts.sheet import PaperFacts
from ingest.llm.prompts import RenderedPrompt
from ingest.llm.seam import LLMResult

T = TypeVar("T", bound=BaseModel)


def _answer(name: str, variables: dict[str, Any], schema: type[T]) -> T:
    # each rule set is imported on its first prompt: a report-only process never compiles the
    # extraction rules' patterns, an extract-only one never loads the report writers
    if name == "extract_paper":
        from ingest.llm.offline.extract import extract, facts

        result: Any = facts(variables) if schema is PaperFacts else extract(variables)
    elif name in REPORT_PROMPT_NAMES:
        from ingest.llm.offline.report import answer

        result = answer(name, variables, schema)
    else:
        raise LLMOutputError(f"offline backend has no rules for prompt {name!r}")
    if not isinstance(result, schema):
        result = schema.model_validate(result.model_dump() if isinstance(result, BaseModel) else result)
    return result


class RuleBasedLLM:
    """Deterministic rules behind the same `complete(prompt, schema)` seam as the OpenAI backend."""

    backend = "offline"
    model = "offline-rules"

    async def complete(self, prompt: RenderedPrompt, schema: type[T]) -> LLMResult[T]:
        started = time.perf_counter()
        try:
            parsed = _answer(prompt.name, dict(prompt.variables), schema)
        except ValidationError as exc:
            raise LLMOutputError(
                f"offline {prompt.name} answer does not fit {schema.__name__}: "
                f"{exc.error_count()} errors, first: {exc.errors()[0]['msg']}"
            ) from None
        raw = parsed.model_dump_json()
        return LLMResult(
            parsed=parsed,
            raw=raw,
            backend=self.backend,
            model=self.model,
            prompt_tokens=(len(prompt.system) + len(prompt.user)) // 4,
            completion_tokens=len(raw) // 4,
            attempts=1,
            latency_ms=(time.perf_counter() - started) * 1000,
        )

    async def aclose(self) -> None:
        """Nothing to release."""
