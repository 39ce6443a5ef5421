"""Run log: the one API every stage (crawl, extract, report, the pipeline) opens and closes its `run`
rows with; LLM cost estimation; which weeks were missed.

Output: Run rows with pid and host, per-stage timings (`stages`), counts, tokens, estimated cost and
status (running -> ok | partial | failed). `start_run` / `finish_run` write in their own short
transactions, so a process killed at any point leaves at worst a row in status `running`;
`open_run` / `close_run` write inside the caller's transaction (a crawl's run row commits with its
papers). `close_interrupted` marks those failed ("interrupted") once the lock shows their process is gone.
Cost = sum over llm_call rows of the run of tokens x settings.prices[model] (USD per million tokens),
times the model's batch_discount for calls answered through a Batch API job (llm_call.batch_id set);
models without a price count 0 and are named in counts["unpriced_models"]; counts["batch_calls"]
says how many calls were batch calls.
"""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from ingest.config import Settings
from ingest.db.engine import session_scope
from ingest.db.lock import pid_alive
from ingest.db.models import LLMCall, Run
from ingest.weeks import last_complete_week, parse_week, shift_week, weeks_between

OK_STATUSES = ("ok",)


def _now() -> datetime:
    return datetime.now(UTC)


def new_run(kind: str, week: str | None) -> Run:
    """A `running` Run row for this process (pid and host let crash recovery see a dead run)."""
    return Run(kind=kind, week=week, status="running", pid=os.getpid(), host=socket.gethostname())


def start_run(engine: Engine, kind: str, week: str | None) -> int:
    """Insert a `running` Run row for this process in its own transaction; returns its id."""
    with session_scope(engine) as session:
        run_id = open_run(session, kind, week).id
        assert run_id is not None
        return run_id


def open_run(session: Session, kind: str, week: str | None) -> Run:
    """Add a `running` Run row inside the caller's transaction (flushed, so it has an id): the run
    row commits, or rolls back, with the work it records."""
    run = new_run(kind, week)
    session.add(run)
    session.flush()
    return run


def mark_stage(engine: Engine, run_id: int, stage: str, **values: Any) -> None:
    """Merge `values` into run.stages[stage] (e.g. started_at, seconds, status) and commit."""
    with session_scope(engine) as session:
        run = session.get(Run, run_id)
        if run is None:
            return
        stages = dict(run.stages or {})
        stages[stage] = {**stages.get(stage, {}), **values}
        run.stages = stages


def stage_started(engine: Engine, run_id: int, stage: str) -> None:
    mark_stage(engine, run_id, stage, started_at=_now().isoformat(), status="running")


def llm_usage(session: Session, run_id: int) -> list[tuple[str, bool, int, int, int]]:
    """(model, batch, calls, prompt_tokens, completion_tokens) per model and kind of call (Batch API
    or not) for the run's llm_call rows."""
    batch = col(LLMCall.batch_id).is_not(None)
    stmt = (  # SQLAlchemy's select: SQLModel's types only up to four columns
        sa_select(
            col(LLMCall.model),
            batch,
            func.count(),
            func.coalesce(func.sum(LLMCall.prompt_tokens), 0),
            func.coalesce(func.sum(LLMCall.completion_tokens), 0),
        )
        .where(col(LLMCall.run_id) == run_id)
        .group_by(col(LLMCall.model), batch)
    )
    return [(m, bool(b), int(n), int(p), int(c)) for m, b, n, p, c in session.execute(stmt).all()]


def estimate_cost(
    settings: Settings, model: str, prompt_tokens: int, completion_tokens: int, *, batch: bool = False
) -> float | None:
    """USD for these tokens at settings.prices[model] (times its batch_discount for Batch API calls);
    None when the model has no price."""
    price = settings.prices.get(model)
    if price is None:
        return None
    full = (prompt_tokens * price.input + completion_tokens * price.output) / 1_000_000
    return full * price.batch_discount if batch else full


