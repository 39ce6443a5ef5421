"""A fake arXiv API for live crawls in tests: GET /api/query?search_query=...&start=&max_results= -> Atom.

Stdlib `ThreadingHTTPServer` in a daemon thread on 127.0.0.1 (free port); use as a context manager and
point `arxiv_query_url` at `fake.query_url`:

    with FakeArxiv.of_weeks("2026-W12", "2026-W16") as fake:      # the bundled real records
        settings = settings.model_copy(update={"arxiv_query_url": fake.query_url, ...})

What it answers, like arXiv: the records whose submission time lies inside the query's
`submittedDate:[YYYYMMDDHHMM TO YYYYMMDDHHMM]` window (GMT), oldest first, one page per request
(`start`, `max_results`), with opensearch totals. Two ways to fill it:
- `FakeArxiv.of_weeks(*weeks)` (or `FakeArxiv(records)`): real records of data/arxiv, each submitted
  on its listing date at 09:30 US/Eastern (announced that same day, as tests/fixtures/atom does);
- `FakeArxiv.any_week(records, per_week)`: every window asked for gets the next `per_week` records,
  re-dated into that window (announced on its Tuesday), so a crawl of any week (today's last
  complete week, say) finds papers; a window asked for again gets the same records.
Text fields are the records' own, XML-escaped. `requests` logs every request (start, max_results,
window, User-Agent, time.monotonic()); `fail(status, times)` answers the next requests with an
HTTP error; `hold_from(n)` makes the n-th request (1-based) and every later one wait, unanswered,
until `release()` (they then get a 503), and returns an Event set when the n-th arrives (a test
kills its client there).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse
from xml.sax.saxutils import escape, quoteattr
from zoneinfo import ZoneInfo

DATA = Path(__file__).resolve().parents[1] / "data" / "arxiv"
ET = ZoneInfo("America/New_York")
WINDOW = re.compile(r"submittedDate:\[(\d{12}) TO (\d{12})\]")


@dataclass
class ArxivRequest:
    start: int
    max_results: int
    window: tuple[datetime, datetime] | None
    agent: str
    received_at: float


def listing_time(record: dict[str, Any]) -> datetime:
    """A bundled record's submission time: its listing date at 09:30 US/Eastern, in UTC."""
    day = datetime.fromisoformat(record["listing_date"]).date()
    return datetime.combine(day, clock(9, 30), tzinfo=ET).astimezone(UTC)


def bundled(week: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (DATA / f"{week}.jsonl").read_text().splitlines() if line.strip()]


def entry(record: dict[str, Any], published: datetime) -> str:
    stamp = published.strftime("%Y-%m-%dT%H:%M:%SZ")
    cats = record.get("categories") or ["cs.IR"]
    parts = [
        "  <entry>",
        f"    <id>http://arxiv.org/abs/{record['id']}v{record.get('version') or 1}</id>",
        f"    <updated>{stamp}</updated>",
        f"    <published>{stamp}</published>",
        f"    <title>{escape(record['title'])}</title>",
        f"    <summary>{escape(record.get('abstract') or '')}</summary>",
        *[f"    <author><name>{escape(a)}</name></author>" for a in record.get("authors") or []],
    ]
    if record.get("comment"):
        parts.append(f"    <arxiv:comment>{escape(record['comment'])}</arxiv:comment>")
    parts += [
        f'    <link href="http://arxiv.org/abs/{record["id"]}v1" rel="alternate" type="text/html"/>',
        f'    <arxiv:primary_category term={quoteattr(cats[0])} scheme="http://arxiv.org/schemas/atom"/>',
        *[f'    <category term={quoteattr(c)} scheme="http://arxiv.org/schemas/atom"/>' for c in cats],
        "  </entry>",
    ]
    return "\n".join(parts)


def feed(entries: list[str], total: int, start: int, per_page: int) -> bytes:
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/"'
        ' xmlns:arxiv="http://arxiv.org/schemas/atom">\n'
        "  <id>https://arxiv.org/api/fake</id>\n  <title>arXiv Query: fake</title>\n"
        "  <updated>2026-01-01T00:00:00Z</updated>\n"
        f"  <opensearch:itemsPerPage>{per_page}</opensearch:itemsPerPage>\n"
        f"  <opensearch:totalResults>{total}</opensearch:totalResults>\n"
        f"  <opensearch:startIndex>{start}</opensearch:startIndex>\n"
    )
    return (head + "".join(e + "\n" for e in entries) + "</feed>\n").encode()


