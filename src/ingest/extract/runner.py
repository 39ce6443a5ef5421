"""Run extraction jobs: claimed tasks -> LLM calls (bounded concurrency) -> verified, stored outcomes.

`Job` is one paper under one cache key with its prompt variables and source text. `store_answer`
verifies one LLM answer against the paper's source and stores it (extraction, claim rows, llm_call)
in one transaction, running `finish` (e.g. deleting the paper's task) inside it: the synchronous path
and Batch API collection both store through it. `Runner` feeds `concurrency` call slots from a
`Tasks` queue (claims a few tasks at a time, so several workers share one backfill) or from a fixed
list, and writes every outcome on one writer thread so the event loop never waits on the database.
A failed call is stored as a failed row (retried by the next run) and never stops the others.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from sqlalchemy.engine import Engine
from sqlmodel import Session

from ingest.config import Settings
from ingest.db.models import Paper
from ingest.errors import Failure
from ingest.extract.store import CacheKey, store_failure, store_success
from ingest.extract.tasks import Tasks, finish_task
from ingest.extract.verify import verify_answer
from ingest.facts import topics
from ingest.facts.sheet import PaperExtraction, PaperFacts
from ingest.llm import LLM, LLMResult
from ingest.llm.prompts import RenderedPrompt, render

PROMPT = "extract_paper"
WAIT_SECONDS = 0.5  # between claims while other workers hold the rest of this run's tasks
Progress = Callable[[int, int], None]
Finish = Callable[[Session], None] | None


@dataclass
class Job:
    arxiv_id: str
    key: CacheKey
    version: str
    variables: dict[str, Any]
    paper: dict[str, Any]  # the paper's text fields, what claims are verified against
    prompts_dir: Any = None
    task_id: int | None = None

    def prompt(self) -> RenderedPrompt:
        return render(PROMPT, self.version, self.variables, self.prompts_dir)


SCHEMAS: dict[str, type[BaseModel]] = {"v1": PaperExtraction}  # any later version answers PaperFacts


def schema_for(version: str) -> type[BaseModel]:
    """The contract an extract_paper version answers with."""
    return SCHEMAS.get(version, PaperFacts)


PROMPT_LIST_ITEMS = 100  # authors / affiliations named in the prompt


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


def job_of(settings: Settings, paper: Paper, key: CacheKey, task_id: int | None = None) -> Job:
    """The job of extracting `paper` under `key` with the pinned prompt version."""
    version = settings.prompt_version(PROMPT)
    fields = {k: getattr(paper, k) for k in ("title", "abstract", "comment", "fulltext", "affiliations")}
    variables = variables_of(paper, version, settings.llm_max_source_chars)
    return Job(paper.arxiv_id, key, version, variables, fields, settings.prompts_dir, task_id)


def store_answer(
    engine: Engine,
    job: Job,
    prompt: RenderedPrompt,
    answer: LLMResult[Any],
    run_id: int | None,
    *,
    batch_id: int | None = None,
    finish: Finish = None,
) -> None:
    """Verify one answer's claims against the paper and store them with the llm_call (one transaction)."""
    verified = verify_answer(answer.parsed, job.paper)
    store_success(engine, job.key, prompt, answer, verified, run_id, batch_id=batch_id, finish=finish)


@dataclass
class Counts:
    """What a Runner did (the stage copies these into its ExtractResult)."""

    extracted: int = 0
    failed: int = 0
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    failures: list[Failure] = field(default_factory=list)


