"""`ingest report --week W`, `ingest report show --week W`, `ingest report diff --week W`.

Rebuilds a week's report from stored extractions (no crawling, no re-extraction) as a new version,
shows a stored version, or diffs the last two versions. A report failing verification is stored as
Draft and the command exits non-zero.
"""

from __future__ import annotations

import click

from ingest.cli.app import app, out, state, writing

LANGS = click.Choice(["en", "zh"])


@app.group("report", invoke_without_command=True)
@click.option("--week", default=None, help="ISO week to (re)build, e.g. 2026-W16.")
@click.option("--lang", type=LANGS, default="en", show_default=True, help="Report language.")
@click.option(
    "--backend",
    type=click.Choice(["offline", "openai"]),
    default=None,
    help="LLM backend for planning and writing (default: the configured one).",
)
@click.pass_context
def report_group(ctx: click.Context, week: str | None, lang: str, backend: str | None) -> None:
    """Rebuild the weekly report of --week from stored extractions as a new version.

    Holds the database lock while it writes (see `ingest run`).
    """
    if ctx.invoked_subcommand is not None:
        return
    if week is None:
        raise click.UsageError("--week is required, e.g. `ingest report --week 2026-W16`")
    from ingest.cli.progress import stage_events
    from ingest.report import build as report_stage
    from ingest.weeks import normalize_week

    week = normalize_week(week)
    settings = state(ctx).settings(backend=backend)
    with writing(settings, "report") as engine:
        with stage_events("report", enabled=False, week=week, lang=lang) as (_events, counts):
            result = report_stage.build_report(settings, week, lang=lang, engine=engine)
            counts.update(version=result.version, papers=result.papers, calls=result.calls)
    out.print(f"{result.path}", markup=False, highlight=False, soft_wrap=True)
    out.print(
        f"status: {result.status}  version: {result.version}  papers: {result.papers}  "
        f"deep dives: {result.deep_dives}  LLM calls: {result.calls}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


@report_group.command("show")
@click.option("--week", required=True, help="ISO week, e.g. 2026-W16.")
@click.option("--lang", type=LANGS, default="en", show_default=True, help="Report language.")
@click.option("--version", "version", type=int, default=None, help="Version to show (default: newest).")
@click.pass_context
def show(ctx: click.Context, week: str, lang: str, version: int | None) -> None:
    """Print a stored report version's Markdown (and its problems when it is a Draft)."""
    from ingest.report import build as report_stage

    row = report_stage.report_version(state(ctx).settings(), week, lang, version)
    out.print(row.markdown, markup=False, highlight=False, soft_wrap=True, end="")
    for problem in row.problems:
        out.print(f"problem: {problem}", markup=False, highlight=False, soft_wrap=True)


@report_group.command("diff")
@click.option("--week", required=True, help="ISO week, e.g. 2026-W16.")
@click.option("--lang", type=LANGS, default="en", show_default=True, help="Report language.")
@click.pass_context
def diff(ctx: click.Context, week: str, lang: str) -> None:
    """Unified diff between the last two versions of a week's report."""
    from ingest.report import build as report_stage

    text = report_stage.report_diff(state(ctx).settings(), week, lang)
    out.print(text or "no changes", markup=False, highlight=False, soft_wrap=True, end="" if text else "\n")
