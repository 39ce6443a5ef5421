"""Usability (issue 15, item 16): `ingest status` in 80 columns, `-v` stage lines for every stage
command, a live crawl without network that stops within a stated time and names its query once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, run_ingest, week_records

WEEK = "2026-W16"


def _subset(tmp_path: Path, n: int = 12) -> Path:
    path = tmp_path / "subset.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in week_records(WEEK)[:n]))
    return path


def _ingest(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`ingest ARGS` as a real process (logging configured from scratch, as a user sees it)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("INGEST_", "OPENAI_"))}
    clean.update(INGEST_CONFIG="", PYTHONPATH=str(ROOT / "src"), **env)
    argv = [sys.executable, "-m", "ingest", *args]
    return subprocess.run(argv, env=clean, cwd=tmp_path, capture_output=True, text=True, timeout=180)


def test_status_reads_in_80_columns(tmp_path, monkeypatch):
    db = str(tmp_path / "ingest.sqlite3")
    assert run_ingest(db, "run", "--week", WEEK, "--source", str(_subset(tmp_path))).exit_code == 0
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(week_records(WEEK)[20]) + "\n" + "not json at all, a long broken line\n" * 3)
    assert run_ingest(db, "crawl", "--week", WEEK, "--source", str(bad)).exit_code == 1
    monkeypatch.setenv("COLUMNS", "80")
    res = run_ingest(db, "status")
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80, "\n".join(lines)
    header = next(line for line in lines if "started UTC" in line)
    assert header.split() == ["id", "kind", "week", "status", "started", "UTC", "secs", "tokens", "cost", "$"]
    assert any(line.split()[:4] == ["2", "crawl", WEEK, "partial"] for line in lines)
    assert any(line.split()[:4] == ["1", "run", WEEK, "ok"] for line in lines)
    assert any(line.startswith("run 1: crawl ") and "extract " in line for line in lines)
    assert "run 2 crawl 2026-W16 partial: line 2: invalid JSON" in res.stdout


def test_verbose_gives_stage_lines_for_each_stage_command(tmp_path):
    db = str(tmp_path / "ingest.sqlite3")
    source = str(_subset(tmp_path))
    runs = {
        "crawl": _ingest(tmp_path, "--db", db, "-v", "crawl", "--week", WEEK, "--source", source),
        "extract": _ingest(tmp_path, "--db", db, "-v", "extract", "--week", WEEK),
        "report": _ingest(tmp_path, "--db", db, "-v", "report", "--week", WEEK),
    }
    for stage, res in runs.items():
        assert res.returncode == 0, res.stderr
        assert f"stage={stage} event=start week={WEEK}" in res.stderr
        assert f"stage={stage} event=done seconds=" in res.stderr
    assert "new=12" in runs["crawl"].stderr and "extracted=" in runs["extract"].stderr
    assert "version=1" in runs["report"].stderr
    # without -v a stage command logs no stage lines: test_live_crawl_without_network_... (a crawl on a
    # pipe) and test_progress_output.py's terminal runs check it


@pytest.mark.parametrize(
    ("give_up", "backoff", "attempts"),
    [("5", "100", 1), ("30", "0.01", 3)],
    ids=["backoff would pass the limit: one attempt", "retries fit: every attempt"],
)
def test_live_crawl_without_network_stops_within_the_stated_time(tmp_path, give_up, backoff, attempts):
    url = "http://127.0.0.1:9/api/query?{}"  # the discard port: nothing listens, the connection is refused
    env = {
        "INGEST_ARXIV_QUERY_URL": url,
        "INGEST_ARXIV_GIVE_UP_SECONDS": give_up,
        "INGEST_ARXIV_BACKOFF_SECONDS": backoff,
        "INGEST_ARXIV_RETRIES": "2",
        "INGEST_ARXIV_TIMEOUT": "2",
        "INGEST_ARXIV_DELAY_SECONDS": "0",
    }
    res = _ingest(tmp_path, "--db", str(tmp_path / "x.sqlite3"), "crawl", "--week", WEEK, **env)
    assert res.returncode == 1
    assert "stage=" not in res.stderr  # no -v: no stage lines
    error = [line for line in res.stderr.splitlines() if line.startswith("error:")]
    assert len(error) == 1
    assert error[0].startswith(
        f"error: arXiv API fetch failed after {attempts} attempt(s): connection failed"
    )
    assert f"retries stop within arxiv_give_up_seconds = {give_up}" in error[0]
    assert res.stderr.count("http://127.0.0.1:9/api/query?search_query=") == 1
