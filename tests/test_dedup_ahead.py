"""Near-duplicate links planned ahead in a forked process equal the links the load's own pass
finds, are used only when the load wrote exactly the records planned for, and a failed or unused
process never changes the result."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ingest import dedup
from ingest.crawl import bulk_rows, dedup_ahead, load
from ingest.crawl import stage as crawl
from ingest.db import engine as db
from ingest.records import PaperRecord
from test_bulk_load import near_copy, week_records


@pytest.fixture
def batches() -> list[list[PaperRecord]]:
    w16, w22 = week_records("2026-W16"), week_records("2026-W22")
    genrec = next(r for r in w16 if r.arxiv_id == "2604.14878")
    copy = near_copy(genrec, "2606.99999")
    copy.week = w22[0].week
    return [w16, [*w22, copy]]


def forking() -> None:
    if not bulk_rows.can_fork():
        pytest.skip("no forked process here (one CPU, or another thread is alive)")


def test_plan_made_ahead_equals_the_pass_over_what_was_written(batches) -> None:
    forking()
    written = dedup_ahead.expected_writes(batches)
    assert [len(part) for part in written] == [len(batches[0]), len(batches[1])]
    with dedup_ahead.planned_ahead(batches) as ahead:
        ahead.start([])
        assert ahead.matches(written)
        links = ahead.links()
    assert links == dedup_ahead.plan([], written) == {"2606.99999": "2604.14878"}
    assert not ahead.process.is_alive()


def test_plan_is_not_used_when_the_load_wrote_other_records(batches) -> None:
    forking()
    written = dedup_ahead.expected_writes(batches)
    del written[1]["2606.99999"]  # e.g. the copy was stored already and unchanged
    with dedup_ahead.planned_ahead(batches) as ahead:
        ahead.start([])
        assert not ahead.matches(written)
        reordered = [dict(reversed(written[0].items())), written[1]]
        assert not ahead.matches(reordered)
    assert not ahead.process.is_alive()  # terminated on leaving


def test_killed_planning_process_gives_none_so_the_load_plans_itself(batches) -> None:
    forking()
    with dedup_ahead.planned_ahead(batches) as ahead:
        ahead.process.kill()
        ahead.process.join()
        ahead.start([])
        assert ahead.links() is None


def test_bulk_load_updating_stored_papers_links_what_a_plain_load_links(batches, engine, tmp_path) -> None:
    """Second load of the same weeks with one title changed: every record is written again only if
    it changed, so the plan made ahead is not taken; the links equal a non-bulk load's."""
    from ingest.config import Settings

    plain = db.open_engine(Settings(db_url=f"sqlite:///{tmp_path / 'plain.sqlite3'}"))
    revised = [
        replace(r, version=2, title=r.title + " Revisited") if r.arxiv_id == "2606.99999" else r
        for r in batches[1]
    ]
    for target, bulk in ((engine, True), (plain, False)):
        for parts in (batches, [batches[0], revised]):
            load_batches = [load.Batch(None, p, crawl.CrawlResult(week=None)) for p in parts]
            load.store_load(target, load_batches, bulk=bulk)

    def links(target) -> dict[str, str | None]:
        with db.session_scope(target) as session:
            return {r.arxiv_id: r.duplicate_of for r in dedup.stored_rows(session)}

    assert links(engine) == links(plain)
