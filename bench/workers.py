"""Workers sharing one PostgreSQL database: 2,000 papers -> `ingest extract` by 1, then by N processes at
once, through the fake OpenAI server with latency -> wall times, their ratio, duplicate calls.

    python bench/workers.py [--pg-url URL] [--papers 2000] [--workers 4] [--latency 0.3] [--concurrency 2]

URL (default: $INGEST_TEST_PG_URL) names a PostgreSQL database the bench WIPES (public schema dropped).
Papers: the first `--papers` records of the bulk set (../shared/data/arxiv-bulk.jsonl) that pass the
relevance pre-score, stored through the crawl's bulk path (crawl.load.store_load) under their real
announcement dates; the workers run `ingest extract --since FIRST --until LAST` (the backfill
command) as separate processes. The fake server (tests/fakeopenai.py) runs in its own process and
answers each call after `--latency` seconds. Between the two phases the extractions, claims, calls
and tasks are deleted, so both phases extract the same papers. Duplicate calls are counted twice:
from the fake server's own request log (arXiv ids asked about more than once) and from llm_call rows
(papers with more than one call). Target: N=4 workers >= 3x faster than 1, 0 duplicates.
Prints figures; asserts nothing. Timings depend on machine load: note `uptime` with them.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import create_engine, func, select, text

from ingest.config import Settings
from ingest.crawl import load, relevance
from ingest.crawl import stage as crawl
from ingest.crawl.snapshot import read_snapshot
from ingest.db import engine as db
from ingest.db.models import LLMCall

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_BULK = ROOT / ".." / "shared" / "data" / "arxiv-bulk.jsonl"
TARGET_RATIO = 3.0


def wipe(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()


def load_papers(url: str, bulk: Path, count: int, threshold: float) -> tuple[str, str, int]:
    """Store the first `count` relevant bulk records; returns (first date, last date, stored)."""
    records, _errors = read_snapshot(bulk)
    chosen = [r for r in records if r.listing_date and relevance.score(r)[0] >= threshold][:count]
    for rec in chosen:
        rec.week = crawl.assign_week(rec, None)
    engine = db.open_engine(url)
    result = load.CrawlResult(week=None, source=f"snapshot:{bulk.name}")
    load.store_load(engine, [load.Batch(None, chosen, result)])
    dates = sorted(r.listing_date for r in chosen if r.listing_date)
    return dates[0].isoformat(), dates[-1].isoformat(), result.new


def reset_extractions(url: str) -> None:
    engine = db.open_engine(url)
    with engine.begin() as conn:
        for table in ("claim", "extraction", "llm_call", "extract_task", "run", "lock"):
            conn.execute(text(f"DELETE FROM {table}"))


def llm_call_duplicates(url: str) -> tuple[int, int]:
    """(llm_call rows, papers with more than one llm_call row)."""
    engine = db.open_engine(url)
    with engine.connect() as conn:
        calls = conn.execute(select(func.count()).select_from(LLMCall)).scalar() or 0
        per_paper = select(LLMCall.paper_id).group_by(LLMCall.paper_id).having(func.count() > 1).subquery()
        dups = conn.execute(select(func.count()).select_from(per_paper)).scalar() or 0
    return int(calls), int(dups)


def server_counts(base_url: str) -> dict[str, int]:
    return httpx.get(f"{base_url}/fake/papers", timeout=30).json()


def phase(url: str, base_url: str, workers: int, since: str, until: str, concurrency: int) -> dict:
    """Run `workers` extract processes at once; wall time from the first start to the last exit."""
    before = server_counts(base_url)
    env = {
        **os.environ,
        "OPENAI_BASE_URL": base_url,
        "OPENAI_API_KEY": "sk-bench",
        "INGEST_LLM_CONCURRENCY": str(concurrency),
        "INGEST_LLM_TIMEOUT": "60",
    }
    cmd = [sys.executable, "-m", "ingest", "-q", "--db", url, "extract", "--since", since, "--until", until]
    started = time.perf_counter()
    procs = [
        subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(workers)
    ]
    outputs = [p.communicate() for p in procs]
    wall = time.perf_counter() - started
    after = server_counts(base_url)
    asked = {k: after.get(k, 0) - before.get(k, 0) for k in after}
    calls, dup_rows = llm_call_duplicates(url)
    return {
        "wall": wall,
        "codes": [p.returncode for p in procs],
        "lines": [
            out.strip().splitlines()[-1] if out.strip() else err.strip()[-300:] for out, err in outputs
        ],
        "server_calls": sum(asked.values()),
        "server_dups": sum(1 for n in asked.values() if n > 1),
        "llm_calls": calls,
        "llm_call_dups": dup_rows,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pg-url", default=os.environ.get("INGEST_TEST_PG_URL", ""))
    ap.add_argument("--bulk", type=Path, default=DEFAULT_BULK)
    ap.add_argument("--papers", type=int, default=2000)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--latency", type=float, default=0.3)
    ap.add_argument("--concurrency", type=int, default=2, help="LLM calls in flight per worker")
    args = ap.parse_args()
    if not args.pg_url.startswith("postgresql"):
        sys.exit("give --pg-url (or INGEST_TEST_PG_URL): a PostgreSQL database this bench may wipe")
    wipe(args.pg_url)
    since, until, stored = load_papers(args.pg_url, args.bulk, args.papers, Settings().relevance_threshold)
    print(f"papers stored: {stored} (announced {since} .. {until}), bulk path")
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "fakeopenai.py"), "--latency", str(args.latency)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        base_url = server.stdout.readline().strip()
        results = {}
        for n in (1, args.workers):
            reset_extractions(args.pg_url)
            cpu = os.times()
            results[n] = r = phase(args.pg_url, base_url, n, since, until, args.concurrency)
            used = os.times()
            child_cpu = (used.children_user + used.children_system) - (
                cpu.children_user + cpu.children_system
            )
            print(
                f"{n} worker(s): wall={r['wall']:.1f}s exit={r['codes']} server calls={r['server_calls']} "
                f"duplicate calls (server log)={r['server_dups']} llm_call rows={r['llm_calls']} "
                f"papers with >1 llm_call={r['llm_call_dups']} worker CPU={child_cpu:.1f}s"
            )
            for line in r["lines"]:
                print(f"   {line}")
        one, many = results[1]["wall"], results[args.workers]["wall"]
        ideal = stored * args.latency / args.concurrency
        print(f"ideal wall for 1 worker (papers x latency / concurrency): {ideal:.1f}s")
        print(
            f"ratio 1 worker / {args.workers} workers = {one / many:.2f}x (target >= {TARGET_RATIO:.0f}x); "
            f"duplicate calls with {args.workers} workers: "
            f"{results[args.workers]['server_dups']} (server log), {results[args.workers]['llm_call_dups']} "
            "(llm_call rows) (target 0)"
        )
    finally:
        assert server.stdin is not None
        server.stdin.close()
        server.wait(timeout=30)
        db.forget_engines()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
