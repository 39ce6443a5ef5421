"""Batch API extraction: papers -> provider batch jobs (llm_batch rows) -> collected, verified extractions.

`submit` builds one request line per paper that has no OK extraction and no live claim (the same
prompt, schema, request body and cache key as the synchronous path; custom_id `task-<extract_task
id>`), claims those tasks for the batch (owner `batch:<llm_batch id>`) and writes the llm_batch row
BEFORE uploading: a process killed between upload and create is recovered by `refresh`, which
finds the provider batch by its metadata (ingest_batch id + owner token) or, when none was created,
gives the tasks back. So a paper is never in two live batches, nor in a batch and a worker at once.
`refresh` stores every open batch's provider state and keeps its task leases alive; `cancel` asks
the provider to stop open batches. Collecting ended batches is collect.py's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from ingest.config import Settings
from ingest.db import lease
from ingest.db.models import LLMBatch, table_of, utcnow
from ingest.errors import Failure
from ingest.extract.runner import PROMPT, Job, schema_for
from ingest.extract.store import cached_keys
from ingest.extract.tasks import BATCH_OWNER, TASK, add_tasks
from ingest.llm import ENDED, LLM, BatchAPI, BatchState, split_lines

BATCH = table_of(LLMBatch)
TASK_LEASE = 26 * 3600.0  # a batch holds its tasks for its 24 h window plus finalizing (renewed by refresh)
SUBMIT_LEASE = 600.0  # how long a submitting process may take between the row and the provider batch
COLLECT_LEASE = 3600.0


def owner_of(batch_id: int) -> str:
    return f"{BATCH_OWNER}{batch_id}"


def custom_id(task_id: int) -> str:
    return f"task-{task_id}"


def task_of(custom: Any) -> int | None:
    text = str(custom or "")
    return int(text[5:]) if text.startswith("task-") and text[5:].isdigit() else None


@dataclass
class BatchRun:
    """What one submit/refresh/collect pass did."""

    submitted: list[int] = field(default_factory=list)  # llm_batch ids created
    requests: int = 0  # request lines sent
    cached: int = 0  # papers with an OK extraction already (not sent)
    busy: int = 0  # papers claimed by a worker or another batch (not sent)
    collected: list[int] = field(default_factory=list)  # llm_batch ids collected
    stored_ok: int = 0
    stored_failed: int = 0
    unprocessed: int = 0
    open: int = 0  # batches still running at the provider
    failures: list[Failure] = field(default_factory=list)

    def counts(self) -> dict[str, Any]:
        return {
            "batches_submitted": len(self.submitted),
            "batch_requests": self.requests,
            "cached": self.cached,
            "busy": self.busy,
            "batches_collected": len(self.collected),
            "extracted": self.stored_ok,
            "failed": self.stored_failed,
            "unprocessed": self.unprocessed,
            "batches_open": self.open,
        }


# ------------------------------------------------------------------------------------------------ submit


def submit(
    settings: Settings,
    engine: Engine,
    jobs: Sequence[Job],
    llm: LLM,
    *,
    run_id: int | None,
    force: bool = False,
    result: BatchRun | None = None,
) -> BatchRun:
    """Send `jobs` (minus cached ones unless `force`, minus claimed ones) as batch jobs."""
    api = BatchAPI(llm)
    result = result or BatchRun()
    jobs = list(jobs)
    if not force:
        with Session(engine) as session:
            done = cached_keys(session, [j.key for j in jobs])
        result.cached += sum(1 for j in jobs if j.key in done)
        jobs = [j for j in jobs if j.key not in done]
    with engine.begin() as conn:
        ids = add_tasks(conn, [j.key for j in jobs])
    for job in jobs:
        job.task_id = ids[job.key]
    by_task = {j.task_id: j for j in jobs}
    lines = [_line(api, j) for j in jobs]
    try:
        for group in split_lines(lines):
            _submit_group(settings, engine, api, group, by_task, run_id, result)
    finally:
        api.close()
    return result


def _line(api: BatchAPI, job: Job) -> dict[str, Any]:
    assert job.task_id is not None
    body = api.llm.request_body(job.prompt(), schema_for(job.version))
    return {
        "custom_id": custom_id(job.task_id),
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": body,
    }


def _submit_group(
    settings: Settings,
    engine: Engine,
    api: BatchAPI,
    lines: list[dict[str, Any]],
    by_task: dict[int | None, Job],
    run_id: int | None,
    result: BatchRun,
) -> None:
    me = lease.new_owner()
    digest = next(iter(by_task.values())).key.prompt_hash
    with engine.begin() as conn:
        inserted = conn.execute(
            insert(BATCH).values(
                status="submitting",
                backend=api.llm.backend,
                model=api.llm.model,
                prompt_name=PROMPT,
                prompt_version=settings.prompt_version(PROMPT),
                prompt_hash=digest,
                requests=0,
                completed=0,
                failed=0,
                stored_ok=0,
                stored_failed=0,
                unprocessed=0,
                run_id=run_id,
                owner=me,
                lease_until=lease.now() + timedelta(seconds=SUBMIT_LEASE),
                created_at=utcnow(),
                updated_at=utcnow(),
            )
        ).inserted_primary_key
        assert inserted is not None  # a single-row INSERT reports its key
        batch_id: int = inserted[0]
        wanted = [task_of(line["custom_id"]) for line in lines]
        claimed: set[int] = set()
        for start in range(0, len(wanted), 500):
            part = wanted[start : start + 500]
            claimed.update(
                lease.claim(
                    conn, TASK, owner_of(batch_id), TASK_LEASE, limit=len(part), where=[TASK.c.id.in_(part)]
                )
            )
        lines = [line for line in lines if task_of(line["custom_id"]) in claimed]
        result.busy += len(wanted) - len(lines)
        if not lines:
            conn.execute(delete(BATCH).where(BATCH.c.id == batch_id))
            return
        conn.execute(update(TASK).where(TASK.c.id.in_(claimed)).values(batch_id=batch_id))
        conn.execute(update(BATCH).where(BATCH.c.id == batch_id).values(requests=len(lines)))
    file_id = api.upload(lines)
    _save(engine, batch_id, input_file_id=file_id)
    state = api.create(file_id, {"ingest_batch": str(batch_id), "ingest_owner": me})
    _save_state(engine, batch_id, state, owner=None, lease_until=None)
    result.submitted.append(batch_id)
    result.requests += len(lines)


def _save(engine: Engine, batch_id: int, **values: Any) -> None:
    with engine.begin() as conn:
        conn.execute(update(BATCH).where(BATCH.c.id == batch_id).values(updated_at=utcnow(), **values))


def _save_state(engine: Engine, batch_id: int, state: BatchState, **values: Any) -> None:
    _save(
        engine,
        batch_id,
        provider_id=state.id,
        status=state.status,
        input_file_id=state.input_file_id,
        output_file_id=state.output_file_id,
        error_file_id=state.error_file_id,
        completed=state.completed,
        failed=state.failed,
        error=state.errors,
        **values,
    )


# ------------------------------------------------------------------------------------------------ refresh


def open_batches(engine: Engine) -> list[dict[str, Any]]:
    """llm_batch rows not collected yet, oldest first."""
    with engine.connect() as conn:
        rows = conn.execute(select(BATCH).where(BATCH.c.collected_at.is_(None)).order_by(BATCH.c.id))
        return [dict(r._mapping) for r in rows]


def all_batches(engine: Engine, *, include_collected: bool = False) -> list[dict[str, Any]]:
    """llm_batch rows, newest first (only open ones unless include_collected)."""
    stmt = select(BATCH).order_by(BATCH.c.id.desc())
    if not include_collected:
        stmt = stmt.where(BATCH.c.collected_at.is_(None))
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(stmt)]


def refresh(engine: Engine, llm: LLM) -> list[dict[str, Any]]:
    """Ask the provider about every open batch, store what it says, keep their tasks' leases alive,
    recover batches whose submitting process died; returns the open rows as stored now."""
    api = BatchAPI(llm)
    try:
        for row in open_batches(engine):
            if row["provider_id"] is None:
                _recover(engine, api, row)
            elif row["status"] not in ENDED:
                _save_state(engine, row["id"], api.retrieve(row["provider_id"]))
                with engine.begin() as conn:
                    lease.renew(conn, TASK, owner_of(row["id"]), TASK_LEASE)
    finally:
        api.close()
    return open_batches(engine)


def _recover(engine: Engine, api: BatchAPI, row: dict[str, Any]) -> None:
    """A batch row without provider id: its submitter is still at work (lease alive), or it died
    before or after creating the provider batch (found by metadata), or nothing was sent."""
    owner, until = row["owner"], row["lease_until"]
    alive = (
        owner is not None and until is not None and lease.now() < _aware(until) and not lease.is_dead(owner)
    )
    if alive:
        return
    state = api.find({"ingest_batch": str(row["id"]), "ingest_owner": str(owner)}) if owner else None
    if state is not None:
        _save_state(engine, row["id"], state, owner=None, lease_until=None)
        return
    with engine.begin() as conn:
        conn.execute(
            update(TASK)
            .where(TASK.c.batch_id == row["id"])
            .values(owner=None, lease_until=None, batch_id=None)
        )
        conn.execute(
            update(BATCH)
            .where(BATCH.c.id == row["id"])
            .values(
                status="failed",
                error="never created: the submitting process stopped first (its papers are sent again)",
                unprocessed=row["requests"],
                collected_at=utcnow(),
                owner=None,
                lease_until=None,
            )
        )


def _aware(value: Any) -> Any:
    return value if value.tzinfo else value.replace(tzinfo=lease.now().tzinfo)


def cancel(engine: Engine, llm: LLM, batch_ids: Sequence[int] = ()) -> list[int]:
    """Ask the provider to cancel these open batches (all open ones when none given); their answers
    so far are collected once the provider says `cancelled`."""
    api = BatchAPI(llm)
    done = []
    try:
        for row in open_batches(engine):
            wanted = not batch_ids or row["id"] in batch_ids
            if wanted and row["provider_id"] and row["status"] not in ENDED:
                _save_state(engine, row["id"], api.cancel(row["provider_id"]))
                done.append(row["id"])
    finally:
        api.close()
    return done
