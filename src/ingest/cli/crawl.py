"""`ingest crawl --week W [--source FILE]` / `ingest crawl --since D --until D`: store a week's papers."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ingest.cli.app import app, out, state, writing
from ingest.errors import Failure, InputError, Kind, StageFailures, listed

if TYPE_CHECKING:
    from ingest.crawl import stage as crawl_stage


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise InputError(f"{option} {value!r}: expected a date YYYY-MM-DD") from None


def _print(results: list[crawl_stage.CrawlResult]) -> None:
    from rich.table import Table

    table = Table("week", "fetched", "new", "updated", "unchanged", "near-dups", "skipped", "errors")
    for r in results:
        table.add_row(
            r.week or "-",
            *(
                str(v)
                for v in (r.fetched, r.new, r.updated, r.unchanged, r.duplicates, r.skipped, len(r.errors))
            ),
        )
    out.print(table)
    for note in (n for r in results for n in r.notes):
        out.print(f"note: {note}", markup=False, highlight=False)
    for r in results:
        other = {w: n for w, n in r.weeks.items() if w != r.week}
        extra = f" (records of other weeks stored too: {other})" if other else ""
        out.print(
            f"{r.week}: {r.new} new, {r.updated} updated, {r.unchanged} unchanged, "
            f"{r.duplicates} near-duplicate links{extra}",
            markup=False,
            highlight=False,
        )


@app.command("crawl")
@click.option("--week", help="ISO week to crawl, e.g. 2026-W16 (arXiv announcement week).")
@click.option("--since", help="Backfill: first announcement date, YYYY-MM-DD (with --until).")
@click.option("--until", help="Backfill: last announcement date, YYYY-MM-DD (with --since).")
@click.option(
    "--source",
    type=click.Path(path_type=Path),
    default=None,
    help="Snapshot file (JSON Lines in the data/arxiv schema, or arXiv Atom XML) instead of live arXiv.",
)
@click.pass_context
def crawl(
    ctx: click.Context, week: str | None, since: str | None, until: str | None, source: Path | None
) -> None:
    """Fetch a week's recsys papers (live arXiv API or a snapshot file) and store them, deduplicated.

    Holds the database lock while it writes (see `ingest run`).
    """
    from ingest.cli.progress import stage_events
    from ingest.crawl import stage as crawl_stage
    from ingest.weeks import normalize_week

    if week and (since or until):
        raise InputError("use either --week or --since/--until, not both")
    if not week and not (since and until):
        raise InputError("give --week YYYY-Www, or --since and --until dates")
    settings = state(ctx).settings()
    week = normalize_week(week) if week else None
    first, last = _day(since, "--since"), _day(until, "--until")
    label = week or f"{since}..{until}"
    with (
        writing(settings, "crawl") as engine,
        stage_events("crawl", enabled=False, week=label) as (_events, counts),
    ):
        if week:
            results = [crawl_stage.crawl_week(settings, week, source=source, engine=engine)]
        else:
            assert first is not None and last is not None
            results = crawl_stage.crawl_range(settings, first, last, source=source, engine=engine)
        for key in ("fetched", "new", "updated", "unchanged", "duplicates"):
            counts[key] = sum(getattr(r, key) for r in results)
        counts["rejected"] = sum(len(r.errors) for r in results)
    _print(results)
    errors = [e for r in results for e in r.errors]
    if errors:
        where = f"{source}: " if source else ""
        failures = [Failure(f"{source or 'arXiv'}", Kind.INPUT, e) for e in errors]
        raise StageFailures(f"{where}{len(errors)} record(s) rejected: {listed(errors)}", failures)
