"""The fake OpenAI server's Files and Batches endpoints (used by tests/fakeopenai.py's handler).

POST /v1/files (multipart, purpose=batch) stores a JSONL file; GET /v1/files/{id}/content returns a
file; POST /v1/batches creates a batch (status validating), GET /v1/batches/{id} reads it, GET
/v1/batches lists them newest first, POST /v1/batches/{id}/cancel cancels it (cancelling, then
cancelled on the next read). A batch stays in_progress until the test calls `finish(...)` (or, with
`auto` set, on its second read): then its lines are answered like chat completions (the offline rule
backend through the same default answer), except the custom_ids in `fail` (an error-file line with
status 500) and in `invalid` (an answer that fails validation); `processed` limits how many lines
ran (an expired or cancelled batch ran only some). `answered` logs every custom_id answered,
`papers` the arXiv id of each.
"""

from __future__ import annotations

import email.parser
import email.policy
import itertools
import json
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

_IDS = itertools.count(1)
ARXIV_ID = re.compile(r'"arxiv_id":\s*"([^"]+)"|arXiv paper (\d{4}\.\d{4,5})')  # v1 fence / v2 heading


@dataclass
class FakeBatchJob:
    id: str
    input_file_id: str
    metadata: dict[str, str]
    status: str = "validating"
    output_file_id: str | None = None
    error_file_id: str | None = None
    completed: int = 0
    failed: int = 0
    total: int = 0
    reads: int = 0
    created_at: int = field(default_factory=lambda: int(time.time()))

    def payload(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "batch",
            "endpoint": "/v1/chat/completions",
            "input_file_id": self.input_file_id,
            "completion_window": "24h",
            "status": self.status,
            "output_file_id": self.output_file_id,
            "error_file_id": self.error_file_id,
            "created_at": self.created_at,
            "request_counts": {"total": self.total, "completed": self.completed, "failed": self.failed},
            "metadata": self.metadata,
        }


@dataclass
class FakeBatches:
    """Files and batches of one fake server; `answer(body) -> completion dict` answers one line."""

    answer: Callable[[dict[str, Any]], dict[str, Any]]
    files: dict[str, str] = field(default_factory=dict)
    batches: dict[str, FakeBatchJob] = field(default_factory=dict)
    answered: list[str] = field(default_factory=list)  # custom_ids answered, in order
    papers: list[str] = field(default_factory=list)  # the arXiv id of each answered line, in order
    auto: str | None = None  # e.g. "completed": finish each batch on its second read
    lock: threading.Lock = field(default_factory=threading.Lock)

    # ---- HTTP side ----
    def upload(self, content_type: str, raw: bytes) -> dict[str, Any]:
        message = email.parser.BytesParser(policy=email.policy.default).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + raw
        )
        parts = {p.get_param("name", header="content-disposition"): p for p in message.iter_parts()}
        data = parts["file"].get_payload(decode=True) or b""
        file_id = f"file-{next(_IDS)}"
        with self.lock:
            self.files[file_id] = data.decode()
        return {
            "id": file_id,
            "object": "file",
            "bytes": len(data),
            "created_at": int(time.time()),
            "filename": "batch.jsonl",
            "purpose": "batch",
            "status": "processed",
        }

    def create(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        file_id = body.get("input_file_id", "")
        if file_id not in self.files:
            return 404, {"error": {"message": f"no file {file_id}", "type": "invalid_request_error"}}
        lines = [line for line in self.files[file_id].splitlines() if line.strip()]
        job = FakeBatchJob(f"batch_{next(_IDS)}", file_id, dict(body.get("metadata") or {}), total=len(lines))
        with self.lock:
            self.batches[job.id] = job
        return 200, job.payload()

    def read(self, batch_id: str) -> tuple[int, dict[str, Any]]:
        job = self.batches.get(batch_id)
        if job is None:
            return 404, {"error": {"message": f"no batch {batch_id}", "type": "invalid_request_error"}}
        job.reads += 1
        if job.status == "validating":
            job.status = "in_progress"
        elif job.status == "cancelling":
            self._run(job, "cancelled", processed=0)
        elif job.status == "in_progress" and self.auto and job.reads >= 2:
            self._run(job, self.auto)
        return 200, job.payload()

    def listing(self) -> dict[str, Any]:
        data = [j.payload() for j in reversed(list(self.batches.values()))]
        return {"object": "list", "data": data, "has_more": False}

    def cancel(self, batch_id: str) -> tuple[int, dict[str, Any]]:
        job = self.batches.get(batch_id)
        if job is None:
            return 404, {"error": {"message": f"no batch {batch_id}", "type": "invalid_request_error"}}
        if job.status in ("validating", "in_progress"):
            job.status = "cancelling"
        return 200, job.payload()

    # ---- test side ----
    def finish(
        self,
        status: str = "completed",
        *,
        processed: int | None = None,
        fail: Iterable[str] = (),
        invalid: Iterable[str] = (),
    ) -> None:
        """End every open batch with `status`, answering its first `processed` lines (all: None)."""
        for job in list(self.batches.values()):
            if job.status in ("validating", "in_progress", "cancelling"):
                self._run(job, status, processed=processed, fail=set(fail), invalid=set(invalid))

    def _run(
        self,
        job: FakeBatchJob,
        status: str,
        *,
        processed: int | None = None,
        fail: set[str] | None = None,
        invalid: set[str] | None = None,
    ) -> None:
        lines = [json.loads(line) for line in self.files[job.input_file_id].splitlines() if line.strip()]
        out, errors = [], []
        for line in lines[:processed]:
            custom = line["custom_id"]
            self.answered.append(custom)
            user = next((m["content"] for m in line["body"]["messages"] if m["role"] == "user"), "")
            found = ARXIV_ID.search(user)
            self.papers.append((found.group(1) or found.group(2)) if found else "")
            if custom in (fail or ()):
                body = {"error": {"message": "injected server error", "type": "server_error"}}
                errors.append(
                    {
                        "id": f"req_{custom}",
                        "custom_id": custom,
                        "response": {"status_code": 500, "body": body},
                        "error": None,
                    }
                )
                continue
            completion = self.answer(line["body"])
            if custom in (invalid or ()):
                completion["choices"][0]["message"]["content"] = '{"scope": "recsys"}'
            out.append(
                {
                    "id": f"req_{custom}",
                    "custom_id": custom,
                    "response": {"status_code": 200, "body": completion},
                    "error": None,
                }
            )
        job.status, job.completed, job.failed = status, len(out), len(errors)
        with self.lock:
            if out:
                job.output_file_id = f"file-{next(_IDS)}"
                self.files[job.output_file_id] = "".join(json.dumps(x) + "\n" for x in out)
            if errors:
                job.error_file_id = f"file-{next(_IDS)}"
                self.files[job.error_file_id] = "".join(json.dumps(x) + "\n" for x in errors)
