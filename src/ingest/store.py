"""Paper, version and run queries: PaperRecords -> paper/paper_version rows, selections, run rows.

Identity key: `paper.arxiv_id` (base id, no version); `paper_version(paper_id, version)`.
`upsert_papers` is idempotent: storing the same records twice changes nothing but `last_seen_at`
(and reports them as unchanged). A newer version (or changed text) updates the row in place and
adds a paper_version row; it never makes a new paper. Bulk path: executemany inserts/updates, no
ORM object per row; new rows' parameters come from a PaperInsert, possibly made ahead in a worker
(paper_rows.Prepared, bulk_rows). Read views for the CLI live in paper_views. Nothing here commits:
the caller's session scope owns the transaction, so a failed batch stores nothing. Lookups of
unknown ids raise NotFoundError.
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Text, bindparam, func, insert, select, type_coerce, update
from sqlmodel import Session

from .errors import NotFoundError
from .models import Extraction, Metric, Paper, PaperVersion, Report, ReportPaper, Run, utcnow
from .paper_rows import PaperInsert, Prepared, content_hash, new_row, text_fields

if TYPE_CHECKING:
    from .crawl import PaperRecord

PAPER = Paper.__table__
VERSION = PaperVersion.__table__
CHUNK = 500  # ids per IN (...) query; well under SQLite's variable limit
_ID = re.compile(
    r"^(?:arxiv:)?\s*(?P<base>(?:\d{4}\.\d{4,5})|(?:[a-z\-]+(?:\.[A-Z]{2})?/\d{7}))"
    r"(?:v(?P<version>\d+))?$",
    re.IGNORECASE,
)


def split_id(text: str) -> tuple[str, int | None]:
    """'arXiv:2604.14878v2' / 'http://arxiv.org/abs/2604.14878v2' -> ('2604.14878', 2). ValueError if bad."""
    raw = text.strip()
    for prefix in ("https://arxiv.org/abs/", "http://arxiv.org/abs/", "http://export.arxiv.org/abs/"):
        if raw.startswith(prefix):
            raw = raw[len(prefix) :]
    m = _ID.match(raw)
    if not m:
        raise ValueError(f"not an arXiv id: {text!r}")
    version = m.group("version")
    return m.group("base"), int(version) if version else None


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
    cols = (PAPER.c.id, PAPER.c.version, PAPER.c.updated, PAPER.c.last_seen_at, PAPER.c.content_hash,
            PAPER.c.title)
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


def title_rows(session: Session) -> list[tuple[str, str, str, str | None]]:
    """(arxiv_id, title, authors as raw JSON text, duplicate_of) of every paper, for the near-dup pass."""
    cols = (PAPER.c.arxiv_id, PAPER.c.title, type_coerce(PAPER.c.authors, Text), PAPER.c.duplicate_of)
    return list(session.connection().execute(select(*cols)).all())


def set_duplicate_of(session: Session, links: dict[str, str | None]) -> None:
    """Set paper.duplicate_of (canonical arxiv_id or None) for each arxiv_id in `links`."""
    if links:
        stmt = (
            update(PAPER).where(PAPER.c.arxiv_id == bindparam("_aid")).values(duplicate_of=bindparam("_dup"))
        )
        session.connection().execute(stmt, [{"_aid": a, "_dup": d} for a, d in links.items()])


def get_paper(session: Session, arxiv_id: str) -> Paper:
    """The paper with this id ('2604.14878', '2604.14878v2', 'arXiv:2604.14878'); NotFoundError if absent."""
    try:
        base, _version = split_id(arxiv_id)
    except ValueError as exc:
        raise NotFoundError(f"{exc}; expected an id like 2604.14878") from None
    paper = session.execute(select(Paper).where(Paper.arxiv_id == base)).scalars().first()
    if paper is None:
        raise NotFoundError(f"paper {base} is not in the database (crawl its week first)")
    return paper


def papers_for_week(session: Session, week: str, *, include_duplicates: bool = False) -> list[Paper]:
    """Papers assigned to `week`, by arxiv_id; near-duplicates (duplicate_of set) only when asked."""
    query = select(Paper).where(Paper.week == week)
    if not include_duplicates:
        query = query.where(Paper.duplicate_of.is_(None))
    return list(session.execute(query.order_by(Paper.arxiv_id)).scalars())


def paper_versions(session: Session, paper: Paper) -> list[PaperVersion]:
    query = select(PaperVersion).where(PaperVersion.paper_id == paper.id).order_by(PaperVersion.version)
    return list(session.execute(query).scalars())


def latest_extraction(session: Session, paper: Paper) -> Extraction | None:
    """The newest successful extraction of a paper (highest id), or None."""
    query = (
        select(Extraction)
        .where(Extraction.paper_id == paper.id, Extraction.status == "ok")
        .order_by(Extraction.id.desc())
        .limit(1)
    )
    return session.execute(query).scalars().first()


def extraction_metrics(session: Session, extraction: Extraction) -> list[Metric]:
    query = select(Metric).where(Metric.extraction_id == extraction.id).order_by(Metric.id)
    return list(session.execute(query).scalars())


def reports_featuring(session: Session, paper: Paper) -> list[tuple[Report, ReportPaper]]:
    """Every report that selected this paper, oldest week first."""
    query = (
        select(Report, ReportPaper)
        .join(ReportPaper, ReportPaper.report_id == Report.id)
        .where(ReportPaper.paper_id == paper.id)
        .order_by(Report.week, Report.lang, Report.version)
    )
    return [(r, rp) for r, rp in session.execute(query).all()]


def start_run(session: Session, kind: str, week: str | None) -> Run:
    """A new Run row in status 'running' (flushed so it has an id)."""
    run = Run(kind=kind, week=week, pid=os.getpid(), host=socket.gethostname())
    session.add(run)
    session.flush()
    return run


def finish_run(
    session: Session, run: Run, *, status: str, counts: dict[str, Any], error: str | None = None
) -> Run:
    """Close a run with its outcome ('ok' | 'partial' | 'failed') and counts."""
    run.status = status
    run.counts = dict(counts)
    run.error = error
    run.finished_at = utcnow()
    session.add(run)
    session.flush()
    return run