def _gmt(text: str) -> datetime:
    return datetime.strptime(text, "%Y%m%d%H%M").replace(tzinfo=UTC)


class FakeArxiv:
    """The server; `query_url` is the `arxiv_query_url` setting that points a crawl at it."""

    def __init__(self, records: Iterable[dict[str, Any]] = (), *, per_week: int | None = None) -> None:
        self.records = list(records)
        self.per_week = per_week  # None: records at their own listing time; else re-dated per window
        self.windows: dict[tuple[datetime, datetime], list[tuple[dict[str, Any], datetime]]] = {}
        self.requests: list[ArxivRequest] = []
        self.failures: list[int] = []
        self.lock = threading.Lock()
        self._hold: tuple[int, threading.Event, threading.Event] | None = None
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @classmethod
    def of_weeks(cls, *weeks: str) -> FakeArxiv:
        return cls([r for week in weeks for r in bundled(week)])

    @classmethod
    def any_week(cls, records: Iterable[dict[str, Any]], per_week: int) -> FakeArxiv:
        return cls(records, per_week=per_week)

    # ---- lifecycle ----
    def __enter__(self) -> FakeArxiv:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release()
        assert self._server is not None and self._thread is not None
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    @property
    def query_url(self) -> str:
        assert self._server is not None, "use FakeArxiv as a context manager"
        return f"http://127.0.0.1:{self._server.server_address[1]}/api/query?{{}}"

    # ---- control ----
    def fail(self, status: int, times: int = 1) -> None:
        with self.lock:
            self.failures += [status] * times

    def hold_from(self, n: int) -> threading.Event:
        arrived = threading.Event()
        with self.lock:
            self._hold = (n, arrived, threading.Event())
        return arrived

    def release(self) -> None:
        with self.lock:
            hold, self._hold = self._hold, None
        if hold is not None:
            hold[2].set()

    @property
    def count(self) -> int:
        with self.lock:
            return len(self.requests)

    # ---- answers ----
    def matching(self, window: tuple[datetime, datetime] | None) -> list[tuple[dict[str, Any], datetime]]:
        """(record, submission time) of every record inside the window, oldest first."""
        if window is None:
            return []
        if self.per_week is None:
            dated = [(r, listing_time(r)) for r in self.records]
            inside = [(r, t) for r, t in dated if window[0] <= t <= window[1]]
            return sorted(inside, key=lambda pair: (pair[1], pair[0]["id"]))
        with self.lock:
            if window not in self.windows:
                taken = sum(len(v) for v in self.windows.values())
                chosen = self.records[taken : taken + self.per_week]
                tuesday = window[0] + (window[1] - window[0]) / 2  # Tue ~02:00 US/Eastern: announced Tue
                self.windows[window] = [(r, tuesday + timedelta(minutes=i)) for i, r in enumerate(chosen)]
            return list(self.windows[window])

    def answer(self, query: dict[str, list[str]], agent: str) -> tuple[int, bytes]:
        start = int(query.get("start", ["0"])[0])
        size = int(query.get("max_results", ["10"])[0])
        found = WINDOW.search(query.get("search_query", [""])[0])
        window = (_gmt(found.group(1)), _gmt(found.group(2))) if found else None
        with self.lock:
            self.requests.append(ArxivRequest(start, size, window, agent, time.monotonic()))
            number, hold = len(self.requests), self._hold
            status = self.failures.pop(0) if self.failures else 200
        if hold is not None and number >= hold[0]:
            if number == hold[0]:
                hold[1].set()
            hold[2].wait()
            return 503, b"held, then released"
        if status != 200:
            return status, f"fake arXiv error {status}".encode()
        records = self.matching(window)
        page = [entry(r, t) for r, t in records[start : start + size]]
        return 200, feed(page, len(records), start, size)


class _Handler(BaseHTTPRequestHandler):
    fake: FakeArxiv

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        status, body = self.fake.answer(parse_qs(urlparse(self.path).query), self.headers["User-Agent"])
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/atom+xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass

    def log_message(self, *args: object) -> None:
        pass
