"""Store one load: batches of PaperRecords (one per week) -> paper rows, Run rows, near-duplicate links.

A load is what one crawl call stores: a week (`crawl.crawl_week`) or a backfill
(`crawl.crawl_range`, bench/bulk_load.py). All of it is ONE transaction: every batch is upserted
(`store.upsert_papers`, idempotent by base arXiv id), then the near-duplicate pass runs ONCE over
every new/updated id of the whole load against the whole database (`dedup.near_duplicate_links`),
then each batch's Run row is closed. A failure stores nothing of the load.

Bulk mode (default for loads of BULK_MIN records or more; `bulk=True/False` forces it): the per-row
FTS insert trigger is suspended and the new papers are indexed in one statement
(`fts_bulk.suspended_insert_sync`; SQLite only), and SQLite gets a larger page cache for the load.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine
from sqlmodel import Session

from . import db, dedup, fts_bulk, store
from .models import Run

if TYPE_CHECKING:
    from .crawl import CrawlResult, PaperRecord

BULK_MIN = 2000  # records per load from which the bulk path pays off
LOAD_CACHE_KIB = 262_144  # PRAGMA cache_size for a bulk load (256 MiB), restored afterwards


@dataclass
class Batch:
    """One week of a load: its records, the result to fill, and the caller's Run id (None: own Run)."""

    week: str | None
    records: list[PaperRecord]
    result: CrawlResult
    run_id: int | None = None


def store_load(engine: Engine, batches: Sequence[Batch], *, bulk: bool | None = None) -> list[CrawlResult]:
    """Store every batch in one transaction with one near-duplicate pass (see module doc)."""
    if bulk is None:
        bulk = sum(len(b.records) for b in batches) >= BULK_MIN
    with db.session_scope(engine) as session:
        runs = [store.start_run(session, "crawl", b.week) if b.run_id is None else None for b in batches]
        with _bulk(session) if bulk else nullcontext():
            for batch in batches:
                _upsert(session, batch)
        _link(session, batches)
        for batch, run in zip(batches, runs, strict=True):
            _finish(session, batch, run)
    return [b.result for b in batches]


@contextmanager
def _bulk(session: Session) -> Iterator[None]:
    """Bigger page cache and the FTS insert trigger suspended, for the duration of the upserts."""
    conn = session.connection()
    cache = None
    if conn.dialect.name == "sqlite":
        cache = int(conn.exec_driver_sql("PRAGMA cache_size").scalar() or 0)
        conn.exec_driver_sql(f"PRAGMA cache_size = -{LOAD_CACHE_KIB}")
    try:
        with fts_bulk.suspended_insert_sync(conn):
            yield
    finally:
        if cache is not None:
            conn.exec_driver_sql(f"PRAGMA cache_size = {cache}")


def _upsert(session: Session, batch: Batch) -> None:
    counts = store.upsert_papers(session, batch.records)
    result = batch.result
    result.new, result.updated, result.unchanged = len(counts.new), len(counts.updated), len(counts.unchanged)
    result.new_ids, result.updated_ids = counts.new, counts.updated
    result.weeks = dict(sorted(Counter(r.week for r in batch.records if r.week).items()))


def _link(session: Session, batches: Sequence[Batch]) -> None:
    """One near-duplicate pass for the load; each link counts for the batch holding the linked paper
    (else its canonical paper, else the first batch: an older id arriving re-links a stored paper)."""
    probes = [a for b in batches for a in (*b.result.new_ids, *b.result.updated_ids)]
    links = dedup.near_duplicate_links(session, probes)
    owner = {r.arxiv_id: i for i, b in enumerate(batches) for r in b.records}
    for batch in batches:
        batch.result.duplicates = 0
    for arxiv_id, canonical in links.items():
        if canonical is not None:
            batches[owner.get(arxiv_id, owner.get(canonical, 0))].result.duplicates += 1


def _finish(session: Session, batch: Batch, run: Run | None) -> None:
    result = batch.result
    result.run_id = run.id if run is not None else batch.run_id
    if run is not None:
        store.finish_run(
            session,
            run,
            status="partial" if result.errors else "ok",
            counts=result.counts(),
            error="; ".join(result.errors[:5]) or None,
        )
