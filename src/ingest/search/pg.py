"""PostgreSQL full-text search: a ParsedQuery -> a tsquery expression and the ranked statement over paper_fts.

paper_fts (migration 0007) holds one tsvector per paper: title weight A, the latest ok extraction's
text weight B, abstract weight D ('english' configuration, so words are stemmed as FTS5's porter
tokenizer stems them, near enough). The query language is the one of query.py, built from SQL
functions with every user term a bound parameter, so no input can produce a tsquery syntax error:
a plain term or phrase is `phraseto_tsquery('english', text)` (PostgreSQL's own parser splits
'GPT-4', 'cs.IR' or 'multi-task' exactly as it split the indexed text), a prefix term `gener*`
is `to_tsquery('english', '''gener'':*')` (its words are letters and digits only), OR groups are
`||`, AND is `&&`. Ranking: ts_rank_cd with weights D 0.1, B 0.3, A 1.0 (title over extracted text
over abstract, as SQLite's bm25 weights 10/3/1), divided by 1 + log(document length) (bm25 also
prefers the shorter of two equal matches), negated so that lower is better as with bm25.
The GIN index on paper_fts.document finds the matches. Pure statement building, no I/O.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Integer, bindparam, column, func, literal_column, select, table

from ingest.search.query import ParsedQuery, Term, words

FTS = table("paper_fts", column("id", Integer), column("document"))
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


def ranked(parsed: ParsedQuery, candidates: Any, limit: int, newest: int | None) -> Any:
    """Subquery (pid, score) of the best `limit` matches; `candidates`: ids passing the filters (or
    None); `newest`: rank only the newest that many matches (highest ids), None for every match."""
    query = tsquery(parsed)
    matches = select(FTS.c.id, FTS.c.document).where(FTS.c.document.op("@@")(query))
    if candidates is not None:
        matches = matches.where(FTS.c.id.in_(candidates))
    if newest is not None:
        matches = matches.order_by(FTS.c.id.desc()).limit(newest)
    found = matches.subquery("found")
    score = (-func.ts_rank_cd(WEIGHTS, found.c.document, query, NORMALIZATION)).label("score")
    return (
        select(found.c.id.label("pid"), score)
        .order_by(score, found.c.id.desc())
        .limit(limit)
        .subquery("ranked")
    )
