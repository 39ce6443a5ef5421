"""Facts become claims: the `metric` table becomes `claim` (results and institutions, with evidence)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 12:00:00

A claim row is one verified fact of an extraction: kind 'result' (metric, value as written,
direction, setting online | offline | efficiency | other, location) or 'institution' (canonical
name in `metric`, the name as written in `value`, `industrial`), with the evidence quote it was
verified against. Rows of the old `metric` table are copied as results: kind -> setting,
dataset -> location; they carry no evidence (the old extractor kept none), so a report states
their numbers only after the paper is extracted again. Downgrade copies results back.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "claim",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("extraction_id", sa.Integer(), nullable=False),
        sa.Column("paper_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("setting", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("metric", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("direction", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("location", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("industrial", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(["extraction_id"], ["extraction.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["paper_id"], ["paper.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("claim", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claim_extraction_id"), ["extraction_id"], unique=False)
        batch_op.create_index("ix_claim_metric", ["metric"], unique=False)
        batch_op.create_index(batch_op.f("ix_claim_paper_id"), ["paper_id"], unique=False)
    op.execute(
        "INSERT INTO claim (extraction_id, paper_id, kind, setting, metric, value, direction, location) "
        "SELECT extraction_id, paper_id, 'result', kind, metric, value, '', dataset FROM metric ORDER BY id"
    )
    op.drop_table("metric")


def downgrade() -> None:
    op.create_table(
        "metric",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("extraction_id", sa.Integer(), nullable=False),
        sa.Column("paper_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("metric", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("dataset", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("context", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["extraction_id"], ["extraction.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["paper_id"], ["paper.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("metric", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_metric_extraction_id"), ["extraction_id"], unique=False)
        batch_op.create_index("ix_metric_name", ["metric"], unique=False)
        batch_op.create_index(batch_op.f("ix_metric_paper_id"), ["paper_id"], unique=False)
    op.execute(
        "INSERT INTO metric (extraction_id, paper_id, kind, metric, value, dataset, context) "
        "SELECT extraction_id, paper_id, setting, metric, value, location, evidence FROM claim "
        "WHERE kind = 'result' ORDER BY id"
    )
    op.drop_table("claim")
