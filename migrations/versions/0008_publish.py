"""publication (where each report was published) and the `papers` view (one browsable row per paper)

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-03 13:00:00

`publication`: one row per (target, destination, slug): the site folder or Notion database a report
went to, the version and content hash sent, the page's location, ok or failed with the error.

`papers`: a read-only view for browsing (Datasette) and SQL clients: each non-duplicate paper joined
to its latest successful extraction: short name, institutions (JSON list), industrial, deployed
online, its online result claims as 'metric value (location)' joined with '; ', topics (JSON list),
scope, week, announcement date and the arXiv link. No abstract: the view is for scanning.
SQLite and PostgreSQL get the same columns; only the ordered string aggregate is spelled per dialect.

NOTE on merge: revision 0007 is reserved by another branch; this one revises 0006 until then.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LATEST = "(SELECT max(x.id) FROM extraction AS x WHERE x.paper_id = p.id AND x.status = 'ok')"
CLAIM_TEXT = (
    "c.metric || ' ' || c.value || CASE WHEN coalesce(c.location, '') <> '' "
    "THEN ' (' || c.location || ')' ELSE '' END"
)
ONLINE = f"c.extraction_id = {LATEST} AND c.kind = 'result' AND c.setting = 'online'"
ONLINE_CLAIMS = {
    # SQLite keeps the inner ORDER BY for group_concat in practice; 3.44's ORDER BY argument is too new
    "sqlite": f"(SELECT group_concat(t, '; ') FROM (SELECT {CLAIM_TEXT} AS t FROM claim AS c "
    f"WHERE {ONLINE} ORDER BY c.id))",
    "postgresql": f"(SELECT string_agg({CLAIM_TEXT}, '; ' ORDER BY c.id) FROM claim AS c WHERE {ONLINE})",
}


def _extracted(column: str) -> str:
    """One column of the paper's latest successful extraction. Scalar subqueries, not a LEFT JOIN:
    Datasette's array facets join json_each() over the view, which SQLite answers with no rows when
    the view holds a LEFT JOIN."""
    return f"(SELECT e.{column} FROM extraction AS e WHERE e.id = {LATEST}) AS {column}"


def papers_view(dialect: str) -> str:
    claims = ONLINE_CLAIMS.get(dialect, ONLINE_CLAIMS["postgresql"])
    facts = ", ".join(_extracted(c) for c in ("institutions", "industrial", "deployed_online"))
    return f"""CREATE VIEW papers AS
SELECT p.id AS id, p.arxiv_id AS arxiv_id, p.week AS week, p.listing_date AS listing_date,
    {_extracted("short_name")}, p.title AS title, {facts}, {claims} AS online_claims,
    {_extracted("topics")}, {_extracted("scope")},
    'https://arxiv.org/abs/' || p.arxiv_id AS arxiv_url
FROM paper AS p
WHERE p.duplicate_of IS NULL"""


def upgrade() -> None:
    op.create_table(
        "publication",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("destination", sqlmodel.sql.sqltypes.AutoString(length=1024), nullable=False),
        sa.Column("slug", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("location", sqlmodel.sql.sqltypes.AutoString(length=1024), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("published_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["report.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("target", "destination", "slug", name="uq_publication"),
    )
    with op.batch_alter_table("publication", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_publication_slug"), ["slug"], unique=False)
    op.execute(papers_view(op.get_bind().dialect.name))


def downgrade() -> None:
    op.execute("DROP VIEW papers")
    with op.batch_alter_table("publication", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_publication_slug"))
    op.drop_table("publication")
