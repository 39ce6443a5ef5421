"""Crawl stage: a week (live arXiv API, or a snapshot file) -> stored paper rows + a Run row.

Sources, both normalised into `PaperRecord`:
- live: the `arxiv` package through `ArxivClient` (polite: `settings.arxiv_delay_seconds` between
  requests, default 3 s per arXiv's API terms of use "no more than one request every three seconds";
  explicit timeouts; backoff on 429/503, timeouts, malformed and empty pages). Query: everything in
  cs.IR plus recommendation vocabulary in cs.LG/AI/CL/CV/MM/SI/stat.ML, submitted inside
  `weeks.query_window(week)` (GMT); each paper is then assigned exactly by
  `weeks.week_of_submission(published)` and only the requested week is kept.
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

import logging
import time
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import arxiv
import requests
from lxml import etree
from sqlalchemy.engine import Engine

from ingest import weeks
from ingest.config import Settings
from ingest.crawl.load import Batch, CrawlResult, store_load
from ingest.crawl.snapshot import read_snapshot
from ingest.db import engine as db
from ingest.db import runlog
from ingest.errors import FetchError, InputError
from ingest.records import PaperRecord, bound_record, check_record, split_id

log = logging.getLogger(__name__)

OTHER_CATEGORIES = ("cs.LG", "cs.AI", "cs.CL", "cs.CV", "cs.MM", "cs.SI", "stat.ML")
VOCABULARY = (
    "recommend*",
    "recommender",
    '"click-through"',
    '"click through rate"',
    '"CTR prediction"',
    '"collaborative filtering"',
    '"user modeling"',
    '"user modelling"',
    '"learning to rank"',
)
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


class TimeoutSession(requests.Session):
    """requests session with a timeout on every request and our User-Agent (the library sets none)."""

    def __init__(self, timeout: float, user_agent: str) -> None:
        super().__init__()
        self.timeout, self.user_agent = timeout, user_agent
        self.last_response: requests.Response | None = None

    def request(self, method: str, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)
        kwargs["headers"] = {**(kwargs.get("headers") or {}), "user-agent": self.user_agent}
        self.last_response = super().request(method, url, *args, **kwargs)
        return self.last_response


class ArxivClient(arxiv.Client):
    """arxiv.Client with our endpoint, timeouts, User-Agent and an outer retry loop with backoff."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(
            page_size=settings.arxiv_page_size, delay_seconds=settings.arxiv_delay_seconds, num_retries=0
        )
        self.query_url_format = settings.arxiv_query_url
        self._session = TimeoutSession(settings.arxiv_timeout, settings.user_agent)
        self.retries, self.backoff, self.timeout = (
            settings.arxiv_retries,
            settings.arxiv_backoff_seconds,
            settings.arxiv_timeout,
        )
        self.give_up = settings.arxiv_give_up_seconds

    def close(self) -> None:
        self._session.close()

    def _parse_feed(self, url: str, first_page: bool = True, _try_index: int = 0) -> Any:
        """One page, retried with backoff while the next attempt still fits in `give_up` seconds
        (a retry is skipped when waiting plus a request timeout would pass it)."""
        problem = "no attempt made"
        started = time.monotonic()
        attempts = 0
        for attempt in range(self.retries + 1):
            attempts += 1
            problem, feed = self._attempt(url, first_page, last=attempt == self.retries)
            if feed is not None:
                return feed
            if attempt == self.retries:
                break
            wait = self._wait_seconds(attempt)
            if time.monotonic() - started + wait + self.timeout > self.give_up:
                break
            log.warning(
                "arXiv %s; retrying in %.1fs (%d/%d, giving up after %gs)",
                problem,
                wait,
                attempt + 1,
                self.retries,
                self.give_up,
            )
            time.sleep(wait)
        elapsed = time.monotonic() - started
        raise FetchError(
            f"arXiv API fetch failed after {attempts} attempt(s): {problem} ({url}); tried for "
            f"{elapsed:.0f}s, retries stop within arxiv_give_up_seconds = {self.give_up:g}"
        )

    def _attempt(self, url: str, first_page: bool, *, last: bool) -> tuple[str, Any]:
        """(problem, None) for a retryable failure, ('', feed) on success; FetchError when not retryable."""
        try:
            feed = super()._parse_feed(url, first_page=first_page, _try_index=0)
        except arxiv.HTTPError as exc:
            if exc.status not in RETRY_STATUS:
                raise FetchError(f"arXiv API returned HTTP {exc.status} ({url})") from None
            return f"HTTP {exc.status}", None
        except arxiv.UnexpectedEmptyPageError:
            return "empty page", None
        except requests.Timeout:
            return f"no response within {self.timeout:g}s", None
        except requests.RequestException as exc:
            return f"connection failed ({type(exc).__name__})", None
        if not self._well_formed():
            return "malformed Atom feed", None
        if first_page and not feed.results and not last:
            return "empty first page", None  # arXiv sometimes answers 200 with an empty feed
        return "", feed

    def _well_formed(self) -> bool:
        response = self._session.last_response
        try:
            root = etree.fromstring(
                response.content if response is not None else b"",
                parser=etree.XMLParser(resolve_entities=False, no_network=True),
            )
        except etree.XMLSyntaxError:
            return False
        return root.tag == "{http://www.w3.org/2005/Atom}feed"

    def _wait_seconds(self, attempt: int) -> float:
        wait = self.backoff * (2**attempt)
        response = self._session.last_response
        retry_after = response.headers.get("Retry-After", "") if response is not None else ""
        return max(wait, float(retry_after)) if retry_after.isdigit() else wait


