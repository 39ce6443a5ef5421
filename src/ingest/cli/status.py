"""`ingest status`: recent runs, failures, and what the next run will retry."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from ingest.cli.app import app, out, state

if TYPE_CHECKING:
    from rich.console import JustifyMethod
    from rich.table import Table

SHOWN = ("crawled", "new", "in_scope", "extracted", "cached", "failed", "selected", "truncated")


def _runs_table(runs: list[dict]) -> Table:
    """Runs, one line each, in 80 columns: stages and counts go on the lines below (`_details`)."""
    from rich import box
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1))
    columns: tuple[tuple[str, JustifyMethod], ...] = (
        ("id", "right"),
        ("kind", "left"),
        ("week", "left"),
        ("status", "left"),
        ("started UTC", "left"),
        ("secs", "right"),
        ("tokens", "right"),
        ("cost $", "right"),
    )
    for name, justify in columns:
        table.add_column(name, justify=justify, no_wrap=True)
    for r in runs:
        started = (r["started_at"] or "")[5:16].replace("T", " ")
        table.add_row(
            str(r["id"]),
            r["kind"],
            r["week"] or "-",
            r["status"],
            started,
            f"{r['seconds']:.1f}" if r["seconds"] is not None else "-",
            str(r["prompt_tokens"] + r["completion_tokens"]),
            f"{r['cost_usd']:.4f}",
        )
    return table


def _details(r: dict) -> str | None:
    stages = ", ".join(f"{k} {v:.1f}s" for k, v in r["stages"].items() if isinstance(v, int | float))
    counts = " ".join(f"{k}={r['counts'][k]}" for k in SHOWN if k in r["counts"])
    parts = [p for p in (stages, counts) if p]
    return f"run {r['id']}: " + "; ".join(parts) if parts else None


def _say(text: str) -> None:
    """One message, wrapped at the terminal width (status is read in 80 columns)."""
    out.print(text, markup=False, highlight=False, soft_wrap=False)


def _print_retry(retry: dict) -> None:
    _say("next run will retry:")
    for item in retry["failed_extractions"]:
        _say(f"  extraction {item['arxiv_id']} ({item['week']}): {item['error']}")
    for item in retry["draft_reports"]:
        _say(f"  Draft report {item['week']} {item['lang']} v{item['version']}: {item['path']}")
    for item in retry["unfinished_weeks"]:
        _say(f"  week {item['week']}: last run {item['run']} {item['status']}")
    for item in retry.get("failed_publications", []):
        _say(f"  publish {item['slug']} to {item['target']} {item['destination']}: {item['error']}")
    if not any(retry.values()):
        _say("  nothing")


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
    if not data["runs"]:
        _say("no runs yet")
    else:
        out.print(_runs_table(data["runs"]), soft_wrap=False)
    for line in filter(None, (_details(r) for r in data["runs"])):
        _say(line)
    for f in data["failures"]:
        _say(f"run {f['id']} {f['kind']} {f['week'] or '-'} {f['status']}: {f['error']}")
    if data["published"]:
        _say("published:")
        for p in data["published"]:
            where = p["location"] or ""
            _say(
                f"  {p['slug']} v{p['version']} -> {p['target']} {p['destination']} {where} "
                f"({p['status']}, {(p['published_at'] or '')[:16]})"
            )
    if data["lock"]:
        _say(f"lock held by {data['lock']['owner']} since {data['lock']['since']}")
    _print_retry(data["next_run_will_retry"])
