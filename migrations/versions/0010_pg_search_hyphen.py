"""PostgreSQL search reads 'GPT-4' as 'GPT 4', as SQLite's FTS5 does

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 15:10:00

PostgreSQL's text parser reads 'GPT-4' as the word 'gpt' and the signed integer '-4', so a search
for "GPT 4" (or any query whose hyphen before a digit the query parser read as a separator) found
nothing on PostgreSQL while SQLite found the paper. `paper_fts_text(t)` puts a space between a
letter or digit and a following '-<digit>' before to_tsvector (the query side does the same in
ingest.search.pg), and every document is rebuilt. SQLite: nothing to do. Downgrade restores the
0007 document function and rebuilds the documents.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PG_TEXT = r"""
CREATE OR REPLACE FUNCTION paper_fts_text(t text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
SELECT regexp_replace(coalesce(t, ''), '([[:alnum:]])-([[:digit:]])', '\1 \2', 'g')
$$"""


def _document(wrap: str) -> str:
    return f"""
CREATE OR REPLACE FUNCTION paper_fts_document(pid integer) RETURNS tsvector LANGUAGE sql STABLE AS $$
SELECT setweight(to_tsvector('english', {wrap.format("p.title")}), 'A')
    || setweight(to_tsvector('english', {wrap.format("e.extracted")}), 'B')
    || setweight(to_tsvector('english', {wrap.format("p.abstract")}), 'D')
FROM paper AS p
LEFT JOIN LATERAL (
    SELECT concat_ws(' ', x.short_name, x.one_line, x.method,
        CASE WHEN json_typeof(x.techniques) = 'array'
             THEN (SELECT string_agg(t, '; ') FROM json_array_elements_text(x.techniques) AS t) END
    ) AS extracted
    FROM extraction AS x WHERE x.paper_id = p.id AND x.status = 'ok' ORDER BY x.id DESC LIMIT 1
) AS e ON true
WHERE p.id = pid
$$"""


REBUILD = "UPDATE paper_fts SET document = coalesce(paper_fts_document(id), ''::tsvector)"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(PG_TEXT)
    op.execute(_document("paper_fts_text({})"))
    op.execute(REBUILD)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_document("coalesce({}, '')"))
    op.execute(REBUILD)
    op.execute("DROP FUNCTION IF EXISTS paper_fts_text(text)")
