"""Store one load: batches of PaperRecords (one per week) -> paper rows, Run rows, near-duplicate links.

A load is what one crawl call stores: a week (`crawl.crawl_week`) or a backfill
(`crawl.crawl_range`, bench/bulk_load.py). All of it is ONE transaction: every batch is upserted
(`store.upsert_papers`, idempotent by base arXiv id), then the near-duplicate pass runs ONCE over
every new/updated id of the whole load against the whole database (`dedup_ahead.plan`), then each
batch's Run row is closed. A failure stores nothing of the load. Every paper row the
load writes gets the same store time (first_seen_at/last_seen_at).

The near-duplicate pass needs no database read after the upserts: it runs over the titles stored
before the load with the load's new/updated titles put over them (`dedup_ahead.plan`); its links
are written after the upserts. Never a thread while SQLite runs row by row (a Python thread holding
the GIL stalls every row of an executemany): in bulk mode a forked process plans it from the start
(`dedup_ahead.planned_ahead`, taken only if the load wrote exactly the records it planned for),
otherwise a thread plans it while SQLite indexes the last batch (one statement, GIL released).

Bulk mode (default for loads of BULK_MIN records or more; `bulk=True/False` forces it): relevance
scores and the bound INSERT parameters of the paper rows are computed by forked workers meanwhile
(`bulk_rows.background_rows`), and batches are stored in parts of UNIT papers (_units); the per-row
FTS insert trigger is suspended and new papers are indexed one statement per INDEX_EVERY papers,
and before a part that may update papers not indexed yet (`fts_bulk.suspended_insert_sync`;
SQLite only);
SQLite gets a larger page cache until the load's last write (restored before the commit), and
the commit skips the automatic WAL checkpoint, which runs right after it instead (cheaper, see
_checkpoint_after_commit). 100k papers: bench/bulk_load.py.
"""

from __future__ import annotations

import logging
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from ingest import dedup
from ingest.crawl import bulk_rows, dedup_ahead, paper_rows, upsert
from ingest.db import engine as db
from ingest.db import fts_fill as fts_bulk
from ingest.db import runlog, store
from ingest.db.models import Run, utcnow
from ingest.errors import listed
from ingest.records import PaperRecord

log = logging.getLogger(__name__)

BULK_MIN = 2000  # records per load from which the bulk path pays off
UNIT = 2000  # bulk mode: records per upsert (a big batch is stored in parts, see _units)
INDEX_EVERY = 10_000  # bulk mode: new papers written before SQLite indexes them for search
LOAD_CACHE_KIB = 262_144  # PRAGMA cache_size for a bulk load (256 MiB), restored afterwards


@dataclass
class CrawlResult:
    """What one crawl of one week stored."""

    week: str | None
    source: str = "arxiv"
    fetched: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0  # near-duplicate links made
    skipped: int = 0  # records outside the requested week/range (live) or range (snapshot)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # fields cut to records.FIELD_LIMITS ("line 3: ...")
    run_id: int | None = None
    weeks: dict[str, int] = field(default_factory=dict)  # stored records per assigned week
    new_ids: list[str] = field(default_factory=list)
    updated_ids: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, Any]:
        return {
            "fetched": self.fetched,
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "duplicates": self.duplicates,
            "skipped": self.skipped,
            "errors": len(self.errors),
            "truncated": len(self.notes),
            "weeks": dict(self.weeks),
        }


# ---------------------------------------------------------------------------------------- live source


@dataclass
class Batch:
    """One week of a load: its records, the result to fill, and the caller's Run id (None: own Run)."""

    week: str | None
    records: list[PaperRecord]
    result: CrawlResult
    run_id: int | None = None


def store_load(
    engine: Engine,
    batches: Sequence[Batch],
    *,
    bulk: bool | None = None,
    unit: int = UNIT,
    index_every: int = INDEX_EVERY,
    timings: dict[str, Any] | None = None,
) -> list[CrawlResult]:
    """Store every batch in one transaction with one near-duplicate pass (see module doc); `unit` and
    `index_every`: bulk mode's part size and indexing interval (UNIT, INDEX_EVERY). `timings`, when
    given, receives the near-duplicate pass's own seconds and where it ran (`dedup_seconds`,
    `dedup_planned`: "ahead" in a forked process during the writes, or "thread" after them)."""
    total = sum(len(b.records) for b in batches)
    if bulk is None:
        bulk = total >= BULK_MIN
    log.info("load event=start weeks=%d records=%d path=%s", len(batches), total, "bulk" if bulk else "plain")
    now = utcnow()  # the store time of every row of the load (one transaction)
    statement = paper_rows.PaperInsert.of(engine.dialect, now) if bulk else None
    units = _units(batches, unit if bulk else None)
    records = [part for _i, part in units]
    for batch in batches:
        _reset_counts(batch)
    with (
        _checkpoint_after_commit() as no_checkpoint_in,
        dedup_ahead.planned_ahead(records if bulk else []) as ahead,
        bulk_rows.background_rows(records, statement) as prepared,
        db.session_scope(engine) as session,
        _big_cache(session) if bulk else nullcontext(),
    ):
        if bulk:
            no_checkpoint_in(session)
        runs = [runlog.open_run(session, "crawl", b.week) if b.run_id is None else None for b in batches]
        before = dedup.stored_rows(session)
        ahead.start(before)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-dedup") as pool:
            with fts_bulk.suspended_insert_sync(session.connection()) if bulk else nullcontext() as index_new:
                written: list[dict[str, tuple[str, list[str]]]] = []
                waiting: set[str] = set()  # papers written since the index last caught up
                for u, (i, part) in enumerate(units):
                    if index_new is not None and (
                        len(waiting) >= index_every or not waiting.isdisjoint(r.arxiv_id for r in part)
                    ):
                        index_new()  # SQLite indexes while the workers prepare; and before an update
                        waiting.clear()
                    written.append(_upsert(session, batches[i], part, now, prepared(u)))
                    waiting.update(written[-1])
                ready = ahead.matches(written)  # else plan in a thread while SQLite indexes the last batch
                planned = None if ready else pool.submit(dedup_ahead.timed_plan, before, written)
            links, seconds, where = None, 0.0, "thread"
            if ready:
                links, seconds, where = ahead.links(), ahead.seconds, "ahead"
            if links is None:  # not planned ahead, or that process failed
                links, seconds = (planned or pool.submit(dedup_ahead.timed_plan, before, written)).result()
                where = "thread"
        if timings is not None:
            timings.update(dedup_seconds=seconds, dedup_planned=where)
        store.set_duplicate_of(session, links)
        _count_links(batches, links)
        for batch, run in zip(batches, runs, strict=True):
            _finish(session, batch, run)
    return [b.result for b in batches]


