"""The provider's Batch API (OpenAI-compatible Files + Batches endpoints): JSONL request lines -> a batch
job -> its state -> its output and error lines.

`BatchAPI(llm)` wraps the `OpenAICompatibleLLM` whose model, request bodies and answer reading the
batch shares (so a batch line is exactly the synchronous request). Calls go through the openai SDK's
synchronous client (built by the backend, the only importer of `openai`); every provider error
becomes one LLMAuthError / LLMTransportError line without the key. Output lines are matched by
custom_id, never by position. No database access here: ingest.extract.batch keeps the state.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ingest.errors import ConfigError
from ingest.llm.openai_backend import OpenAICompatibleLLM
from ingest.llm.seam import LLM

ENDPOINT = "/v1/chat/completions"
ENDED = frozenset({"completed", "failed", "expired", "cancelled"})
MAX_REQUESTS = 50_000  # per input file (provider limit)
MAX_BYTES = 190_000_000  # per input file (provider limit 200 MB; some margin)


@dataclass
class BatchState:
    """What the provider says about one batch."""

    id: str
    status: str
    input_file_id: str | None = None
    output_file_id: str | None = None
    error_file_id: str | None = None
    total: int = 0
    completed: int = 0
    failed: int = 0
    metadata: dict[str, str] = field(default_factory=dict)
    errors: str | None = None

    @property
    def ended(self) -> bool:
        return self.status in ENDED


def _state(batch: Any) -> BatchState:
    counts = batch.request_counts
    errors = getattr(batch, "errors", None)
    messages = [getattr(e, "message", "") or "" for e in (getattr(errors, "data", None) or [])]
    return BatchState(
        id=batch.id,
        status=batch.status,
        input_file_id=batch.input_file_id,
        output_file_id=batch.output_file_id,
        error_file_id=batch.error_file_id,
        total=int(getattr(counts, "total", 0) or 0),
        completed=int(getattr(counts, "completed", 0) or 0),
        failed=int(getattr(counts, "failed", 0) or 0),
        metadata=dict(batch.metadata or {}),
        errors="; ".join(m for m in messages if m)[:2000] or None,
    )


class BatchAPI:
    """Files and Batches calls of one OpenAI-compatible endpoint."""

    def __init__(self, llm: LLM) -> None:
        if not isinstance(llm, OpenAICompatibleLLM):
            raise ConfigError(
                f"--batch needs an OpenAI-compatible endpoint (backend openai), not backend {llm.backend!r}: "
                "set OPENAI_API_KEY or OPENAI_BASE_URL"
            )
        self.llm = llm
        self._client: Any = None

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = self.llm.sync_client()
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def upload(self, lines: list[dict[str, Any]]) -> str:
        """Upload JSONL request lines (purpose batch); returns the file id."""
        data = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines).encode()
        with self.llm.api_errors("uploading the batch file"):
            return str(self.client.files.create(file=("batch.jsonl", data), purpose="batch").id)

    def create(self, file_id: str, metadata: dict[str, str]) -> BatchState:
        with self.llm.api_errors("creating the batch"):
            batch = self.client.batches.create(
                input_file_id=file_id, endpoint=ENDPOINT, completion_window="24h", metadata=metadata
            )
        return _state(batch)

    def retrieve(self, batch_id: str) -> BatchState:
        with self.llm.api_errors(f"reading batch {batch_id}"):
            return _state(self.client.batches.retrieve(batch_id))

    def cancel(self, batch_id: str) -> BatchState:
        with self.llm.api_errors(f"cancelling batch {batch_id}"):
            return _state(self.client.batches.cancel(batch_id))

    def find(self, metadata: dict[str, str], newest: int = 1000) -> BatchState | None:
        """The batch (among the `newest` the provider lists) whose metadata holds all of `metadata`."""
        with self.llm.api_errors("listing batches"):
            for i, batch in enumerate(self.client.batches.list(limit=100)):
                if i >= newest:
                    break
                if all((batch.metadata or {}).get(k) == v for k, v in metadata.items()):
                    return _state(batch)
        return None

    def lines(self, file_id: str) -> Iterator[dict[str, Any]]:
        """The JSON lines of an output or error file (a line that is not JSON comes back as
        {"malformed": text})."""
        with self.llm.api_errors(f"downloading batch file {file_id}"):
            text = self.client.files.content(file_id).text
        for line in text.splitlines():
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except ValueError:
                yield {"malformed": line[:500]}
                continue
            yield value if isinstance(value, dict) else {"malformed": line[:500]}


def split_lines(lines: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Request lines in input files within the provider's limits (MAX_REQUESTS lines, MAX_BYTES)."""
    files: list[list[dict[str, Any]]] = [[]]
    size = 0
    for line in lines:
        n = len(json.dumps(line, ensure_ascii=False).encode()) + 1
        if files[-1] and (len(files[-1]) >= MAX_REQUESTS or size + n > MAX_BYTES):
            files.append([])
            size = 0
        files[-1].append(line)
        size += n
    return [f for f in files if f]
