"""full-text search: paper_fts (FTS5) over title, abstract and extracted text, with sync triggers

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 08:00:00

SQLite only: on any other dialect (PostgreSQL) this revision does nothing and `ingest.search`
falls back to ILIKE matching.

`paper_fts` is an FTS5 table that stores its own copy of the text (not an external-content
table): its rowid is `paper.id`, its columns are `title`, `abstract` and `extracted` (short name,
one-line summary, method and techniques of the paper's latest extraction with status 'ok',
latest = highest extraction.id). Owning the content costs disk space (about the size of the
abstracts once more) but makes every trigger a plain DELETE-by-rowid + INSERT: the index can
never be corrupted by a 'delete' with stale values, and a missed row heals on the next change.
The default ranking is bm25 with weights title 10, abstract 1, extracted 3 (`ORDER BY rank`;
scores are negative, lower is better).

Sync triggers (names start with paper_fts_):
    paper       AFTER INSERT / AFTER UPDATE OF title, abstract / AFTER DELETE
    extraction  AFTER INSERT / AFTER UPDATE OF (text, status, paper_id columns) / AFTER DELETE
Deleting a paper cascades to its extractions; their triggers then find no paper row and only
delete (a no-op), so the index stays consistent.

TRAP for future migrations: a batch rebuild of `paper` or `extraction` (op.batch_alter_table on
SQLite = create new table, copy, drop old, rename) DROPS THEIR TRIGGERS silently, and the index
stops following the data. Such a migration must re-create the triggers afterwards (copy
PAPER_TRIGGERS / EXTRACTION_TRIGGERS from this file: migrations must not import each other)
and refill the index with FILL. The FTS tables (paper_fts and its shadow tables paper_fts_*)
are not in the models; migrations/env.py's include_name hides every table named paper_fts* from
autogenerate, so `alembic check` stays clean.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The extracted text of paper `{pid}`: its latest OK extraction, flattened to one string.
EXTRACTED = """(SELECT trim(coalesce(e.short_name, '') || ' ' || coalesce(e.one_line, '') || ' '
        || coalesce(e.method, '') || ' '
        || coalesce(CASE WHEN json_valid(e.techniques)
                    THEN (SELECT group_concat(j.value, '; ') FROM json_each(e.techniques) AS j) END, ''))
    FROM extraction AS e WHERE e.paper_id = {pid} AND e.status = 'ok' ORDER BY e.id DESC LIMIT 1)"""

CREATE = """CREATE VIRTUAL TABLE paper_fts USING fts5(title, abstract, extracted,
    tokenize = 'porter unicode61 remove_diacritics 2')"""
RANK = "INSERT INTO paper_fts(paper_fts, rank) VALUES('rank', 'bm25(10.0, 1.0, 3.0)')"
FILL = (
    "INSERT INTO paper_fts(rowid, title, abstract, extracted) SELECT p.id, p.title, p.abstract, "
    + EXTRACTED.format(pid="p.id")
    + " FROM paper AS p"
)


def _refresh(pid_list: str) -> str:
    """Statements re-indexing the papers whose ids are in `pid_list` (SQL expressions)."""
    return (
        f"DELETE FROM paper_fts WHERE rowid IN ({pid_list});\n"
        f"    INSERT INTO paper_fts(rowid, title, abstract, extracted) SELECT p.id, p.title, p.abstract, "
        f"{EXTRACTED.format(pid='p.id')} FROM paper AS p WHERE p.id IN ({pid_list});"
    )


PAPER_TRIGGERS = {
    "paper_fts_paper_ai": f"AFTER INSERT ON paper BEGIN {_refresh('new.id')} END",
    "paper_fts_paper_au": f"AFTER UPDATE OF title, abstract ON paper BEGIN {_refresh('old.id, new.id')} END",
    "paper_fts_paper_ad": "AFTER DELETE ON paper BEGIN DELETE FROM paper_fts WHERE rowid = old.id; END",
}
EXTRACTION_TRIGGERS = {
    "paper_fts_extraction_ai": f"AFTER INSERT ON extraction BEGIN {_refresh('new.paper_id')} END",
    "paper_fts_extraction_au": (
        "AFTER UPDATE OF paper_id, status, short_name, one_line, method, techniques ON extraction "
        f"BEGIN {_refresh('old.paper_id, new.paper_id')} END"
    ),
    "paper_fts_extraction_ad": f"AFTER DELETE ON extraction BEGIN {_refresh('old.paper_id')} END",
}


def _sqlite() -> bool:
    return op.get_context().dialect.name == "sqlite"


def upgrade() -> None:
    if not _sqlite():
        return
    op.execute(CREATE)
    op.execute(RANK)
    for name, body in {**PAPER_TRIGGERS, **EXTRACTION_TRIGGERS}.items():
        op.execute(f"CREATE TRIGGER {name} {body}")
    op.execute(FILL)


def downgrade() -> None:
    if not _sqlite():
        return
    for name in {**PAPER_TRIGGERS, **EXTRACTION_TRIGGERS}:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS paper_fts")
