"""`ingest config`: the effective settings (env, ingest.toml, defaults) with secrets masked."""

from __future__ import annotations

import json

import click

from ingest.cli.app import app, state


@app.command("config")
@click.option("--json", "as_json", is_flag=True, help="Print the settings as JSON.")
@click.pass_context
def config_command(ctx: click.Context, as_json: bool) -> None:
    """Print the effective settings; the API key and URL passwords are shown as *** (never in clear)."""
    settings = state(ctx).settings()
    values = settings.masked()
    values["active_backend"] = settings.active_backend
    if as_json:
        click.echo(json.dumps(values, indent=2, ensure_ascii=False))
        return
    for key, value in values.items():
        shown = json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value
        click.echo(f"{key} = {shown}")
