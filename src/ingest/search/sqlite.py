"""SQLite full-text search: a ParsedQuery -> the ranked statements over the FTS5 index paper_fts.

paper_fts (migrations 0004-0005) indexes title, abstract and extracted text (the latest ok
extraction's short name, one-line summary, method and techniques) with the porter tokenizer.
A match is scored by bm25 with column weights title 10, abstract 1, extracted 3 (lower is better).
Every statement yields (pid, tier, score) rows, best first:
- tier 0: the match holds every query term in its title or extracted text (the column-filtered
  MATCH `{title extracted} : (...)`); tier 1: it needs the abstract for some term.
- `ranked(..., tier)`: the best `n` matches of one tier, bm25 computed inside paper_fts (LIMIT
  applied there). bm25 reads every scored match's position lists and length, so the cost grows
  with the number of matches scored: the tier 0 statement scores only the title/summary matches
  (usually a small share of a broad query's matches) and the caller runs tier 1 only when tier 0
  has fewer than `n` matches.
- `filtered(..., candidates)`: the matches passing the filters, scored in one statement ordered by
  (tier, bm25). Filters are a membership test per match (`+rowid` stops SQLite from probing the
  index once per candidate, which costs seconds).
- `capped(..., newest)`: only the `newest` newest matches (FTS5 yields rowid DESC and stops there),
  ordered by (tier, bm25); the tier test reads the title/summary matches from the oldest of those
  rowids on.
Every user term reaches FTS5 as a quoted string (ParsedQuery.fts), bound as a parameter.
Pure statement building, no I/O.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnClause, Integer, Select, case, func, literal, literal_column, select, table, text

from ingest.search.query import ParsedQuery

FTS = table("paper_fts")
ROWID: ColumnClause[Any] = literal_column("paper_fts.rowid", Integer)
UNPROBED = literal_column("+paper_fts.rowid", Integer)  # a membership test, not an index probe
BM25 = "bm25(paper_fts, 10.0, 1.0, 3.0)"  # title, abstract, extracted; called directly (faster than rank)
HEAD = "{title extracted}"  # the columns a tier 0 match holds every term in


def head_match(parsed: ParsedQuery) -> str:
    """The FTS5 expression of the matches with every term in their title or extracted text."""
    return f"{HEAD} : ({parsed.fts()})"


def _head_ids(parsed: ParsedQuery, *where: Any) -> Select[Any]:
    """Rowids of the tier 0 matches (a subquery of its own, not correlated with the outer paper_fts)."""
    match = text("paper_fts MATCH :head").bindparams(head=head_match(parsed))
    return select(ROWID).select_from(FTS).where(match, *where).correlate(None)


def _matches(parsed: ParsedQuery) -> Select[Any]:
    return (
        select(ROWID.label("pid"), literal_column(BM25).label("score"))
        .select_from(FTS)
        .where(text("paper_fts MATCH :match").bindparams(match=parsed.fts()))
    )


def _tier(parsed: ParsedQuery, pid: Any, *where: Any) -> Any:
    return case((pid.in_(_head_ids(parsed, *where)), 0), else_=1).label("tier")


def ranked(parsed: ParsedQuery, n: int, tier: int) -> Any:
    """Subquery (pid, tier, score): the best `n` matches of `tier` (0 or 1)."""
    head = _head_ids(parsed)
    in_tier = UNPROBED.in_(head) if tier == 0 else UNPROBED.not_in(head)
    matches = _matches(parsed).add_columns(literal(tier).label("tier")).where(in_tier)
    return matches.order_by(literal_column("score"), ROWID.desc()).limit(n).subquery("ranked")


def filtered(parsed: ParsedQuery, candidates: Any, n: int) -> Any:
    """Subquery (pid, tier, score): the best `n` matches among `candidates` (ids passing the filters)."""
    tier = _tier(parsed, UNPROBED)
    matches = _matches(parsed).add_columns(tier).where(UNPROBED.in_(candidates))
    return matches.order_by(tier, literal_column("score"), ROWID.desc()).limit(n).subquery("ranked")


def capped(parsed: ParsedQuery, n: int, newest: int) -> Any:
    """Subquery (pid, tier, score): the best `n` of the `newest` newest matches (highest rowids)."""
    found = _matches(parsed).order_by(ROWID.desc()).limit(newest).cte("newest")
    oldest = select(func.min(found.c.pid)).scalar_subquery()
    tier = _tier(parsed, found.c.pid, ROWID >= oldest)
    return (
        select(found.c.pid, tier, found.c.score)
        .order_by(tier, found.c.score, found.c.pid.desc())
        .limit(n)
        .subquery("ranked")
    )