def build_query(week: str) -> str:
    """arXiv search_query for the recsys papers submitted in the week's (widened) window, GMT."""
    start, end = weeks.query_window(week)
    vocab = " OR ".join(f"{f}:{term}" for term in VOCABULARY for f in ("ti", "abs"))
    cats = " OR ".join(f"cat:{c}" for c in OTHER_CATEGORIES)
    window = f"submittedDate:[{start:%Y%m%d%H%M} TO {end:%Y%m%d%H%M}]"
    return f"(cat:cs.IR OR (({cats}) AND ({vocab}))) AND {window}"


def record_from_result(result: arxiv.Result) -> PaperRecord:
    arxiv_id, version = split_id(result.entry_id)
    affiliations = [a for author in result.authors for a in author.affiliation]
    return PaperRecord(
        arxiv_id=arxiv_id,
        version=version,
        title=result.title.strip(),
        abstract=result.summary.strip(),
        authors=[a.name for a in result.authors],
        affiliations=list(dict.fromkeys(affiliations)),
        categories=list(result.categories),
        primary_category=result.primary_category or None,
        published=result.published,
        updated=result.updated,
        comment=result.comment,
        journal_ref=result.journal_ref,
        doi=result.doi,
        source="arxiv",
    )


def _checked(records: list[PaperRecord], errors: list[str]) -> list[PaperRecord]:
    """Records whose id and dates are possible (others -> errors), cut to the field limits."""
    today = datetime.now(UTC).date()
    kept = []
    for rec in records:
        try:
            check_record(rec, today)
        except ValueError as exc:
            errors.append(str(exc))
            continue
        rec.notes[:] = [f"{rec.arxiv_id}: {note}" for note in bound_record(rec)]
        kept.append(rec)
    return kept


def fetch_week(settings: Settings, week: str) -> tuple[list[PaperRecord], int, list[str]]:
    """All records of `week` from the live API (collected fully first), how many were outside it, and
    the records rejected (impossible id or date) with their reason."""
    client = ArxivClient(settings)
    search = arxiv.Search(
        query=build_query(week),
        max_results=None,
        sort_by=arxiv.SortCriterion.SubmittedDate,
        sort_order=arxiv.SortOrder.Ascending,
    )
    try:
        records = [record_from_result(r) for r in client.results(search)]
    finally:
        client.close()
    errors: list[str] = []
    valid = _checked(records, errors)
    kept = [r for r in valid if r.published and weeks.week_of_submission(r.published) == week]
    for rec in kept:
        rec.week = week
    return kept, len(valid) - len(kept), errors


# ----------------------------------------------------------------------------------------- storing


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
