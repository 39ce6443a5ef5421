"""Extraction throughput: the bundled weeks' relevant papers -> extract_week through the fake OpenAI server.

The papers are the first N records of data/arxiv/*.jsonl that pass the relevance pre-score (the weeks
held out for judging, 2026-W12, W22 and W26, are never read), re-dated into one week and loaded into
a temporary SQLite file. The fake server (tests/fakeopenai.py, in its own process so its RuleBasedLLM
answers do not compete with the client for the GIL) answers each call after an injected latency
(300 ms, its own computing included); a warm-up run lets it compute each answer once, and the timed
run (force: every paper again) gets them from its memory after the latency, so the server is never
the bottleneck. Baseline, measured in the same run: the same number of requests, at the same
concurrency, to the server's no-op endpoint (the latency and HTTP, no work on either side), so the
ratio extraction wall / baseline wall is our client's overhead over the floor (target <= 1.25).
Printed: wall times, the ratio, calls, input and output tokens per paper, then a second run that must
make 0 calls (the extraction cache). No ratio is printed when an extraction failed or a call was
missing (exit 1). Then the token cost of prompt extract_paper on the bundled 2026-W16 week alone
(every relevant paper rendered as the extract stage renders it; RuleBasedLLM's answer as the output):
input per paper, mean and max, against the target (<= 1,500), output per paper (evidence quotes
included), and the size of the json_schema response_format, which the fake does not count but the
OpenAI API does. Tokens are estimated as characters // 4, as the offline and fake backends do.

    python bench/extract_throughput.py [--papers 150] [--latency 0.3] [--concurrency 8] [--version v2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]

from ingest.config import Settings  # noqa: E402
from ingest.crawl import relevance  # noqa: E402
from ingest.crawl import stage as crawl  # noqa: E402
from ingest.crawl.snapshot import read_snapshot  # noqa: E402
from ingest.db import engine as db  # noqa: E402
from ingest.extract import stage as extract  # noqa: E402
from ingest.facts import topics  # noqa: E402
from ingest.facts.sheet import PaperExtraction, PaperFacts  # noqa: E402
from ingest.llm import RuleBasedLLM  # noqa: E402
from ingest.llm.prompts import render  # noqa: E402
from ingest.llm.structured import response_format  # noqa: E402

WEEK, WEEK_MONDAY = "2026-W16", "2026-04-13"
HELD_OUT = {"2026-W12", "2026-W22", "2026-W26"}  # kept for judging: never read, never tuned on
INPUT_TARGET = 1500


def pick_papers(count: int, threshold: float) -> list[dict]:
    """The first `count` relevant records of the bundled weeks (raw JSON), re-dated into WEEK."""
    chosen: list[dict] = []
    for path in sorted((ROOT / "data" / "arxiv").glob("*.jsonl")):
        if path.stem in HELD_OUT:
            continue
        records, _ = read_snapshot(path)
        relevant = {r.arxiv_id for r in records if relevance.score(r)[0] >= threshold}
        for line in path.read_text(encoding="utf-8").splitlines():
            raw = json.loads(line) if line.strip() else None
            if raw and raw["id"] in relevant and len(chosen) < count:
                chosen.append({**raw, "listing_date": WEEK_MONDAY, "iso_week": WEEK})
    if len(chosen) < count:
        raise SystemExit(f"only {len(chosen)} relevant papers in data/arxiv (held-out weeks excluded)")
    return chosen


class FakeProcess:
    """tests/fakeopenai.py served by a child process; `stats()` reads its request counters."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def stats(self) -> dict:
        return httpx.get(f"{self.base_url}/fake/stats", timeout=5).json()


