"""The bulk-load fast paths store exactly what the plain paths store: relevance rules without a
leading \\b regex, scores from the forked worker, insert_many instead of Core executemany."""

from __future__ import annotations

import re

from sqlalchemy import insert, select

from conftest import DATA
from ingest import crawl, db, relevance, scoring, store
from ingest.config import Settings
from ingest.models import utcnow
from test_bulk_load import week_records

WEEKS = sorted(p.stem for p in DATA.glob("2026-W*.jsonl"))


def reference_score(rec: crawl.PaperRecord) -> tuple[float, list[str]]:
    """relevance.score written the obvious way: every alternative as one r'\\b(?:...)' regex search."""
    title, abstract = (rec.title or "").lower(), (rec.abstract or "").lower()
    comment = (rec.comment or "").lower()
    primary = rec.primary_category or (rec.categories[0] if rec.categories else None)
    total, reasons = relevance._category_score(primary, list(rec.categories))
    reasons, hits = list(reasons), 0

    def found(alts: tuple[str, ...], text: str) -> bool:
        return re.search(r"\b(?:" + "|".join(alts) + ")", text) is not None

    for label, alts in relevance.VOCABULARY:
        if found(alts, title):
            total, reasons = total + 2.0, [*reasons, f"title: {label}"]
        elif hits < relevance.ABSTRACT_CAP and found(alts, abstract):
            hits, total, reasons = hits + 1, total + 1.0, [*reasons, f"abstract: {label}"]
    for label, alts in relevance.INDUSTRY:
        if found(alts, abstract) or found(alts, comment):
            total, reasons = total + 0.5, [*reasons, f"abstract: {label}"]
    return round(total, 2), reasons


def test_relevance_equals_the_plain_regex_definition_on_every_bundled_paper() -> None:
    records = [rec for week in WEEKS for rec in week_records(week)]
    assert len(records) > 500
    assert [relevance.score(r) for r in records] == [reference_score(r) for r in records]


def test_relevance_terms_match_only_at_the_start_of_a_word() -> None:
    def reasons(title: str) -> list[str]:
        return relevance.score(crawl.PaperRecord(arxiv_id="2699.00001", title=title, abstract=""))[1]

    assert reasons("Prerecommendation and unrecommended items") == []
    assert reasons("(Recommendation) at scale") == ["title: recommendation"]
    assert reasons("E-commerce ads, re-ranking") == ["title: learning to rank", "title: advertising",
                                                    "title: e-commerce"]
    assert reasons("Threads and roads") == []  # 'ads' inside a word
    assert reasons("_ctr and x-ctr") == ["title: CTR prediction"]  # '_' is a word character, '-' is not


def test_background_scores_equal_in_process_scores() -> None:
    batches = [week_records(week) for week in WEEKS[:3]]
    with scoring.background_scores(batches) as scores:
        got = [scores(i) for i in range(len(batches))]
    for batch, found in zip(batches, got, strict=True):
        if found is not None:  # None: the worker was not used here (threads alive, one CPU)
            assert found == {r.arxiv_id: relevance.score(r) for r in batch}


def test_insert_many_stores_what_core_executemany_stores(settings, tmp_path) -> None:
    recs, now = week_records("2026-W16")[:20], utcnow()
    fast = db.open_engine(settings)
    plain = db.open_engine(Settings(db_url=f"sqlite:///{tmp_path / 'plain.sqlite3'}"))
    with db.session_scope(fast) as session:
        store.insert_many(session, store.PAPER, [store._new_row(r, now) for r in recs])
    with db.session_scope(plain) as session:
        session.connection().execute(insert(store.PAPER), [store._new_row(r, now) for r in recs])
    stmt = select(*store.PAPER.c).order_by(store.PAPER.c.id)
    with fast.connect() as a, plain.connect() as b:
        fast_rows, plain_rows = a.execute(stmt).all(), b.execute(stmt).all()
        raw = "SELECT * FROM paper ORDER BY id"
        assert a.exec_driver_sql(raw).all() == b.exec_driver_sql(raw).all()  # the same stored bytes
    assert len(fast_rows) == 20 and fast_rows == plain_rows
    row = fast_rows[1]
    assert (row.arxiv_id, row.title, row.authors, row.first_seen_at) == \
        (recs[1].arxiv_id, recs[1].title, list(recs[1].authors), now)
    assert (row.relevance, row.relevance_reasons) == relevance.score(recs[1])
