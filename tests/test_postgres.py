"""PostgreSQL by URL: migrations, crawl twice, the bulk path, search (ILIKE fallback) and the weekly run.

Runs only when INGEST_TEST_PG_URL names a PostgreSQL database the tests may WIPE (its public schema
is dropped and re-created), e.g. postgresql+psycopg://postgres@/ingest_test?host=/tmp/pg&port=55432,
and psycopg is installed (`pip install 'psycopg[binary]'`); skipped otherwise (CI has no server).
"""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, text

from conftest import DATA, run_ingest
from ingest.crawl import load
from ingest.crawl import stage as crawl
from ingest.db import engine as db
from ingest.search import fts as search
from test_bulk_load import week_records

PG_URL = os.environ.get("INGEST_TEST_PG_URL", "")
pytestmark = pytest.mark.skipif(not PG_URL.startswith("postgresql"), reason="INGEST_TEST_PG_URL not set")
COLUMNS = (
    "arxiv_id, version, title, abstract, authors::text, affiliations::text, categories::text, "
    "primary_category, published, updated, listing_date, comment, week, source, content_hash, "
    "relevance, relevance_reasons::text, duplicate_of"
)


@pytest.fixture
def pg_url() -> str:
    pytest.importorskip("psycopg")
    engine = create_engine(PG_URL)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()
    db.forget_engines()
    return PG_URL


def papers(url: str) -> list[tuple]:
    with db.open_engine(url).connect() as conn:
        return conn.execute(text(f"SELECT {COLUMNS} FROM paper ORDER BY arxiv_id")).all()


def test_crawl_twice_on_postgres_stores_116_papers_once(pg_url: str) -> None:
    first = run_ingest(pg_url, "crawl", "--week", "2026-W16", "--source", str(DATA / "2026-W16.jsonl"))
    assert first.exit_code == 0, first.stderr
    again = run_ingest(pg_url, "crawl", "--week", "2026-W16", "--source", str(DATA / "2026-W16.jsonl"))
    assert again.exit_code == 0 and "0 new" in again.stdout
    assert len(papers(pg_url)) == 116
    shown = run_ingest(pg_url, "papers", "show", "2604.14878")
    assert shown.exit_code == 0 and "GenRec" in shown.stdout
    hits = search.search(db.open_engine(pg_url), "GenRec JD").hits
    assert [h.arxiv_id for h in hits][:1] == ["2604.14878"]


def test_bulk_path_on_postgres_stores_what_the_plain_path_stores(pg_url: str) -> None:
    assert run_ingest(pg_url, "db", "upgrade").exit_code == 0
    engine = db.open_engine(pg_url)
    records = week_records("2026-W16")
    load.store_load(
        engine, [load.Batch("2026-W16", records[:60], crawl.CrawlResult(week="2026-W16"))], bulk=False
    )
    plain = papers(pg_url)[:60]
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM paper_version")
        conn.exec_driver_sql("DELETE FROM paper")
    load.store_load(
        engine, [load.Batch("2026-W16", records[:60], crawl.CrawlResult(week="2026-W16"))], bulk=True
    )
    assert papers(pg_url) == plain and len(plain) == 60


def test_weekly_run_on_postgres_publishes_the_report(pg_url: str, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("INGEST_REPORTS_DIR", str(tmp_path / "reports"))
    monkeypatch.setenv("INGEST_CACHE_DIR", str(tmp_path / "cache"))
    res = run_ingest(pg_url, "run", "--week", "2026-W16", "--source", str(DATA / "2026-W16.jsonl"))
    assert res.exit_code == 0, res.stderr
    assert "116 crawled, 116 new" in res.stdout
    report = (tmp_path / "reports" / "rec-weekly-en-2026-W16.md").read_text()
    assert "GenRec" in report and "9.5%" in report
