"""Bulk loads: the FTS index follows bulk-inserted papers, the triggers survive (also a failed load),
and near-duplicates inside one load are linked by one pass, once."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import func, select, text

from conftest import DATA, run_ingest
from ingest import dedup
from ingest.crawl import load
from ingest.crawl import stage as crawl
from ingest.crawl.snapshot import read_snapshot
from ingest.db import engine as db
from ingest.db import fts_fill as fts_bulk
from ingest.db.models import Paper, Run
from ingest.records import PaperRecord
from ingest.search import fts as search

TRIGGERS = {
    "paper_fts_paper_ai",
    "paper_fts_paper_bu",
    "paper_fts_paper_au",
    "paper_fts_paper_bd",
    "paper_fts_extraction_bi",
    "paper_fts_extraction_ai",
    "paper_fts_extraction_bu",
    "paper_fts_extraction_au",
    "paper_fts_extraction_bd",
    "paper_fts_extraction_ad",
}


def triggers(engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(text("SELECT name FROM sqlite_master WHERE type='trigger'")).scalars())


def week_records(week: str) -> list[PaperRecord]:
    records, errors = read_snapshot(DATA / f"{week}.jsonl")
    assert errors == []
    for rec in records:
        rec.week = crawl.assign_week(rec, week)
    return records


def near_copy(rec: PaperRecord, arxiv_id: str) -> PaperRecord:
    """The same paper resubmitted under a newer id, its title missing one word (Jaccard 7/8)."""
    title = rec.title.replace(" Generative", "")
    assert title != rec.title
    return replace(rec, arxiv_id=arxiv_id, title=title, abstract=rec.abstract + " v2")


def test_bulk_load_keeps_fts_in_sync_and_links_near_duplicates_once(engine) -> None:
    w16, w22 = week_records("2026-W16"), week_records("2026-W22")
    genrec = next(r for r in w16 if r.arxiv_id == "2604.14878")
    copy = near_copy(genrec, "2606.99999")
    copy.week = w22[0].week
    batches = [
        load.Batch("2026-W16", w16, crawl.CrawlResult(week="2026-W16")),
        load.Batch("2026-W22", [*w22, copy], crawl.CrawlResult(week="2026-W22")),
    ]
    results = load.store_load(engine, batches, bulk=True)
    assert [r.new for r in results] == [len(w16), len(w22) + 1]
    assert [r.duplicates for r in results] == [0, 1]  # the copy, counted in its own week
    assert TRIGGERS <= triggers(engine)
    with db.session_scope(engine) as s:
        stored = s.execute(select(func.count()).select_from(Paper)).scalar_one()
        fts_rows = s.connection().exec_driver_sql("SELECT count(*) FROM paper_fts").scalar()
        assert fts_rows == stored == len(w16) + len(w22) + 1
        linked = dict(
            s.execute(select(Paper.arxiv_id, Paper.duplicate_of).where(Paper.duplicate_of.is_not(None))).all()
        )
        assert linked == {"2606.99999": "2604.14878"}
        assert dedup.link_near_duplicates(s) == 0  # a second pass links nothing
        assert s.execute(select(func.count()).select_from(Run)).scalar_one() == 2
        s.connection().exec_driver_sql("INSERT INTO paper_fts(paper_fts, rank) VALUES('integrity-check', 1)")
    hits = search.search(engine, "GenRec").hits
    assert "2604.14878" in [h.arxiv_id for h in hits]
    # the re-created insert trigger indexes a paper stored after the bulk load, row by row
    late = replace(genrec, arxiv_id="2607.00001", title="Quokkaformer for playlist continuation")
    crawl.store_records(engine, "2026-W16", [late], crawl.CrawlResult(week="2026-W16"), None, bulk=False)
    assert [h.arxiv_id for h in search.search(engine, "quokkaformer").hits] == ["2607.00001"]


def test_bulk_backfill_twice_stores_nothing_new_and_links_nothing_new(settings, engine) -> None:
    first = crawl.crawl_range(
        settings, date(2026, 3, 2), date(2026, 4, 17), source=DATA / "2026-W16.jsonl", engine=engine
    )
    again = crawl.crawl_range(
        settings, date(2026, 3, 2), date(2026, 4, 17), source=DATA / "2026-W16.jsonl", engine=engine
    )
    assert sum(r.new for r in first) == 116 and sum(r.new for r in again) == 0
    assert sum(r.duplicates for r in again) == 0
    assert TRIGGERS <= triggers(engine)
    assert [h.arxiv_id for h in search.search(engine, "GenRec JD").hits][:1] == ["2604.14878"]


def test_failed_bulk_load_rolls_back_rows_index_and_keeps_triggers(engine) -> None:
    good = week_records("2026-W16")[:5]
    broken = replace(good[0], arxiv_id="2604.99999")
    broken.week = None  # paper.week is NOT NULL: the insert fails inside the bulk section
    with pytest.raises(Exception, match="NOT NULL"):
        load.store_load(
            engine, [load.Batch("2026-W16", [*good[1:], broken], crawl.CrawlResult(week=None))], bulk=True
        )
    assert TRIGGERS <= triggers(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM paper")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM paper_fts")).scalar() == 0


def test_bulk_path_uses_the_trigger_sql_of_migration_0005(engine) -> None:
    with engine.connect() as conn:
        query = text("SELECT sql FROM sqlite_master WHERE name = 'paper_fts_paper_ai'")
        stored = conn.execute(query).scalar()
    assert stored == fts_bulk.trigger_sql()
    with engine.begin() as conn:  # a database whose trigger differs: the bulk path stands aside
        conn.exec_driver_sql("DROP TRIGGER paper_fts_paper_ai")
        with fts_bulk.suspended_insert_sync(conn) as index_new:
            assert index_new is None


def test_bulk_load_updating_a_paper_it_inserted_keeps_the_index_consistent(engine) -> None:
    """v1 arrives in the load's first batch, v2 (new title) in its second: the update triggers remove
    v1 from the index, so v1 must be indexed by then; the index then holds v2's words only."""
    w16 = week_records("2026-W16")
    genrec = next(r for r in w16 if r.arxiv_id == "2604.14878")
    v2 = replace(
        genrec, version=2, title="Quokkaformer: " + genrec.title, abstract=genrec.abstract + " Zebu."
    )
    batches = [
        load.Batch("2026-W16", w16, crawl.CrawlResult(week="2026-W16")),
        load.Batch("2026-W16", [v2], crawl.CrawlResult(week="2026-W16")),
    ]
    results = load.store_load(engine, batches, bulk=True)
    assert (results[0].new, results[1].updated) == (len(w16), 1)
    with db.session_scope(engine) as s:
        s.connection().exec_driver_sql("INSERT INTO paper_fts(paper_fts, rank) VALUES('integrity-check', 1)")
        assert s.connection().exec_driver_sql("SELECT count(*) FROM paper_fts").scalar() == len(w16)
    assert [h.arxiv_id for h in search.search(engine, "quokkaformer zebu").hits] == ["2604.14878"]
    assert [h.arxiv_id for h in search.search(engine, "Preference-Oriented").hits] == ["2604.14878"]


