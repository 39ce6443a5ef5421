"""`ingest browse [--port N] [--host H]`: click around the database in Datasette (optional extra)."""

from __future__ import annotations

import click

from ingest.cli.app import app, state


@app.command("browse")
@click.option("--port", type=int, default=8001, show_default=True, help="Port to serve on.")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Interface to bind; keep 127.0.0.1 unless others should reach it.",
)
@click.pass_context
def browse(ctx: click.Context, port: int, host: str) -> int:
    """Open the SQLite database in Datasette with full-text search and facets.

    Needs the optional extra: pip install 'ingest[browse]'.
    """
    from ingest.views import browse as library

    return library.serve(state(ctx).settings(), host=host, port=port)
