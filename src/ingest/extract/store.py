"""Extraction storage: one paper's LLM outcome -> extraction + claim + llm_call rows in ONE transaction.

Cache key: (paper_id, prompt_hash, model, input_hash = paper.content_hash), the table's unique
constraint uq_extraction_cache. A success replaces a failed row of the same key in place (and, with
--force, an older OK row: its claim rows are rewritten). A failure never overwrites an OK row; it
is stored as a status="failed" row (retried by the next run) plus its failed llm_call row.
Only grounded facts become claim rows. Reads: `extractions_for_week`, `parsed`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from ingest.db.engine import session_scope
from ingest.db.models import Claim, Extraction, Paper, table_of, utcnow
from ingest.db.store import facts_of
from ingest.errors import LLMError
from ingest.extract.verify import Verified
from ingest.facts.sheet import PaperFacts
from ingest.llm import LLMResult, log_call
from ingest.llm.prompts import RenderedPrompt

STAGE = "extract"


@dataclass(frozen=True)
class CacheKey:
    paper_id: int
    prompt_hash: str
    model: str
    input_hash: str


def find_row(session: Session, key: CacheKey) -> Extraction | None:
    return session.exec(
        select(Extraction).where(
            Extraction.paper_id == key.paper_id,
            Extraction.prompt_hash == key.prompt_hash,
            Extraction.model == key.model,
            Extraction.input_hash == key.input_hash,
        )
    ).first()


def cached_keys(session: Session, keys: list[CacheKey]) -> set[CacheKey]:
    """The keys that already have an OK extraction."""
    if not keys:
        return set()
    hashes = {k.prompt_hash for k in keys}
    columns = (Extraction.paper_id, Extraction.prompt_hash, Extraction.model, Extraction.input_hash)
    wanted = col(Extraction.prompt_hash).in_(hashes)
    rows = session.exec(select(*columns).where(Extraction.status == "ok", wanted)).all()
    have = {CacheKey(*row) for row in rows}
    return {k for k in keys if k in have}


def _claim_values(extraction_id: int, paper_id: int, facts: PaperFacts) -> list[dict[str, Any]]:
    """Claim rows of a verified fact sheet: its results and its institutions, with their evidence."""
    base = {"extraction_id": extraction_id, "paper_id": paper_id}
    rows = [
        {
            **base,
            "kind": "result",
            "setting": c.setting,
            "metric": c.metric[:255],
            "value": c.value[:255],
            "direction": c.direction,
            "location": c.where[:255] or None,
            "evidence": c.evidence,
            "industrial": None,
        }
        for c in facts.results
    ]
    rows += [
        {
            **base,
            "kind": "institution",
            "setting": "",
            "metric": (i.canonical or i.name)[:255],
            "value": i.name[:255],
            "direction": "",
            "location": None,
            "evidence": i.evidence,
            "industrial": i.industrial,
        }
        for i in facts.institutions
    ]
    return rows


def _ok_values(verified: Verified) -> dict[str, Any]:
    facts = verified.facts
    return {
        "status": "ok",
        "error": None,
        "data": facts.model_dump(mode="json"),
        "scope": facts.scope,
        "short_name": facts.short_name[:255],
        "industrial": facts.industrial,
        "deployed_online": facts.deployed_online,
        "institutions": list(dict.fromkeys(i.canonical or i.name for i in facts.institutions)),
        "topics": list(facts.topics),
        "techniques": list(facts.key_techniques),
        "one_line": facts.one_line,
        "method": facts.contribution,
        "grounded_count": verified.kept,
        "ungrounded_count": len(verified.rejected),
        "ungrounded": list(verified.rejected),
    }


def _new_row(key: CacheKey, prompt: RenderedPrompt, backend: str, run_id: int | None) -> Extraction:
    return Extraction(
        paper_id=key.paper_id,
        run_id=run_id,
        prompt_name=prompt.name,
        prompt_version=prompt.version,
        prompt_hash=key.prompt_hash,
        backend=backend,
        model=key.model,
        input_hash=key.input_hash,
    )


def _key_filter(key: CacheKey) -> Any:
    return (
        (Extraction.paper_id == key.paper_id)
        & (Extraction.prompt_hash == key.prompt_hash)
        & (Extraction.model == key.model)
        & (Extraction.input_hash == key.input_hash)
    )


def store_success(
    engine: Engine,
    key: CacheKey,
    prompt: RenderedPrompt,
    result: LLMResult[Any],
    verified: Verified,
    run_id: int | None,
    *,
    batch_id: int | None = None,
    finish: Callable[[Session], None] | None = None,
) -> None:
    """Extraction (new or replacing the failed/forced row of this key), its claims and the llm_call
    (`batch_id`: answered by that Batch API job); `finish(session)` runs in the same transaction.

    Core statements (not ORM objects): this runs once per paper on the writer thread, and the less
    Python it runs the less it competes with the event loop for the GIL.
    """
    table = table_of(Extraction)
    values = {
        **_ok_values(verified),
        "run_id": run_id,
        "backend": result.backend,
        "attempts": result.attempts,
        "prompt_name": prompt.name,
        "prompt_version": prompt.version,
    }
    with session_scope(engine) as session:
        existing = session.execute(select(Extraction.id).where(_key_filter(key))).scalar()
        if existing is None:
            row = {
                **values,
                "paper_id": key.paper_id,
                "prompt_hash": key.prompt_hash,
                "model": key.model,
                "input_hash": key.input_hash,
                "created_at": utcnow(),
            }
            inserted = session.exec(insert(table).values(**row)).inserted_primary_key
            assert inserted is not None  # a single-row INSERT reports its key
            existing = inserted[0]
        else:
            session.execute(update(table).where(table.c.id == existing).values(**values, created_at=utcnow()))
            session.execute(delete(Claim).where(col(Claim.extraction_id) == existing))
        claims = _claim_values(existing, key.paper_id, verified.facts)
        if claims:
            session.execute(insert(table_of(Claim)), claims)
        who = "offline rules" if result.backend == "offline" else result.model
        decided_by = f"{who}, {prompt.name} {prompt.version}"
        set_scope(session, key.paper_id, verified.facts.scope, verified.facts.scope_reason, decided_by)
        log_call(
            session,
            stage=STAGE,
            prompt=prompt,
            backend=result.backend,
            model=result.model,
            result=result,
            paper_id=key.paper_id,
            run_id=run_id,
            input_hash=key.input_hash,
            batch_id=batch_id,
        )
        if finish is not None:
            finish(session)


def set_scope(session: Session, paper_id: int, scope: str, reason: str, decided_by: str) -> None:
    """Record the paper's scope decision: recsys | adjacent | out_of_scope, why, and what decided it."""
    session.execute(
        update(table_of(Paper))
        .where(table_of(Paper).c.id == paper_id)
        .values(scope=scope, scope_reason=reason[:2000], scope_by=decided_by[:255])
    )