def test_bulk_load_checkpoints_the_wal_after_its_commit_and_restores_the_setting(engine) -> None:
    load.store_load(
        engine,
        [load.Batch("2026-W16", week_records("2026-W16"), crawl.CrawlResult(week="2026-W16"))],
        bulk=True,
    )
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 1000
        busy, frames, copied = conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()
    assert busy == 0 and frames == copied  # every frame of the load is in the database file already


@pytest.mark.parametrize(("copies", "path"), [(2, "plain"), (4, "bulk")])
def test_a_crawl_of_2000_or_more_records_takes_the_bulk_path(db_url, engine, tmp_path, caplog, copies, path):
    """`ingest crawl --source` of every bundled record twice (1,130) stays on the plain path; four
    times (2,260) takes the bulk path by itself; both store every record, indexed for search."""
    files = sorted(DATA.glob("2026-W*.jsonl"))
    lines = [json.loads(line) for path in files for line in path.read_text().splitlines()]
    records = [dict(r, id=f"2601.{n:05d}") for n, r in enumerate(lines * copies)]
    source = tmp_path / "many.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in records))
    caplog.set_level(logging.INFO, logger="ingest.crawl.load")
    res = run_ingest(
        db_url, "crawl", "--since", "2026-03-01", "--until", "2026-06-30", "--source", str(source)
    )
    assert res.exit_code == 0, res.stderr
    started = [r.getMessage() for r in caplog.records if "load event=start" in r.getMessage()]
    assert len(started) == 1 and started[0].endswith(f" records={len(records)} path={path}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM paper").scalar() == len(records)
        conn.exec_driver_sql("INSERT INTO paper_fts(paper_fts, rank) VALUES('integrity-check', 1)")
        found = conn.exec_driver_sql("SELECT count(*) FROM paper_fts WHERE paper_fts MATCH 'GenRec'").scalar()
    mention = re.compile(r"\bgenrec\b", re.I)
    assert found == copies * sum(bool(mention.search(f"{r['title']} {r['abstract']}")) for r in lines) > 0
