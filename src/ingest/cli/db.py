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
    """Upgrade the database schema to REVISION (default: head). Idempotent."""
    from ingest.db import engine as database

    settings = state(ctx).settings()
    database.upgrade(settings.db_url, revision)
    engine = database.make_engine(settings.db_url)
    out.print(f"database at revision {database.current_revision(engine)}: {settings.db_url}")
    engine.dispose()


@db_group.command("current")
@click.pass_context
def current(ctx: click.Context) -> None:
    """Print the database's schema revision and the newest one available."""
    from ingest.db import engine as database

    settings = state(ctx).settings()
    engine = database.make_engine(settings.db_url)
    out.print(f"current: {database.current_revision(engine)}  head: {database.head_revision()}")
    engine.dispose()


@db_group.command("backup")
@click.argument("target", type=click.Path(path_type=Path))
@click.pass_context
def backup(ctx: click.Context, target: Path) -> None:
    """Copy the SQLite database to TARGET while it is in use (online backup)."""
    from ingest.db import engine as database

    settings = state(ctx).settings()
    path = database.backup(database.open_engine(settings), target)
    out.print(f"backed up to {path}")
