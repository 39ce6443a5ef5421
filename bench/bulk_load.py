"""Bulk load benchmark: arxiv-bulk.jsonl padded to 100k papers -> fresh SQLite, dedup on; prints figures.

Usage: python bench/bulk_load.py [BULK_JSONL] [--total 100000]
Default BULK_JSONL: ../shared/data/arxiv-bulk.jsonl relative to the repository root.

Padding: perturbed copies of the real records under new ids (2901.00001 ...). 90% of the copies get
a different title (half of the words replaced by words drawn from the real title vocabulary) and
other authors; 10% keep the title (minus one word) and the authors: planted near-duplicates that
the dedup pass must link to their (older) original.
Figures: papers/second through the crawl store path as a backfill uses it (load.store_load, bulk=True:
store.upsert_papers per batch with scores and INSERT parameters prepared by forked workers, each
batch's papers indexed for search in one statement, ONE near-duplicate pass for the whole load
planned meanwhile in a forked process, all in one transaction, WAL checkpoint after the commit
included), the time of one more full near-duplicate pass over
every paper (it must link 0 more), and ratios against the
targets (>= 5,000 papers/s; 100k pass <= 30 s) and against baselines measured in the same run
(raw sqlite3 executemany into a bare table; brute-force all-pairs Jaccard on a sample, extrapolated).
"""

from __future__ import annotations

import argparse
import copy
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from ingest import dedup
from ingest.config import Settings
from ingest.crawl import snapshot
from ingest.crawl import stage as crawl
from ingest.crawl.load import Batch, store_load
from ingest.db import engine as db
from ingest.db.models import Paper
from ingest.records import PaperRecord

ROOT = Path(__file__).resolve().parents[1]
TARGET_RATE, TARGET_PASS = 5000.0, 30.0


def load_real(path: Path) -> list[PaperRecord]:
    records, errors = snapshot.read_jsonl(path.read_bytes(), path, f"snapshot:{path.name}")
    if errors:
        print(f"warning: {len(errors)} bad lines, first: {errors[0]}", file=sys.stderr)
    for rec in records:
        rec.week = crawl.assign_week(rec, "2026-W01")
    return records


def pad(real: list[PaperRecord], total: int, rng: random.Random) -> tuple[list[PaperRecord], int]:
    vocab = sorted({w for r in real for w in r.title.split()})
    authors = [a for r in real for a in r.authors]
    out, planted = list(real), 0
    for k in range(total - len(real)):
        rec = copy.copy(rng.choice(real))
        rec.arxiv_id = f"{2901 + k // 99999}.{k % 99999 + 1:05d}"
        words = rec.title.split()
        if rng.random() < 0.10 and len(words) >= 6:
            words.pop(rng.randrange(1, len(words)))
            planted += 1
        else:
            words = [rng.choice(vocab) if rng.random() < 0.5 else w for w in words] + [rng.choice(vocab)]
            rec.authors = rng.sample(authors, k=min(len(authors), max(1, len(rec.authors))))
        rec.title = " ".join(words)
        rec.abstract = rec.abstract + f" [synthetic copy {k}]"
        out.append(rec)
    return out, planted


def raw_baseline(records: list[PaperRecord]) -> float:
    """Papers/s of a bare sqlite3 executemany into a table without indexes, triggers or logic."""
    with tempfile.TemporaryDirectory() as tmp:
        conn = sqlite3.connect(Path(tmp) / "raw.sqlite3")
        conn.execute("CREATE TABLE p (arxiv_id TEXT, title TEXT, abstract TEXT, authors TEXT)")
        began = time.perf_counter()
        conn.executemany(
            "INSERT INTO p VALUES (?, ?, ?, ?)",
            [(r.arxiv_id, r.title, r.abstract, "|".join(r.authors)) for r in records],
        )
        conn.commit()
        elapsed = time.perf_counter() - began
        conn.close()
    return len(records) / elapsed


