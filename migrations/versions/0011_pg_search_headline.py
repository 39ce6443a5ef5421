"""PostgreSQL search: paper_fts.headline, the title and extracted-text part of each document, indexed

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 10:00:00

Search ranks the matches with every term in the title or the extracted text first (ingest.search).
To find those without reading every match's document, paper_fts gets the stored generated column
`headline = ts_filter(document, '{a,b}')` (the lexemes and positions of weights A, title, and B,
extracted text) with a GIN index. The column follows `document` by itself, so the 0007/0010
triggers and functions are unchanged; adding it computes it for every existing row. SQLite:
nothing to do (its FTS5 index answers the same question with a column filter). Downgrade drops
the index and the column.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "ALTER TABLE paper_fts ADD COLUMN headline tsvector "
        "GENERATED ALWAYS AS (ts_filter(document, '{a,b}')) STORED"
    )
    op.execute("CREATE INDEX paper_fts_headline_gin ON paper_fts USING gin (headline)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS paper_fts_headline_gin")
    op.execute("ALTER TABLE paper_fts DROP COLUMN IF EXISTS headline")