class Runner:
    """Bounded-concurrency calls on one event loop; one writer thread for claims and stores."""

    def __init__(
        self,
        engine: Engine,
        llm: LLM,
        *,
        concurrency: int,
        run_id: int | None,
        scrub: Callable[[str], str],
        progress: Progress | None = None,
        done: int = 0,
        total: int = 0,
    ) -> None:
        self.engine, self.llm, self.run_id, self.scrub = engine, llm, run_id, scrub
        self.concurrency, self.progress = max(1, concurrency), progress
        self.done, self.total = done, total
        self.counts = Counts()
        self._buffer: deque[Job] = deque()
        self._source: Callable[[int], list[Job] | None] = lambda _n: None

    def run(self, jobs: list[Job], tasks: Tasks | None = None) -> Counts:
        """Run `jobs` (with `tasks`: only those this process claims, a few at a time)."""
        if tasks is None:
            self._buffer.extend(jobs)
        else:
            by_task = {j.task_id: j for j in jobs}
            self._source = lambda n: self._claimed(tasks, by_task, n)
        asyncio.run(self._run())
        return self.counts

    def _claimed(self, tasks: Tasks, by_task: dict[int | None, Job], n: int) -> list[Job] | None:
        before = tasks.elsewhere + tasks.in_batch
        got = tasks.claim(n)
        self._tick(tasks.elsewhere + tasks.in_batch - before)
        return None if got is None else [by_task[t] for t in got]

    async def _run(self) -> None:
        self._claim_lock = asyncio.Lock()
        self._writes: list[asyncio.Future[Any]] = []
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="extract-writer") as writer:
            self.writer = writer
            try:
                await asyncio.gather(*(self._slot() for _ in range(self.concurrency)))
            finally:
                await asyncio.gather(*self._writes)
                await self.llm.aclose()

    async def _slot(self) -> None:
        while (job := await self._next()) is not None:
            await self._one(job)

    async def _next(self) -> Job | None:
        async with self._claim_lock:
            while not self._buffer:
                got = await self._db(self._source, 2 * self.concurrency)
                if got is None:
                    return None
                if not got:
                    await asyncio.sleep(WAIT_SECONDS)
                self._buffer.extend(got)
            return self._buffer.popleft()

    async def _one(self, job: Job) -> None:
        prompt = job.prompt()  # rendered here, so rendering overlaps the calls already in flight
        started = time.perf_counter()
        try:
            answer = await self.llm.complete(prompt, schema_for(job.version))
        except Exception as exc:  # noqa: BLE001 - one paper never stops the others
            await self._failed(job, prompt, exc, (time.perf_counter() - started) * 1000)
            return
        self._count_tokens(answer.prompt_tokens, answer.completion_tokens)
        self._write(
            self._stored,
            store_answer,
            self.engine,
            job,
            prompt,
            answer,
            self.run_id,
            finish=self._finish(job),
        )

    def _write(self, then: Callable[[], None], fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Store on the writer thread without holding up this slot's next call; `then` counts it."""
        future = asyncio.ensure_future(self._db(fn, *args, **kwargs))
        future.add_done_callback(lambda f: then() if f.exception() is None else None)
        self._writes.append(future)

    def _stored(self) -> None:
        self.counts.extracted += 1
        self._tick()

    async def _failed(self, job: Job, prompt: RenderedPrompt, exc: Exception, latency_ms: float) -> None:
        message = self.scrub(f"{type(exc).__name__}: {exc}")[:2000]
        self._count_tokens(getattr(exc, "prompt_tokens", 0), getattr(exc, "completion_tokens", 0))

        def failed() -> None:
            self.counts.failed += 1
            self.counts.failures.append(Failure.of(job.arxiv_id, exc, message))
            self._tick()

        self._write(
            failed,
            store_failure,
            self.engine,
            job.key,
            prompt,
            self.llm.backend,
            exc,
            message,
            self.run_id,
            latency_ms,
            finish=self._finish(job),
        )

    def _finish(self, job: Job) -> Finish:
        return None if job.task_id is None else finish_task(job.task_id)

    async def _db(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.writer, lambda: fn(*args, **kwargs))

    def _count_tokens(self, prompt_tokens: int, completion_tokens: int) -> None:
        self.counts.calls += 1
        self.counts.prompt_tokens += prompt_tokens or 0
        self.counts.completion_tokens += completion_tokens or 0

    def _tick(self, n: int = 1) -> None:
        if n <= 0:
            return
        self.done += n
        if self.progress is not None:
            self.progress(self.done, self.total)
