"""`ingest extract --week W [--backend openai|offline] [--force] [--concurrency N]`: grounded extractions."""

from __future__ import annotations

import click

from ingest.cli.app import app, out, progress_enabled, state, writing
from ingest.errors import NotFoundError, StageFailures, listed


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

    Cached per (prompt, model, paper text): a re-run makes no LLM calls unless --force. Holds the
    database lock (on PostgreSQL several extract workers may share a week).
    """
    from ingest.cli.progress import stage_events
    from ingest.db.store import week_paper_count
    from ingest.extract import stage as extract_stage
    from ingest.llm import make_llm
    from ingest.weeks import normalize_week

    week = normalize_week(week)
    settings = state(ctx).settings(backend=backend)
    llm = make_llm(settings)
    with writing(settings, "extract") as engine:
        if week_paper_count(engine, week) == 0:
            raise NotFoundError(
                f"no papers stored for {week}: crawl the week first "
                f"(ingest crawl --week {week} [--source FILE])"
            )
        out.print(f"backend: {llm.backend} (model {llm.model})", markup=False, highlight=False)
        with stage_events("extract", enabled=progress_enabled(ctx), week=week) as (events, counts):
            res = extract_stage.extract_week(
                settings,
                week,
                llm=llm,
                engine=engine,
                force=force,
                concurrency=concurrency,
                progress=events.bar("extract"),
            )
            counts.update(res.counts())
    out.print(
        f"{week}: {res.selected} relevant papers ({res.skipped} below the relevance threshold): "
        f"{res.extracted} extracted, {res.cached} cached, {res.failed} failed; {res.calls} LLM calls, "
        f"{res.prompt_tokens} prompt + {res.completion_tokens} completion tokens (run {res.run_id})",
        markup=False,
        highlight=False,
    )
    if res.failures:
        raise StageFailures(f"{res.failed} extraction(s) failed: {listed(res.failures, 5)}", res.failures)
