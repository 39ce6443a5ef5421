"""Collect Batch API jobs: ended llm_batch rows -> stored, verified extractions (or failed rows); the
`ingest extract --batch` orchestration (collect what ended, submit the rest, optionally wait).

`collect` claims an ended batch (lease on its llm_batch row, so two collectors never store one batch
twice), reads its output and error files and stores each line through runner.store_answer /
store.store_failure, deleting the line's task in the same transaction: a line whose task is gone was
stored before and is skipped, so collecting again (after a crash mid-way) stores each line once.
Per-line errors and invalid answers become failed rows (retried by the next run); requests an
expired or cancelled batch never ran get their tasks back (retried by the next run). llm_call rows
carry batch_id, so the collecting run's cost applies the model's batch_discount.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from ingest.config import Settings
from ingest.db import lease, runlog
from ingest.db.models import Paper, utcnow
from ingest.errors import Failure, LLMError, LLMTransportError
from ingest.extract.batch import BATCH, ENDED, BatchRun, refresh, submit, task_of
from ingest.extract.runner import Job, job_of, schema_for, store_answer
from ingest.extract.store import CacheKey, store_failure
from ingest.extract.tasks import TASK
from ingest.llm import LLM, BatchAPI

COLLECT_LEASE = 3600.0


def collect(
    settings: Settings,
    engine: Engine,
    llm: LLM,
    *,
    run_id: int | None,
    result: BatchRun | None = None,
) -> BatchRun:
    """Store the answers of every ended, uncollected batch (see module doc); refreshes first."""
    result = result or BatchRun()
    rows = refresh(engine, llm)
    api = BatchAPI(llm)
    me = lease.new_owner()
    try:
        for row in rows:
            if (
                row["status"] not in ("completed", "failed", "expired", "cancelled")
                or row["provider_id"] is None
            ):
                result.open += 1
                continue
            with engine.begin() as conn:
                mine = lease.claim(conn, BATCH, me, COLLECT_LEASE, limit=1, where=[BATCH.c.id == row["id"]])
            if mine:
                _collect_one(settings, engine, api, row, run_id, result)
    finally:
        api.close()
    return result


def _collect_one(
    settings: Settings,
    engine: Engine,
    api: BatchAPI,
    row: dict[str, Any],
    run_id: int | None,
    result: BatchRun,
) -> None:
    batch_id = row["id"]
    jobs = _jobs_of(settings, engine, batch_id)
    ok = failed = 0
    for file_id in (row["output_file_id"], row["error_file_id"]):
        if not file_id:
            continue
        for line in api.lines(file_id):
            job = jobs.get(task_of(line.get("custom_id")))
            if job is None:
                continue  # malformed line, or stored by an earlier collection
            stored = _store_line(settings, engine, api, job, line, batch_id, run_id, result)
            ok += stored == "ok"
            failed += stored == "failed"
    with engine.begin() as conn:
        left = conn.execute(
            update(TASK)
            .where(TASK.c.batch_id == batch_id)
            .values(owner=None, lease_until=None, batch_id=None)
        ).rowcount
        conn.execute(
            update(BATCH)
            .where(BATCH.c.id == batch_id)
            .values(
                stored_ok=BATCH.c.stored_ok + ok,
                stored_failed=BATCH.c.stored_failed + failed,
                unprocessed=left,
                collected_at=utcnow(),
                updated_at=utcnow(),
                owner=None,
                lease_until=None,
            )
        )
    result.collected.append(batch_id)
    result.stored_ok += ok
    result.stored_failed += failed
    result.unprocessed += int(left or 0)


def _jobs_of(settings: Settings, engine: Engine, batch_id: int) -> dict[int | None, Job]:
    """task id -> Job (current paper text, the task's cache key) for the batch's remaining tasks."""
    stmt = (
        select(TASK.c.id, TASK.c.paper_id, TASK.c.prompt_hash, TASK.c.model, TASK.c.input_hash, Paper)
        .join(Paper, col(Paper.id) == TASK.c.paper_id)
        .where(TASK.c.batch_id == batch_id)
    )
    with Session(engine) as session:
        return {
            tid: job_of(settings, paper, CacheKey(pid, digest, model, input_hash), tid)
            for tid, pid, digest, model, input_hash, paper in session.execute(stmt).all()
        }


class _Gone(Exception):
    """The line's task was stored by someone else meanwhile: roll this store back."""


def _finish(task_id: int, batch_id: int) -> Callable[[Session], None]:
    def finish(session: Session) -> None:
        gone = session.exec(delete(TASK).where(TASK.c.id == task_id, TASK.c.batch_id == batch_id))
        if gone.rowcount != 1:
            raise _Gone

    return finish


def _store_line(
    settings: Settings,
    engine: Engine,
    api: BatchAPI,
    job: Job,
    line: dict[str, Any],
    batch_id: int,
    run_id: int | None,
    result: BatchRun,
) -> str:
    """Store one output/error line; returns 'ok', 'failed' or '' (already stored)."""
    assert job.task_id is not None
    prompt = job.prompt()
    finish = _finish(job.task_id, batch_id)
    response = line.get("response") or {}
    try:
        try:
            if response.get("status_code") != 200 or line.get("error"):
                raise LLMTransportError(settings.scrub(_line_error(line))[:2000])
            answer = api.llm.answer(response.get("body"), schema_for(job.version))
        except LLMError as exc:
            message = settings.scrub(f"{type(exc).__name__}: {exc}")[:2000]
            store_failure(
                engine,
                job.key,
                prompt,
                api.llm.backend,
                exc,
                message,
                run_id,
                0.0,
                batch_id=batch_id,
                finish=finish,
            )
            result.failures.append(Failure.of(job.arxiv_id, exc, message))
            return "failed"
        store_answer(engine, job, prompt, answer, run_id, batch_id=batch_id, finish=finish)
        return "ok"
    except _Gone:
        return ""


def _line_error(line: dict[str, Any]) -> str:
    error = line.get("error") or ((line.get("response") or {}).get("body") or {}).get("error") or {}
    status = (line.get("response") or {}).get("status_code")
    text = error.get("message") if isinstance(error, dict) else str(error)
    code = error.get("code") if isinstance(error, dict) else None
    where = (f" (HTTP {status})" if status else "") + (f" {code}" if code else "")
    return f"batch line failed{where}: {text or 'no answer'}"


def wait(
    settings: Settings,
    engine: Engine,
    llm: LLM,
    *,
    run_id: int | None,
    result: BatchRun | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> BatchRun:
    """Collect until no batch is open (polling every settings.batch_poll_seconds)."""
    result = result or BatchRun()
    while True:
        result.open = 0
        collect(settings, engine, llm, run_id=run_id, result=result)
        if not result.open:
            return result
        sleep(settings.batch_poll_seconds)


def extract_batch(
    settings: Settings,
    engine: Engine,
    llm: LLM,
    jobs_of: Callable[[], tuple[list[Job], int, int]],
    *,
    week: str | None,
    force: bool = False,
    wait_until_done: bool = False,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[BatchRun, int]:
    """`ingest extract --batch`: one "extract" run that collects every ended batch, submits the
    selected papers not cached nor claimed, and (wait_until_done) collects until no batch is open.
    `jobs_of()` -> (jobs, selected, skipped). Returns what it did and the run id."""
    run_id = runlog.start_run(engine, "extract", week)
    result = BatchRun()
    counts: dict[str, Any] = {}
    try:
        collect(settings, engine, llm, run_id=run_id, result=result)
        jobs, selected, skipped = jobs_of()
        counts = {"selected": selected, "skipped": skipped}
        result.open = 0
        submit(settings, engine, jobs, llm, run_id=run_id, force=force, result=result)
        if wait_until_done:
            wait(settings, engine, llm, run_id=run_id, result=result, sleep=sleep)
        else:
            result.open = sum(1 for r in refresh(engine, llm) if r["status"] not in ENDED)
    except BaseException as exc:
        runlog.finish_run(
            engine,
            settings,
            run_id,
            status="failed",
            counts={**counts, **result.counts()},
            error=f"{type(exc).__name__}: {exc}",
        )
        raise
    runlog.finish_run(
        engine,
        settings,
        run_id,
        status="partial" if result.stored_failed else "ok",
        counts={**counts, **result.counts()},
        error="; ".join(str(f) for f in result.failures)[:4000] or None,
    )
    return result, run_id
