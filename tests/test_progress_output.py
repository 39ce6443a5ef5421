"""What the commands write to stderr: a progress bar only when stderr is a terminal (a real
pseudo-terminal here) and not with -q (`ingest extract`, whose bar is the one `ingest run` draws for
its extract stage, and which starts faster), structured `stage=... event=...` lines with -v
(`ingest run` on a pipe), nothing but errors otherwise."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import run_ingest, week_records
from watched import ingest_env

WEEK = "2026-W16"
BAR = re.compile(r"extract\s.*\d+/\d+")  # the extract bar: its label and done/total


@pytest.fixture(scope="module")
def subset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("subset") / "w16.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in week_records(WEEK)[::10][:5]))
    return path


def run(workdir: Path, subset: Path, *options: str, command: str = "run", terminal: bool) -> tuple[int, str]:
    """`python -m ingest [options] <command> --week W16 ...` with stderr on a pseudo-terminal or a pipe:
    (exit code, stderr). `extract` runs on a database the snapshot was crawled into first."""
    db = workdir / "ingest.sqlite3"
    argv = [sys.executable, "-m", "ingest", "--db", str(db), *options, command, "--week", WEEK]
    if command == "run":
        argv += ["--source", str(subset)]
    else:
        crawled = run_ingest(str(db), "crawl", "--week", WEEK, "--source", str(subset))
        assert crawled.exit_code == 0, crawled.stderr
    env = ingest_env(workdir, llm_concurrency=1)
    if not terminal:
        proc = subprocess.run(argv, cwd=workdir, env=env, capture_output=True, text=True, timeout=120)
        return proc.returncode, proc.stderr
    leader, follower = pty.openpty()
    env.update(COLUMNS="120", LINES="40", TERM="xterm")
    proc = subprocess.Popen(argv, cwd=workdir, env=env, stdout=subprocess.DEVNULL, stderr=follower)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return proc.wait(120), b"".join(chunks).decode(errors="replace")


def test_a_terminal_gets_a_progress_bar(tmp_path: Path, subset: Path) -> None:
    code, stderr = run(tmp_path, subset, command="extract", terminal=True)
    assert code == 0, stderr
    assert BAR.search(stderr), stderr
    assert "stage=" not in stderr


def test_quiet_on_a_terminal_draws_nothing(tmp_path: Path, subset: Path) -> None:
    assert run(tmp_path, subset, "-q", command="extract", terminal=True) == (0, "")


def test_a_pipe_gets_no_bar_and_verbose_gets_stage_lines(tmp_path: Path, subset: Path) -> None:
    code, stderr = run(tmp_path, subset, "-v", terminal=False)
    assert code == 0, stderr
    assert not BAR.search(stderr) and "\x1b[" not in stderr  # no bar, no terminal codes
    events = re.findall(r" INFO ingest\.\w+ stage=(\w+) event=(\w+)", stderr)
    assert events == [(s, e) for s in ("crawl", "extract", "report") for e in ("start", "done")]
    assert re.search(r"stage=extract event=done seconds=[\d.]+ .*\bextracted=\d+", stderr)
