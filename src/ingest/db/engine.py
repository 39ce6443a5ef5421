"""Database access: a URL -> an engine at the newest schema, sessions, backups.

`open_engine(settings)` creates the SQLite folder if needed, sets WAL, busy_timeout, foreign keys,
synchronous=NORMAL, a 64 MiB page cache and memory-mapped reads on every SQLite connection, and
upgrades the schema to Alembic head on first use (idempotent: a database already at head is left
alone, and recognised without importing Alembic: its alembic_version row equals the head the
migration files name, see db.revisions). PostgreSQL URLs work the same way.
Migrations are found in the checkout's migrations/ or, in an installed wheel, in ingest/_migrations.

Failure: a database that cannot be used as is raises DatabaseError with the fix, never a driver
traceback: not a SQLite file or corrupt, read-only, unreachable, a schema revision newer than this
code knows, a URL whose driver is not installed. `explain(exc, url)` is the one translation of
driver errors, also used by the CLI for errors raised later (a write to a read-only file).
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, exc, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

from ingest.config import Settings
from ingest.db.revisions import migrations_dir, plain_head
from ingest.errors import ConfigError, DatabaseError, InputError
from ingest.secrets import mask_url

if TYPE_CHECKING:
    from alembic.config import Config

_ENGINES: dict[str, Engine] = {}


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


# Ranking every match of a broad search reads the FTS5 index and its per-row sizes all over: a 64 MiB
# page cache (filled only as used) and memory-mapped reads keep those pages out of read() calls.
SQLITE_PRAGMAS = (
    "journal_mode=WAL",
    "busy_timeout=30000",
    "foreign_keys=ON",
    "synchronous=NORMAL",
    "cache_size=-65536",
    "mmap_size=268435456",
)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    for pragma in SQLITE_PRAGMAS:
        cur.execute(f"PRAGMA {pragma}")
    cur.close()


def make_engine(url: str) -> Engine:
    """A new engine for `url` (no migration). SQLite files get their folder created and pragmas set.
    DatabaseError for an unparseable URL, a folder that cannot be created, a driver not installed."""
    try:
        parsed = make_url(url)
    except exc.ArgumentError:
        raise DatabaseError(
            f"cannot parse database URL {mask_url(url)!r}: expected e.g. sqlite:///db/x.sqlite3"
        ) from None
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            folder = Path(parsed.database).expanduser().parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise DatabaseError(f"cannot create the database folder {folder}: {error.strerror}") from None
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    try:
        return create_engine(url, pool_pre_ping=True)
    except ImportError as error:
        driver = getattr(error, "name", None) or str(error)
        raise DatabaseError(
            f"database URL {mask_url(url)} needs the Python driver {driver!r}, which is not installed: "
            "pip install 'ingest[postgres]' and write PostgreSQL URLs as postgresql+psycopg://USER@HOST/DB"
        ) from None


SQLITE_PROBLEMS = (
    ("file is not a database", "is not a SQLite database (or is damaged): point --db at the right file"),
    ("malformed", "is damaged: restore it from a backup (ingest db backup makes one) or use another --db"),
    (
        "readonly",
        "is read-only: make the file and its folder writable (SQLite writes -wal and -shm files beside "
        "it), or use another --db",
    ),
    ("unable to open database file", "cannot be opened: check that its folder exists and is writable"),
    ("disk is full", "cannot be written: the disk is full"),
    ("disk i/o error", "cannot be read or written: disk I/O error"),
)


def explain(error: BaseException, url: str | None = None) -> DatabaseError | None:
    """A driver or migration error that is the environment's (see module doc) as a DatabaseError with
    the fix; None for anything else (a bug)."""
    where = f"database {mask_url(url)}" if url else "the database"
    if _is_migration_error(error):
        return DatabaseError(f"{where}: schema migration failed: {error}")
    if not isinstance(error, exc.DBAPIError | sqlite3.Error):
        return None
    text = str(getattr(error, "orig", None) or error).lower()
    for needle, problem in SQLITE_PROBLEMS:
        if needle in text:
            return DatabaseError(f"{where} {problem}")
    if isinstance(error, exc.OperationalError) and url and not url.startswith("sqlite"):
        first = str(getattr(error, "orig", error)).strip().splitlines()[0][:200]
        return DatabaseError(f"cannot use {where}: {first}")
    return None


def _is_migration_error(error: BaseException) -> bool:
    """An Alembic CommandError (only possible once Alembic was imported: not imported here for that)."""
    alembic_exc = sys.modules.get("alembic.util.exc")
    return alembic_exc is not None and isinstance(error, alembic_exc.CommandError)


def check_schema(engine: Engine, url: str) -> str | None:
    """The database's schema revision; DatabaseError when it is one this code does not know (a newer
    ingest made it: migrating would fail, and this code would misread its tables)."""
    current = current_revision(engine)
    if current is not None and current not in known_revisions():
        raise DatabaseError(
            f"database {mask_url(url)} is at schema revision {current!r}, which this version of ingest "
            f"does not know (its newest is {head_revision()!r}): it was made by a newer ingest; "
            "upgrade ingest, or use another --db"
        )
    return current


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return {r.revision for r in ScriptDirectory.from_config(alembic_config("sqlite://")).walk_revisions()}


def check_revision(revision: str) -> None:
    """InputError for a revision that is neither 'head' nor one of migrations/versions."""
    known = known_revisions()
    if revision not in ("head", "heads") and revision not in known:
        raise InputError(f"unknown schema revision {revision!r}; known: head, {', '.join(sorted(known))}")


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(url: str, revision: str = "head") -> None:
    """Run migrations on `url` up to `revision` (idempotent)."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(url), revision)


