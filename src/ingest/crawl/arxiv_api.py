"""The live arXiv API: a week -> its recsys PaperRecords, through the `arxiv` package (imported only by
a live crawl: snapshot crawls and other commands never load arxiv and requests).

`fetch_week(settings, week)` collects every page of the week's query first (`build_query`: everything
in cs.IR plus recommendation vocabulary in cs.LG/AI/CL/CV/MM/SI/stat.ML, submitted inside
`weeks.query_window(week)`, GMT), keeps the records whose submission falls in the week, and returns
them with how many were outside it and the records rejected (impossible id or date).
`ArxivClient` is polite: `settings.arxiv_delay_seconds` between requests (default 3 s per arXiv's API
terms of use), explicit timeouts, our User-Agent, backoff on 429/5xx, timeouts, malformed and empty
pages. Read-only; failure: FetchError once retries are exhausted or would pass
`settings.arxiv_give_up_seconds` (naming how long it tried and the query URL), or at once for an
HTTP status that is not retryable.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Any

import arxiv
import requests
from lxml import etree

from ingest import weeks
from ingest.config import Settings
from ingest.errors import FetchError
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
