"""Crawl stage: a week (live arXiv API, or a snapshot file) -> stored paper rows + a Run row.

Sources, both normalised into `PaperRecord`:
- live: `arxiv_api.fetch_week` (the `arxiv` package through a polite `ArxivClient`: delay between
  requests, timeouts, backoff; imported only when a crawl is live). Each paper is assigned exactly
  by `weeks.week_of_submission(published)` and only the requested week is kept.
- snapshot: `snapshot.read_snapshot` (JSON Lines in the data/arxiv schema, or Atom XML). Records
  get their own week (listing_date, else published); every record in the file is stored.
Idempotency key: the base arXiv id (see store.upsert_papers); re-crawling a week adds 0 papers.
Storing goes through `load.store_load`: one transaction and one near-duplicate pass per crawl call
(a week, or a whole `crawl_range` backfill), with the bulk FTS path for large loads.
Failure: a live fetch that still fails after retries raises FetchError and stores nothing (all
pages are collected before one storing transaction; a failed Run row is recorded). Retries stop
once `settings.arxiv_give_up_seconds` would be exceeded (the error says how long it tried and the
query URL, once). Bad snapshot lines are reported in `CrawlResult.errors` ("line 7: ...") while the
other lines are stored; fields cut to records.FIELD_LIMITS are listed in `CrawlResult.notes`. A
snapshot with no record of the requested week raises InputError naming the weeks it holds and the
command to type (`check_source_week`). A live backfill fetches every week first; when one fails,
the weeks fetched before it are stored.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

from sqlalchemy.engine import Engine

from ingest import weeks
from ingest.config import Settings
from ingest.crawl.load import Batch, CrawlResult, store_load
from ingest.crawl.snapshot import read_snapshot
from ingest.db import engine as db
from ingest.db import runlog
from ingest.errors import FetchError, InputError
from ingest.records import PaperRecord


def assign_week(rec: PaperRecord, fallback: str | None) -> str:
    """A record's announcement week: listing_date, else published, else `fallback`."""
    if rec.listing_date is not None:
        return weeks.week_of_date(rec.listing_date)
    if rec.published is not None:
        return weeks.week_of_submission(rec.published)
    if fallback:
        return fallback
    raise ValueError(f"{rec.arxiv_id}: no listing_date or published date to assign a week")


def _assign_all(records: list[PaperRecord], fallback: str | None, errors: list[str]) -> list[PaperRecord]:
    kept = []
    for rec in records:
        try:
            rec.week = assign_week(rec, fallback)
            kept.append(rec)
        except ValueError as exc:
            errors.append(str(exc))
    return kept


def store_records(
    engine: Engine,
    week: str | None,
    records: list[PaperRecord],
    result: CrawlResult,
    run_id: int | None,
    *,
    bulk: bool | None = None,
) -> CrawlResult:
    """One transaction: upsert, near-duplicate links, Run row (unless the caller owns `run_id`).
    A load of one batch; see `load.store_load` (bulk=None: bulk path for large batches)."""
    return store_load(engine, [Batch(week, records, result, run_id)], bulk=bulk)[0]


def week_mismatch(source: Path | str, week: str, held: Counter[str], command: str, defaulted: bool) -> str:
    """The message for a snapshot without records of `week`: the weeks it holds and what to type."""
    shown = ", ".join(f"{w} ({n} records)" for w, n in sorted(held.items())[:6])
    more = f" and {len(held) - 6} more weeks" if len(held) > 6 else ""
    best = held.most_common(1)[0][0]
    why = " (the default: the last complete week)" if defaulted else ""
    return (
        f"{source} holds no papers of {week}{why}; it holds {shown}{more}. "
        f"Type: ingest {command} --week {best} --source {source}"
    )


def check_source_week(source: Path, week: str, *, command: str = "crawl", defaulted: bool = False) -> None:
    """InputError when the snapshot `source` holds no record of `week` (see week_mismatch);
    SourceFileError when it cannot be read or is empty."""
    records, errors = read_snapshot(Path(source))
    records = _assign_all(records, week, errors)
    held = Counter(r.week for r in records if r.week)
    if held and week not in held:
        raise InputError(week_mismatch(source, week, held, command, defaulted))


