"""Extract stage: a week's relevant papers -> grounded PaperExtraction rows (+ metrics, llm_call log).

Input: papers of the week (crawled; near-duplicates skipped) whose crawl pre-score
`paper.relevance >= settings.relevance_threshold`. Output: one extraction row per paper per cache
key (prompt hash, model, paper.content_hash): an existing OK row means no LLM call (unless
force=True), so a re-run costs 0 calls and pinning a new prompt version re-extracts only what that
version has not seen. Calls run concurrently (settings.llm_concurrency); each paper's extraction,
metric rows and llm_call row commit in one transaction on a single writer thread, so the event
loop never waits on SQLite. Failures are isolated per paper: stored as failed rows with the error,
listed in ExtractResult.failures, retried by the next run. Every extraction is grounded
(grounding.ground_extraction) before it is stored.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from sqlalchemy.engine import Engine
from sqlmodel import Session

from ingest.config import Settings
from ingest.db import runlog
from ingest.db.engine import open_engine
from ingest.db.models import Paper
from ingest.db.store import papers_for_week
from ingest.errors import Failure
from ingest.extract.store import (
    CacheKey,
    cached_keys,
    scope_below_threshold,
    store_failure,
    store_success,
)
from ingest.extract.verify import verify_answer
from ingest.facts import topics
from ingest.facts.sheet import PaperExtraction, PaperFacts
from ingest.llm import LLM, make_llm
from ingest.llm.prompts import RenderedPrompt, prompt_hash, render

PROMPT = "extract_paper"
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
        }


SCHEMAS: dict[str, type[BaseModel]] = {"v1": PaperExtraction}  # any later version answers PaperFacts
PROMPT_LIST_ITEMS = 100  # authors / affiliations named in the prompt


def schema_for(version: str) -> type[BaseModel]:
    """The contract an extract_paper version answers with."""
    return SCHEMAS.get(version, PaperFacts)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(0, limit - 1)].rstrip() + "…"


def _names(items: list[str], limit: int) -> list[str]:
    """At most PROMPT_LIST_ITEMS names of at most 200 characters, together at most `limit`."""
    kept: list[str] = []
    for item in items[:PROMPT_LIST_ITEMS]:
        name = _cut(item, 200)
        if sum(len(k) + 2 for k in kept) + len(name) > limit:
            break
        kept.append(name)
    return kept


def bounded_text(paper: Paper, max_chars: int) -> dict[str, Any]:
    """The paper's text for a prompt in at most `max_chars` characters (settings.llm_max_source_chars):
    title, comment, authors and affiliations (PROMPT_LIST_ITEMS each) first, then the abstract, then
    the full text get what is left; a cut ends in '…'."""
    authors = _names(list(paper.authors or []), max_chars // 8)
    affiliations = _names(list(paper.affiliations or []), max_chars // 8)
    title = _cut(paper.title or "", max_chars // 8)
    comment = _cut(paper.comment or "", max_chars // 8)
    budget = max_chars - len(title) - len(comment) - sum(len(a) + 2 for a in authors + affiliations)
    abstract = _cut(paper.abstract or "", max(budget, 0))
    fulltext = _cut(paper.fulltext or "", max(budget - len(abstract), 0))
    return {
        "title": title,
        "abstract": abstract,
        "comment": comment,
        "authors": authors,
        "affiliations": affiliations,
        "fulltext": fulltext,
    }


def variables_of(paper: Paper, version: str = "v2", max_chars: int = 24_000) -> dict[str, Any]:
    """The extract_paper prompt variables for a paper; all untrusted text goes into the <input> fence
    (from v2 on only the paper's own text, under `input`: title, abstract, comment, affiliations and
    fetched full text; topics are instructions, outside it), bounded by `bounded_text`."""
    text = bounded_text(paper, max_chars)
    if version != "v1":
        paper_text = {k: text[k] for k in ("title", "abstract", "comment", "affiliations", "fulltext")}
        return {"arxiv_id": paper.arxiv_id, "topic_slugs": ", ".join(topics.slugs()), "input": paper_text}
    return {
        "arxiv_id": paper.arxiv_id,
        "title": text["title"],
        "abstract": text["abstract"],
        "authors": text["authors"],
        "affiliations": text["affiliations"],
        "categories": list(paper.categories or []),
        "comment": text["comment"],
        "fulltext": text["fulltext"],
        "topics": topics.titles(),
    }


@dataclass
class _Job:
    arxiv_id: str
    key: CacheKey
    version: str
    variables: dict[str, Any]
    paper: dict[str, Any]  # the paper's text fields, what claims are verified against
    prompts_dir: Any = None

    def prompt(self) -> RenderedPrompt:
        return render(PROMPT, self.version, self.variables, self.prompts_dir)


class _Runner:
    """Runs jobs on one event loop: bounded concurrency for calls, one writer thread for the database."""

    def __init__(
        self,
        engine: Engine,
        llm: LLM,
        result: ExtractResult,
        concurrency: int,
        run_id: int | None,
        scrub: Callable[[str], str],
        progress: Progress | None,
        total: int,
    ) -> None:
        self.engine, self.llm, self.result, self.run_id, self.scrub = engine, llm, result, run_id, scrub
        self.concurrency, self.progress, self.total = max(1, concurrency), progress, total
        self.done = result.cached

    async def run(self, jobs: list[_Job]) -> None:
        semaphore = asyncio.Semaphore(self.concurrency)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="extract-writer") as writer:
            self.writer = writer
            try:
                await asyncio.gather(*(self._one(job, semaphore) for job in jobs))
            finally:
                await self.llm.aclose()

    async def _one(self, job: _Job, semaphore: asyncio.Semaphore) -> None:
        async with semaphore:
            prompt = job.prompt()  # rendered here, so rendering overlaps the calls already in flight
            started = time.perf_counter()
            try:
                answer = await self.llm.complete(prompt, schema_for(job.version))
            except Exception as exc:  # noqa: BLE001 - one paper never stops the others
                await self._failed(job, prompt, exc, (time.perf_counter() - started) * 1000)
                return
        self._count_tokens(answer.prompt_tokens, answer.completion_tokens)
        verified = verify_answer(answer.parsed, job.paper)
        await self._write(store_success, self.engine, job.key, prompt, answer, verified, self.run_id)
        self.result.extracted += 1
        self._tick()

    async def _failed(self, job: _Job, prompt: RenderedPrompt, exc: Exception, latency_ms: float) -> None:
        message = self.scrub(f"{type(exc).__name__}: {exc}")[:2000]
        self._count_tokens(getattr(exc, "prompt_tokens", 0), getattr(exc, "completion_tokens", 0))
        await self._write(
            store_failure,
            self.engine,
            job.key,
            prompt,
            self.llm.backend,
            exc,
            message,
            self.run_id,
            latency_ms,
        )
        self.result.failed += 1
        self.result.failures.append(Failure.of(job.arxiv_id, exc, message))
        self._tick()

    async def _write(self, fn: Callable[..., None], *args: Any) -> None:
        await asyncio.get_running_loop().run_in_executor(self.writer, fn, *args)

    def _count_tokens(self, prompt_tokens: int, completion_tokens: int) -> None:
        self.result.calls += 1
        self.result.prompt_tokens += prompt_tokens or 0
        self.result.completion_tokens += completion_tokens or 0

    def _tick(self) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, self.total)


def _jobs(settings: Settings, papers: Sequence[Paper], model: str) -> list[_Job]:
    version = settings.prompt_version(PROMPT)
    digest = prompt_hash(PROMPT, version, settings.prompts_dir)
    jobs = []
    for paper in papers:
        assert paper.id is not None
        key = CacheKey(paper.id, digest, model, paper.content_hash)
        fields = {k: getattr(paper, k) for k in ("title", "abstract", "comment", "fulltext", "affiliations")}
        jobs.append(
            _Job(
                paper.arxiv_id,
                key,
                version,
                variables_of(paper, version, settings.llm_max_source_chars),
                fields,
                settings.prompts_dir,
            )
        )
    return jobs


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
    runner = _Runner(
        engine, llm, result, concurrency or settings.llm_concurrency, run_id, settings.scrub, progress, total
    )
    asyncio.run(runner.run(jobs))
    result.failures.sort(key=lambda f: f.item)
    return result


def extract_week(
    settings: Settings,
    week: str,
    *,
    llm: LLM | None = None,
    engine: Engine | None = None,
    force: bool = False,
    concurrency: int | None = None,
    run_id: int | None = None,
    progress: Progress | None = None,
) -> ExtractResult:
    """Extract every paper of `week` that passes the relevance pre-score; records an "extract" Run
    (counts, tokens via its llm_call rows) unless `run_id` belongs to a caller's run."""
    engine = engine or open_engine(settings)
    with Session(engine) as session:
        papers = papers_for_week(session, week)
    chosen = [p for p in papers if (p.relevance or 0.0) >= settings.relevance_threshold]
    result = ExtractResult(week=week, selected=len(chosen), skipped=len(papers) - len(chosen))
    picked = {p.id for p in chosen}
    scope_below_threshold(engine, [p for p in papers if p.id not in picked], settings.relevance_threshold)
    own_run = run_id is None
    run_id = runlog.start_run(engine, "extract", week) if own_run else run_id
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
