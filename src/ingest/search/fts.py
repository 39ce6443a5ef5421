"""Query the paper database: search text + structured filters -> ranked `SearchHit`s (no printing).

Input: a Settings (or an Engine), the user's query text (sanitised by `search_query.parse`) and
`SearchFilters` (institution, industrial, deployed, topic, week or since/until, metric).
Output: `SearchResult` with up to `limit` hits, each with a highlighted snippet (matches wrapped in
`**`, built in Python by `search_snippet` from the hit's text), the facts of the paper's latest OK
extraction and its metrics. One connection per search: the ranked hits with their details (one
statement per tier, see below), then the metrics.

- Ranking, on both databases: every match is ranked. Matches with every search term in the title
  or the extracted text (the latest ok extraction's short name, one-line summary, method,
  techniques) come first, then the matches that need the abstract for some term; within each
  group the score orders them (title over extracted text over abstract, as the weights say).
  `SearchHit.score` is that score, lower is better, so it rises within each group.
- SQLite with the paper_fts index (migrations 0004-0005, search.sqlite): FTS5 MATCH, scored by bm25
  (title 10, abstract 1, extracted text 3).
- PostgreSQL with its paper_fts index (migrations 0007, 0011, search.pg): the same query language
  as a tsquery over a weighted tsvector with GIN indexes, scored by -ts_rank_cd.
- Unfiltered queries score the title/summary matches first and the other matches only when fewer
  than `limit` title/summary matches exist (for the places left); a filtered query scores every
  match passing the filters in one statement.
- For very large archives `rank_cap` ranks only an unfiltered query's newest matches (highest ids,
  i.e. the latest crawls): the newest max(limit, rank_cap // query_cost) matches, query_cost
  counting 1 per word and PHRASE_COST per word of a phrase (whose word positions are checked);
  with rank_cap 4000 'embedding' ranks 4,000, 'semantic ID' 2,000, 'multi-task learning' 571.
  Filtered queries always rank every match that passes the filters.
- Any other database, or one without the index: every term must occur (ILIKE) in title, abstract
  or extracted text; newest first; substrings highlighted.
- Empty query with filters: the filtered papers, newest first. Empty query without filters, bad
  week/topic/limit/dates, oversized queries: one InputError. Read-only and idempotent.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import (
    String,
    and_,
    bindparam,
    cast,
    exists,
    func,
    inspect,
    literal_column,
    or_,
    select,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError

from ingest.config import Settings
from ingest.db import engine as db
from ingest.db.models import Claim, Extraction, Paper, table_of
from ingest.errors import InputError
from ingest.search import pg, sqlite
from ingest.search.query import ParsedQuery, highlight, parse, resolve_topic
from ingest.search.snippet import Matcher, snippet
from ingest.weeks import normalize_week

P, E, M = table_of(Paper), table_of(Extraction), table_of(Claim)
MAX_LIMIT = 1000
RANK_CAP = 4000  # a suggested cap for very large archives (term-rows: see query_cost); off by default
PHRASE_COST = 3  # each word of a phrase costs this many term-rows (FTS5 checks word positions)
TIERS = (0, 1)  # title/summary matches, then the others (search.sqlite, search.pg)


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
        clauses.append(
            exists().where(
                M.c.extraction_id == E.c.id, M.c.kind == "result", _contains(M.c.metric, f.metric.strip())
            )
        )
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


def _latest_ok(ext: Any = E) -> Any:
    """`ext` is its paper's latest extraction with status ok (no newer ok row exists)."""
    newer = table_of(Extraction).alias("newer")
    return and_(
        ext.c.status == "ok",
        ~exists().where(newer.c.paper_id == ext.c.paper_id, newer.c.status == "ok", newer.c.id > ext.c.id),
    )


LATEST_OK = _latest_ok()  # built once: constructing it costs milliseconds per query


def _candidates(filters: SearchFilters, clauses: list[Any]) -> Any:
    """Ids of the papers passing the filters (None without filters); driven by extraction when a
    filter needs one, so it never visits unextracted papers."""
    if not clauses:
        return None
    if any(getattr(filters, f) for f in ("institution", "industrial", "deployed", "topic", "metric")):
        return select(E.c.paper_id).select_from(E.join(P, P.c.id == E.c.paper_id)).where(LATEST_OK, *clauses)
    return select(P.c.id).where(*clauses)