def at_plain_head(engine: Engine) -> bool:
    """True when the database's one alembic_version row is the head the migration files name plainly
    (revisions.plain_head): then it needs no upgrade and Alembic is not imported. False for anything
    else, a database error included: Alembic then checks, upgrades, or reports the problem."""
    head = plain_head()
    if head is None:
        return False
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).all()
    except (exc.DBAPIError, sqlite3.Error):
        return False
    return [tuple(row) for row in rows] == [(head,)]


def open_engine(settings: Settings | str) -> Engine:
    """Engine for the settings' database, upgraded to head once per process and URL."""
    url = settings if isinstance(settings, str) else settings.db_url
    if url in _ENGINES:
        return _ENGINES[url]
    engine = make_engine(url)
    try:
        if not at_plain_head(engine):
            current = check_schema(engine, url)
            if current != head_revision():
                upgrade(url)
    except Exception as error:
        if not isinstance(error, exc.DBAPIError | sqlite3.Error) and not _is_migration_error(error):
            raise
        explained = explain(error, url)
        if explained is None:
            raise
        engine.dispose()
        raise explained from None
    _ENGINES[url] = engine
    return engine


def forget_engines() -> None:
    """Dispose cached engines (tests, forks)."""
    for engine in _ENGINES.values():
        engine.dispose()
    _ENGINES.clear()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def backup(engine: Engine, target: Path) -> Path:
    """Online copy of a SQLite database to `target` (sqlite3 backup API). InputError for a target that
    is a directory or the database itself; DatabaseError when it cannot be written."""
    url = engine.url
    if url.get_backend_name() != "sqlite" or not url.database:
        raise ConfigError("backup is only supported for SQLite databases")
    if target.is_dir():
        raise InputError(
            f"backup target {target} is a directory; name a file such as {target / 'ingest-backup.sqlite3'}"
        )
    if target.exists() and target.resolve() == Path(url.database).resolve():
        raise InputError(f"backup target {target} is the database itself; name another file")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DatabaseError(f"cannot create the folder of backup target {target}: {error.strerror}") from None
    src = sqlite3.connect(url.database)
    try:
        dst = sqlite3.connect(str(target))
    except sqlite3.Error as error:
        src.close()
        raise explain(error, f"sqlite:///{target}") or error from None
    try:
        src.backup(dst)
    except sqlite3.Error as error:
        raise explain(error, f"sqlite:///{target}") or error from None
    finally:
        dst.close()
        src.close()
    return target
