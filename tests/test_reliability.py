"""Crash safety: SIGKILL `python -m ingest run` at points chosen from the run's own progress, then run
again to completion and compare with an uninterrupted run.

The crawl is live against the fake arXiv server (16 real W16 records in pages of 4) and the LLM is the
fake OpenAI server, so a kill point is a request one of them holds unanswered: the n-th arXiv page,
the n-th extraction call or the n-th report call of that launch, n drawn with a fixed seed from the
counts of an uninterrupted run. The process is then inside that stage, and the run log must say so.
Two chains, a test each: one, on a fresh database, is killed in the crawl and then in the
extraction; the other, on a copy of a database where the week was crawled and extracted (no report
yet), is killed in the report (each kill a `python -m ingest run` child process); then the
run resumes to its end (in this process: the same code, one interpreter start fewer) and must exit
0 with the uninterrupted run's report, papers and extractions, no repeated LLM call except those a
kill cut off, no run left `running` and no lock left behind.
"""

from __future__ import annotations

import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import Result

from conftest import run_ingest, week_records
from fakearxiv import FakeArxiv
from fakeopenai import PROMPT_OF_SCHEMA, FakeOpenAI, FakeRequest
from watched import ingest_env, runs

WEEK = "2026-W16"
SEED = 20260416
CONCURRENCY = 2
PAGE = 4
EXTRACT_SCHEMAS = {s for s, prompt in PROMPT_OF_SCHEMA.items() if prompt == "extract_paper"}
REPORT_SCHEMAS = set(PROMPT_OF_SCHEMA) - EXTRACT_SCHEMAS
RECORDS = week_records(WEEK)[::7][:16]  # every 7th: in- and out-of-scope papers


class Servers:
    """One chain's fake arXiv and fake OpenAI servers."""

    def __init__(self) -> None:
        self.arxiv = FakeArxiv(RECORDS)
        self.llm = FakeOpenAI()

    def __enter__(self) -> Servers:
        self.arxiv.__enter__()
        self.llm.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.llm.__exit__(*exc)
        self.arxiv.__exit__(*exc)

    def release(self) -> None:
        self.arxiv.release()
        self.llm.release()


def _env(workdir: Path, servers: Servers) -> dict[str, str]:
    env = ingest_env(
        workdir,
        backend="openai",
        llm_concurrency=CONCURRENCY,
        llm_max_retries=0,
        arxiv_query_url=servers.arxiv.query_url,
        arxiv_delay_seconds=0,
        arxiv_page_size=PAGE,
        arxiv_retries=0,
    )
    env.update(OPENAI_BASE_URL=servers.llm.base_url, OPENAI_API_KEY="sk-test-reliability")
    return env


def _launch(workdir: Path, servers: Servers) -> subprocess.Popen:
    """`python -m ingest -q run --week W16` in a child process (the one a kill ends)."""
    argv = [
        sys.executable,
        "-m",
        "ingest",
        "--db",
        str(workdir / "ingest.sqlite3"),
        "-q",
        "run",
        "--week",
        WEEK,
    ]
    out = subprocess.DEVNULL
    return subprocess.Popen(argv, cwd=workdir, env=_env(workdir, servers), stdout=out, stderr=out, text=True)


