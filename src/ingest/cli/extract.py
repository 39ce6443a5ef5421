"""`ingest extract --week W | --since D --until D [--batch [--wait]]`: verified extractions, synchronously
or through the provider's Batch API."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple

import click

from ingest.cli.app import app, out, progress_enabled, state, writing
from ingest.errors import InputError, NotFoundError, StageFailures, listed

if TYPE_CHECKING:
    from ingest.config import Settings
    from ingest.extract.batch import BatchRun


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InputError(f"{option} {value!r}: expected a date YYYY-MM-DD") from None


class Scope(NamedTuple):
    """What to extract: a week, or the papers announced from `since` to `until`."""

    week: str | None
    since: date | None
    until: date | None

    @property
    def label(self) -> str:
        return self.week or f"{self.since}..{self.until}"


def _scope(week: str | None, since: str | None, until: str | None) -> Scope:
    from ingest.weeks import normalize_week

    if week and (since or until):
        raise InputError("use either --week or --since/--until, not both")
    if week:
        return Scope(normalize_week(week), None, None)
    first, last = _day(since, "--since"), _day(until, "--until")
    if first is None or last is None:
        raise InputError("give --week YYYY-Www, or --since and --until dates")
    if first > last:
        raise InputError(f"--since {first} is after --until {last}")
    return Scope(None, first, last)


@app.command("extract")
@click.option("--week", help="ISO week whose crawled papers to extract, e.g. 2026-W16.")
@click.option("--since", help="Backfill: papers announced on or after this date, YYYY-MM-DD (with --until).")
@click.option("--until", help="Backfill: papers announced on or before this date, YYYY-MM-DD (with --since).")
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
@click.option(
    "--batch", "use_batch", is_flag=True, help="Send the papers as Batch API jobs (about half the price)."
)
@click.option(
    "--wait", is_flag=True, help="With --batch: poll until every batch ended and store the answers."
)
@click.pass_context
def extract(
    ctx: click.Context,
    week: str | None,
    since: str | None,
    until: str | None,
    backend: str | None,
    force: bool,
    concurrency: int | None,
    use_batch: bool,
    wait: bool,
) -> None:
    """Extract structured, source-grounded facts from the relevant papers of a week or a date range.

    Cached per (prompt, model, paper text): a re-run makes no LLM calls unless --force. Holds the
    database lock on SQLite; on PostgreSQL several processes may run the same command: they share the
    papers (each paper is claimed by one). With --batch the requests go to the provider's Batch API;
    answers are stored by `ingest batch collect` (or right away with --wait, or by the next
    `ingest extract --batch`).
    """
    from ingest.db.store import week_paper_count
    from ingest.llm import make_llm

    if wait and not use_batch:
        raise InputError("--wait goes with --batch")
    scope = _scope(week, since, until)
    settings = state(ctx).settings(backend=backend)
    llm = make_llm(settings)
    if use_batch:
        from ingest.llm.batch_api import BatchAPI

        BatchAPI(llm)  # ConfigError at once when the backend has no Batch API
    with writing(settings, "extract") as engine:
        if scope.week is not None and week_paper_count(engine, scope.week) == 0:
            raise NotFoundError(
                f"no papers stored for {scope.week}: crawl the week first "
                f"(ingest crawl --week {scope.week} [--source FILE])"
            )
        out.print(f"backend: {llm.backend} (model {llm.model})", markup=False, highlight=False)
        if use_batch:
            _batch(settings, engine, llm, scope, force, wait)
        else:
            _sync(ctx, settings, engine, llm, scope, force, concurrency)


def _sync(
    ctx: click.Context,
    settings: Settings,
    engine: Any,
    llm: Any,
    scope: Scope,
    force: bool,
    concurrency: int | None,
) -> None:
    from ingest.cli.progress import stage_events
    from ingest.extract import stage as extract_stage

    options: dict[str, Any] = dict(
        since=scope.since, until=scope.until, llm=llm, engine=engine, force=force, concurrency=concurrency
    )
    with stage_events("extract", enabled=progress_enabled(ctx), week=scope.label) as (events, counts):
        res = extract_stage.extract_week(settings, scope.week, progress=events.bar("extract"), **options)
        counts.update(res.counts())
    others = f", {res.elsewhere} by other workers" if res.elsewhere else ""
    batched = f", {res.in_batch} waiting in Batch API jobs" if res.in_batch else ""
    out.print(
        f"{scope.label}: {res.selected} relevant papers ({res.skipped} below the relevance threshold): "
        f"{res.extracted} extracted, {res.cached} cached, {res.failed} failed{others}{batched}; "
        f"{res.calls} LLM calls, {res.prompt_tokens} prompt + {res.completion_tokens} completion tokens "
        f"(run {res.run_id})",
        markup=False,
        highlight=False,
    )
    raise_failures(res.failed, res.failures)


def _batch(
    settings: Settings,
    engine: Any,
    llm: Any,
    scope: Scope,
    force: bool,
    wait: bool,
) -> None:
    from ingest.extract import collect
    from ingest.extract import stage as extract_stage

    res, run_id = collect.extract_batch(
        settings,
        engine,
        llm,
        lambda: extract_stage.selected_jobs(settings, engine, llm.model, *scope),
        week=scope.week,
        force=force,
        wait_until_done=wait,
    )
    print_batch_run(scope.label, res, run_id)
    raise_failures(res.stored_failed, res.failures)


def print_batch_run(label: str, res: BatchRun, run_id: int) -> None:
    """The one summary line of a batch submit/collect pass (also `ingest batch collect`)."""
    sent = (
        f"{res.requests} requests in {len(res.submitted)} new batch(es) {res.submitted}"
        if res.submitted
        else ("no new batch")
    )
    out.print(
        f"{label}: {sent}, {res.cached} cached, {res.busy} already claimed; collected {len(res.collected)} "
        f"batch(es): {res.stored_ok} extracted, {res.stored_failed} failed, {res.unprocessed} not run "
        f"(sent again next time); {res.open} batch(es) still open (run {run_id})",
        markup=False,
        highlight=False,
    )


def raise_failures(failed: int, failures: list[Any]) -> None:
    if failures:
        raise StageFailures(f"{failed} extraction(s) failed: {listed(failures, 5)}", failures)
