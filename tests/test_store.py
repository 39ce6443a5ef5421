"""store: id parsing, lookups, week selections, runs, content hash."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import select

from conftest import week_file
from ingest.crawl import paper_rows
from ingest.crawl import stage as crawl
from ingest.db import engine as db
from ingest.db import runlog, store
from ingest.db.models import Run
from ingest.errors import NotFoundError
from ingest.records import split_id


@pytest.mark.parametrize(
    "text,expected",
    [
        ("2604.14878", ("2604.14878", None)),
        ("2604.14878v2", ("2604.14878", 2)),
        ("arXiv:2604.14878", ("2604.14878", None)),
        ("http://arxiv.org/abs/2604.14878v3", ("2604.14878", 3)),
        ("cs/0601001v1", ("cs/0601001", 1)),
    ],
)
def test_split_id(text, expected):
    assert split_id(text) == expected


def test_split_id_rejects_garbage():
    with pytest.raises(ValueError, match="not an arXiv id"):
        split_id("GenRec")


def test_get_paper_forms_and_not_found(settings, engine):
    crawl.crawl_week(settings, "2026-W16", source=week_file("2026-W16"), engine=engine)
    with db.session_scope(engine) as s:
        ids = {store.get_paper(s, t).id for t in ("2604.14878", "2604.14878v2", "arXiv:2604.14878")}
        assert len(ids) == 1
        with pytest.raises(NotFoundError, match="paper 2699.99999 is not in the database"):
            store.get_paper(s, "2699.99999")
        with pytest.raises(NotFoundError, match="not an arXiv id"):
            store.get_paper(s, "hello")
        week = store.papers_for_week(s, "2026-W16")
    assert len(week) == 116 and [p.arxiv_id for p in week] == sorted(p.arxiv_id for p in week)


def test_runs_record_counts(engine):
    with db.session_scope(engine) as s:
        run = runlog.open_run(s, "crawl", "2026-W16")
        assert run.id is not None and run.status == "running" and run.pid == os.getpid() and run.host
        runlog.close_run(s, run, status="partial", counts={"new": 3}, error="line 2: bad")
    with db.session_scope(engine) as s:
        saved = s.execute(select(Run)).scalars().one()
    assert (saved.status, saved.counts, saved.error, saved.finished_at is not None) == (
        "partial",
        {"new": 3, "llm_calls": 0},
        "line 2: bad",
        True,
    )


def test_content_hash_covers_every_text_part():
    base = paper_rows.content_hash("t", "a", "c", None)
    assert (
        len(
            {
                base,
                paper_rows.content_hash("t", "a", "c", "full"),
                paper_rows.content_hash("t", "a", None),
                paper_rows.content_hash("T", "a", "c"),
            }
        )
        == 4
    )
    assert base == paper_rows.content_hash("t", "a", "c", "")


def test_unchanged_recrawl_touches_last_seen(settings, engine):
    crawl.crawl_week(settings, "2026-W16", source=week_file("2026-W16"), engine=engine)
    with db.session_scope(engine) as s:
        before = store.get_paper(s, "2604.14878").last_seen_at
    crawl.crawl_week(settings, "2026-W16", source=week_file("2026-W16"), engine=engine)
    with db.session_scope(engine) as s:
        paper = store.get_paper(s, "2604.14878")
    assert paper.last_seen_at > before and paper.first_seen_at == before
