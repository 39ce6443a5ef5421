"""Database access: a URL -> an engine at the newest schema, sessions, backups.

`open_engine(settings)` creates the SQLite folder if needed, sets WAL, busy_timeout, foreign keys,
synchronous=NORMAL, a 64 MiB page cache and memory-mapped reads on every SQLite connection, and
upgrades the schema to Alembic head on first use (idempotent: a database already at head is left
alone). PostgreSQL URLs work the same way.
Migrations are found in the checkout's migrations/ or, in an installed wheel, in ingest/_migrations.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

from ingest.config import Settings
from ingest.errors import ConfigError

_ENGINES: dict[str, Engine] = {}


def migrations_dir() -> Path:
    """The folder holding alembic's env.py and versions/."""
    checkout = Path(__file__).resolve().parents[3] / "migrations"
    if (checkout / "env.py").is_file():
        return checkout
    packaged = Path(str(resources.files("ingest") / "_migrations"))
    if (packaged / "env.py").is_file():
        return packaged
    raise ConfigError("migrations folder not found (neither ./migrations nor ingest/_migrations)")


def alembic_config(url: str) -> Config:
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
    """A new engine for `url` (no migration). SQLite files get their folder created and pragmas set."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(url: str, revision: str = "head") -> None:
    """Run migrations on `url` up to `revision` (idempotent)."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


def open_engine(settings: Settings | str) -> Engine:
    """Engine for the settings' database, upgraded to head once per process and URL."""
    url = settings if isinstance(settings, str) else settings.db_url
    if url in _ENGINES:
        return _ENGINES[url]
    engine = make_engine(url)
    try:
        if current_revision(engine) != head_revision():
            upgrade(url)
    except sqlite3.DatabaseError as exc:  # pragma: no cover - surfaced by the CLI
        raise ConfigError(f"cannot open database {url}: {exc}") from exc
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
    """Online copy of a SQLite database to `target` (sqlite3 backup API)."""
    url = engine.url
    if url.get_backend_name() != "sqlite" or not url.database:
        raise ConfigError("backup is only supported for SQLite databases")
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(url.database)
    dst = sqlite3.connect(str(target))
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    return target
