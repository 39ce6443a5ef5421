"""`ingest run`: the whole weekly job for one week (crawl -> extract -> report), then where the report is."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from ingest.cli.app import app, out, progress_enabled, state, terminating

if TYPE_CHECKING:
    from ingest.pipeline import RunSummary


def _print_summary(s: RunSummary) -> None:
    c = s.counts
    stages = ", ".join(f"{k} {v.get('seconds', 0):.1f}s" for k, v in s.stages.items())
    out.print(f"run {s.run_id} {s.week}: {s.status} ({stages})", highlight=False)
    papers = ", ".join(
        f"{c.get(k, 0)} {label}"
        for k, label in (
            ("crawled", "crawled"),
            ("new", "new"),
            ("relevant", "past the relevance pre-score"),
            ("extracted", "extracted"),
            ("cached", "cached"),
            ("failed", "failed"),
        )
    )
    out.print(f"papers: {papers}", highlight=False)
    if "in_scope" in c:
        out.print(
            f"report counts: {c['in_scope']} in scope, {c.get('industrial', 0)} industrial, "
            f"{c.get('online_ab', 0)} with online A/B results, {c.get('deep_dives', 0)} deep dives, "
            f"{c.get('digest', 0)} in the digest",
            highlight=False,
        )
    out.print(
        f"llm: {c.get('llm_calls', 0)} calls, {s.prompt_tokens} prompt + {s.completion_tokens} "
        f"completion tokens, est. ${s.cost_usd:.4f}",
        highlight=False,
    )
    if "publish" in s.stages:
        parts = []
        if "site_files_changed" in c:
            parts.append(f"site ({c['site_files_changed']} files changed)")
        if "notion_pages" in c:
            parts.append(f"notion ({c['notion_pages']} pages created or updated)")
        out.print(f"published: {', '.join(parts) or 'failed'} (see ingest status)", highlight=False)
    if s.report_path is not None:
        out.print(f"report ({s.report_status}): {s.report_path}", highlight=False)


@app.command("run")
@click.option("--week", default=None, help="ISO week, e.g. 2026-W16 (default: the last complete week).")
@click.option(
    "--source",
    type=click.Path(path_type=Path),
    default=None,
    help="Read papers from this JSONL snapshot instead of the arXiv API.",
)
@click.option(
    "--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True, help="Report language."
)
@click.option(
    "--backend",
    type=click.Choice(["offline", "openai"]),
    default=None,
    help="LLM backend (default: openai when a key or base URL is configured, else offline).",
)
@click.pass_context
def run_command(
    ctx: click.Context, week: str | None, source: Path | None, lang: str, backend: str | None
) -> None:
    """Run crawl -> extract -> report for a week under the database lock; prints where the report is.

    Idempotent and resumable: finished papers are skipped, so re-running costs no LLM calls.
    Exits non-zero naming what failed (the report of what succeeded is still written). SIGTERM
    stops it cleanly: the run is recorded as failed and the lock released.
    """
    from ingest.cli.progress import StageProgress
    from ingest.pipeline import run_week

    settings = state(ctx).settings(backend=backend)
    with terminating():
        summary = run_week(
            settings, week, source=source, lang=lang, progress=StageProgress(enabled=progress_enabled(ctx))
        )
    _print_summary(summary)
    summary.raise_for_failures()