RELEVANCE_RULE = "rule: relevance pre-score"


def scope_below_threshold(engine: Engine, papers: list[Paper], threshold: float) -> None:
    """Papers under the relevance pre-score never reach the model: out of scope by that rule (a paper
    a model or the offline rules already decided keeps that decision)."""
    with session_scope(engine) as session:
        for paper in papers:
            current = session.get(Paper, paper.id)
            if current is None or (current.scope is not None and current.scope_by != RELEVANCE_RULE):
                continue
            why = f"relevance pre-score {paper.relevance:g} is below the threshold {threshold:g}"
            reasons = ", ".join(paper.relevance_reasons or [])
            set_scope(
                session,
                current.id or 0,
                "out_of_scope",
                why + (f" ({reasons})" if reasons else ""),
                RELEVANCE_RULE,
            )


def store_failure(
    engine: Engine,
    key: CacheKey,
    prompt: RenderedPrompt,
    backend: str,
    error: Exception,
    message: str,
    run_id: int | None,
    latency_ms: float,
    *,
    batch_id: int | None = None,
    finish: Callable[[Session], None] | None = None,
) -> None:
    """A failed row for this key (unless an OK row exists) + the failed llm_call row (`batch_id` and
    `finish` as in store_success)."""
    with session_scope(engine) as session:
        row = find_row(session, key)
        if row is None or row.status != "ok":
            row = row or _new_row(key, prompt, backend, run_id)
            row.status, row.error, row.run_id = "failed", message, run_id
            row.attempts = getattr(error, "attempts", 1) or 1
            session.add(row)
        llm_error = error if isinstance(error, LLMError) else LLMError(message)
        call = log_call(
            session,
            stage=STAGE,
            prompt=prompt,
            backend=backend,
            model=key.model,
            error=llm_error,
            paper_id=key.paper_id,
            run_id=run_id,
            input_hash=key.input_hash,
            latency_ms=latency_ms,
            batch_id=batch_id,
        )
        call.error = message
        if finish is not None:
            finish(session)


def parsed(extraction: Extraction) -> PaperFacts:
    """The stored fact sheet of an OK extraction row (db.store.facts_of)."""
    return facts_of(extraction)
