"""New paper rows: a PaperRecord (+ its relevance) -> the row's values and bound INSERT parameters.

`new_row(rec, now)` is the paper row of a record not stored yet; `text_fields` the part an update
rewrites; `content_hash` the text's hash (the extraction cache key). `PaperInsert` binds new rows
for one dialect and store time exactly as Core's `insert(PAPER)` would (byte-identical, tested),
cheaply enough for a bulk load, and pure, so forked workers can do it (bulk_rows); `Prepared` holds
such work done ahead for one part of a load. No database access here.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert

from ingest.crawl import relevance
from ingest.db.models import Paper, table_of
from ingest.records import PaperRecord

PAPER = table_of(Paper)


def content_hash(title: str, abstract: str, comment: str | None, fulltext: str | None = None) -> str:
    """sha256 over title+abstract+comment+fulltext (the extraction cache key); new text -> new hash."""
    joined = "\x1f".join((title or "", abstract or "", comment or "", fulltext or ""))
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()


def text_fields(
    rec: PaperRecord, fulltext: str | None, scored: tuple[float, list[str]] | None = None
) -> dict[str, Any]:
    """The columns a newer version rewrites (text, metadata, hash with the stored `fulltext`, and
    relevance: `scored`, else relevance.score(rec))."""
    score, reasons = scored if scored is not None else relevance.score(rec)
    return {
        "version": rec.version or 1,
        "title": rec.title,
        "abstract": rec.abstract,
        "authors": list(rec.authors),
        "affiliations": list(rec.affiliations),
        "categories": list(rec.categories),
        "primary_category": rec.primary_category,
        "updated": rec.updated,
        "comment": rec.comment,
        "journal_ref": rec.journal_ref,
        "doi": rec.doi,
        "content_hash": content_hash(rec.title, rec.abstract, rec.comment, fulltext),
        "relevance": score,
        "relevance_reasons": reasons,
    }


def new_row(rec: PaperRecord, now: datetime, scored: tuple[float, list[str]] | None = None) -> dict[str, Any]:
    """The paper row of a record not stored yet (`scored`: its relevance.score, computed when None)."""
    row = text_fields(rec, None, scored)
    row.update(
        arxiv_id=rec.arxiv_id,
        published=rec.published,
        listing_date=rec.listing_date,
        week=rec.week,
        source=rec.source,
        fulltext=None,
        enriched_at=None,
        duplicate_of=None,
        first_seen_at=now,
        last_seen_at=now,
    )
    return row


@dataclass
class Prepared:
    """Work done ahead for one batch of records (bulk_rows, in a worker), one entry per record in the
    batch's order: its relevance.score and the bound INSERT parameters of its paper row, made by a
    PaperInsert for store time `now`."""

    now: datetime
    scores: list[tuple[float, list[str]]]
    params: list[Any]


NEW_ROW_KEYS = (
    "version",
    "title",
    "abstract",
    "authors",
    "affiliations",
    "categories",
    "primary_category",
    "updated",
    "comment",
    "journal_ref",
    "doi",
    "content_hash",
    "relevance",
    "relevance_reasons",
    "arxiv_id",
    "published",
    "listing_date",
    "week",
    "source",
    "fulltext",
    "enriched_at",
    "duplicate_of",
    "first_seen_at",
    "last_seen_at",
)  # the keys of new_row, in its order


class PaperInsert:
    """The INSERT of new paper rows for one dialect and store time `now`: a record (+ its relevance)
    -> the statement's bound parameters, exactly what Core `insert(PAPER)` sends for
    `new_row(rec, now)` (each column type's own bind processor for the dialect: JSON, datetimes),
    without SQLAlchemy's per-row bookkeeping. Pure: safe to call in a forked worker.
    `PaperInsert.of(...)` is None when the compiled statement wants parameters new_row does not give
    (a Python-side column default added later): callers then use Core."""

    ASIDE = ("title", "abstract", "comment")  # the record's own text: params_aside leaves it out

    def __init__(self, now: datetime, sql: str, positional: bool, procs: list[tuple[str, Any]]) -> None:
        self.now, self.sql, self.positional, self.procs = now, sql, positional, procs
        self._aside = [(i, k, p) for i, (k, p) in enumerate(procs) if k in self.ASIDE]

    @classmethod
    def of(cls, dialect: Any, now: datetime) -> PaperInsert | None:
        compiled = insert(PAPER).compile(dialect=dialect, column_keys=list(NEW_ROW_KEYS))
        positional = bool(compiled.positional)
        order = list(compiled.positiontup or ()) if positional else list(compiled.bind_names.values())
        if sorted(order) != sorted(NEW_ROW_KEYS):
            return None
        procs = [(k, PAPER.c[k].type.dialect_impl(dialect).bind_processor(dialect)) for k in order]
        procs = [(k, _once_for(now, p) if k in ("first_seen_at", "last_seen_at") else p) for k, p in procs]
        return cls(now, compiled.string, positional, procs)

    def params_aside(self, params: Any) -> Any:
        """`params` without the record's own text (None in its place): what a worker sends back,
        as the loader holds that text already (less to pickle back from the worker)."""
        if self.positional:
            row = list(params)
            for i, _key, _process in self._aside:
                row[i] = None
            return tuple(row)
        return {**params, **dict.fromkeys(self.ASIDE)}

    def params_with_text(self, params: Any, rec: PaperRecord) -> Any:
        """params_aside's result with `rec`'s text put back: equal to params(rec, ...)."""
        if self.positional:
            row = list(params)
            for i, key, process in self._aside:
                value = getattr(rec, key)
                row[i] = process(value) if process else value
            return tuple(row)
        return {**params, **{k: p(getattr(rec, k)) if p else getattr(rec, k) for _i, k, p in self._aside}}

    def params(self, rec: PaperRecord, scored: tuple[float, list[str]] | None = None) -> Any:
        """The bound parameters (a tuple; a dict for named paramstyles) of `rec`'s new paper row."""
        row = new_row(rec, self.now, scored)
        if self.positional:
            return tuple([p(row[k]) if p else row[k] for k, p in self.procs])
        return {k: p(row[k]) if p else row[k] for k, p in self.procs}


def _once_for(now: datetime, process: Any) -> Any:
    """`process`, with its result for `now` (every row's first/last_seen_at) computed once."""
    if process is None:
        return None
    bound = process(now)
    return lambda value: bound if value is now else process(value)
