"""Extraction storage: one paper's LLM outcome -> extraction + metric + llm_call rows in ONE transaction.

Cache key: (paper_id, prompt_hash, model, input_hash = paper.content_hash), the table's unique
constraint uq_extraction_cache. A success replaces a failed row of the same key in place (and, with
--force, an older OK row: its metric rows are rewritten). A failure never overwrites an OK row; it
is stored as a status="failed" row (retried by the next run) plus its failed llm_call row.
Only grounded metrics become Metric rows. Reads: `extractions_for_week`, `parsed`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from .db import session_scope
from .errors import LLMError
from .grounding import GroundingResult
from .llm import LLMResult, log_call
from .models import Extraction, Metric, Paper
from .prompts import RenderedPrompt
from .schemas import PaperExtraction

STAGE = "extract"


@dataclass(frozen=True)
class CacheKey:
    paper_id: int
    prompt_hash: str
    model: str
    input_hash: str


def find_row(session: Session, key: CacheKey) -> Extraction | None:
    return session.exec(select(Extraction).where(
        Extraction.paper_id == key.paper_id, Extraction.prompt_hash == key.prompt_hash,
        Extraction.model == key.model, Extraction.input_hash == key.input_hash)).first()


def cached_keys(session: Session, keys: list[CacheKey]) -> set[CacheKey]:
    """The keys that already have an OK extraction."""
    if not keys:
        return set()
    hashes = {k.prompt_hash for k in keys}
    columns = (Extraction.paper_id, Extraction.prompt_hash, Extraction.model, Extraction.input_hash)
    wanted = Extraction.prompt_hash.in_(hashes)  # type: ignore[attr-defined]
    rows = session.exec(select(*columns).where(Extraction.status == "ok", wanted)).all()
    have = {CacheKey(*row) for row in rows}
    return {k for k in keys if k in have}


def _metric_rows(row: Extraction, ex: PaperExtraction) -> list[Metric]:
    assert row.id is not None
    rows = [Metric(extraction_id=row.id, paper_id=row.paper_id, kind="online", metric=m.metric[:255],
                   value=m.value[:255], context=m.context) for m in ex.online_metrics]
    rows += [Metric(extraction_id=row.id, paper_id=row.paper_id, kind="offline", metric=m.metric[:255],
                    value=m.value[:255], dataset=m.dataset[:255] or None,
                    context=f"baseline: {m.baseline}" if m.baseline else None) for m in ex.offline_metrics]
    rows += [Metric(extraction_id=row.id, paper_id=row.paper_id, kind="efficiency", metric=e.claim[:255],
                    value=e.value[:255]) for e in ex.efficiency]
    return rows


def _fill(row: Extraction, ex: PaperExtraction, grounding: GroundingResult) -> None:
    row.status, row.error, row.data = "ok", None, ex.model_dump(mode="json")
    row.scope, row.short_name = ex.scope, ex.short_name[:255]
    row.industrial, row.deployed_online = ex.industrial, ex.deployed_online
    row.institutions = list(dict.fromkeys(i.canonical or i.name for i in ex.institutions))
    row.topics, row.techniques = list(ex.topics), list(ex.key_techniques)
    row.one_line, row.method = ex.one_line, ex.method
    row.grounded_count, row.ungrounded_count = grounding.grounded_count, len(grounding.dropped)
    row.ungrounded = list(grounding.dropped)


def _new_row(key: CacheKey, prompt: RenderedPrompt, backend: str, run_id: int | None) -> Extraction:
    return Extraction(paper_id=key.paper_id, run_id=run_id, prompt_name=prompt.name,
                      prompt_version=prompt.version, prompt_hash=key.prompt_hash, backend=backend,
                      model=key.model, input_hash=key.input_hash)


def store_success(engine: Engine, key: CacheKey, prompt: RenderedPrompt, result: LLMResult[Any],
                  grounding: GroundingResult, run_id: int | None) -> None:
    """Extraction (new or replacing the failed/forced row of this key), its metrics and the llm_call."""
    with session_scope(engine) as session:
        row = find_row(session, key) or _new_row(key, prompt, result.backend, run_id)
        row.run_id, row.backend, row.attempts = run_id, result.backend, result.attempts
        row.prompt_name, row.prompt_version = prompt.name, prompt.version
        _fill(row, grounding.extraction, grounding)
        session.add(row)
        session.flush()
        session.execute(delete(Metric).where(Metric.extraction_id == row.id))  # type: ignore[arg-type]
        session.add_all(_metric_rows(row, grounding.extraction))
        log_call(session, stage=STAGE, prompt=prompt, backend=result.backend, model=result.model,
                 result=result, paper_id=key.paper_id, run_id=run_id, input_hash=key.input_hash)


def store_failure(engine: Engine, key: CacheKey, prompt: RenderedPrompt, backend: str, error: Exception,
                  message: str, run_id: int | None, latency_ms: float) -> None:
    """A failed row for this key (unless an OK row exists) + the failed llm_call row."""
    with session_scope(engine) as session:
        row = find_row(session, key)
        if row is None or row.status != "ok":
            row = row or _new_row(key, prompt, backend, run_id)
            row.status, row.error, row.run_id = "failed", message, run_id
            row.attempts = getattr(error, "attempts", 1) or 1
            session.add(row)
        llm_error = error if isinstance(error, LLMError) else LLMError(message)
        call = log_call(session, stage=STAGE, prompt=prompt, backend=backend, model=key.model,
                        error=llm_error, paper_id=key.paper_id, run_id=run_id, input_hash=key.input_hash,
                        latency_ms=latency_ms)
        call.error = message


def extractions_for_week(session: Session, week: str) -> list[tuple[Paper, Extraction]]:
    """(paper, newest OK extraction) for every non-duplicate paper of `week` that has one, by arXiv id."""
    rows = session.exec(
        select(Paper, Extraction).join(Extraction, Extraction.paper_id == Paper.id)
        .where(Paper.week == week, Extraction.status == "ok",
               Paper.duplicate_of.is_(None))  # type: ignore[union-attr]
        .order_by(Paper.arxiv_id, Extraction.created_at, Extraction.id)
    ).all()
    latest: dict[str, tuple[Paper, Extraction]] = {}
    for paper, ex in rows:
        latest[paper.arxiv_id] = (paper, ex)
    return list(latest.values())


def parsed(extraction: Extraction) -> PaperExtraction:
    """The stored PaperExtraction of an OK extraction row."""
    if extraction.data is None:
        raise ValueError(f"extraction {extraction.id} has no data (status {extraction.status})")
    return PaperExtraction.model_validate(extraction.data)
