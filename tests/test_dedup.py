"""Dedup: versions update one row, cross-lists are one row, near-duplicate titles link to the oldest id."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import func, select

from ingest import dedup
from ingest.crawl import paper_rows
from ingest.crawl import stage as crawl
from ingest.db import engine as db
from ingest.db import store
from ingest.db.models import Paper, PaperVersion
from ingest.records import PaperRecord

BASE = PaperRecord(
    arxiv_id="2604.14878",
    version=1,
    title="GenRec: A Preference-Oriented Generative Framework for Large-Scale Recommendation",
    abstract="We present GenRec, deployed on the JD App.",
    authors=["Yanyan Zou", "Junbo Qi"],
    categories=["cs.IR", "cs.AI"],
    primary_category="cs.IR",
    published=datetime(2026, 4, 16, 12, tzinfo=UTC),
    updated=datetime(2026, 4, 16, 12, tzinfo=UTC),
    source="test",
)


def put(engine, *records: PaperRecord) -> crawl.CrawlResult:
    recs = [replace(r) for r in records]
    for r in recs:
        r.week = crawl.assign_week(r, None)
    return crawl.store_records(engine, "2026-W16", recs, crawl.CrawlResult(week="2026-W16"), None)


def rows(engine) -> list[Paper]:
    with db.session_scope(engine) as s:
        return list(s.execute(select(Paper).order_by(Paper.arxiv_id)).scalars())


def test_new_version_updates_the_row_and_records_the_version(engine):
    assert put(engine, BASE).new == 1
    v2 = replace(
        BASE,
        version=2,
        abstract=BASE.abstract + " v2 adds a 9.5% gain.",
        updated=datetime(2026, 5, 1, tzinfo=UTC),
    )
    result = put(engine, v2)
    assert (result.new, result.updated, result.updated_ids) == (0, 1, ["2604.14878"])
    (paper,) = rows(engine)
    assert (paper.version, paper.abstract.endswith("9.5% gain."), paper.week) == (2, True, "2026-W16")
    assert paper.content_hash == paper_rows.content_hash(v2.title, v2.abstract, v2.comment)
    with db.session_scope(engine) as s:
        versions = s.execute(select(PaperVersion.version).order_by(PaperVersion.version)).scalars().all()
    assert versions == [1, 2]
    assert put(engine, BASE).updated == 0  # an old version seen again does not roll the text back
    assert rows(engine)[0].version == 2


def test_cross_list_seen_twice_is_one_row(engine):
    other_query = replace(BASE, categories=["cs.IR", "cs.AI"], source="cs.AI query")
    assert (put(engine, BASE, other_query).new, len(rows(engine))) == (1, 1)


def test_near_duplicate_title_links_to_the_older_id(engine):
    resubmitted = replace(
        BASE,
        arxiv_id="2605.00123",
        title="GenRec: A Preference Oriented Generative Framework for Large-Scale Recommendations",
        published=datetime(2026, 5, 4, 12, tzinfo=UTC),
    )
    put(engine, resubmitted)
    result = put(engine, BASE)  # the older id arrives second (backfill) and becomes canonical
    assert result.duplicates == 1
    assert {p.arxiv_id: p.duplicate_of for p in rows(engine)} == {
        "2604.14878": None,
        "2605.00123": "2604.14878",
    }
    with db.session_scope(engine) as s:
        assert [p.arxiv_id for p in store.papers_for_week(s, "2026-W16", include_duplicates=True)] == [
            "2604.14878"
        ]
        assert store.papers_for_week(s, "2026-W19") == []
        assert dedup.link_near_duplicates(s) == 0  # idempotent


def test_similar_title_by_other_authors_or_other_title_is_not_linked(engine):
    others = replace(BASE, arxiv_id="2605.00001", authors=["Someone Else"])
    different = replace(BASE, arxiv_id="2605.00002", title="GenRec for Music: Diffusion Models in Playlists")
    assert put(engine, BASE, others, different).duplicates == 0
    assert [p.duplicate_of for p in rows(engine)] == [None, None, None]


def test_clusters_close_transitively_to_the_oldest():
    rows_ = [
        dedup.TitleRow(i, dedup.title_tokens(t), None, None)
        for i, t in [
            ("2603.00003", "alpha beta gamma delta epsilon zeta eta theta iota"),
            ("2601.00001", "alpha beta gamma delta epsilon zeta eta theta"),
            ("2602.00002", "alpha beta gamma delta epsilon zeta eta theta iota kappa"),
        ]
    ]
    mapping = dedup.canonical_map(rows_, dedup.candidate_pairs(rows_))
    assert mapping == {"2601.00001": None, "2602.00002": "2601.00001", "2603.00003": "2601.00001"}


def test_prefix_filter_finds_exactly_the_brute_force_pairs():
    rng = random.Random(3)
    words = [f"w{i}" for i in range(60)]
    titles = [" ".join(rng.sample(words, rng.randint(3, 12))) for _ in range(200)]
    titles += [" ".join(t.split()[:-1]) for t in titles[:40]]  # near-duplicates by construction
    rows_ = [dedup.TitleRow(f"2601.{i:05d}", dedup.title_tokens(t), None, None) for i, t in enumerate(titles)]
    fast = {frozenset(p) for p in dedup.candidate_pairs(rows_)}
    brute = {
        frozenset((a.arxiv_id, b.arxiv_id))
        for i, a in enumerate(rows_)
        for b in rows_[:i]
        if dedup.jaccard(a.tokens, b.tokens) >= dedup.THRESHOLD
    }
    assert fast == brute and len(brute) >= 20
    probes = {r.arxiv_id for r in rows_[200:]}
    assert {frozenset(p) for p in dedup.candidate_pairs(rows_, probes)} == {p for p in brute if p & probes}


def test_age_key_orders_old_and_new_ids():
    assert sorted(["2604.14878", "0704.0001", "cs/0601001", "1501.00002"], key=dedup.age_key) == [
        "cs/0601001",
        "0704.0001",
        "1501.00002",
        "2604.14878",
    ]


def test_bulk_upsert_counts(engine):
    recs = [
        replace(BASE, arxiv_id=f"2604.{i:05d}", title=f"Paper number {i} on topic {i * 7}")
        for i in range(300)
    ]
    assert put(engine, *recs).new == 300
    again = put(engine, *recs)
    assert (again.new, again.unchanged) == (0, 300)
    with db.session_scope(engine) as s:
        assert s.execute(select(func.count()).select_from(PaperVersion)).scalar_one() == 300
