"""Crash safety: SIGKILL `python -m ingest run` at seeded random points during crawl, extraction and
report, then run again to completion and compare with an uninterrupted run.

Each chain works one fresh database: kill during crawl, relaunch and kill during extract, relaunch
and kill during report, then a final run that must exit 0. The kill point is "the run log shows the
stage started" plus a random delay drawn (fixed seed) from that stage's duration in an uninterrupted
calibration run. The LLM is the fake OpenAI server (with a little latency, so extraction takes long
enough to be interrupted); one fake server per chain counts that chain's requests.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import ROOT, week_records
from fakeopenai import FakeOpenAI

WEEK = "2026-W16"
SEED = 20260416
CHAINS = 7  # x 3 stages = 21 kills
STAGES = ("crawl", "extract", "report")
CONCURRENCY = 2
LATENCY = 0.0  # the fake answers through RuleBasedLLM: slow enough to interrupt
SUBSET = 16


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory) -> Path:
    """Real W16 records, every 7th, so the subset mixes in- and out-of-scope papers."""
    records = week_records(WEEK)[::7][:SUBSET]
    path = tmp_path_factory.mktemp("snap") / "w16-subset.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def _env(workdir: Path, base_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INGEST_", "OPENAI_"))}
    env.update(
        INGEST_CONFIG="",
        INGEST_REPORTS_DIR=str(workdir / "reports"),
        INGEST_CACHE_DIR=str(workdir / "cache"),
        INGEST_BACKEND="openai",
        OPENAI_BASE_URL=base_url,
        OPENAI_API_KEY="sk-test-reliability",
        INGEST_LLM_CONCURRENCY=str(CONCURRENCY),
        INGEST_LLM_MAX_RETRIES="0",
        PYTHONPATH=str(ROOT / "src"),
    )
    return env


def _launch(workdir: Path, snapshot: Path, base_url: str, out=subprocess.DEVNULL) -> subprocess.Popen:
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
        "--source",
        str(snapshot),
    ]
    return subprocess.Popen(argv, cwd=workdir, env=_env(workdir, base_url), stdout=out, stderr=out, text=True)


def _query(db: Path, sql: str, args: tuple = ()) -> list[tuple]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def _latest_run(db: Path, after: int) -> tuple[int, dict] | None:
    try:
        rows = _query(
            db, "SELECT id, stages FROM run WHERE kind='run' AND id>? ORDER BY id DESC LIMIT 1", (after,)
        )
    except sqlite3.Error:
        return None  # database not created or not migrated yet
    return (rows[0][0], json.loads(rows[0][1])) if rows else None


def _max_run_id(db: Path) -> int:
    latest = _latest_run(db, 0)
    return latest[0] if latest else 0


def _kill_during(workdir: Path, snapshot: Path, base_url: str, stage: str, delay: float) -> str | None:
    """Launch, wait until `stage` started in the run log, sleep `delay`, SIGKILL. Returns the stage
    the process died in (None when it finished before the kill)."""
    db = workdir / "ingest.sqlite3"
    before = _max_run_id(db) if db.exists() else 0
    proc = _launch(workdir, snapshot, base_url)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        latest = _latest_run(db, before)
        if latest and stage in latest[1]:
            break
        time.sleep(0.003)
    time.sleep(delay)
    if proc.poll() is not None:
        return None
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    latest = _latest_run(db, before)
    running = [s for s, v in (latest[1] if latest else {}).items() if v.get("status") == "running"]
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


def _complete(workdir: Path, snapshot: Path, base_url: str) -> subprocess.CompletedProcess:
    proc = _launch(workdir, snapshot, base_url, out=subprocess.PIPE)
    stdout, stderr = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


@pytest.fixture(scope="module")
def baseline(tmp_path_factory, snapshot) -> dict:
    """One uninterrupted run: stage durations, the report, and the counts every chain must reach."""
    workdir = tmp_path_factory.mktemp("baseline")
    with FakeOpenAI(latency=LATENCY) as fake:
        res = _complete(workdir, snapshot, fake.base_url)
        assert res.returncode == 0, res.stderr
        calls = fake.count
    db = workdir / "ingest.sqlite3"
    stages = json.loads(_query(db, "SELECT stages FROM run WHERE kind='run'")[0][0])
    return {
        "seconds": {s: stages[s]["seconds"] for s in STAGES},
        "report": _final_report(db),
        "papers": _query(db, "SELECT count(*) FROM paper")[0][0],
        "ok_extractions": _query(db, "SELECT count(*) FROM extraction WHERE status='ok'")[0][0],
        "calls": calls,
        "report_calls": _query(db, "SELECT count(*) FROM llm_call WHERE stage != 'extract'")[0][0],
        "stdout": res.stdout,
    }


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


def _chain(index: int, root: Path, snapshot: Path, baseline: dict) -> list[str | None]:
    rng = random.Random(SEED + index)
    workdir = root / f"chain{index}"
    workdir.mkdir()
    died = []
    with FakeOpenAI(latency=LATENCY) as fake:
        for stage in STAGES:
            delay = rng.uniform(0.0, 0.8 * baseline["seconds"][stage])
            died.append(_kill_during(workdir, snapshot, fake.base_url, stage, delay))
        res = _complete(workdir, snapshot, fake.base_url)
        calls = fake.count
    assert res.returncode == 0, res.stderr
    assert "report (Published): " in res.stdout
    db = workdir / "ingest.sqlite3"
    _check_database(db, baseline)
    assert _final_report(db) == baseline["report"]
    # only calls cut off by a kill are made again: extraction requests in flight, an unfinished report
    assert calls <= baseline["calls"] + len(STAGES) * (CONCURRENCY + baseline["report_calls"])
    return died


def test_sigkill_at_random_points_then_resume(tmp_path, snapshot, baseline):
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda i: _chain(i, tmp_path, snapshot, baseline), range(CHAINS)))
    died = [d for chain in results for d in chain]
    killed = [d for d in died if d is not None]
    assert len(killed) >= 20, died
    assert {"crawl", "extract", "report"} <= set(killed), died
