"""Rows prepared ahead for a bulk load (bulk_rows, paper_rows.PaperInsert, paper_rows.Prepared) store exactly
what the plain path stores: Core's INSERT of the same rows, in-process scores, the right version."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, select

from conftest import DATA
from ingest.config import Settings
from ingest.crawl import bulk_rows, paper_rows, relevance, upsert
from ingest.crawl.load import Batch, CrawlResult, store_load
from ingest.db import engine as db
from ingest.db import store
from ingest.db.models import utcnow
from test_bulk_load import week_records

WEEKS = sorted(p.stem for p in DATA.glob("2026-W*.jsonl"))
NOW = datetime(2026, 11, 30, 8, 0, 0, 123456, tzinfo=UTC)


def stored(engine) -> list[tuple]:
    with engine.connect() as conn:
        return conn.exec_driver_sql("SELECT * FROM paper ORDER BY id").all()


def test_paper_insert_stores_what_core_insert_stores(settings: Settings, tmp_path) -> None:
    recs = week_records("2026-W16")[:20]
    odd = ["Zoë O'Neil", 'A "quoted" Name\\', "李 明", "tab\there"]  # escapes and non-ASCII in JSON lists
    recs.append(replace(recs[0], arxiv_id="2699.00001", authors=odd, affiliations=["Café 🍵"], categories=[]))
    fast = db.open_engine(settings)
    plain = db.open_engine(Settings(db_url=f"sqlite:///{tmp_path / 'plain.sqlite3'}"))
    statement = paper_rows.PaperInsert.of(fast.dialect, NOW)
    assert statement is not None
    with db.session_scope(fast) as session:
        session.connection().exec_driver_sql(statement.sql, [statement.params(r) for r in recs])
    with db.session_scope(plain) as session:
        session.connection().execute(insert(store.PAPER), [paper_rows.new_row(r, NOW) for r in recs])
    assert stored(fast) == stored(plain)  # the same stored bytes
    with fast.connect() as conn:
        row = conn.execute(select(*store.PAPER.c).where(store.PAPER.c.arxiv_id == recs[1].arxiv_id)).one()
    assert (row.title, row.authors, row.first_seen_at) == (recs[1].title, list(recs[1].authors), NOW)
    with fast.connect() as conn:
        odd_row = conn.execute(
            select(store.PAPER.c.authors, store.PAPER.c.affiliations).where(
                store.PAPER.c.arxiv_id == "2699.00001"
            )
        ).one()
    assert (odd_row.authors, odd_row.affiliations) == (odd, ["Café 🍵"])
    assert (row.relevance, row.relevance_reasons) == relevance.score(recs[1])
    assert list(paper_rows.new_row(recs[1], NOW)) == list(paper_rows.NEW_ROW_KEYS)


def needs_workers() -> None:
    if not bulk_rows.can_fork():
        pytest.skip("no worker processes here (no fork, one CPU, or another thread is alive)")


def test_background_rows_equal_in_process_rows(settings: Settings) -> None:
    needs_workers()
    batches = [week_records(week) for week in WEEKS[:3]]
    statement = paper_rows.PaperInsert.of(db.open_engine(settings).dialect, NOW)
    with bulk_rows.background_rows(batches, statement) as prepared:
        got = [prepared(i) for i in range(len(batches))]
    for batch, found in zip(batches, got, strict=True):
        assert found is not None  # workers prepared every batch
        assert found.now == NOW and len(found.params) == len(batch) > 17  # whole weeks
        assert found.scores == [relevance.score(r) for r in batch]
        assert found.params == [statement.params(r) for r in batch]


def test_without_workers_the_caller_prepares_every_batch(settings: Settings) -> None:
    statement = paper_rows.PaperInsert.of(db.open_engine(settings).dialect, NOW)
    with bulk_rows.background_rows([week_records("2026-W16")], None) as prepared:
        assert prepared(0) is None  # no statement: nothing to prepare
    with bulk_rows.background_rows([], statement) as prepared:
        assert prepared(0) is None


def test_prepared_rows_follow_the_record_that_wins(settings: Settings) -> None:
    """A batch holding one paper twice (v2 then v1) stores v2's text with v2's prepared row."""
    first = week_records("2026-W16")[0]
    v2 = replace(first, version=2, title=first.title + " (extended)", abstract=first.abstract + " More.")
    v1 = replace(first, version=1)
    records = [v2, v1]
    engine = db.open_engine(settings)
    statement = paper_rows.PaperInsert.of(engine.dialect, NOW)
    scores = [relevance.score(r) for r in records]
    prepared = paper_rows.Prepared(NOW, scores, [statement.params(r) for r in records])
    with db.session_scope(engine) as session:
        counts = upsert.upsert_papers(session, records, prepared=prepared)
        with pytest.raises(ValueError, match="do not match"):
            upsert.upsert_papers(session, records, prepared=paper_rows.Prepared(NOW, [], []))
    assert counts.new == [first.arxiv_id]
    (row,) = stored(engine)
    columns = [c.name for c in store.PAPER.c]
    got = dict(zip(columns, row, strict=True))
    assert (got["version"], got["title"], got["first_seen_at"]) == (2, v2.title, "2026-11-30 08:00:00.123456")


def test_bulk_load_with_prepared_rows_equals_a_plain_load(settings: Settings, tmp_path) -> None:
    """In parts of 7 records (load.UNIT), indexed every 20 papers: the same rows and counts as a
    plain load, also for a paper updated by a later batch and one listed twice in a batch."""
    records = [r for week in WEEKS[:2] for r in week_records(week)]
    half = len(records) // 2
    later = replace(records[3], version=2, title=records[3].title + " (v2)")  # updates a first-half paper
    twice = replace(records[-1], version=2, abstract=records[-1].abstract + " Revised.")
    records += [later, twice]  # the second half now lists records[-1] as v1 and as v2
    bulk = db.open_engine(settings)
    plain = db.open_engine(Settings(db_url=f"sqlite:///{tmp_path / 'plain.sqlite3'}"))

    def batches() -> list[Batch]:
        return [
            Batch(None, part, CrawlResult(week=None, fetched=len(part)))
            for part in (records[:half], records[half:])
        ]

    began = utcnow()
    counted = [
        [
            (r.new, r.updated, r.unchanged, r.new_ids, r.updated_ids)
            for r in store_load(engine, batches(), bulk=b, unit=7, index_every=20)
        ]
        for engine, b in ((bulk, True), (plain, False))
    ]
    assert counted[0] == counted[1] and counted[0][1][1] == 1  # `later` updated its paper
    with bulk.connect() as conn:
        conn.exec_driver_sql("INSERT INTO paper_fts(paper_fts, rank) VALUES('integrity-check', 1)")
    columns = [c.name for c in store.PAPER.c]
    times = {columns.index("first_seen_at"), columns.index("last_seen_at")}

    def without_times(rows: list[tuple]) -> list[tuple]:
        return [tuple(v for n, v in enumerate(row) if n not in times) for row in rows]

    assert without_times(stored(bulk)) == without_times(stored(plain))
    assert len(stored(bulk)) == len({r.arxiv_id for r in records})
    seen = {row[columns.index("first_seen_at")] for row in stored(bulk)}
    assert len(seen) == 1  # one store time for the whole load
    assert datetime.fromisoformat(seen.pop()).replace(tzinfo=UTC) >= began


# A separate process (never a thread: forking a multi-threaded process is what the loader avoids)
# that SIGKILLs every child of the test process as soon as it appears: the load's row workers and
# its near-duplicate planner, forked by the loader itself.
KILLER = """
import os, signal, sys, time
parent, me = sys.argv[1], os.getpid()
print("ready", flush=True)
while True:
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as stat:
                ppid = stat.read().rsplit(")", 1)[1].split()[1]
        except (OSError, IndexError):
            continue
        if ppid == parent and int(pid) != me:
            os.kill(int(pid), signal.SIGKILL)
            print(pid, flush=True)
    time.sleep(0.001)
