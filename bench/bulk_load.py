"""Bulk load benchmark: arxiv-bulk.jsonl padded to --total papers -> fresh SQLite, dedup on; prints figures.

Usage: python bench/bulk_load.py [BULK_JSONL] [--total 100000]
Default BULK_JSONL: ../shared/data/arxiv-bulk.jsonl relative to the repository root.

Padding: perturbed copies of the real records under new ids (2901.00001 ...). 90% of the copies get
a different title (half of the words replaced by words drawn from the real title vocabulary) and
other authors; 10% keep the title (minus one word) and the authors: planted near-duplicates that
the dedup pass must link to their (older) original.
Timed: the crawl store path as a backfill uses it (load.store_load as crawl_range calls it, bulk by
size: scores and INSERT parameters prepared by forked workers, papers indexed for search in batches,
ONE near-duplicate pass for the whole load planned meanwhile in a forked process, one transaction,
WAL checkpoint after the commit included) and that load's own near-duplicate pass (reported by
store_load's `timings`). Baselines measured in the same run: raw sqlite3 executemany of the same
papers into a bare table (the floor for the load), brute-force all-pairs Jaccard on a sample,
extrapolated (for the pass). The targets (5,000 papers/s; a pass of 30 s per 100k papers, scaled
linearly with --total) are printed beside them. Checked before any ratio is printed (else exit 1):
every paper stored and indexed for search, the planted near-duplicates linked, and a second full
pass over the loaded database finding nothing more to link.
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
from sqlalchemy.exc import DBAPIError

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


def timed_load(records: list[PaperRecord], batch: int, *, fts: bool) -> dict[str, float | int | str]:
    """The load on a fresh database: its seconds, what it stored and linked, its own near-duplicate
    pass (seconds, where planned), the FTS row count and the links a second full pass still finds.

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
        timings: dict[str, float | str] = {}
        began = time.perf_counter()
        store_load(engine, batches, timings=timings)
        load = time.perf_counter() - began
        with db.session_scope(engine) as session:
            stored = session.execute(select(func.count()).select_from(Paper)).scalar_one()
            linked = session.execute(select(func.count()).where(Paper.duplicate_of.is_not(None))).scalar_one()
            again = dedup.link_near_duplicates(session)  # a check, not timed: must link 0 more
            conn = session.connection()
            fts_rows = conn.exec_driver_sql("SELECT count(*) FROM paper_fts").scalar()
            index_ok = True
            if fts:  # FTS5 compares its index with the text it reads: raises when they differ
                try:
                    conn.exec_driver_sql(
                        "INSERT INTO paper_fts(paper_fts, rank) VALUES('integrity-check', 1)"
                    )
                except DBAPIError:
                    index_ok = False
        db.forget_engines()
    return {
        "load": load,
        "stored": stored,
        "linked": linked,
        "again": again,
        "fts_rows": fts_rows or 0,
        "index_ok": int(index_ok),
        "pass": float(timings["dedup_seconds"]),
        "planned": str(timings["dedup_planned"]),
    }


def failures(run: dict[str, float | int | str], total: int, planted: int, *, fts: bool) -> list[str]:
    """What the load got wrong (nothing when it did the work)."""
    found = []
    if run["stored"] != total:
        found.append(f"stored {run['stored']} of {total} papers")
    if fts and (run["fts_rows"] != run["stored"] or not run["index_ok"]):
        found.append(
            f"FTS index out of sync ({run['fts_rows']} rows for {run['stored']} papers, integrity-check)"
        )
    if int(run["linked"]) < planted:
        found.append(f"linked {run['linked']} near-duplicates, fewer than the {planted} planted")
    if run["again"]:
        found.append(f"a second full pass linked {run['again']} more")
    return found


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
    total = len(records)
    target_pass = TARGET_PASS * total / 100_000  # the 30 s target is per 100k papers
    print(f"records: {len(real)} real + {total - len(real)} synthetic ({planted} planted near-duplicates)")
    baseline = raw_baseline(records)
    run = timed_load(records, args.batch, fts=True)
    bare = timed_load(records, args.batch, fts=False)
    problems = failures(run, total, planted, fts=True) + [
        f"without FTS: {p}" for p in failures(bare, total, planted, fts=False)
    ]
    print(
        f"stored papers: {run['stored']}; near-duplicate links: {run['linked']} "
        f"(a second full pass links {run['again']} more); FTS rows: {run['fts_rows']}"
    )
    if problems:
        for problem in problems:
            print(f"FAILED: {problem}")
        raise SystemExit("the load did not do its work: no ratio printed")
    rate = total / float(run["load"])
    brute = brute_force_estimate(records, total)
    print(
        f"load with dedup: {run['load']:.2f} s = {rate:,.0f} papers/s; raw sqlite3 executemany of the same "
        f"papers {baseline:,.0f} papers/s -> ours = {rate / baseline:.2f} of raw; "
        f"target {TARGET_RATE:,.0f} papers/s -> {rate / TARGET_RATE:.2f}x"
    )
    bare_rate = total / float(bare["load"])
    print(
        f"same load without the FTS5 sync triggers (migration 0005): {bare['load']:.2f} s = "
        f"{bare_rate:,.0f} papers/s = {bare_rate / baseline:.2f} of raw"
    )
    seconds = float(run["pass"])
    print(
        f"the load's own near-duplicate pass (planned {run['planned']}): {seconds:.2f} s over "
        f"{total:,} papers; brute-force all-pairs estimate {brute:,.0f} s -> {brute / seconds:,.0f}x "
        f"faster; target {target_pass:.1f} s ({TARGET_PASS:.0f} s per 100k) -> "
        f"{target_pass / seconds:.1f}x headroom"
    )


if __name__ == "__main__":
    main()
