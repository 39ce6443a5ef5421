"""Storing records: PaperRecords (each with `.week` set) -> inserted or updated paper and paper_version rows.

Identity key: `paper.arxiv_id` (base id, no version); `paper_version(paper_id, version)`.
`upsert_papers` is idempotent: storing the same records twice changes nothing but `last_seen_at`
(and reports them as unchanged). A newer version (or changed text) updates the row in place and
adds a paper_version row; it never makes a new paper. Bulk path: executemany inserts/updates, no
ORM object per row; new rows' parameters come from a PaperInsert, possibly made ahead in a worker
(paper_rows.Prepared, bulk_rows). Nothing here commits: the caller's session scope owns the
transaction, so a failed batch stores nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlmodel import Session

from ingest.crawl.paper_rows import PaperInsert, Prepared, content_hash, new_row, text_fields
from ingest.db.models import Paper, PaperVersion, table_of, utcnow
from ingest.records import PaperRecord

PAPER = table_of(Paper)
VERSION = table_of(PaperVersion)
CHUNK = 500  # ids per IN (...) query; well under SQLite's variable limit


@dataclass
class StoreCounts:
    """What one upsert did, by arxiv_id."""

    new: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    written: dict[str, tuple[str, list[str]]] = field(default_factory=dict)  # new/updated: title, authors


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def latest_per_id(records: Iterable[PaperRecord]) -> dict[str, tuple[int, PaperRecord]]:
    """arxiv_id -> (position in `records`, record): one record per arxiv_id (a cross-list seen twice
    is one paper), the highest version wins (the later one among equals)."""
    best: dict[str, tuple[int, PaperRecord]] = {}
    for n, rec in enumerate(records):
        old = best.get(rec.arxiv_id)
        if old is None or (rec.version or 1) >= (old[1].version or 1):
            best[rec.arxiv_id] = (n, rec)
    return best


def _existing(session: Session, ids: Sequence[str]) -> dict[str, Any]:
    cols = (
        PAPER.c.id,
        PAPER.c.arxiv_id,
        PAPER.c.version,
        PAPER.c.content_hash,
        PAPER.c.updated,
        PAPER.c.fulltext,
    )
    found: dict[str, Any] = {}
    for part in _chunks(ids):
        for row in session.connection().execute(select(*cols).where(PAPER.c.arxiv_id.in_(part))):
            found[row.arxiv_id] = row
    return found


def _is_newer(rec: PaperRecord, row: Any, new_hash: str) -> bool:
    """A record replaces the stored text when it is a later version, or the same/unknown version with
    different text that is not older than what is stored."""
    if rec.version is not None and rec.version != row.version:
        return rec.version > row.version
    if new_hash == row.content_hash:
        return False
    return not (rec.updated and row.updated and rec.updated < row.updated)


def upsert_papers(
    session: Session,
    records: Iterable[PaperRecord],
    *,
    now: datetime | None = None,
    prepared: Prepared | None = None,
) -> StoreCounts:
    """Store records (each with `.week` set): insert new papers, update newer versions, record versions.
    `prepared`: scores and insert parameters computed ahead for these `records`, in their order (its
    `now` is then the store time); without it records are scored and bound here, by the same functions."""
    now = prepared.now if prepared is not None else now or utcnow()
    records = list(records)
    if prepared is not None and not len(prepared.scores) == len(prepared.params) == len(records):
        raise ValueError("prepared rows do not match the records")
    latest = latest_per_id(records)
    batch = {arxiv_id: rec for arxiv_id, (_n, rec) in latest.items()}
    scores = {a: prepared.scores[n] for a, (n, _rec) in latest.items()} if prepared is not None else {}
    existing = _existing(session, list(batch))
    counts, inserts, updates, touched = StoreCounts(), [], [], []
    for arxiv_id, rec in batch.items():
        row = existing.get(arxiv_id)
        if row is None:
            inserts.append(latest[arxiv_id])
            counts.new.append(arxiv_id)
            counts.written[arxiv_id] = (rec.title, list(rec.authors))
            continue
        fields = text_fields(rec, row.fulltext, scores.get(arxiv_id))
        if _is_newer(rec, row, fields["content_hash"]):
            fields["version"] = max(rec.version or row.version, row.version)
            updates.append({**fields, "_id": row.id, "last_seen_at": now})
            counts.updated.append(arxiv_id)
            counts.written[arxiv_id] = (rec.title, list(rec.authors))
        else:
            touched.append({"_id": row.id, "last_seen_at": now})
            counts.unchanged.append(arxiv_id)
    conn = session.connection()
    if inserts:
        last_id = conn.execute(select(func.coalesce(func.max(PAPER.c.id), 0))).scalar_one()
        _insert_new(session, inserts, now, prepared)
        _first_versions(session, last_id)
    if updates:
        conn.execute(update(PAPER).where(PAPER.c.id == bindparam("_id")), updates)
    if touched:
        conn.execute(
            update(PAPER)
            .where(PAPER.c.id == bindparam("_id"))
            .values(last_seen_at=bindparam("last_seen_at")),
            touched,
        )
    known = set(counts.new)
    _record_versions(session, {a: r for a, r in batch.items() if a not in known}, now)
    return counts


def _insert_new(
    session: Session, records: list[tuple[int, PaperRecord]], now: datetime, prepared: Prepared | None
) -> None:
    """INSERT the paper rows of (position, record) pairs in one executemany: parameters from
    `prepared` (made ahead by a PaperInsert for this dialect and `now`) or bound here."""
    conn = session.connection()
    statement = PaperInsert.of(conn.dialect, now)
    if statement is None:  # then bulk_rows made no parameters either (it needs a PaperInsert)
        scored = prepared.scores if prepared is not None else None
        conn.execute(insert(PAPER), [new_row(r, now, scored[n] if scored else None) for n, r in records])
        return
    if prepared is not None:
        params = [prepared.params[n] for n, _r in records]
    else:
        params = [statement.params(r) for _n, r in records]
    conn.exec_driver_sql(statement.sql, params)


def _first_versions(session: Session, last_id: int) -> None:
    """The paper_version row of every paper inserted after id `last_id`, copied from the paper row in
    one statement (its version, updated, content hash and title; seen_at = its last_seen_at)."""
    cols = (
        PAPER.c.id,
        PAPER.c.version,
        PAPER.c.updated,
        PAPER.c.last_seen_at,
        PAPER.c.content_hash,
        PAPER.c.title,
    )
    names = ["paper_id", "version", "updated", "seen_at", "content_hash", "title"]
    new_rows = select(*cols).where(PAPER.c.id > last_id)
    session.connection().execute(insert(VERSION).from_select(names, new_rows))


def _record_versions(session: Session, batch: dict[str, PaperRecord], now: datetime) -> None:
    """Add a paper_version row for every (paper, version) of the stored papers in `batch` not seen before."""
    ids = list(batch)
    conn = session.connection()
    pid_of: dict[str, int] = {}
    seen: set[tuple[int, int]] = set()
    for part in _chunks(ids):
        pid_of.update(
            conn.execute(select(PAPER.c.arxiv_id, PAPER.c.id).where(PAPER.c.arxiv_id.in_(part))).all()
        )
    pids = list(pid_of.values())
    for part in _chunks(pids):
        seen.update(
            conn.execute(
                select(VERSION.c.paper_id, VERSION.c.version).where(VERSION.c.paper_id.in_(part))
            ).all()
        )
    rows = []
    for arxiv_id, rec in batch.items():
        key = (pid_of[arxiv_id], rec.version or 1)
        if key not in seen:
            seen.add(key)
            rows.append(
                {
                    "paper_id": key[0],
                    "version": key[1],
                    "updated": rec.updated,
                    "seen_at": now,
                    "content_hash": content_hash(rec.title, rec.abstract, rec.comment),
                    "title": rec.title,
                }
            )
    if rows:
        conn.execute(insert(VERSION), rows)
