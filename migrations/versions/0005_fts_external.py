"""paper_fts reads its text from a view instead of keeping its own copy (external content)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 09:00:00

SQLite only (no-op elsewhere, like 0004). 0004's paper_fts stored a second copy of every title and
abstract (about a third of a 100k-paper database, written twice by WAL on every bulk load). Here
the index keeps only its inverted index; its text comes from the view `paper_fts_source`
(id, title, abstract, extracted: the same columns and text 0004 indexed, extracted = short name,
one-line summary, method and techniques of the paper's latest extraction with status 'ok';
at most MAX_TECHNIQUES techniques are indexed, see EXTRACTED).
Ranking, tokenizer, column names and rowids (= paper.id) are unchanged, so queries are unchanged.

External content needs the old text to remove a row from the index, so every change is a pair:
a BEFORE trigger deletes the row with the text the view gives now (the text that was indexed),
an AFTER trigger inserts the text the view gives afterwards:
    paper       AFTER INSERT / BEFORE+AFTER UPDATE OF title, abstract / BEFORE DELETE
    extraction  BEFORE+AFTER INSERT / BEFORE+AFTER UPDATE OF (text, status, paper_id) / BEFORE+AFTER DELETE
Deleting a paper deletes its index row first; the cascade then deletes its extractions after the
paper row is gone, when the view has no row for it, so their triggers do nothing.
`INSERT INTO paper_fts(paper_fts) VALUES('rebuild')` re-creates the whole index from the view;
`'integrity-check'` with rank 1 compares index and view.

TRAP (as in 0004): a batch rebuild of `paper` or `extraction` drops these triggers; re-create them
from PAPER_TRIGGERS / EXTRACTION_TRIGGERS and run REBUILD. Downgrade restores 0004's own-content
table by running 0004's upgrade statements (loaded from its file).
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# FTS5 reads its content with SQLITE_PREPARE_NO_VTAB, so the view may not use json_each (0004 did):
# techniques are read element by element with json_extract, up to MAX_TECHNIQUES (the extraction
# schema allows 6), joined with '; ' as 0004 joined them.
MAX_TECHNIQUES = 12
TECHNIQUES = " || ".join(
    ["coalesce(json_extract(e.techniques, '$[0]'), '')"]
    + [f"coalesce('; ' || json_extract(e.techniques, '$[{i}]'), '')" for i in range(1, MAX_TECHNIQUES)]
)
EXTRACTED = f"""(SELECT trim(coalesce(e.short_name, '') || ' ' || coalesce(e.one_line, '') || ' '
        || coalesce(e.method, '') || ' '
        || coalesce(CASE WHEN json_valid(e.techniques) AND json_type(e.techniques) = 'array'
                    THEN {TECHNIQUES} END, ''))
    FROM extraction AS e WHERE e.paper_id = p.id AND e.status = 'ok' ORDER BY e.id DESC LIMIT 1)"""
VIEW = (
    "CREATE VIEW paper_fts_source AS SELECT p.id AS id, p.title AS title, p.abstract AS abstract, "
    f"{EXTRACTED} AS extracted FROM paper AS p"
)
CREATE = """CREATE VIRTUAL TABLE paper_fts USING fts5(title, abstract, extracted,
    content = 'paper_fts_source', content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2')"""
RANK = "INSERT INTO paper_fts(paper_fts, rank) VALUES('rank', 'bm25(10.0, 1.0, 3.0)')"
REBUILD = "INSERT INTO paper_fts(paper_fts) VALUES('rebuild')"
# Index the papers a bulk load inserted (fts_bulk: `FILL_NEW.format(where=...)`).
FILL_NEW = (
    "INSERT INTO paper_fts(rowid, title, abstract, extracted) "
    "SELECT id, title, abstract, extracted FROM paper_fts_source WHERE {where}"
)


def _add(ids: str) -> str:
    return (
        f"INSERT INTO paper_fts(rowid, title, abstract, extracted) SELECT id, title, abstract, "
        f"extracted FROM paper_fts_source WHERE id IN ({ids});"
    )


def _remove(ids: str) -> str:
    return (
        f"INSERT INTO paper_fts(paper_fts, rowid, title, abstract, extracted) SELECT 'delete', id, "
        f"title, abstract, extracted FROM paper_fts_source WHERE id IN ({ids});"
    )


EXTRACTION_COLUMNS = "paper_id, status, short_name, one_line, method, techniques"
PAPER_TRIGGERS = {
    "paper_fts_paper_ai": f"AFTER INSERT ON paper BEGIN {_add('new.id')} END",
    "paper_fts_paper_bu": f"BEFORE UPDATE OF title, abstract ON paper BEGIN {_remove('old.id')} END",
    "paper_fts_paper_au": f"AFTER UPDATE OF title, abstract ON paper BEGIN {_add('new.id')} END",
    "paper_fts_paper_bd": f"BEFORE DELETE ON paper BEGIN {_remove('old.id')} END",
}
EXTRACTION_TRIGGERS = {
    "paper_fts_extraction_bi": f"BEFORE INSERT ON extraction BEGIN {_remove('new.paper_id')} END",
    "paper_fts_extraction_ai": f"AFTER INSERT ON extraction BEGIN {_add('new.paper_id')} END",
    "paper_fts_extraction_bu": (
        f"BEFORE UPDATE OF {EXTRACTION_COLUMNS} ON extraction "
        f"BEGIN {_remove('old.paper_id, new.paper_id')} END"
    ),
    "paper_fts_extraction_au": (
        f"AFTER UPDATE OF {EXTRACTION_COLUMNS} ON extraction BEGIN {_add('old.paper_id, new.paper_id')} END"
    ),
    "paper_fts_extraction_bd": f"BEFORE DELETE ON extraction BEGIN {_remove('old.paper_id')} END",
    "paper_fts_extraction_ad": f"AFTER DELETE ON extraction BEGIN {_add('old.paper_id')} END",
}
OLD_TRIGGERS = (
    "paper_fts_paper_ai",
    "paper_fts_paper_au",
    "paper_fts_paper_ad",
    "paper_fts_extraction_ai",
    "paper_fts_extraction_au",
    "paper_fts_extraction_ad",
)


def _sqlite() -> bool:
    return op.get_context().dialect.name == "sqlite"


def upgrade() -> None:
    if not _sqlite():
        return
    for name in OLD_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS paper_fts")
    op.execute(VIEW)
    op.execute(CREATE)
    op.execute(RANK)
    for name, body in {**PAPER_TRIGGERS, **EXTRACTION_TRIGGERS}.items():
        op.execute(f"CREATE TRIGGER {name} {body}")
    op.execute(REBUILD)


def _revision_0004():  # type: ignore[no-untyped-def]
    """0004's module, loaded from its file (migrations are not a package to import from)."""
    path = Path(__file__).with_name("0004_fts.py")
    spec = importlib.util.spec_from_file_location("ingest_migration_0004_fts_for_0005", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def downgrade() -> None:
    if not _sqlite():
        return
    for name in {**PAPER_TRIGGERS, **EXTRACTION_TRIGGERS}:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS paper_fts")
    op.execute("DROP VIEW IF EXISTS paper_fts_source")
    _revision_0004().upgrade()
