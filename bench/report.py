"""Bench: wall time and LLM calls to compose one week's report, offline and through the fake OpenAI server.

usage: python bench/report.py [--week 2026-W16] [--papers N ...]

For each N: load the first N records of data/arxiv/WEEK.jsonl into a fresh SQLite file, extract them
(offline rules), then time `report.build_report` with the offline backend and with the OpenAI
client pointed at tests/fakeopenai.py. Prints papers, sections, calls, the call budget
(sections + 3) and whether it holds, and the report wall time against the extraction wall time of
the same papers (a ratio: how much the report adds on top of the per-paper work).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from pydantic import SecretStr  # noqa: E402

from fakeopenai import FakeOpenAI  # noqa: E402
from ingest.config import Settings  # noqa: E402
from ingest.crawl import stage as crawl  # noqa: E402
from ingest.db import engine as db  # noqa: E402
from ingest.errors import VerificationError  # noqa: E402
from ingest.extract import stage as extract  # noqa: E402
from ingest.report import build as report  # noqa: E402
from ingest.report.verify import parse  # noqa: E402


def _prepare(tmp: Path, week: str, n: int) -> tuple[Settings, float]:
    lines = (ROOT / "data" / "arxiv" / f"{week}.jsonl").read_text().splitlines()[:n]
    src = tmp / f"{week}.jsonl"
    src.write_text("\n".join(lines) + "\n")
    settings = Settings(
        db_url=f"sqlite:///{tmp / 'bench.sqlite3'}",
        reports_dir=tmp / "reports",
        cache_dir=tmp / "cache",
        backend="offline",
        arxiv_delay_seconds=0.0,
    )
    crawl.crawl_week(settings, week, source=src)
    start = time.perf_counter()
    extract.extract_week(settings, week)
    return settings, time.perf_counter() - start


def _build(settings: Settings, week: str) -> tuple[report.ReportResult | None, float, str]:
    start = time.perf_counter()
    try:
        res = report.build_report(settings, week)
        status = res.status
    except VerificationError as exc:
        res, status = None, f"Draft ({len(exc.problems)} problems)"
    return res, time.perf_counter() - start, status


def _line(label: str, res: report.ReportResult | None, secs: float, status: str, extract_secs: float) -> None:
    if res is None:
        print(f"  {label:8s} {status}  wall={secs:.3f}s")
        return
    sections = len(parse(res.path.read_text())) - 3
    budget = sections + 3
    print(
        f"  {label:8s} papers={res.papers} deep={res.deep_dives} sections={sections} calls={res.calls} "
        f"budget={budget} within_budget={res.calls <= budget} status={status} wall={secs:.3f}s "
        f"report/extract={secs / max(extract_secs, 1e-9):.2f}"
    )


def bench(week: str, n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings, extract_secs = _prepare(Path(tmp), week, n)
        print(f"{week} first {n} records: extraction wall={extract_secs:.3f}s")
        res, secs, status = _build(settings, week)
        _line("offline", res, secs, status, extract_secs)
        with FakeOpenAI(api_key="sk-bench") as fake:
            remote = settings.model_copy(
                update={
                    "backend": "openai",
                    "openai_base_url": fake.base_url,
                    "openai_api_key": SecretStr("sk-bench"),
                }
            )
            res, secs, status = _build(remote, week)
            _line("fake-api", res, secs, status, extract_secs)
            print(f"  fake server requests={fake.count}")
        db.forget_engines()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--week", default="2026-W16")
    parser.add_argument("--papers", type=int, nargs="+", default=[30, 116])
    args = parser.parse_args()
    for n in args.papers:
        bench(args.week, n)


if __name__ == "__main__":
    main()
