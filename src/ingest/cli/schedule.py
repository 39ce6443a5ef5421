"""`ingest schedule`: run the weekly job on its cron schedule (or print the next fire times)."""

from __future__ import annotations

import click

from ingest.cli.app import app, out, state, terminating


@app.command("schedule")
@click.option("--dry-run", is_flag=True, help="Print the next fire times and exit.")
@click.option(
    "--count",
    default=5,
    show_default=True,
    type=click.IntRange(1, 100),
    help="How many fire times --dry-run prints.",
)
@click.pass_context
def schedule_command(ctx: click.Context, dry_run: bool, count: int) -> None:
    """Run `ingest run` every week (default Monday 06:00 UTC; see schedule_* settings).

    Each firing runs the last complete week and the missed weeks before it (at most catchup_weeks);
    on start it catches up the missed weeks the same way.
    Blocks until interrupted; the job is stored in the database (one scheduler per database).
    SIGTERM stops it cleanly, also in the middle of a run (recorded as failed, lock released).
    """
    from ingest import schedule as scheduling

    settings = state(ctx).settings()
    if dry_run:
        times = scheduling.next_fire_times(settings, count)
        at = f"{settings.schedule_hour:02d}:{settings.schedule_minute:02d}"
        if settings.schedule_second:
            at += f":{settings.schedule_second:02d}"
        out.print(f"schedule: {settings.schedule_day} {at} {settings.schedule_timezone}", highlight=False)
        for when in times:
            out.print(when.strftime("%a %Y-%m-%d %H:%M %Z"), highlight=False)
        return
    with terminating():
        scheduling.run_scheduler(settings)
