"""Bulk inserts into `paper` with the paper_fts index filled by a few statements instead of per row.

Input: an open SQLAlchemy connection inside the caller's transaction. Output: `suspended_insert_sync`,
a context manager: inside it the per-row AFTER INSERT trigger of `paper` (paper_fts_paper_ai) is
dropped, and the papers inserted meanwhile (ids above the largest id indexed so far) are indexed
by ONE `INSERT INTO paper_fts ... SELECT` from the view paper_fts_source per call of the
`index_new()` it yields (the loader calls it every load.INDEX_EVERY papers and before a part that
may update papers not indexed yet) and once more on leaving, with a
large FTS5 'hashsize' buffer; then the trigger is re-created. All of it runs in the
caller's transaction (SQLite DDL is transactional), so a failure or a crash anywhere rolls back the
rows, the index and the DROP TRIGGER together: the database never commits without its triggers.
Update/delete triggers and the extraction triggers stay active throughout: a later part that
updates a paper an earlier part inserted finds it indexed, because `index_new()` ran in between.

Single source of the SQL: the trigger and fill statements are those of migration 0005 (loaded from
its file, `migrations/versions/0005_fts_external.py`; not copied). The bulk path runs only when the
trigger stored in the database is byte-for-byte the one 0005 creates; otherwise (a later migration
changed it, PostgreSQL, no paper_fts) it does nothing and the triggers index row by row as usual.
The new ids were never indexed (they did not exist and the insert trigger was suspended), so they
are only added: with an external-content index, 'deleting' a row that was never indexed would
corrupt it.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from types import ModuleType

from sqlalchemy import text
from sqlalchemy.engine import Connection

from ingest.db import engine as db

TRIGGER = "paper_fts_paper_ai"
FILL_HASHSIZE = 64 * 1024 * 1024  # bytes of new index FTS5 keeps in memory during the fill
DEFAULT_HASHSIZE = 1024 * 1024  # FTS5's default, set again after the fill


@lru_cache(maxsize=1)
def fts_migration() -> ModuleType:
    """Migration 0005's module (its PAPER_TRIGGERS and FILL_NEW constants)."""
    path = db.migrations_dir() / "versions" / "0005_fts_external.py"
    spec = importlib.util.spec_from_file_location("ingest_migration_0005_fts_external", path)
    if spec is None or spec.loader is None:  # pragma: no cover - the file ships with the package
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def trigger_sql() -> str:
    """The CREATE TRIGGER statement of paper_fts_paper_ai exactly as migration 0005 runs it."""
    return f"CREATE TRIGGER {TRIGGER} {fts_migration().PAPER_TRIGGERS[TRIGGER]}"


def _stored_trigger(conn: Connection) -> str | None:
    if conn.dialect.name != "sqlite":
        return None
    query = text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :name")
    return conn.execute(query, {"name": TRIGGER}).scalar()


def _ensure_transaction(conn: Connection) -> None:
    """pysqlite opens its implicit transaction only before DML: begin one so DROP TRIGGER is part of it."""
    dbapi = conn.connection.dbapi_connection
    if dbapi is not None and not dbapi.in_transaction:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def suspended_insert_sync(conn: Connection) -> Iterator[Callable[[], None] | None]:
    """Yields `index_new()` while the per-row insert trigger is suspended (None when the bulk path
    stands aside, see module doc). `index_new()` indexes the papers inserted since its last call
    (or since entering): call it at least before anything may update those papers
    (an update removes the old text from the index, which must be there). Leaving indexes the rest
    and re-creates the trigger, also on an error."""
    stored = _stored_trigger(conn)
    if stored is None or stored != trigger_sql():
        yield None
        return
    _ensure_transaction(conn)
    conn.exec_driver_sql(f"DROP TRIGGER {TRIGGER}")
    indexed = [int(conn.exec_driver_sql("SELECT coalesce(max(id), 0) FROM paper").scalar() or 0)]
    fill = text(fts_migration().FILL_NEW.format(where="id > :after AND id <= :upto"))

    def index_new() -> None:
        upto = int(conn.exec_driver_sql("SELECT coalesce(max(id), 0) FROM paper").scalar() or 0)
        if upto > indexed[0]:
            conn.execute(fill, {"after": indexed[0], "upto": upto})
            indexed[0] = upto

    _set_hashsize(conn, FILL_HASHSIZE)
    try:
        yield index_new
    finally:  # also on an error, in case the caller commits what was stored before it
        index_new()
        _set_hashsize(conn, DEFAULT_HASHSIZE)
        conn.exec_driver_sql(stored)


def _set_hashsize(conn: Connection, size: int) -> None:
    """FTS5's 'hashsize' option: how much new index it buffers before writing a segment. A large
    buffer makes the fill write fewer, larger segments and merge less (bench/bulk_load.py times it);
    it is reset to the default afterwards, so row-by-row trigger inserts keep their small buffer."""
    conn.execute(text("INSERT INTO paper_fts (paper_fts, rank) VALUES ('hashsize', :size)"), {"size": size})
