"""Extraction throughput: 200 real papers -> extract_week through the fake OpenAI server -> figures.

The papers are the first 200 of data/arxiv/*.jsonl that pass the relevance pre-score, re-dated into one
week and loaded into a temporary SQLite file. The fake server (tests/fakeopenai.py) answers each call
from RuleBasedLLM after an injected latency (300 ms). Printed: wall time, the ideal
(calls x latency / concurrency), their ratio (target <= 1.25), calls, tokens per paper, then a
second run that must make 0 calls (the extraction cache).

    python bench/extract_throughput.py [--papers 200] [--latency 0.3] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from fakeopenai import FakeOpenAI  # noqa: E402
from ingest import crawl, db, extract, relevance  # noqa: E402
from ingest.config import Settings  # noqa: E402
from ingest.snapshot import read_snapshot  # noqa: E402

WEEK, WEEK_MONDAY = "2026-W16", "2026-04-13"


def pick_papers(count: int, threshold: float) -> list[dict]:
    """The first `count` relevant records of the bundled weeks (raw JSON), re-dated into WEEK."""
    chosen: list[dict] = []
    for path in sorted((ROOT / "data" / "arxiv").glob("*.jsonl")):
        records, _ = read_snapshot(path)
        relevant = {r.arxiv_id for r in records if relevance.score(r)[0] >= threshold}
        for line in path.read_text(encoding="utf-8").splitlines():
            raw = json.loads(line) if line.strip() else None
            if raw and raw["id"] in relevant and len(chosen) < count:
                chosen.append({**raw, "listing_date": WEEK_MONDAY, "iso_week": WEEK})
    if len(chosen) < count:
        raise SystemExit(f"only {len(chosen)} relevant papers in data/arxiv")
    return chosen


def timed_run(settings: Settings, engine, fake: FakeOpenAI) -> tuple[float, int, extract.ExtractResult]:
    before = fake.count
    started = time.perf_counter()
    result = extract.extract_week(settings, WEEK, engine=engine)
    return time.perf_counter() - started, fake.count - before, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.3, help="seconds the fake server waits per call")
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, FakeOpenAI(latency=args.latency) as fake:
        settings = Settings(
            db_url=f"sqlite:///{tmp}/bench.sqlite3", cache_dir=Path(tmp) / "cache", backend="openai",
            openai_base_url=fake.base_url, openai_api_key="sk-bench", llm_concurrency=args.concurrency,
            llm_timeout=30.0,
        )
        source = Path(tmp) / "papers.jsonl"
        papers = pick_papers(args.papers, settings.relevance_threshold)
        source.write_text("".join(json.dumps(p) + "\n" for p in papers), encoding="utf-8")
        engine = db.open_engine(settings)
        crawled = crawl.crawl_week(settings, WEEK, source=source, engine=engine)
        print(f"papers loaded: {len(papers)} ({crawled})")

        wall, calls, result = timed_run(settings, engine, fake)
        ideal = calls * args.latency / args.concurrency
        tokens = result.prompt_tokens + result.completion_tokens
        print(f"first run:  selected={result.selected} extracted={result.extracted} cached={result.cached} "
              f"failed={result.failed}")
        print(f"  calls={calls} max_in_flight={fake.max_in_flight} (concurrency {args.concurrency})")
        print(f"  wall={wall:.2f}s ideal={ideal:.2f}s ratio={wall / ideal if ideal else float('nan'):.3f} "
              f"(target <= 1.25)")
        print(f"  tokens: prompt={result.prompt_tokens} completion={result.completion_tokens} "
              f"per paper={tokens / max(1, result.extracted):.0f}")

        wall2, calls2, result2 = timed_run(settings, engine, fake)
        print(f"second run: calls={calls2} cached={result2.cached} extracted={result2.extracted} "
              f"wall={wall2:.2f}s (must make 0 calls)")
        db.forget_engines()
        if calls2 != 0:
            raise SystemExit("second run made calls: the extraction cache is broken")


if __name__ == "__main__":
    main()
