"""HTML enricher against saved LaTeXML pages served on 127.0.0.1: affiliations, cache, 404s, politeness."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from conftest import FIXTURES, week_file
from ingest.config import Settings
from ingest.crawl import enrich, paper_rows
from ingest.crawl import stage as crawl
from ingest.db import engine as db
from ingest.db import store
from ingest.db.models import Paper

PAGES = FIXTURES / "html"
GENREC, DSAIN, AUTHGR, NO_HTML = "2604.14878", "2604.12298", "2604.13468", "2604.08549"


@dataclass
class PageServer:
    """Serves tests/fixtures/html/<name>.html at /html/<name>; logs (path, monotonic time) per request."""

    hits: list[tuple[str, float]] = field(default_factory=list)
    fail: set[str] = field(default_factory=set)
    port: int = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/html/"

    def paths(self) -> list[str]:
        return [path for path, _ in self.hits]


@pytest.fixture
def pages() -> Iterator[PageServer]:
    state = PageServer()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args: Any) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - stdlib name
            name = self.path.removeprefix("/html/")
            state.hits.append((name, time.monotonic()))
            page = PAGES / f"{name}.html"
            status = 503 if name in state.fail else 200 if page.is_file() else 404
            data = page.read_bytes() if status == 200 else b"not found"
            self.send_response(status)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def enriching(settings: Settings, pages: PageServer) -> Settings:
    return settings.model_copy(update={"enrich_html": True, "html_base_url": pages.base_url})


def crawled(settings: Settings) -> Any:
    engine = db.open_engine(settings)
    crawl.crawl_week(settings, "2026-W16", source=week_file("2026-W16"), engine=engine)
    return engine


def paper(engine: Any, arxiv_id: str) -> Paper:
    with db.session_scope(engine) as session:
        return session.execute(select(Paper).where(Paper.arxiv_id == arxiv_id)).scalars().one()


def test_parse_page_reads_the_three_affiliation_layouts() -> None:
    acm = enrich.parse_page((PAGES / f"{GENREC}v1.html").read_text())
    assert acm.authors == ["Yanyan Zou", "Junbo Qi", "Lunsong Huang", "Shengjie Li"]
    assert acm.affiliations == ["JD.com, Beijing, China", "Peking University, Beijing, China"]
    llncs = enrich.parse_page((PAGES / f"{DSAIN}v1.html").read_text())
    assert llncs.authors == ["Yimin Lv", "Shuli Wang", "Beihong Jin", "Xingxing Wang"]
    assert llncs.affiliations == [
        "Institute of Software, Chinese Academy of Sciences, Beijing, China",
        "University of Chinese Academy of Sciences, Beijing, China",
        "Meituan, Beijing, China",
    ]
    plain = enrich.parse_page((PAGES / f"{AUTHGR}v1.html").read_text())
    assert plain.affiliations == [
        "Sungkyunkwan University, Suwon, Republic of Korea",
        "NAVER Corporation, Seongnam, Republic of Korea",
    ]


def test_parse_page_keeps_abstract_and_experiment_sections_only() -> None:
    text = enrich.parse_page((PAGES / f"{GENREC}v1.html").read_text()).text
    assert text.startswith("Affiliations: JD.com, Beijing, China; Peking University, Beijing, China\n\n")
    assert "9.5% improvement in click count" in text
    assert "5. Online Experiments\nGenRec serves the homepage feed" in text
    assert "s_{1},\\dots,s_{L}" in text
    assert "not part of the snippet" not in text
    assert "Acknowledgements.\nThis work was supported by the Meituan food delivery team." in (
        enrich.parse_page((PAGES / f"{DSAIN}v1.html").read_text()).text
    )


def test_enrich_writes_affiliations_fulltext_and_a_new_content_hash(
    enriching: Settings, pages: PageServer
) -> None:
    engine = crawled(enriching)
    before = paper(engine, GENREC)
    assert before.affiliations == [] and before.fulltext is None
    result = enrich.enrich_papers(enriching, [GENREC, DSAIN, AUTHGR], engine=engine)
    assert (result.selected, result.fetched, result.cached) == (3, 3, 0)
    assert sorted(result.updated) == sorted([GENREC, DSAIN, AUTHGR]) and not result.failed
    after = paper(engine, GENREC)
    assert after.affiliations == ["JD.com, Beijing, China", "Peking University, Beijing, China"]
    assert after.fulltext is not None and "GenRec serves the homepage feed" in after.fulltext
    assert after.enriched_at is not None
    expected = paper_rows.content_hash(after.title, after.abstract, after.comment, after.fulltext)
    assert after.content_hash == expected
    assert after.content_hash != before.content_hash
    assert sorted(pages.paths()) == sorted(f"{i}v1" for i in (GENREC, DSAIN, AUTHGR))


def test_second_pass_hits_the_cache_and_changes_nothing(enriching: Settings, pages: PageServer) -> None:
    engine = crawled(enriching)
    enrich.enrich_papers(enriching, [GENREC, NO_HTML], engine=engine)
    hashed, stamped = paper(engine, GENREC).content_hash, paper(engine, GENREC).enriched_at
    again = enrich.enrich_papers(enriching, [GENREC, NO_HTML], engine=engine)
    assert (again.fetched, again.cached, again.updated, again.missing) == (0, 2, [], [NO_HTML])
    assert len(pages.hits) == 2
    assert (paper(engine, GENREC).content_hash, paper(engine, GENREC).enriched_at) == (hashed, stamped)
    assert (Path(enriching.cache_dir) / "html" / f"{GENREC}v1.html").is_file()


def test_missing_html_and_server_errors_do_not_fail_the_batch(enriching: Settings, pages: PageServer) -> None:
    engine = crawled(enriching)
    pages.fail.add(f"{DSAIN}v1")
    result = enrich.enrich_papers(enriching, [NO_HTML, DSAIN, GENREC], engine=engine)
    assert result.missing == [NO_HTML] and result.updated == [GENREC]
    assert list(result.failed) == [DSAIN] and result.failed[DSAIN].startswith("HTTP 503 for http://127.0.0.1")
    assert paper(engine, NO_HTML).enriched_at is None and paper(engine, DSAIN).fulltext is None
    pages.fail.clear()
    retry = enrich.enrich_papers(enriching, [NO_HTML, DSAIN, GENREC], engine=engine)
    assert retry.updated == [DSAIN] and retry.fetched == 1 and not retry.failed
    assert paper(engine, DSAIN).affiliations[-1] == "Meituan, Beijing, China"


def test_week_selection_takes_only_relevant_papers(enriching: Settings, pages: PageServer) -> None:
    engine = crawled(enriching)
    with db.session_scope(engine) as session:
        papers = store.papers_for_week(session, "2026-W16")
    relevant = sorted(p.arxiv_id for p in papers if p.relevance >= enriching.relevance_threshold)
    assert 0 < len(relevant) < len(papers) and GENREC in relevant
    result = enrich.enrich_papers(enriching, "2026-W16", engine=engine)
    assert result.selected == len(relevant)
    assert sorted(pages.paths()) == sorted(f"{i}v1" for i in relevant)
    assert sorted(result.missing) == sorted(set(relevant) - {GENREC, DSAIN, AUTHGR})


def test_polite_delay_spaces_requests(enriching: Settings, pages: PageServer) -> None:
    engine = crawled(enriching)
    polite = enriching.model_copy(update={"arxiv_delay_seconds": 0.3})
    enrich.enrich_papers(polite, [GENREC, DSAIN, AUTHGR], engine=engine)
    times = [t for _, t in pages.hits]
    assert len(times) == 3 and min(b - a for a, b in zip(times, times[1:], strict=False)) >= 0.3


def test_off_by_default_makes_no_request(settings: Settings, pages: PageServer) -> None:
    engine = crawled(settings)
    off = settings.model_copy(update={"html_base_url": pages.base_url})
    result = enrich.enrich_papers(off, [GENREC], engine=engine)
    assert result.skipped and result.selected == 0 and pages.hits == []
    assert paper(engine, GENREC).fulltext is None