def _record_failure(engine: Engine, week: str, error: str) -> None:
    with db.session_scope(engine) as session:
        run = runlog.open_run(session, "crawl", week)
        runlog.close_run(session, run, status="failed", counts={}, error=error)


def crawl_week(
    settings: Settings,
    week: str,
    *,
    source: Path | None = None,
    engine: Engine | None = None,
    run_id: int | None = None,
) -> CrawlResult:
    """Crawl one week from `source` (snapshot file) or the live API and store it. See module doc."""
    week = weeks.normalize_week(week)
    if source is not None:
        records, errors = read_snapshot(Path(source))
        result = CrawlResult(week=week, source=str(source), fetched=len(records) + len(errors), errors=errors)
        records = _assign_all(records, week, result.errors)
        held = Counter(r.week for r in records if r.week)
        if held and week not in held:
            raise InputError(week_mismatch(source, week, held, "crawl", defaulted=False))
        result.notes = [note for rec in records for note in rec.notes]
        return store_records(engine or db.open_engine(settings), week, records, result, run_id)
    from ingest.crawl.arxiv_api import fetch_week

    engine = engine or db.open_engine(settings)
    try:
        records, outside, rejected = fetch_week(settings, week)
    except FetchError as exc:
        if run_id is None:
            _record_failure(engine, week, str(exc))
        raise
    result = CrawlResult(
        week=week,
        source="arxiv",
        fetched=len(records) + outside + len(rejected),
        skipped=outside,
        errors=rejected,
        notes=[note for rec in records for note in rec.notes],
    )
    return store_records(engine, week, records, result, run_id)


def _in_range(rec: PaperRecord, since: date, until: date) -> bool:
    day = rec.listing_date or (weeks.announcement_date(rec.published) if rec.published else None)
    return day is not None and since <= day <= until


def crawl_range(
    settings: Settings, since: date, until: date, *, source: Path | None = None, engine: Engine | None = None
) -> list[CrawlResult]:
    """Backfill: every week whose announcement days meet [since, until], one CrawlResult per week."""
    if since > until:
        raise InputError(f"--since {since} is after --until {until}")
    engine = engine or db.open_engine(settings)
    week_list = weeks.weeks_in_range(since, until)
    if source is None:
        return _crawl_live_range(settings, engine, week_list)
    records, errors = read_snapshot(Path(source))
    records = _assign_all(records, None, errors)
    selected = [r for r in records if _in_range(r, since, until)]
    notes = [note for rec in selected for note in rec.notes]
    by_week: dict[str, list[PaperRecord]] = {}
    for rec in selected:
        by_week.setdefault(rec.week or "", []).append(rec)
    batches = []
    for i, week in enumerate(week_list):
        batch = by_week.get(week, [])
        result = CrawlResult(
            week=week,
            source=str(source),
            fetched=len(batch),
            errors=errors if i == 0 else [],
            skipped=len(records) - len(selected) if i == 0 else 0,
            notes=notes if i == 0 else [],
        )
        batches.append(Batch(week, batch, result))
    return store_load(engine, batches)  # one transaction, one dedup pass; bulk path from load.BULK_MIN


def _crawl_live_range(settings: Settings, engine: Engine, week_list: list[str]) -> list[CrawlResult]:
    """Fetch every week first, then store them as one load; when a week's fetch fails, the weeks
    fetched before it are stored (one load), the failure is recorded and FetchError raised."""
    from ingest.crawl.arxiv_api import fetch_week

    batches: list[Batch] = []
    for week in week_list:
        try:
            records, outside, rejected = fetch_week(settings, week)
        except FetchError as exc:
            if batches:
                store_load(engine, batches)
            _record_failure(engine, week, str(exc))
            raise
        result = CrawlResult(
            week=week,
            source="arxiv",
            fetched=len(records) + outside + len(rejected),
            skipped=outside,
            errors=rejected,
            notes=[note for rec in records for note in rec.notes],
        )
        batches.append(Batch(week, records, result))
    return store_load(engine, batches)
