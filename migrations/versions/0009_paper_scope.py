"""The scope decision lives on the paper: scope, the reason, and the rule or model answer that decided it

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 15:00:00

paper.scope is 'recsys' (in scope), 'adjacent' or 'out_of_scope'; scope_reason says why; scope_by
names what decided (a model answer such as 'gpt-4o-mini extract_paper v2', 'offline rules
extract_paper v2', or 'relevance pre-score'). Columns are added with plain ALTER TABLE (no batch
rebuild, so paper's FTS triggers stay). Existing papers take the decision of their newest OK
extraction; papers without one stay undecided until the next extract run. The `papers` view
(0008) is rebuilt to read the paper's scope instead of its extraction's; downgrade restores it.
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _papers_view(dialect: str, *, paper_scope: bool) -> str:
    """0008's `papers` view SQL, reading scope from the paper (paper_scope) or its newest extraction."""
    spec = importlib.util.spec_from_file_location("m0008", Path(__file__).with_name("0008_publish.py"))
    assert spec and spec.loader
    m0008 = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m0008)
    sql: str = m0008.papers_view(dialect)
    extracted = m0008._extracted("scope")
    assert extracted in sql
    return sql.replace(extracted, "p.scope AS scope") if paper_scope else sql


NEWEST_OK = (
    "SELECT e.{col} FROM extraction e WHERE e.paper_id = paper.id AND e.status = 'ok' "
    "ORDER BY e.created_at DESC, e.id DESC LIMIT 1"
)


def upgrade() -> None:
    op.add_column("paper", sa.Column("scope", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
    op.add_column("paper", sa.Column("scope_reason", sa.Text(), nullable=True))
    op.add_column("paper", sa.Column("scope_by", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True))
    op.create_index("ix_paper_scope", "paper", ["scope"], unique=False)
    by = NEWEST_OK.format(col="backend || ' ' || e.model || ' ' || e.prompt_name || ' ' || e.prompt_version")
    op.execute(
        f"UPDATE paper SET scope = ({NEWEST_OK.format(col='scope')}), "
        f"scope_reason = 'backfilled from the newest extraction', scope_by = ({by})"
    )
    dialect = op.get_bind().dialect.name
    op.execute("DROP VIEW papers")
    op.execute(_papers_view(dialect, paper_scope=True))


def downgrade() -> None:
    op.execute("DROP VIEW papers")
    op.drop_index("ix_paper_scope", table_name="paper")
    with op.batch_alter_table("paper", recreate="never") as batch_op:
        batch_op.drop_column("scope_by")
        batch_op.drop_column("scope_reason")
        batch_op.drop_column("scope")
    op.execute(_papers_view(op.get_bind().dialect.name, paper_scope=False))