def brute_force_estimate(records: list[PaperRecord], n: int, sample: int = 2000) -> float:
    """Seconds an all-pairs Jaccard comparison would take for n titles (timed on `sample`, scaled n^2)."""
    tokens = [dedup.title_tokens(r.title) for r in records[:sample]]
    began = time.perf_counter()
    for i in range(len(tokens)):
        for j in range(i):
            dedup.jaccard(tokens[i], tokens[j])
    return (time.perf_counter() - began) * (n / len(tokens)) ** 2


def timed_load(records: list[PaperRecord], batch: int, *, fts: bool) -> tuple[float, int, int, float, int]:
    """(load seconds, stored, linked, full near-dup pass seconds, links of that pass) on a fresh database.

    fts=False drops the FTS5 sync triggers of migration 0005 first and empties nothing else, to show
    the share of the load time spent indexing text for search (kept in the real path)."""
    with tempfile.TemporaryDirectory() as tmp:
        engine = db.open_engine(Settings(db_url=f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"))
        if not fts:
            with engine.begin() as conn:
                names = (
                    conn.exec_driver_sql(
                        "SELECT name FROM sqlite_master WHERE type='trigger' AND name LIKE 'paper_fts%'"
                    )
                    .scalars()
                    .all()
                )
                for name in names:
                    conn.exec_driver_sql(f"DROP TRIGGER {name}")
        batches = [
            Batch(None, part, crawl.CrawlResult(week=None, fetched=len(part)))
            for part in (records[start : start + batch] for start in range(0, len(records), batch))
        ]
        began = time.perf_counter()
        store_load(engine, batches, bulk=True)
        load = time.perf_counter() - began
        with db.session_scope(engine) as session:
            stored = session.execute(select(func.count()).select_from(Paper)).scalar_one()
            linked = session.execute(select(func.count()).where(Paper.duplicate_of.is_not(None))).scalar_one()
            began = time.perf_counter()
            again = dedup.link_near_duplicates(session)
            fts_rows = session.connection().exec_driver_sql("SELECT count(*) FROM paper_fts").scalar()
            if fts and fts_rows != stored:
                raise SystemExit(f"FTS index out of sync: {fts_rows} rows for {stored} papers")
            full_pass = time.perf_counter() - began
        db.forget_engines()
    return load, stored, linked, full_pass, again


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "bulk", nargs="?", type=Path, default=ROOT.parent / "shared" / "data" / "arxiv-bulk.jsonl"
    )
    parser.add_argument("--total", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=20_000, help="records per upsert batch of the one load")
    args = parser.parse_args()
    rng = random.Random(7)
    real = load_real(args.bulk)
    records, planted = pad(real, args.total, rng)
    rng.shuffle(records)
    print(
        f"records: {len(real)} real + {len(records) - len(real)} synthetic "
        f"({planted} planted near-duplicates)"
    )
    load, stored, linked, full_pass, again = timed_load(records, args.batch, fts=True)
    bare_load = timed_load(records, args.batch, fts=False)[0]
    rate, baseline = len(records) / load, raw_baseline(records)
    brute = brute_force_estimate(records, len(records))
    print(f"stored papers: {stored}; near-duplicate links: {linked} (second full pass made {again} more)")
    print(
        f"load with dedup: {load:.2f} s = {rate:,.0f} papers/s; target {TARGET_RATE:,.0f} -> ratio "
        f"{rate / TARGET_RATE:.2f}x; raw sqlite3 executemany baseline {baseline:,.0f} papers/s "
        f"(ours = {rate / baseline:.2f} of raw)"
    )
    print(
        f"same load without the FTS5 sync triggers (migration 0005): {bare_load:.2f} s = "
        f"{len(records) / bare_load:,.0f} papers/s -> ratio "
        f"{len(records) / bare_load / TARGET_RATE:.2f}x target"
    )
    print(
        f"near-duplicate pass over {stored:,} papers: {full_pass:.2f} s; target {TARGET_PASS:.0f} s -> ratio "
        f"{TARGET_PASS / full_pass:.1f}x headroom; brute-force all-pairs estimate {brute:,.0f} s "
        f"({brute / full_pass:,.0f}x slower)"
    )


if __name__ == "__main__":
    main()
