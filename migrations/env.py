"""Alembic environment: the URL comes from the Config (set by ingest.db from Settings), else from Settings.

SQLite runs in batch mode with foreign keys OFF during migrations (a batch rebuild of a parent table
would otherwise cascade-delete child rows; TECH_NOTES.md section 4), each upgrade in one real
transaction (_transactional_sqlite). The FTS5 tables and the
APScheduler job table are not part of the models and are excluded from autogenerate.
"""

from alembic import context
from sqlalchemy import event, pool
from sqlmodel import SQLModel

import ingest.db.models  # noqa: F401  registers the tables on SQLModel.metadata
from ingest.config import Settings

config = context.config
target_metadata = SQLModel.metadata


def include_name(name, type_, parent_names):
    if type_ == "table" and name:
        return not (name == "apscheduler_jobs" or name.startswith("paper_fts"))
    return True


def _url() -> str:
    return config.get_main_option("sqlalchemy.url") or Settings().db_url


def run_migrations_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


def _transactional_sqlite(engine) -> None:
    """SQLite: DDL inside the migration's transaction. pysqlite begins its own transactions only
    before DML and commits before DDL, so a migration failing halfway left its first statements
    behind (e.g. 0005's view with alembic_version still at 0004). Here pysqlite's handling is off
    and SQLAlchemy emits BEGIN itself: a failed upgrade changes nothing. foreign_keys is set per
    connection before any transaction (inside one it is a no-op)."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None
        dbapi_connection.execute("PRAGMA foreign_keys=OFF")

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:
        connection.exec_driver_sql("BEGIN")


def run_migrations_online() -> None:
    from sqlalchemy import create_engine

    engine = create_engine(_url(), poolclass=pool.NullPool)
    if engine.dialect.name == "sqlite":
        _transactional_sqlite(engine)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,
            include_name=include_name,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