@contextmanager
def _big_cache(session: Session) -> Iterator[None]:
    """SQLite: a LOAD_CACHE_KIB page cache for the load (restored afterwards); others: nothing."""
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        yield
        return
    cache = int(conn.exec_driver_sql("PRAGMA cache_size").scalar() or 0)
    conn.exec_driver_sql(f"PRAGMA cache_size = -{LOAD_CACHE_KIB}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = {cache}")


@contextmanager
def _checkpoint_after_commit() -> Iterator[Callable[[Session], None]]:
    """SQLite: `no_checkpoint_in(session)` makes that session's connection commit without its
    automatic WAL checkpoint; right after the block (the commit) one PASSIVE checkpoint copies the
    load into the database file and the setting is restored: for a big load this is cheaper than a
    commit that checkpoints itself (see bench/bulk_load.py). A connection closed meanwhile took its
    setting with it. Others: nothing."""
    held: list[tuple[Any, int]] = []  # (the sqlite3 connection, its wal_autocheckpoint)

    def no_checkpoint_in(session: Session) -> None:
        conn = session.connection()
        raw = conn.connection.dbapi_connection
        if conn.dialect.name == "sqlite" and raw is not None:
            saved = int(conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() or 0)
            conn.exec_driver_sql("PRAGMA wal_autocheckpoint = 0")
            held.append((raw, saved))

    try:
        yield no_checkpoint_in
    finally:
        for raw, saved in held:
            with suppress(sqlite3.ProgrammingError):  # closed: nothing to restore
                raw.execute(f"PRAGMA wal_autocheckpoint = {saved}")
                raw.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()


def _units(batches: Sequence[Batch], unit: int | None) -> list[tuple[int, Sequence[PaperRecord]]]:
    """The load in the parts it is stored in, in order, as (batch index, records): each batch whole,
    or (bulk mode, `unit` given) its winning records (store.latest_per_id: one per paper, so the parts
    never share a paper and their counts add up to the batch's) in parts of at most `unit`, so that the
    workers and SQLite take turns early instead of after a whole big batch."""
    if unit is None:
        return [(i, b.records) for i, b in enumerate(batches)]
    units: list[tuple[int, Sequence[PaperRecord]]] = []
    for i, batch in enumerate(batches):
        winners = [rec for _n, rec in upsert.latest_per_id(batch.records).values()]
        units += [(i, winners[start : start + unit]) for start in range(0, max(len(winners), 1), unit)]
    return units


def _reset_counts(batch: Batch) -> None:
    result = batch.result
    result.new = result.updated = result.unchanged = 0
    result.new_ids, result.updated_ids = [], []
    result.weeks = dict(sorted(Counter(r.week for r in batch.records if r.week).items()))


def _upsert(
    session: Session,
    batch: Batch,
    records: Sequence[PaperRecord],
    now: datetime,
    prepared: paper_rows.Prepared | None,
) -> dict[str, tuple[str, list[str]]]:
    """Store records of `batch` (all of them, or a part: see _units); adds to its result's counts;
    returns what store.upsert_papers wrote."""
    counts = upsert.upsert_papers(session, records, now=now, prepared=prepared)
    result = batch.result
    result.new += len(counts.new)
    result.updated += len(counts.updated)
    result.unchanged += len(counts.unchanged)
    result.new_ids += counts.new
    result.updated_ids += counts.updated
    return counts.written


def _count_links(batches: Sequence[Batch], links: dict[str, str | None]) -> None:
    """Each link counts for the batch holding the linked paper (else its canonical paper, else the
    first batch: an older id arriving re-links a stored paper)."""
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
        runlog.close_run(
            session,
            run,
            status="partial" if result.errors else "ok",
            counts=result.counts(),
            error=listed(result.errors, 5) or None,
        )