def finish_run(
    engine: Engine,
    settings: Settings,
    run_id: int,
    *,
    status: str,
    counts: dict[str, Any],
    error: str | None = None,
) -> Run:
    """Close the run in its own transaction: see close_run."""
    with session_scope(engine) as session:
        run = session.get(Run, run_id)
        if run is None:
            raise ValueError(f"run {run_id} does not exist")
        return close_run(session, run, status=status, counts=counts, error=error, settings=settings)


def close_run(
    session: Session,
    run: Run,
    *,
    status: str,
    counts: dict[str, Any],
    error: str | None = None,
    settings: Settings | None = None,
) -> Run:
    """Close a run: status ('ok' | 'partial' | 'failed'), counts, the tokens and estimated cost of its
    llm_call rows (prices from `settings`; without settings the defaults), scrubbed error text."""
    settings = settings or Settings()
    usage = llm_usage(session, run.id) if run.id is not None else []
    run.prompt_tokens = sum(p for *_, p, _ in usage)
    run.completion_tokens = sum(c for *_, c in usage)
    costs = [(m, estimate_cost(settings, m, p, c, batch=b)) for m, b, _, p, c in usage]
    run.cost_usd = round(sum(c for _, c in costs if c is not None), 6)
    unpriced = sorted({m for m, c in costs if c is None})
    batch_calls = sum(n for _, b, n, _, _ in usage if b)
    run.counts = {
        **counts,
        "llm_calls": sum(n for _, _, n, _, _ in usage),
        **({"batch_calls": batch_calls} if batch_calls else {}),
        **({"unpriced_models": unpriced} if unpriced else {}),
    }
    run.status = status
    run.error = settings.scrub(error) if error else None
    run.finished_at = _now()
    session.add(run)
    session.flush()
    return run


def _is_orphan(run: Run, stale_after: timedelta) -> bool:
    if run.host == socket.gethostname() and run.pid is not None:
        return run.pid != os.getpid() and not pid_alive(run.pid)
    started = run.started_at if run.started_at.tzinfo else run.started_at.replace(tzinfo=UTC)
    return _now() - started > stale_after


def close_interrupted(engine: Engine, settings: Settings) -> list[int]:
    """Mark `running` rows whose process died (or that are older than the lock staleness) as failed."""
    stale_after = timedelta(seconds=settings.lock_stale_seconds)
    with session_scope(engine) as session:
        running = session.exec(select(Run).where(Run.status == "running")).all()
        closed = [r for r in running if _is_orphan(r, stale_after)]
        for run in closed:
            run.status, run.finished_at = "failed", _now()
            run.error = run.error or "interrupted: the process stopped before the run finished"
        return [r.id for r in closed if r.id is not None]


def ok_weeks(engine: Engine) -> set[str]:
    """Weeks that have at least one successful pipeline run."""
    with Session(engine) as session:
        stmt = select(Run.week).where(Run.kind == "run", col(Run.status).in_(OK_STATUSES)).distinct()
        return {w for w in session.exec(stmt).all() if w}


def missed_weeks(engine: Engine, extra: int, now: datetime | None = None) -> list[str]:
    """Weeks without a successful run that the scheduler should run now, oldest first: the last
    complete week (unless it has a successful run), and before it at most `extra` of the complete
    weeks after the newest successful run that have none. With no successful run at all, only the
    last complete week (a fresh install does not crawl history). Runs of weeks not complete yet do
    not count; `extra` = 0 still gives the last complete week."""
    latest = last_complete_week(now)
    done = {w for w in ok_weeks(engine) if parse_week(w) <= parse_week(latest)}
    if not done:
        return [latest]
    newest_ok = max(done, key=parse_week)
    todo = [w for w in weeks_between(shift_week(newest_ok, 1), latest) if w not in done]
    return todo[-1 - extra :]