def _details(ranked: Any) -> Any:
    """Paper + latest extraction columns for the (few) ranked ids of subquery `ranked`."""
    cols = [
        P.c.arxiv_id,
        P.c.title,
        P.c.abstract,
        P.c.week,
        P.c.listing_date,
        E.c.id.label("extraction_id"),
        E.c.short_name,
        E.c.institutions,
        E.c.industrial,
        E.c.deployed_online,
        E.c.topics,
        E.c.one_line,
        E.c.method,
        E.c.techniques,
    ]
    joined = ranked.join(P, P.c.id == ranked.c.pid).outerjoin(E, and_(E.c.paper_id == P.c.id, LATEST_OK))
    return select(*cols, ranked.c.pid, ranked.c.score).select_from(joined)


def query_cost(parsed: ParsedQuery) -> int:
    """Term-rows one ranked match costs: 1 per single-word term, PHRASE_COST per word of a phrase
    ('"semantic ID"', 'multi-task', 'GPT-4' are phrases to the index)."""
    return max(1, sum(t.size if t.size == 1 else PHRASE_COST * t.size for t in parsed.terms))


Step = Callable[[int], Any]  # the statement for the next `n` hits, details included


def _ordered(ranked: Any) -> Any:
    return _details(ranked).order_by(ranked.c.tier, ranked.c.score, ranked.c.pid.desc())


def _fts_steps(engine: Engine, parsed: ParsedQuery, candidates: Any, cap: int | None) -> list[Step]:
    """Ranked statements (search.sqlite or search.pg), run in order until `limit` hits are found:
    tier 0 then tier 1; one statement ordered by (tier, score) for a filtered query, and for an
    unfiltered one with a `cap` (over the newest max(limit, cap // query_cost) matches only)."""
    backend = pg if engine.dialect.name == "postgresql" else sqlite
    if candidates is not None:
        return [lambda n: _ordered(backend.filtered(parsed, candidates, n))]
    if cap is not None:
        per_cost = cap // query_cost(parsed)
        return [lambda n: _ordered(backend.capped(parsed, n, max(n, per_cost)))]

    def tier_step(tier: int) -> Step:
        return lambda n: _ordered(backend.ranked(parsed, n, tier))

    return [tier_step(tier) for tier in TIERS]


def _like_statement(parsed: ParsedQuery, candidates: Any, limit: int) -> Any:
    """Every term group matches (ILIKE) title, abstract or extracted text; newest first."""
    ext = table_of(Extraction).alias("ext")
    fields = (
        P.c.title,
        P.c.abstract,
        ext.c.one_line,
        ext.c.method,
        ext.c.short_name,
        cast(ext.c.techniques, String),
    )
    latest = and_(ext.c.paper_id == P.c.id, _latest_ok(ext))
    terms = [
        or_(*[_contains(func.coalesce(col, ""), t.text) for col in fields for t in g]) for g in parsed.groups
    ]
    ids = select(P.c.id.label("pid"), literal_column("NULL").label("score")).select_from(
        P.outerjoin(ext, latest)
    )
    ids = ids.where(*terms) if terms else ids  # one row per paper: only its latest ok extraction joins
    if candidates is not None:
        ids = ids.where(P.c.id.in_(candidates))
    ranked = ids.order_by(P.c.listing_date.desc(), P.c.arxiv_id.desc()).limit(limit).subquery("ranked")
    return _details(ranked).order_by(P.c.listing_date.desc(), P.c.arxiv_id.desc())


_FTS_SEEN: dict[str, bool] = {}


def _has_fts(engine: Engine) -> bool:
    """paper_fts exists: FTS5 on SQLite, the tsvector table on PostgreSQL (cached per database once
    found; a missing index is re-checked each time)."""
    key = str(engine.url)
    if not _FTS_SEEN.get(key):
        known = engine.dialect.name in ("sqlite", "postgresql")
        _FTS_SEEN[key] = known and inspect(engine).has_table("paper_fts")
    return _FTS_SEEN[key]


def _snippet(row: Any, parsed: ParsedQuery, matcher: Matcher | None) -> str:
    """FTS: the index's matches (stemmed) in the abstract, else the extracted text, else the title.
    LIKE: the substrings that matched, in the abstract."""
    if matcher is None:
        return " ".join(highlight(row.abstract, parsed.terms).split())
    techniques = "; ".join(str(t) for t in row.techniques) if isinstance(row.techniques, list) else None
    return snippet((row.abstract, row.one_line, row.method, techniques, row.short_name, row.title), matcher)


