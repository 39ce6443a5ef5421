"""extraction: extraction, metric, llm_call

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 06:38:42.041543
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  autogenerate emits sqlmodel.sql.sqltypes types
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "extraction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("paper_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("prompt_name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("prompt_version", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("prompt_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("backend", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("model", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("input_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.Column("scope", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("short_name", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("industrial", sa.Boolean(), nullable=True),
        sa.Column("deployed_online", sa.Boolean(), nullable=True),
        sa.Column("institutions", sa.JSON(), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("techniques", sa.JSON(), nullable=False),
        sa.Column("one_line", sa.Text(), nullable=True),
        sa.Column("method", sa.Text(), nullable=True),
        sa.Column("grounded_count", sa.Integer(), nullable=False),
        sa.Column("ungrounded_count", sa.Integer(), nullable=False),
        sa.Column("ungrounded", sa.JSON(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["paper_id"], ["paper.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["run.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("paper_id", "prompt_hash", "model", "input_hash", name="uq_extraction_cache"),
    )
    with op.batch_alter_table("extraction", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_extraction_paper_id"), ["paper_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_extraction_scope"), ["scope"], unique=False)
        batch_op.create_index(batch_op.f("ix_extraction_status"), ["status"], unique=False)

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

    op.create_table(
        "llm_call",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("paper_id", sa.Integer(), nullable=True),
        sa.Column("stage", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("prompt_name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("prompt_version", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("prompt_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("backend", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("model", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("input_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("prompt_tokens", sa.Integer(), nullable=False),
        sa.Column("completion_tokens", sa.Integer(), nullable=False),
        sa.Column("latency_ms", sa.Float(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("raw_output", sa.Text(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["paper_id"], ["paper.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["run.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("llm_call", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_llm_call_paper_id"), ["paper_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_llm_call_run_id"), ["run_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("llm_call", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_llm_call_run_id"))
        batch_op.drop_index(batch_op.f("ix_llm_call_paper_id"))

    op.drop_table("llm_call")
    with op.batch_alter_table("metric", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_metric_paper_id"))
        batch_op.drop_index("ix_metric_name")
        batch_op.drop_index(batch_op.f("ix_metric_extraction_id"))

    op.drop_table("metric")
    with op.batch_alter_table("extraction", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_extraction_status"))
        batch_op.drop_index(batch_op.f("ix_extraction_scope"))
        batch_op.drop_index(batch_op.f("ix_extraction_paper_id"))

    op.drop_table("extraction")
