"""`ingest status`: recent runs, failures, and what the next run will retry."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from ingest.cli.app import app, out, state

if TYPE_CHECKING:
    from rich.table import Table

SHOWN = ("crawled", "new", "in_scope", "extracted", "cached", "failed", "selected")


def _runs_table(runs: list[dict]) -> Table:
    from rich.table import Table

    table = Table("id", "kind", "week", "status", "started", "secs", "stages", "counts", "tokens", "cost $")
    for r in runs:
        stages = " ".join(f"{k}={v}" for k, v in r["stages"].items())
        counts = " ".join(f"{k}={r['counts'][k]}" for k in SHOWN if k in r["counts"])
        table.add_row(
            str(r["id"]),
            r["kind"],
            r["week"] or "",
            r["status"],
            (r["started_at"] or "")[:19],
            str(r["seconds"] or ""),
            stages,
            counts,
            str(r["prompt_tokens"] + r["completion_tokens"]),
            f"{r['cost_usd']:.4f}",
        )
    return table


def _print_retry(retry: dict) -> None:
    out.print("next run will retry:")
    for item in retry["failed_extractions"]:
        out.print(f"  extraction {item['arxiv_id']} ({item['week']}): {item['error']}", highlight=False)
    for item in retry["draft_reports"]:
        out.print(
            f"  Draft report {item['week']} {item['lang']} v{item['version']}: {item['path']}",
            highlight=False,
        )
    for item in retry["unfinished_weeks"]:
        out.print(f"  week {item['week']}: last run {item['run']} {item['status']}", highlight=False)
    for item in retry.get("failed_publications", []):
        out.print(
            f"  publish {item['slug']} to {item['target']} {item['destination']}: {item['error']}",
            markup=False,
            highlight=False,
        )
    if not any(retry.values()):
        out.print("  nothing")


@app.command("status")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 1000), help="Runs to show.")
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@click.pass_context
def status_command(ctx: click.Context, limit: int, as_json: bool) -> None:
    """Show recent runs (timings, counts, tokens, cost), failures and what the next run will retry."""
    from ingest.db.engine import open_engine
    from ingest.views.status import status_report

    data = status_report(open_engine(state(ctx).settings()), limit)
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    out.print(_runs_table(data["runs"]))
    for f in data["failures"]:
        out.print(f"run {f['id']} {f['kind']} {f['week']} {f['status']}: {f['error']}", highlight=False)
    if data["published"]:
        out.print("published:")
        for p in data["published"]:
            where = p["location"] or ""
            out.print(
                f"  {p['slug']} v{p['version']} -> {p['target']} {p['destination']} {where} "
                f"({p['status']}, {(p['published_at'] or '')[:16]})",
                markup=False,
                highlight=False,
            )
    if data["lock"]:
        out.print(f"lock held by {data['lock']['owner']} since {data['lock']['since']}", highlight=False)
    _print_retry(data["next_run_will_retry"])