METRICS = (
    select(M.c.extraction_id, M.c.metric, M.c.value, M.c.setting)
    .where(M.c.extraction_id.in_(bindparam("ids", expanding=True)), M.c.kind == "result")
    .order_by(M.c.id)
)


def _metrics(conn: Connection, extraction_ids: list[int]) -> dict[int, list[str]]:
    """Extraction id -> its result claims as text ("CTR 2.70% (online)"), in stored order."""
    if not extraction_ids:
        return {}
    found: dict[int, list[str]] = {}
    for ext_id, metric, value, setting in conn.execute(METRICS, {"ids": extraction_ids}):
        found.setdefault(ext_id, []).append(f"{metric} {value} ({setting})")
    return found


def _hit(row: Any, metrics: dict[int, list[str]], snippet_text: str) -> SearchHit:
    return SearchHit(
        arxiv_id=row.arxiv_id,
        title=" ".join(row.title.split()),
        week=row.week,
        listing_date=row.listing_date.isoformat() if row.listing_date else None,
        score=round(float(row.score), 4) if row.score is not None else None,
        snippet=snippet_text,
        short_name=row.short_name,
        institutions=list(row.institutions or []),
        industrial=row.industrial,
        deployed_online=row.deployed_online,
        topics=list(row.topics or []),
        metrics=metrics.get(row.extraction_id, []) if row.extraction_id else [],
    )


def _run(engine: Engine, steps: list[Step], limit: int, query: str) -> tuple[list[Any], dict[int, list[str]]]:
    """Up to `limit` hits' rows, from the steps in order (each asked for the places still open),
    and their metrics, over one connection."""
    try:
        with engine.connect() as conn:
            rows: list[Any] = []
            for step in steps:
                if len(rows) < limit:
                    rows += conn.execute(step(limit - len(rows))).all()
            return rows, _metrics(conn, [r.extraction_id for r in rows if r.extraction_id])
    except OperationalError as exc:  # defence in depth: parse() should make this unreachable
        if "fts5" in str(exc).lower() or "match" in str(exc).lower():
            raise InputError(f"cannot search for {query[:80]!r}: {exc.orig}") from None
        raise


def _result(
    engine: Engine, query: str, parsed: ParsedQuery, mode: str, steps: list[Step], limit: int
) -> SearchResult:
    rows, metrics = _run(engine, steps, limit, query)
    matcher = Matcher.of(parsed.terms) if mode == "fts" else None
    return SearchResult(
        query=query,
        match=None if parsed.empty else parsed.fts(),
        mode=mode,
        hits=[_hit(r, metrics, _snippet(r, parsed, matcher)) for r in rows],
    )


def _prepare(
    engine: Engine, query: str | None, filters: SearchFilters | None, limit: int
) -> tuple[ParsedQuery, Any]:
    filters = filters or SearchFilters()
    _validate(filters, limit)
    parsed = parse(query)
    if parsed.empty and not filters.any:
        raise InputError("nothing to search for: give search words or at least one filter")
    return parsed, _candidates(filters, _filter_clauses(filters, engine.dialect.name == "sqlite"))


def search(
    target: Settings | Engine,
    query: str | None,
    filters: SearchFilters | None = None,
    limit: int = 20,
    rank_cap: int | None = None,
) -> SearchResult:
    """Search the papers; see the module docstring for ranking, the optional cap, fallback and errors."""
    engine = target if isinstance(target, Engine) else db.open_engine(target)
    parsed, candidates = _prepare(engine, query, filters, limit)
    if not parsed.empty and _has_fts(engine):
        mode, steps = "fts", _fts_steps(engine, parsed, candidates, rank_cap)
    else:
        mode, steps = "filter" if parsed.empty else "like", [lambda n: _like_statement(parsed, candidates, n)]
    return _result(engine, query or "", parsed, mode, steps, limit)


def like_search(
    engine: Engine, query: str, filters: SearchFilters | None = None, limit: int = 20
) -> SearchResult:
    """The ILIKE fallback (a database without a search index), callable on any database."""
    parsed, candidates = _prepare(engine, query, filters, limit)
    return _result(engine, query, parsed, "like", [lambda n: _like_statement(parsed, candidates, n)], limit)
