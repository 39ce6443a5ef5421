"""`ingest db upgrade|current|backup`: schema migrations and backups."""

from __future__ import annotations

from pathlib import Path

import click

from ingest.cli.app import app, out, state


@app.group("db")
def db_group() -> None:
    """Database schema migrations and backups."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
@click.pass_context
def upgrade(ctx: click.Context, revision: str) -> None:
    """Upgrade the database schema to REVISION (default: head). Idempotent.

    Holds the database lock when the database has one (no run may work it while it migrates).
    """
    from ingest.cli.app import terminating
    from ingest.db import engine as database
    from ingest.db import lock
    from ingest.secrets import mask_url

    settings = state(ctx).settings()
    database.check_revision(revision)
    engine = database.make_engine(settings.db_url)
    try:
        with terminating(), lock.for_command_if_present(engine, settings, "db upgrade"):
            database.check_schema(engine, settings.db_url)
            database.upgrade(settings.db_url, revision)
        out.print(
            f"database at revision {database.current_revision(engine)}: {mask_url(settings.db_url)}",
            markup=False,
            highlight=False,
        )
    except Exception as error:
        explained = database.explain(error, settings.db_url)
        if explained is None:
            raise
        raise explained from None
    finally:
        engine.dispose()


@db_group.command("current")
@click.pass_context
def current(ctx: click.Context) -> None:
    """Print the database's schema revision and the newest one available."""
    from ingest.db import engine as database

    settings = state(ctx).settings()
    engine = database.make_engine(settings.db_url)
    try:
        current = database.current_revision(engine)
        unknown = current is not None and current not in database.known_revisions()
        note = " (unknown to this version of ingest: made by a newer one?)" if unknown else ""
        out.print(
            f"current: {current}{note}  head: {database.head_revision()}", markup=False, highlight=False
        )
    except Exception as error:
        explained = database.explain(error, settings.db_url)
        if explained is None:
            raise
        raise explained from None
    finally:
        engine.dispose()


@db_group.command("backup")
@click.argument("target", type=click.Path(path_type=Path))
@click.pass_context
def backup(ctx: click.Context, target: Path) -> None:
    """Copy the SQLite database to TARGET while it is in use (online backup)."""
    from ingest.db import engine as database

    settings = state(ctx).settings()
    path = database.backup(database.open_engine(settings), target)
    out.print(f"backed up to {path}", markup=False, highlight=False)
