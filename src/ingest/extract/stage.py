"""Extract stage: relevant papers (a week or a date range) -> verified extraction rows, claims, llm_call log.

Input: papers (crawled; near-duplicates skipped) whose crawl pre-score `paper.relevance >=
settings.relevance_threshold`. Output: one extraction row per paper per cache key (prompt hash,
model, paper.content_hash): an existing OK row means no LLM call (unless force=True), so a re-run
costs 0 calls and pinning a new prompt version re-extracts only what that version has not seen.
Work is shared through extract_task rows (tasks.py): a run adds a task per key and claims a few at
a time before calling, so several processes (on PostgreSQL, several machines) extracting the same
papers never call the LLM twice for one paper; a paper sent in a Batch API job is left to it.
Calls run concurrently (settings.llm_concurrency) in runner.Runner; each paper's extraction, claim
rows, llm_call row and task deletion commit in one transaction on a single writer thread. Failures
are isolated per paper: stored as failed rows with the error, listed in ExtractResult.failures,
retried by the next run. Every answer is verified against the paper's source before it is stored.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from ingest.config import Settings
from ingest.db import runlog
from ingest.db.engine import open_engine
from ingest.db.models import Paper
from ingest.db.store import papers_between, papers_for_week
from ingest.errors import Failure
from ingest.extract.runner import PROMPT, Job, Runner, job_of
from ingest.extract.store import CacheKey, cached_keys, scope_below_threshold
from ingest.extract.tasks import Tasks
from ingest.llm import LLM, make_llm
from ingest.llm.prompts import prompt_hash

Progress = Callable[[int, int], None]


@dataclass
class ExtractResult:
    week: str | None
    selected: int = 0  # papers at or above the relevance threshold
    extracted: int = 0  # new OK extractions this run
    cached: int = 0  # papers whose OK extraction for this key already existed
    failed: int = 0
    skipped: int = 0  # papers below the relevance threshold
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    elsewhere: int = 0  # papers another worker or batch finished while this run waited
    in_batch: int = 0  # papers waiting in a Batch API job (collected by `ingest batch collect`)
    failures: list[Failure] = field(default_factory=list)  # per paper: kind and message
    run_id: int | None = None
    backend: str = ""
    model: str = ""

    def counts(self) -> dict[str, Any]:
        return {
            "selected": self.selected,
            "extracted": self.extracted,
            "cached": self.cached,
            "failed": self.failed,
            "skipped": self.skipped,
            "calls": self.calls,
            **({"elsewhere": self.elsewhere} if self.elsewhere else {}),
            **({"in_batch": self.in_batch} if self.in_batch else {}),
        }


def _jobs(settings: Settings, papers: Sequence[Paper], model: str) -> list[Job]:
    version = settings.prompt_version(PROMPT)
    digest = prompt_hash(PROMPT, version, settings.prompts_dir)
    keys = []
    for paper in papers:
        assert paper.id is not None
        keys.append(CacheKey(paper.id, digest, model, paper.content_hash))
    return [job_of(settings, paper, key) for paper, key in zip(papers, keys, strict=True)]


def extract_papers(
    settings: Settings,
    papers: Sequence[Paper],
    *,
    llm: LLM | None = None,
    engine: Engine | None = None,
    force: bool = False,
    concurrency: int | None = None,
    run_id: int | None = None,
    progress: Progress | None = None,
    result: ExtractResult | None = None,
) -> ExtractResult:
    """Extract these papers (no relevance filter here); cached keys make no call unless `force`.

    The LLM is closed (`aclose`) at the end of this call's event loop; backends reopen lazily.
    """
    engine = engine or open_engine(settings)
    llm = llm or make_llm(settings)
    result = result or ExtractResult(week=None)
    result.backend, result.model, result.run_id = llm.backend, llm.model, run_id
    jobs = _jobs(settings, papers, llm.model)
    if not force:
        with Session(engine) as session:
            done = cached_keys(session, [j.key for j in jobs])
        result.cached += sum(1 for j in jobs if j.key in done)
        jobs = [j for j in jobs if j.key not in done]
    total = result.cached + len(jobs)
    if progress is not None:
        progress(result.cached, total)
    runner = Runner(
        engine,
        llm,
        concurrency=concurrency or settings.llm_concurrency,
        run_id=run_id,
        scrub=settings.scrub,
        progress=progress,
        done=result.cached,
        total=total,
    )
    tasks = Tasks(engine, settings.extract_lease_seconds, force=force)
    tasks.add([j.key for j in jobs])
    for job in jobs:
        job.task_id = tasks.ids[job.key]
    try:
        counts = runner.run(jobs, tasks)
    finally:
        tasks.close()
    result.extracted += counts.extracted
    result.failed += counts.failed
    result.calls += counts.calls
    result.prompt_tokens += counts.prompt_tokens
    result.completion_tokens += counts.completion_tokens
    result.failures += counts.failures
    result.elsewhere += tasks.elsewhere
    result.in_batch += tasks.in_batch
    result.failures.sort(key=lambda f: f.item)
    return result


def select_papers(
    settings: Settings,
    engine: Engine,
    week: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> tuple[list[Paper], int]:
    """The papers of a week (or announced between since and until) at or above the relevance
    threshold, and how many fell below it."""
    with Session(engine) as session:
        if week is not None:
            papers = papers_for_week(session, week)
        else:
            assert since is not None and until is not None
            papers = papers_between(session, since, until)
    chosen = [p for p in papers if (p.relevance or 0.0) >= settings.relevance_threshold]
    picked = {p.id for p in chosen}
    scope_below_threshold(engine, [p for p in papers if p.id not in picked], settings.relevance_threshold)
    return chosen, len(papers) - len(chosen)


def selected_jobs(
    settings: Settings,
    engine: Engine,
    model: str,
    week: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> tuple[list[Job], int, int]:
    """(jobs of the selected papers, how many were selected, how many fell below the threshold)."""
    chosen, skipped = select_papers(settings, engine, week, since, until)
    return _jobs(settings, chosen, model), len(chosen), skipped


def extract_week(
    settings: Settings,
    week: str | None,
    *,
    since: date | None = None,
    until: date | None = None,
    llm: LLM | None = None,
    engine: Engine | None = None,
    force: bool = False,
    concurrency: int | None = None,
    run_id: int | None = None,
    progress: Progress | None = None,
) -> ExtractResult:
    """Extract every paper of `week` (or, with week None, announced from `since` to `until`) that
    passes the relevance pre-score; records an "extract" Run (counts, tokens and cost via its
    llm_call rows) unless `run_id` belongs to a caller's run."""
    engine = engine or open_engine(settings)
    chosen, skipped = select_papers(settings, engine, week, since, until)
    result = ExtractResult(week=week, selected=len(chosen), skipped=skipped)
    own_run = run_id is None
    if run_id is None:
        run_id = runlog.start_run(engine, "extract", week)
    try:
        extract_papers(
            settings,
            chosen,
            llm=llm,
            engine=engine,
            force=force,
            concurrency=concurrency,
            run_id=run_id,
            progress=progress,
            result=result,
        )
    except BaseException as exc:
        if own_run:
            runlog.finish_run(
                engine,
                settings,
                run_id,
                status="failed",
                counts=result.counts(),
                error=f"{type(exc).__name__}: {exc}",
            )
        raise
    if own_run:
        runlog.finish_run(
            engine,
            settings,
            run_id,
            status="partial" if result.failed else "ok",
            counts=result.counts(),
            error="; ".join(str(f) for f in result.failures)[:4000] or None,
        )
    return result
