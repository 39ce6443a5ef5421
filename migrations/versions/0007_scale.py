"""scale past one machine: Batch API jobs, claimable extraction tasks, PostgreSQL full-text search

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 12:30:00

- `llm_batch`: one provider Batch API job (ids of its files, provider status, counts, who collects it).
- `extract_task`: a paper waiting for or under extraction with one cache key; workers claim rows
  (owner, lease_until) before the LLM call; a Batch API job owns the rows it sent (batch_id).
- `llm_call.batch_id`: which calls went through a Batch API job (priced with the batch discount).
- PostgreSQL only: `paper_fts` (id = paper.id, document tsvector) with a GIN index, kept by triggers:
  title weight A, the latest ok extraction's text (short name, one-line summary, method, techniques)
  weight B, abstract weight D (search ranks with ts_rank_cd, see ingest.search.pg). SQLite keeps
  its FTS5 index (0004-0005); these statements do not run there.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The search document of paper `pid` (NULL when the paper does not exist).
PG_DOCUMENT = """
CREATE FUNCTION paper_fts_document(pid integer) RETURNS tsvector LANGUAGE sql STABLE AS $$
SELECT setweight(to_tsvector('english', coalesce(p.title, '')), 'A')
    || setweight(to_tsvector('english', coalesce(e.extracted, '')), 'B')
    || setweight(to_tsvector('english', coalesce(p.abstract, '')), 'D')
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
PG_PAPER_SYNC = """
CREATE FUNCTION paper_fts_paper_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO paper_fts (id, document) VALUES (NEW.id, paper_fts_document(NEW.id))
    ON CONFLICT (id) DO UPDATE SET document = EXCLUDED.document;
    RETURN NULL;
END $$"""
PG_EXTRACTION_SYNC = """
CREATE FUNCTION paper_fts_extraction_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE paper_fts SET document = coalesce(paper_fts_document(OLD.paper_id), ''::tsvector)
        WHERE id = OLD.paper_id;
    END IF;
    IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.paper_id <> OLD.paper_id) THEN
        UPDATE paper_fts SET document = coalesce(paper_fts_document(NEW.paper_id), ''::tsvector)
        WHERE id = NEW.paper_id;
    END IF;
    RETURN NULL;
END $$"""
PG_UPGRADE = (
    "CREATE TABLE paper_fts (id integer PRIMARY KEY REFERENCES paper (id) ON DELETE CASCADE, "
    "document tsvector NOT NULL) WITH (toast_tuple_target = 8160)",
    # ranking reads every match's document: kept compressed inside its row, not in the TOAST table
    "ALTER TABLE paper_fts ALTER COLUMN document SET STORAGE MAIN",
    PG_DOCUMENT,
    PG_PAPER_SYNC,
    PG_EXTRACTION_SYNC,
    "CREATE TRIGGER paper_fts_paper AFTER INSERT OR UPDATE OF title, abstract ON paper "
    "FOR EACH ROW EXECUTE FUNCTION paper_fts_paper_sync()",
    "CREATE TRIGGER paper_fts_extraction AFTER INSERT OR DELETE OR UPDATE OF paper_id, status, "
    "short_name, one_line, method, techniques ON extraction FOR EACH ROW EXECUTE FUNCTION "
    "paper_fts_extraction_sync()",
    "INSERT INTO paper_fts (id, document) SELECT id, paper_fts_document(id) FROM paper",
    "CREATE INDEX paper_fts_document_gin ON paper_fts USING gin (document)",
)
PG_DOWNGRADE = (
    "DROP TRIGGER IF EXISTS paper_fts_extraction ON extraction",
    "DROP TRIGGER IF EXISTS paper_fts_paper ON paper",
    "DROP TABLE IF EXISTS paper_fts",
    "DROP FUNCTION IF EXISTS paper_fts_extraction_sync()",
    "DROP FUNCTION IF EXISTS paper_fts_paper_sync()",
    "DROP FUNCTION IF EXISTS paper_fts_document(integer)",
)


def upgrade() -> None:
    op.create_table(
        "llm_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("input_file_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("output_file_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("error_file_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("backend", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("model", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("prompt_name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("prompt_version", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("prompt_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("completed", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("stored_ok", sa.Integer(), nullable=False),
        sa.Column("stored_failed", sa.Integer(), nullable=False),
        sa.Column("unprocessed", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("owner", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("lease_until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("collected_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["run.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("llm_batch", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_llm_batch_provider_id"), ["provider_id"], unique=True)
        batch_op.create_index(batch_op.f("ix_llm_batch_status"), ["status"], unique=False)
    op.create_table(
        "extract_task",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("paper_id", sa.Integer(), nullable=False),
        sa.Column("prompt_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("model", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("input_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("owner", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("lease_until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["llm_batch.id"]),
        sa.ForeignKeyConstraint(["paper_id"], ["paper.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("paper_id", "prompt_hash", "model", "input_hash", name="uq_extract_task_key"),
    )
    with op.batch_alter_table("extract_task", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_extract_task_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_extract_task_owner"), ["owner"], unique=False)
        batch_op.create_index(batch_op.f("ix_extract_task_paper_id"), ["paper_id"], unique=False)
    with op.batch_alter_table("llm_call", schema=None) as batch_op:
        batch_op.add_column(sa.Column("batch_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_llm_call_batch_id"), ["batch_id"], unique=False)
        batch_op.create_foreign_key("fk_llm_call_batch_id", "llm_batch", ["batch_id"], ["id"])
    if op.get_context().dialect.name == "postgresql":
        for statement in PG_UPGRADE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        for statement in PG_DOWNGRADE:
            op.execute(statement)
    with op.batch_alter_table("llm_call", schema=None) as batch_op:
        batch_op.drop_constraint("fk_llm_call_batch_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_llm_call_batch_id"))
        batch_op.drop_column("batch_id")
    with op.batch_alter_table("extract_task", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_extract_task_paper_id"))
        batch_op.drop_index(batch_op.f("ix_extract_task_owner"))
        batch_op.drop_index(batch_op.f("ix_extract_task_batch_id"))
    op.drop_table("extract_task")
    with op.batch_alter_table("llm_batch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_llm_batch_status"))
        batch_op.drop_index(batch_op.f("ix_llm_batch_provider_id"))
    op.drop_table("llm_batch")