@contextmanager
def fake_server(latency: float) -> Iterator[FakeProcess]:
    script = ROOT / "tests" / "fakeopenai.py"
    child = subprocess.Popen(
        [sys.executable, str(script), "--latency", str(latency)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        yield FakeProcess(child.stdout.readline().strip())
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(timeout=10)
        child.stdout.close()


def noop_baseline(base_url: str, calls: int, concurrency: int) -> float:
    """Seconds for `calls` POSTs to the no-op endpoint, at most `concurrency` in flight (the floor)."""

    async def go() -> float:
        limit = asyncio.Semaphore(concurrency)
        async with httpx.AsyncClient(timeout=30) as client:

            async def one() -> None:
                async with limit:
                    (await client.post(f"{base_url}/fake/noop", json={})).raise_for_status()

            started = time.perf_counter()
            await asyncio.gather(*(one() for _ in range(calls)))
            return time.perf_counter() - started

    return asyncio.run(go())


def timed_run(
    settings: Settings, engine, fake: FakeProcess, *, force: bool = False
) -> tuple[float, int, extract.ExtractResult]:
    before = fake.stats()["count"]
    started = time.perf_counter()
    result = extract.extract_week(settings, WEEK, engine=engine, force=force)
    return time.perf_counter() - started, fake.stats()["count"] - before, result


def refuse_unless_done(result: extract.ExtractResult, calls: int) -> None:
    if result.failed or result.extracted != result.selected or calls < result.extracted:
        for failure in result.failures[:5]:
            print(f"  FAILED {failure}")
        raise SystemExit(
            f"extraction did not do its work ({result.extracted} of {result.selected} extracted, "
            f"{result.failed} failed, {calls} calls): no ratio printed"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=150)
    parser.add_argument("--latency", type=float, default=0.3, help="seconds the fake server waits per call")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--version", default="v2", help="extract_paper version for the W16 token figures")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, fake_server(args.latency) as fake:
        settings = Settings(
            db_url=f"sqlite:///{tmp}/bench.sqlite3",
            cache_dir=Path(tmp) / "cache",
            backend="openai",
            openai_base_url=fake.base_url,
            openai_api_key="sk-bench",
            llm_concurrency=args.concurrency,
            llm_timeout=30.0,
        )
        source = Path(tmp) / "papers.jsonl"
        papers = pick_papers(args.papers, settings.relevance_threshold)
        source.write_text("".join(json.dumps(p) + "\n" for p in papers), encoding="utf-8")
        engine = db.open_engine(settings)
        crawled = crawl.crawl_week(settings, WEEK, source=source, engine=engine)
        print(f"papers loaded: {crawled.new} new of {len(papers)} into {WEEK}")

        started = time.perf_counter()
        import openai  # noqa: F401 - imported lazily by llm.py; a one-off per process, kept out of the timing

        print(f"openai import (once per process, not timed): {time.perf_counter() - started:.2f}s")
        warm, warm_calls, warmed = timed_run(settings, engine, fake)
        refuse_unless_done(warmed, warm_calls)
        print(
            f"warm-up run (the server computes each answer once, then remembers it): {warm:.2f}s, "
            f"{warm_calls} calls, extracted={warmed.extracted} of {warmed.selected}"
        )
        wall, calls, result = timed_run(settings, engine, fake, force=True)
        refuse_unless_done(result, calls)
        tokens = result.prompt_tokens + result.completion_tokens
        print(
            f"timed run (--force: every paper again; the server only waits its latency): "
            f"extracted={result.extracted} failed={result.failed} calls={calls} "
            f"(at most {fake.stats()['max_in_flight']} in flight; concurrency {args.concurrency})"
        )
        floor = noop_baseline(fake.base_url, calls, args.concurrency)
        print(
            f"  wall={wall:.2f}s; baseline ({calls} no-op calls, same latency and concurrency)={floor:.2f}s "
            f"-> ratio {wall / floor:.3f} (target <= 1.25)"
        )
        done = max(1, result.extracted)
        print(
            f"  tokens: input={result.prompt_tokens} output={result.completion_tokens} per paper: "
            f"input={result.prompt_tokens / done:.0f} output={result.completion_tokens / done:.0f} "
            f"total={tokens / done:.0f}"
        )

        wall2, calls2, result2 = timed_run(settings, engine, fake)
        print(
            f"second run: calls={calls2} cached={result2.cached} extracted={result2.extracted} "
            f"wall={wall2:.2f}s (must make 0 calls)"
        )
        db.forget_engines()
    week_tokens(WEEK, args.version, settings.relevance_threshold)
    if calls2 != 0:
        raise SystemExit("second run made calls: the extraction cache is broken")


def week_tokens(week: str, version: str, threshold: float) -> None:
    """Input and output tokens per paper of prompt extract_paper `version` on one bundled week."""
    records, _ = read_snapshot(ROOT / "data" / "arxiv" / f"{week}.jsonl")
    llm, inputs, outputs = RuleBasedLLM(), [], []
    schema = PaperFacts if version != "v1" else PaperExtraction
    for rec in records:
        if relevance.score(rec)[0] < threshold:
            continue
        paper = {
            "title": rec.title,
            "abstract": rec.abstract,
            "comment": rec.comment or "",
            "affiliations": list(rec.affiliations or []),
            "fulltext": "",
        }
        if version == "v1":
            variables = {"arxiv_id": rec.arxiv_id, **paper, "authors": list(rec.authors or [])}
            variables |= {"categories": list(rec.categories or []), "topics": topics.titles()}
        else:
            variables = {"arxiv_id": rec.arxiv_id, "topic_slugs": ", ".join(topics.slugs()), "input": paper}
        answer = asyncio.run(llm.complete(render("extract_paper", version, variables), schema))
        inputs.append(answer.prompt_tokens)
        outputs.append(answer.completion_tokens)
    schema_tokens = len(json.dumps(response_format(schema))) // 4
    verdict = "ok" if max(inputs) <= INPUT_TARGET else "OVER"
    print(
        f"{week} extract_paper {version}: {len(inputs)} papers; input per paper "
        f"mean={statistics.mean(inputs):.0f} max={max(inputs)} (target <= {INPUT_TARGET}: {verdict}); "
        f"output per paper mean={statistics.mean(outputs):.0f} max={max(outputs)}"
    )
    print(f"  json_schema response_format of {schema.__name__}: ~{schema_tokens} tokens (fake: not counted)")


if __name__ == "__main__":
    main()
