"""PostgreSQL by URL: migrations up and down, crawl twice, the bulk path, search and the weekly run.

INGEST_TEST_PG_URL names a PostgreSQL database the tests may WIPE (its public schema is dropped and
re-created), e.g. postgresql+psycopg://postgres@/ingest_test?host=/tmp/pg&port=55432. CI starts a
server for them every time (.ci/run, .ci/postgres) and fails without one; elsewhere they are skipped
when the variable is not set. Search, workers and batch tests run on PostgreSQL too (test_search.py,
test_workers.py, test_batch.py).
"""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import inspect, text

from conftest import DATA, run_ingest, wiped_pg
from ingest.crawl import load
from ingest.crawl import stage as crawl
from ingest.db import engine as db
from ingest.search import fts as search
from test_bulk_load import week_records

COLUMNS = (
    "arxiv_id, version, title, abstract, authors::text, affiliations::text, categories::text, "
    "primary_category, published, updated, listing_date, comment, week, source, content_hash, "
    "relevance, relevance_reasons::text, duplicate_of"
)


@pytest.fixture
def pg_url() -> str:
    return wiped_pg()


def test_migrations_up_and_down_on_postgres(pg_url: str) -> None:
    db.upgrade(pg_url)
    command.check(db.alembic_config(pg_url))  # the schema equals the models
    engine = db.make_engine(pg_url)
    assert {"paper_fts", "extract_task", "llm_batch", "claim"} <= set(inspect(engine).get_table_names())
    assert "paper_fts_headline_gin" in {i["name"] for i in inspect(engine).get_indexes("paper_fts")}
    db.downgrade(pg_url, "0010")
    assert "headline" not in {c["name"] for c in inspect(engine).get_columns("paper_fts")}
    db.downgrade(pg_url, "0006")
    assert "paper_fts" not in inspect(engine).get_table_names()
    db.downgrade(pg_url, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    db.upgrade(pg_url)
    command.check(db.alembic_config(pg_url))
    engine.dispose()


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
    result = search.search(db.open_engine(pg_url), "GenRec JD")
    assert result.mode == "fts" and [h.arxiv_id for h in result.hits][:1] == ["2604.14878"]


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
