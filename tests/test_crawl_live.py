"""Live source: the real `arxiv` package against a local Atom server on 127.0.0.1 (no internet)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import func, select

from conftest import FIXTURES, week_file
from fakearxiv import FakeArxiv
from ingest import weeks
from ingest.config import Settings
from ingest.crawl import stage as crawl
from ingest.db import engine as db
from ingest.db.models import Paper, Run
from ingest.errors import FetchError
from test_crawl import run_ingest

ATOM = FIXTURES / "atom"


class ArxivStub:
    """Serves page1/page2 by `start`; `faults` (start, status, body, delay) are served first, once each."""

    def __init__(self) -> None:
        self.pages = {0: (ATOM / "page1.xml").read_bytes(), 3: (ATOM / "page2.xml").read_bytes()}
        self.faults: list[tuple[int, int, bytes, float]] = []
        self.requests: list[dict] = []
        self.lock = threading.Lock()

    def answer(self, query: dict, agent: str) -> tuple[int, bytes, float]:
        start = int(query.get("start", ["0"])[0])
        with self.lock:
            self.requests.append({"start": start, "query": query, "agent": agent, "at": time.monotonic()})
            for i, fault in enumerate(self.faults):
                if fault[0] == start:
                    del self.faults[i]
                    return fault[1], fault[2], fault[3]
        return 200, self.pages.get(start, (ATOM / "empty.xml").read_bytes()), 0.0


@pytest.fixture
def stub() -> Iterator[tuple[ArxivStub, str]]:
    state = ArxivStub()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            status, body, delay = state.answer(
                parse_qs(urlparse(self.path).query), self.headers["User-Agent"]
            )
            time.sleep(delay)
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

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}/api/query?{{}}"
    server.shutdown()
    server.server_close()
    thread.join()


def live(settings: Settings, url: str, **overrides: object) -> Settings:
    values = {
        "arxiv_query_url": url,
        "arxiv_page_size": 3,
        "arxiv_delay_seconds": 0.0,
        "arxiv_backoff_seconds": 0.01,
        "arxiv_retries": 2,
        "arxiv_timeout": 2.0,
        **overrides,
    }
    return settings.model_copy(update=values)


def paper_count(engine) -> int:
    with db.session_scope(engine) as s:
        return s.execute(select(func.count()).select_from(Paper)).scalar_one()


def test_multi_page_fetch_keeps_exactly_the_week(settings, engine, stub):
    server, url = stub
    result = crawl.crawl_week(live(settings, url), "2026-W16", engine=engine)
    assert (result.fetched, result.new, result.skipped, result.errors) == (6, 5, 1, [])
    assert [r["start"] for r in server.requests] == [0, 3]
    assert {r["agent"] for r in server.requests} == {settings.user_agent}
    start, end = weeks.query_window("2026-W16")
    query = server.requests[0]["query"]["search_query"][0]
    assert f"submittedDate:[{start:%Y%m%d%H%M} TO {end:%Y%m%d%H%M}]" in query
    assert query.startswith("(cat:cs.IR OR ((cat:cs.LG") and "ti:recommend*" in query
    with db.session_scope(engine) as s:
        ids = s.execute(select(Paper.arxiv_id).order_by(Paper.arxiv_id)).scalars().all()
        run = s.execute(select(Run)).scalars().one()
    assert ids == ["2604.10471", "2604.11440", "2604.12110", "2604.12234", "2604.14878"]  # W15 FedUTR dropped
    assert (run.kind, run.status, run.counts["new"], run.counts["skipped"]) == ("crawl", "ok", 5, 1)


def test_live_and_snapshot_agree_on_identity(settings, engine, stub):
    _server, url = stub
    crawl.crawl_week(settings, "2026-W16", source=week_file("2026-W16"), engine=engine)
    result = crawl.crawl_week(live(settings, url), "2026-W16", engine=engine)
    assert (result.new, result.unchanged) == (0, 5)
    assert paper_count(engine) == 116


def test_503_then_success(settings, engine, stub):
    server, url = stub
    server.faults.append((0, 503, b"busy", 0.0))
    result = crawl.crawl_week(live(settings, url), "2026-W16", engine=engine)
    assert result.new == 5
    assert [r["start"] for r in server.requests] == [0, 0, 3]


def test_429_on_second_page_then_success(settings, engine, stub):
    server, url = stub
    server.faults.append((3, 429, b"slow down", 0.0))
    assert crawl.crawl_week(live(settings, url), "2026-W16", engine=engine).new == 5
    assert [r["start"] for r in server.requests] == [0, 3, 3]


@pytest.mark.parametrize("start", [0, 3])
def test_empty_page_then_success(settings, engine, stub, start):
    server, url = stub
    server.faults.append((start, 200, (ATOM / "empty.xml").read_bytes(), 0.0))
    result = crawl.crawl_week(live(settings, url), "2026-W16", engine=engine)
    assert result.new == 5
    assert len(server.requests) == 3


def test_malformed_feed_fails_cleanly_and_keeps_stored_papers(settings, engine, stub):
    server, url = stub
    crawl.crawl_week(settings, "2026-W16", source=week_file("2026-W16"), engine=engine)
    server.pages[3] = (ATOM / "malformed.xml").read_bytes()
    with pytest.raises(FetchError, match=r"after 3 attempt\(s\): malformed Atom feed"):
        crawl.crawl_week(live(settings, url), "2026-W17", engine=engine)
    assert paper_count(engine) == 116
    with db.session_scope(engine) as s:
        failed = s.execute(select(Run).where(Run.status == "failed")).scalars().one()
    assert failed.week == "2026-W17" and "malformed" in failed.error


def test_timeout_is_a_fetch_error_and_stores_nothing(settings, engine, stub):
    server, url = stub
    server.faults += [(0, 200, server.pages[0], 0.6), (0, 200, server.pages[0], 0.6)]
    with pytest.raises(FetchError, match=r"after 2 attempt\(s\): no response within 0.1s"):
        crawl.crawl_week(live(settings, url, arxiv_timeout=0.1, arxiv_retries=1), "2026-W16", engine=engine)
    assert [r["start"] for r in server.requests] == [0, 0]  # both attempts gave up before the answer
    assert paper_count(engine) == 0


def test_client_error_is_not_retried(settings, engine, stub):
    server, url = stub
    server.faults.append((0, 400, b"bad query", 0.0))
    with pytest.raises(FetchError, match="HTTP 400"):
        crawl.crawl_week(live(settings, url), "2026-W16", engine=engine)
    assert len(server.requests) == 1


def test_cli_live_failure_is_one_line(db_url, stub, monkeypatch):
    server, url = stub
    server.pages[0] = b"<html>maintenance</html>"
    for name, value in {
        "ARXIV_QUERY_URL": url,
        "ARXIV_DELAY_SECONDS": "0",
        "ARXIV_BACKOFF_SECONDS": "0.01",
        "ARXIV_RETRIES": "1",
        "ARXIV_PAGE_SIZE": "3",
    }.items():
        monkeypatch.setenv(f"INGEST_{name}", value)
    res = run_ingest(db_url, "crawl", "--week", "2026-W16")
    assert res.exit_code == 1
    assert len(res.stderr.strip().splitlines()) == 1
    assert res.stderr.startswith(
        "error: arXiv API fetch failed after 2 attempt(s): malformed Atom feed (http://127.0.0.1"
    )


def test_default_delay_spaces_requests_three_seconds_apart(settings, engine, stub):
    """arXiv's terms: no more than one request every three seconds. The default delay, measured on
    the server: its second page arrives at least 3 s after the first."""
    server, url = stub
    default = Settings().arxiv_delay_seconds
    assert default >= 3.0
    crawl.crawl_week(live(settings, url, arxiv_delay_seconds=default), "2026-W16", engine=engine)
    first, second = server.requests
    assert (first["start"], second["start"]) == (0, 3)
    assert second["at"] - first["at"] >= 3.0


def test_live_backfill_without_source_crawls_each_week_of_the_range(db_url, engine, monkeypatch):
    """`ingest crawl --since --until` without --source: one live query per announcement week, each
    week's real records stored under it (the fake arXiv server holds the bundled W10 and W12)."""
    with FakeArxiv.of_weeks("2026-W10", "2026-W12") as arxiv:
        monkeypatch.setenv("INGEST_ARXIV_QUERY_URL", arxiv.query_url)
        monkeypatch.setenv("INGEST_ARXIV_DELAY_SECONDS", "0")
        monkeypatch.setenv("INGEST_ARXIV_PAGE_SIZE", "50")
        res = run_ingest(db_url, "crawl", "--since", "2026-03-02", "--until", "2026-03-20")
        windows = {r.window for r in arxiv.requests}
    assert res.exit_code == 0, res.stderr
    assert windows == {weeks.query_window(w) for w in ("2026-W10", "2026-W11", "2026-W12")}
    for week, n in (("2026-W10", 112), ("2026-W11", 0), ("2026-W12", 102)):
        assert f"{week}: {n} new" in res.stdout
    with db.session_scope(engine) as s:
        stored = dict(s.execute(select(Paper.week, func.count()).group_by(Paper.week)).all())
        crawls = s.execute(select(Run.week, Run.status).where(Run.kind == "crawl")).all()
    assert stored == {"2026-W10": 112, "2026-W12": 102}
    assert sorted(crawls) == [("2026-W10", "ok"), ("2026-W11", "ok"), ("2026-W12", "ok")]