"""


def test_killed_workers_cost_time_not_the_load(settings: Settings, tmp_path, caplog) -> None:
    """The loader's own workers are killed as they start: the loader prepares the rows and plans the
    near-duplicate links itself, and stores what a plain load stores (every bundled paper twice:
    565 near-duplicate links)."""
    needs_workers()
    every = [r for week in WEEKS for r in week_records(week)]
    records = [replace(r, arxiv_id=f"2699.{n:05d}") for n, r in enumerate(every * 2)]

    def load(engine, bulk: bool) -> CrawlResult:
        return store_load(engine, [Batch(None, records, CrawlResult(week=None))], bulk=bulk, unit=100)[0]

    argv = [sys.executable, "-c", KILLER, str(os.getpid())]
    killer = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    try:
        assert killer.stdout is not None and killer.stdout.readline() == "ready\n"
        bulk = db.open_engine(settings)
        result = load(bulk, bulk=True)
    finally:
        killer.kill()
        killed = killer.communicate()[0].split()
    assert killed  # the loader's children died
    messages = [r.getMessage() for r in caplog.records]
    lost = [m for m in messages if "event=worker_lost" in m]
    assert lost and all(m.startswith("bulk_rows event=worker_lost part=") for m in lost)
    assert any("dedup_ahead event=process_lost" in m for m in messages)
    plain = db.open_engine(Settings(db_url=f"sqlite:///{tmp_path / 'plain.sqlite3'}"))
    expected = load(plain, bulk=False)
    assert (
        (result.new, result.duplicates) == (expected.new, expected.duplicates) == (len(records), len(every))
    )
    columns = [c.name for c in store.PAPER.c]
    times = {columns.index("first_seen_at"), columns.index("last_seen_at")}

    def without_times(rows: list[tuple]) -> list[tuple]:
        return [tuple(v for n, v in enumerate(row) if n not in times) for row in rows]

    assert without_times(stored(bulk)) == without_times(stored(plain))
