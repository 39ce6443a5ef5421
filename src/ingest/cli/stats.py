"""`ingest stats [--weeks 8] [--json] [--plot FILE.png]`: trends over the last weeks in the database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ingest.cli.app import app, out, state

if TYPE_CHECKING:
    from rich.table import Table

    from ingest.views import stats as library


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _weeks_table(stats: library.Stats) -> Table:
    from rich.table import Table

    table = Table(title="Papers per week")
    for name in ("week", "papers", "extracted", "in scope", "industrial", "online A/B"):
        table.add_column(name, justify="right")
    for w in [*stats.per_week, stats.total]:
        industrial, online = w.shares()
        table.add_row(
            w.week,
            str(w.papers),
            str(w.extracted),
            str(w.in_scope),
            f"{w.industrial} ({_pct(industrial)})",
            f"{w.deployed} ({_pct(online)})",
        )
    return table


def _topics_table(stats: library.Stats) -> Table:
    from rich import box
    from rich.table import Table

    table = Table(title="In-scope papers per topic per week", box=box.SIMPLE_HEAD)
    table.add_column("topic", no_wrap=True)
    for week in stats.weeks:
        table.add_column(week.split("-")[1], justify="right")
    table.add_column("total", justify="right")
    for slug, counts in stats.topics.items():
        values = [counts[w] for w in stats.weeks]
        table.add_row(slug, *map(str, values), str(sum(values)))
    return table


def _institutions_table(stats: library.Stats) -> Table:
    from rich.table import Table

    table = Table(title="Top institutions (in-scope papers)")
    table.add_column("institution")
    table.add_column("papers", justify="right")
    for name, count in stats.institutions:
        table.add_row(name, str(count))
    return table


@app.command("stats")
@click.option(
    "--weeks",
    type=int,
    default=8,
    show_default=True,
    help="How many weeks, ending at the newest week in the database.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON instead of tables.")
@click.option(
    "--plot",
    "plot_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also draw the trends into this PNG file (needs matplotlib: pip install 'ingest[plot]').",
)
@click.pass_context
def stats(ctx: click.Context, weeks: int, as_json: bool, plot_path: Path | None) -> None:
    """Papers per topic per week, top institutions, industrial share and online-A/B share."""
    from ingest.views import stats as library

    result = library.compute(state(ctx).settings(), weeks=weeks)
    if plot_path is not None:
        library.plot(result, plot_path)
    if as_json:
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    elif not result.weeks:
        out.print("no papers in the database yet (run ingest crawl)")
    else:
        for table in (_weeks_table(result), _topics_table(result), _institutions_table(result)):
            out.print(table)
    if plot_path is not None and not as_json:
        out.print(f"chart written to {plot_path}", markup=False)