def _complete(workdir: Path, servers: Servers, command: str = "run") -> Result:
    """The same run (or stage `command`) to its end in this process (the uninterrupted baseline, and
    each chain's resume): the same code without a second interpreter start."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(workdir)
        for name, value in _env(workdir, servers).items():
            if name.startswith(("INGEST_", "OPENAI_")):
                patch.setenv(name, value)
        return run_ingest(str(workdir / "ingest.sqlite3"), "-q", command, "--week", WEEK)


def _query(db: Path, sql: str, args: tuple = ()) -> list[tuple]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def _counting(schemas: set[str], n: int) -> Callable[[FakeRequest], bool]:
    """A predicate true for the n-th request (from now on) whose schema is in `schemas`."""
    seen = 0

    def nth(request: FakeRequest) -> bool:
        nonlocal seen
        seen += request.schema_name in schemas
        return request.schema_name in schemas and seen == n

    return nth


def _wait(proc: subprocess.Popen, ready: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 90
    while not ready():
        assert proc.poll() is None, f"the run ended (exit {proc.returncode}) before {what}"
        assert time.monotonic() < deadline, f"no {what} within 90 s"
        time.sleep(0.01)


def _kill(workdir: Path, servers: Servers, point: str, n: int) -> str:
    """Launch a run, SIGKILL it at `point` (the n-th arXiv page, extraction call or report call of
    this launch); returns the stage the run log shows running."""
    db = workdir / "ingest.sqlite3"
    before = max((r.id for r in runs(db)), default=0)
    if point == "crawl":
        arrived = servers.arxiv.hold_from(servers.arxiv.count + n)
    elif point == "extract":
        arrived = servers.llm.hold_when(_counting(EXTRACT_SCHEMAS, n))
    else:
        arrived = servers.llm.hold_when(_counting(REPORT_SCHEMAS, n))
    proc = _launch(workdir, servers)
    try:
        if point == "after crawl":
            _wait(
                proc,
                lambda: any(r.stages.get("crawl", {}).get("status") == "ok" for r in runs(db)[before:]),
                point,
            )
        else:
            _wait(proc, arrived.is_set, f"{point} request {n}")
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(30) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        servers.release()
    (run,) = [r for r in runs(db) if r.id > before]
    assert run.status == "running"  # killed: nobody closed it
    running = [stage for stage, info in run.stages.items() if info.get("status") == "running"]
    return running[-1] if running else "between stages"


def _normalized(markdown: str) -> str:
    markdown = re.sub(r"(?m)^date: .*$", "date: X", markdown)
    return re.sub(r"\brun: \d+", "run: X", markdown)


def _final_report(db: Path) -> str:
    rows = _query(
        db,
        "SELECT markdown FROM report WHERE week=? AND lang='en' AND status='Published' "
        "ORDER BY version DESC LIMIT 1",
        (WEEK,),
    )
    assert rows, "no Published report"
    return _normalized(rows[0][0])


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> dict:
    """One uninterrupted run: the report, the counts every chain must reach, the requests it made."""
    workdir = tmp_path_factory.mktemp("baseline")
    with Servers() as servers:
        res = _complete(workdir, servers)
        assert res.exit_code == 0, res.stderr
        schemas = [r.schema_name for r in servers.llm.requests]
        pages = servers.arxiv.count
    db = workdir / "ingest.sqlite3"
    return {
        "report": _final_report(db),
        "papers": _query(db, "SELECT count(*) FROM paper")[0][0],
        "ok_extractions": _query(db, "SELECT count(*) FROM extraction WHERE status='ok'")[0][0],
        "calls": len(schemas),
        "extract_calls": sum(s in EXTRACT_SCHEMAS for s in schemas),
        "report_calls": sum(s in REPORT_SCHEMAS for s in schemas),
        "pages": pages,
    }


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> Path:
    """A database with the week crawled and extracted (`ingest crawl`, `ingest extract` through the
    fake servers) and no report: a chain killed only in the report starts from a copy of it, so its
    one launch gets to the report stage without extracting the week again."""
    workdir = tmp_path_factory.mktemp("extracted")
    with Servers() as servers:
        for command in ("crawl", "extract"):
            res = _complete(workdir, servers, command)
            assert res.exit_code == 0, res.stderr
    return workdir / "ingest.sqlite3"


def _copy(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite database in WAL mode (sqlite3's backup API, not a file copy)."""
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def test_baseline_is_a_real_multi_page_crawl_with_extractions_and_a_report(baseline) -> None:
    assert baseline["pages"] == len(RECORDS) // PAGE == 4
    assert baseline["papers"] == len(RECORDS)
    assert baseline["ok_extractions"] == baseline["extract_calls"] >= 4
    assert baseline["report_calls"] >= 3  # a plan, sections, an overview


def _check_database(db: Path, baseline: dict) -> None:
    assert _query(db, "PRAGMA integrity_check") == [("ok",)]
    assert _query(db, "SELECT count(*), count(DISTINCT arxiv_id) FROM paper") == [(baseline["papers"],) * 2]
    assert _query(db, "SELECT count(*) FROM extraction WHERE status='ok'")[0][0] == baseline["ok_extractions"]
    assert (
        _query(db, "SELECT paper_id FROM extraction WHERE status='ok' GROUP BY paper_id HAVING count(*) > 1")
        == []
    )
    repeated = _query(
        db,
        "SELECT paper_id, prompt_hash, model, input_hash, count(*) FROM llm_call "
        "WHERE status='ok' AND paper_id IS NOT NULL "
        "GROUP BY paper_id, prompt_hash, model, input_hash HAVING count(*) > 1",
    )
    assert repeated == []
    assert _query(db, "SELECT count(*) FROM run WHERE status='running'") == [(0,)]
    assert _query(db, "SELECT count(*) FROM lock") == [(0,)]


def _kills(workdir: Path, servers: Servers, baseline: dict, points: tuple[str, ...]) -> list[str]:
    rng = random.Random(f"{SEED}:{points}")
    upto = {
        "crawl": baseline["pages"],
        "extract": baseline["extract_calls"],
        "report": baseline["report_calls"],
    }
    return [_kill(workdir, servers, point, rng.randint(1, upto[point])) for point in points]


@pytest.mark.parametrize(
    "points",
    [("crawl", "extract"), ("report",)],
    ids=["killed in the crawl, then in the extraction", "killed in the report"],
)
def test_sigkill_at_chosen_points_then_resume(tmp_path, baseline, extracted, points: tuple[str, ...]) -> None:
    """A chain of kills (each in its stage), then the run resumes to the end. The chain that starts in
    the crawl starts from a fresh database; the one killed only in the report from the extracted week."""
    if points[0] == "report":
        _copy(extracted, tmp_path / "ingest.sqlite3")
    with Servers() as servers:
        died = _kills(tmp_path, servers, baseline, points)
        res = _complete(tmp_path, servers)
        calls = servers.llm.count
    assert died == list(points)  # each kill landed in its stage
    assert res.exit_code == 0, res.stderr
    assert "report (Published): " in res.stdout
    db = tmp_path / "ingest.sqlite3"
    _check_database(db, baseline)
    assert _final_report(db) == baseline["report"]
    interrupted = runs(db)[: len(points)]
    assert [r.status for r in interrupted] == ["failed"] * len(points)  # closed by the next run
    # only calls a kill cut off are made again: extraction requests in flight, an unfinished report
    assert calls <= baseline["calls"] + len(points) * (CONCURRENCY + baseline["report_calls"])
