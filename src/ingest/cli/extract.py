"""`ingest extract --week W [--backend openai|offline] [--force] [--concurrency N]`: grounded extractions."""

from __future__ import annotations

import click

from ingest.cli.app import app, err, out, progress_enabled, state
from ingest.errors import StageFailures


@app.command("extract")
@click.option("--week", required=True, help="ISO week whose crawled papers to extract, e.g. 2026-W16.")
@click.option(
    "--backend",
    type=click.Choice(["openai", "offline"]),
    default=None,
    help="LLM backend (default: openai when an API key or base URL is configured, else offline).",
)
@click.option("--force", is_flag=True, help="Call the LLM again even when a cached extraction exists.")
@click.option(
    "--concurrency",
    type=click.IntRange(min=1),
    default=None,
    help="LLM calls in flight at once (default: settings.llm_concurrency).",
)
@click.pass_context
def extract(ctx: click.Context, week: str, backend: str | None, force: bool, concurrency: int | None) -> None:
    """Extract structured, source-grounded facts from the week's relevant papers.

    Cached per (prompt, model, paper text): a re-run makes no LLM calls unless --force.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ingest.extract import stage as extract_stage
    from ingest.llm import make_llm
    from ingest.weeks import normalize_week

    week = normalize_week(week)
    settings = state(ctx).settings(backend=backend)
    llm = make_llm(settings)
    out.print(f"backend: {llm.backend} (model {llm.model})", markup=False, highlight=False)
    if progress_enabled(ctx):
        with Progress(
            TextColumn("extract"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err.unwrap(),
            transient=True,
        ) as bar:
            task = bar.add_task("extract", total=None)
            res = extract_stage.extract_week(
                settings,
                week,
                llm=llm,
                force=force,
                concurrency=concurrency,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    else:
        res = extract_stage.extract_week(settings, week, llm=llm, force=force, concurrency=concurrency)
    out.print(
        f"{week}: {res.selected} relevant papers ({res.skipped} below the relevance threshold): "
        f"{res.extracted} extracted, {res.cached} cached, {res.failed} failed; {res.calls} LLM calls, "
        f"{res.prompt_tokens} prompt + {res.completion_tokens} completion tokens (run {res.run_id})",
        markup=False,
        highlight=False,
    )
    if res.failures:
        raise StageFailures(
            f"{res.failed} extraction(s) failed: "
            + "; ".join(str(f) for f in res.failures[:5])
            + (" ..." if len(res.failures) > 5 else ""),
            res.failures,
        )
