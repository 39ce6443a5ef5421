"""Query the paper database: search text + structured filters -> ranked `SearchHit`s (no printing).

Input: a Settings (or an Engine), the user's query text (sanitised by `search_query.parse`) and
`SearchFilters` (institution, industrial, deployed, topic, week or since/until, metric).
Output: `SearchResult` with up to `limit` hits, each with a highlighted snippet (matches wrapped in
`**`), the facts of the paper's latest OK extraction and its metrics.

- SQLite with the paper_fts index (migration 0004): FTS5 MATCH, ranked by bm25 (title 10,
  abstract 1, extracted text 3; lower scores are better), snippets from FTS5 `snippet()`.
- Any other database (PostgreSQL), or SQLite without the index: every term must occur (ILIKE) in
  title, abstract or extracted text; newest first; snippets built in Python.
- Empty query with filters: the filtered papers, newest first. Empty query without filters, bad
  week/topic/limit/dates, oversized queries: one InputError. Read-only and idempotent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import String, cast, exists, func, inspect, literal_column, or_, select, table, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from . import db
from .config import Settings
from .errors import InputError
from .models import Extraction, Metric, Paper
from .search_query import ParsedQuery, highlight, parse, resolve_topic
from .weeks import normalize_week

P, E, M = Paper.__table__, Extraction.__table__, Metric.__table__
MAX_LIMIT = 1000
FTS = table("paper_fts")
_SNIPPET = "snippet(paper_fts, {col}, '**', '**', '…', 24)"


@dataclass(frozen=True)
class SearchFilters:
    institution: str | None = None
    industrial: bool = False
    deployed: bool = False
    topic: str | None = None
    week: str | None = None
    since: date | None = None
    until: date | None = None
    metric: str | None = None

    @property
    def any(self) -> bool:
        return any(getattr(self, f) not in (None, False) for f in self.__dataclass_fields__)


@dataclass(frozen=True)
class SearchHit:
    arxiv_id: str
    title: str
    week: str
    listing_date: str | None
    score: float | None  # bm25 (negative, lower is better); None when not ranked by FTS5
    snippet: str
    short_name: str | None = None
    institutions: list[str] = field(default_factory=list)
    industrial: bool | None = None
    deployed_online: bool | None = None
    topics: list[str] = field(default_factory=list)
    metrics: list[str] = field(default_factory=list)  # "CTR 2.70% (online)"


@dataclass(frozen=True)
class SearchResult:
    query: str
    match: str | None  # the FTS5 expression actually run, None without search terms
    mode: str  # fts | like | filter
    hits: list[SearchHit]


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _contains(column: Any, value: str) -> Any:
    return func.lower(column).like(f"%{_escape_like(value.lower())}%", escape="\\")


def _json_has(column: Any, value: str, sqlite: bool) -> Any:
    """The JSON list `column` holds `value` (case-insensitive)."""
    if sqlite:
        item = func.json_each(column).table_valued("value")
        return exists().select_from(item).where(func.lower(item.c.value) == value.lower())
    return _contains(cast(column, String), json.dumps(value.lower()))


def _filter_clauses(f: SearchFilters, sqlite: bool) -> list[Any]:
    clauses: list[Any] = []
    if f.institution:
        clauses.append(_json_has(E.c.institutions, f.institution.strip(), sqlite))
    if f.industrial:
        clauses.append(E.c.industrial.is_(True))
    if f.deployed:
        clauses.append(E.c.deployed_online.is_(True))
    if f.topic:
        clauses.append(_json_has(E.c.topics, resolve_topic(f.topic), sqlite))
    if f.week:
        clauses.append(P.c.week == normalize_week(f.week))
    if f.since:
        clauses.append(P.c.listing_date >= f.since)
    if f.until:
        clauses.append(P.c.listing_date <= f.until)
    if f.metric:
        clauses.append(exists().where(M.c.extraction_id == E.c.id, _contains(M.c.metric, f.metric.strip())))
    return clauses


def _validate(filters: SearchFilters, limit: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise InputError(f"--limit must be between 1 and {MAX_LIMIT}, got {limit}")
    if filters.week and (filters.since or filters.until):
        raise InputError("give either --week or --since/--until, not both")
    if filters.since and filters.until and filters.since > filters.until:
        raise InputError(f"--since {filters.since} is after --until {filters.until}")
    for name in ("institution", "metric"):
        value = getattr(filters, name)
        if value is not None and not value.strip():
            raise InputError(f"--{name} must not be empty")


def _base() -> Any:
    latest = (select(func.max(E.c.id)).where(E.c.paper_id == P.c.id, E.c.status == "ok")
              .correlate(P).scalar_subquery())
    cols = [P.c.arxiv_id, P.c.title, P.c.abstract, P.c.week, P.c.listing_date, E.c.id.label("extraction_id"),
            E.c.short_name, E.c.institutions, E.c.industrial, E.c.deployed_online, E.c.topics]
    return select(*cols).select_from(P.outerjoin(E, E.c.id == latest))


def _fts_statement(parsed: ParsedQuery, clauses: list[Any], limit: int) -> Any:
    return (_base().add_columns(literal_column("paper_fts.rank").label("score"),
                                literal_column(_SNIPPET.format(col=1)).label("snip_abstract"),
                                literal_column(_SNIPPET.format(col=-1)).label("snip_best"))
            .join(FTS, literal_column("paper_fts.rowid") == P.c.id)
            .where(text("paper_fts MATCH :match").bindparams(match=parsed.fts()), *clauses)
            .order_by(literal_column("paper_fts.rank")).limit(limit))


def _like_statement(parsed: ParsedQuery, clauses: list[Any], limit: int) -> Any:
    fields = (P.c.title, P.c.abstract, E.c.one_line, E.c.method, cast(E.c.techniques, String))
    terms = [or_(*[_contains(func.coalesce(col, ""), t.text) for col in fields for t in g])
             for g in parsed.groups]
    return (_base().where(*terms, *clauses)
            .order_by(P.c.listing_date.desc(), P.c.arxiv_id.desc()).limit(limit))


def _has_fts(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite" and inspect(engine).has_table("paper_fts")


def _snippet(row: Any, parsed: ParsedQuery) -> str:
    mapping = row._mapping
    for key in ("snip_abstract", "snip_best"):
        value = mapping.get(key)
        if value and "**" in value:
            return " ".join(value.split())
    return " ".join(highlight(row.abstract, parsed.terms).split())


def _metrics(engine: Engine, extraction_ids: list[int]) -> dict[int, list[str]]:
    if not extraction_ids:
        return {}
    stmt = (select(M.c.extraction_id, M.c.metric, M.c.value, M.c.kind)
            .where(M.c.extraction_id.in_(extraction_ids)).order_by(M.c.id))
    found: dict[int, list[str]] = {}
    with engine.connect() as conn:
        for ext_id, metric, value, kind in conn.execute(stmt):
            found.setdefault(ext_id, []).append(f"{metric} {value} ({kind})")
    return found


def _hit(row: Any, parsed: ParsedQuery, metrics: dict[int, list[str]]) -> SearchHit:
    score = row._mapping.get("score")
    return SearchHit(
        arxiv_id=row.arxiv_id, title=" ".join(row.title.split()), week=row.week,
        listing_date=row.listing_date.isoformat() if row.listing_date else None,
        score=round(float(score), 4) if score is not None else None, snippet=_snippet(row, parsed),
        short_name=row.short_name, institutions=list(row.institutions or []), industrial=row.industrial,
        deployed_online=row.deployed_online, topics=list(row.topics or []),
        metrics=metrics.get(row.extraction_id, []) if row.extraction_id else [],
    )


def _run(engine: Engine, stmt: Any, query: str) -> list[Any]:
    try:
        with engine.connect() as conn:
            return list(conn.execute(stmt))
    except OperationalError as exc:  # defence in depth: parse() should make this unreachable
        if "fts5" in str(exc).lower() or "match" in str(exc).lower():
            raise InputError(f"cannot search for {query[:80]!r}: {exc.orig}") from None
        raise


def search(target: Settings | Engine, query: str | None, filters: SearchFilters | None = None,
           limit: int = 20) -> SearchResult:
    """Search the papers; see the module docstring for ranking, fallback and errors."""
    filters = filters or SearchFilters()
    _validate(filters, limit)
    parsed = parse(query)
    if parsed.empty and not filters.any:
        raise InputError("nothing to search for: give search words or at least one filter")
    engine = target if isinstance(target, Engine) else db.open_engine(target)
    clauses = _filter_clauses(filters, engine.dialect.name == "sqlite")
    if parsed.empty:
        mode, stmt = "filter", _like_statement(parsed, clauses, limit)
    elif _has_fts(engine):
        mode, stmt = "fts", _fts_statement(parsed, clauses, limit)
    else:
        mode, stmt = "like", _like_statement(parsed, clauses, limit)
    rows = _run(engine, stmt, query or "")
    metrics = _metrics(engine, [r.extraction_id for r in rows if r.extraction_id])
    return SearchResult(query=query or "", match=None if parsed.empty else parsed.fts(), mode=mode,
                        hits=[_hit(r, parsed, metrics) for r in rows])


def like_search(engine: Engine, query: str, filters: SearchFilters | None = None,
                limit: int = 20) -> SearchResult:
    """The ILIKE fallback used on PostgreSQL, callable on any database (tests run it on SQLite)."""
    filters = filters or SearchFilters()
    _validate(filters, limit)
    parsed = parse(query)
    clauses = _filter_clauses(filters, engine.dialect.name == "sqlite")
    rows = _run(engine, _like_statement(parsed, clauses, limit), query)
    metrics = _metrics(engine, [r.extraction_id for r in rows if r.extraction_id])
    return SearchResult(query=query, match=None, mode="like", hits=[_hit(r, parsed, metrics) for r in rows])
