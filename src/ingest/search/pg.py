"""PostgreSQL full-text search: a ParsedQuery -> a tsquery and the ranked statements over paper_fts.

paper_fts (migration 0007) holds one tsvector per paper: title weight A, the latest ok extraction's
text weight B, abstract weight D ('english' configuration, so words are stemmed as FTS5's porter
tokenizer stems them, near enough); its generated column `headline` (migration 0011) is the title
and extracted-text part (weights A and B), with a GIN index of its own. The query language is the
one of query.py, built from SQL functions with every user term a bound parameter, so no input can
produce a tsquery syntax error: a plain term or phrase is `phraseto_tsquery('english', text)`
(PostgreSQL's own parser splits 'GPT-4', 'cs.IR' or 'multi-task' exactly as it split the indexed
text), a prefix term `gener*` is `to_tsquery('english', '''gener'':*')` (its words are letters and
digits only), OR groups are `||`, AND is `&&`. Score: ts_rank_cd of the whole document with
weights D 0.1, B 0.3, A 1.0 (title over extracted text over abstract, as SQLite's bm25 weights
10/3/1), divided by 1 + log(document length) (bm25 also prefers the shorter of two equal matches),
negated so that lower is better as with bm25. The statements yield (pid, tier, score) rows, best
first, as those of search.sqlite: tier 0 = `headline @@ query` (every term in the title or extracted
text; headline's GIN index finds them, so only they are read and scored), tier 1 = the other
matches of `document` (its GIN index); `filtered` scores the matches passing the filters in one
statement and `capped` only the newest matches, both ordered by (tier, score). Pure statement
building, no I/O.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import (
    Integer,
    and_,
    bindparam,
    case,
    column,
    func,
    literal,
    literal_column,
    not_,
    select,
    table,
)

from ingest.search.query import ParsedQuery, Term, words

FTS = table("paper_fts", column("id", Integer), column("document"), column("headline"))
CONFIG: Any = literal_column("'english'::regconfig")
NORMALIZATION = 1  # rank / (1 + log(length)): longer papers need more evidence, as with bm25
WEIGHTS: Any = literal_column(
    "'{0.1, 0.2, 0.3, 1.0}'::float4[]"
)  # D (abstract), C (unused), B (extracted), A (title)


HYPHEN_DIGIT = re.compile(r"(?<=[^\W_])-(?=\d)")  # 'GPT-4' -> 'GPT 4', as migration 0010's paper_fts_text


def _term(term: Term) -> Any:
    if not term.prefix:
        return func.phraseto_tsquery(CONFIG, bindparam(None, HYPHEN_DIGIT.sub(" ", term.text)))
    tokens = words(term.text)
    last = func.to_tsquery(CONFIG, bindparam(None, f"'{tokens[-1]}':*"))
    if len(tokens) == 1:
        return last
    head = func.phraseto_tsquery(CONFIG, bindparam(None, " ".join(tokens[:-1])))
    return func.tsquery_phrase(head, last)


def tsquery(parsed: ParsedQuery) -> Any:
    """The tsquery of a non-empty parsed query: AND of groups, each an OR of terms."""
    groups = []
    for group in parsed.groups:
        expr = _term(group[0])
        for term in group[1:]:
            expr = expr.op("||")(_term(term))
        groups.append(expr)
    query = groups[0]
    for expr in groups[1:]:
        query = query.op("&&")(expr)
    return query


def _score(document: Any, query: Any) -> Any:
    return (-func.ts_rank_cd(WEIGHTS, document, query, NORMALIZATION)).label("score")


def ranked(parsed: ParsedQuery, n: int, tier: int) -> Any:
    """Subquery (pid, tier, score): the best `n` matches of `tier` (0 or 1)."""
    query = tsquery(parsed)
    head = FTS.c.headline.op("@@")(query)
    found = head if tier == 0 else and_(FTS.c.document.op("@@")(query), not_(head))
    matches = select(FTS.c.id.label("pid"), literal(tier).label("tier"), _score(FTS.c.document, query))
    return matches.where(found).order_by(literal_column("score"), FTS.c.id.desc()).limit(n).subquery("ranked")


def filtered(parsed: ParsedQuery, candidates: Any, n: int) -> Any:
    """Subquery (pid, tier, score): the best `n` matches among `candidates` (ids passing the filters)."""
    query = tsquery(parsed)
    tier = case((FTS.c.headline.op("@@")(query), 0), else_=1).label("tier")
    score = _score(FTS.c.document, query)
    matches = select(FTS.c.id.label("pid"), tier, score)
    matches = matches.where(FTS.c.document.op("@@")(query), FTS.c.id.in_(candidates))
    return matches.order_by(tier, score, FTS.c.id.desc()).limit(n).subquery("ranked")


def capped(parsed: ParsedQuery, n: int, newest: int) -> Any:
    """Subquery (pid, tier, score): the best `n` of the `newest` newest matches (highest ids)."""
    query = tsquery(parsed)
    found = (
        select(FTS.c.id, FTS.c.document, FTS.c.headline)
        .where(FTS.c.document.op("@@")(query))
        .order_by(FTS.c.id.desc())
        .limit(newest)
        .subquery("found")
    )
    tier = case((found.c.headline.op("@@")(query), 0), else_=1).label("tier")
    score = _score(found.c.document, query)
    return (
        select(found.c.id.label("pid"), tier, score)
        .order_by(tier, score, found.c.id.desc())
        .limit(n)
        .subquery("ranked")
    )
