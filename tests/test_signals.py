"""Signals and killed processes, with real `ingest` processes (issue 15, item 8).

SIGTERM ends a run cleanly: the run row is closed failed, the lock released, one line printed, exit
143. SIGKILL of a bulk crawl leaves no forked worker or near-duplicate planner behind.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import ROOT, run_ingest, week_records
from fakeopenai import FakeOpenAI
from ingest.db import engine as db_engine

WEEK = "2026-W16"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INGEST_", "OPENAI_"))}
    env.update(INGEST_CONFIG="", PYTHONPATH=str(ROOT / "src"), **extra)
    return env


def _wait_for(condition, what: str, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.02)


def _subset(tmp_path: Path, n: int = 12) -> Path:
    path = tmp_path / "subset.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in week_records(WEEK)[:n]))
    return path


def _rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


@pytest.mark.parametrize("command", ["run", "extract"])
def test_sigterm_ends_a_run_cleanly(tmp_path, command):
    db = tmp_path / "ingest.sqlite3"
    source = _subset(tmp_path)
    if command == "extract":  # the week crawled first (in this process: the signal is not about it)
        crawled = run_ingest(f"sqlite:///{db}", "crawl", "--week", WEEK, "--source", str(source))
        assert crawled.exit_code == 0, crawled.stderr
        db_engine.forget_engines()
    args = (
        ["run", "--week", WEEK, "--source", str(source)] if command == "run" else ["extract", "--week", WEEK]
    )
    with FakeOpenAI(latency=30.0) as fake:
        env = _env(
            OPENAI_BASE_URL=fake.base_url, INGEST_LLM_CONCURRENCY="2", INGEST_REPORTS_DIR=str(tmp_path / "r")
        )
        argv = [sys.executable, "-m", "ingest", "--db", str(db), *args, "--backend", "openai"]
        proc = subprocess.Popen(
            argv, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        try:
            _wait_for(lambda: fake.count >= 1 or proc.poll() is not None, "the first LLM request")
            assert proc.poll() is None, proc.communicate()
            proc.send_signal(signal.SIGTERM)
            _stdout, stderr = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 128 + signal.SIGTERM, stderr
    assert stderr.strip().splitlines() == [
        "error: interrupted by SIGTERM: stopped cleanly (unfinished work is recorded as failed and the next "
        "run retries it; the database lock is released)"
    ]
    kind = "run" if command == "run" else "extract"
    runs = _rows(db, f"SELECT status, error FROM run WHERE kind = '{kind}'")
    assert runs == [("failed", "Interrupted: interrupted by SIGTERM")]
    assert _rows(db, "SELECT * FROM lock") == []
    assert _rows(db, "SELECT count(*) FROM extraction WHERE status = 'ok'") == [(0,)]


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not Path("/proc").is_dir() or (os.cpu_count() or 1) < 2, reason="needs /proc and 2 CPUs")
def test_sigkill_of_a_bulk_crawl_leaves_no_forked_process(tmp_path):
    """A backfill takes the bulk path: forked row workers and the near-duplicate planner. Killing the
    loader with SIGKILL (no cleanup runs) must take them down too."""
    base = week_records(WEEK)
    path = tmp_path / "bulk.jsonl"
    with path.open("w") as out:
        for i in range(12_000):
            record = dict(
                base[i % len(base)], id=f"2604.{20000 + i}", title=f"{base[i % len(base)]['title']} {i}"
            )
            out.write(json.dumps(record) + "\n")
    db = tmp_path / "ingest.sqlite3"
    db_engine.open_engine(f"sqlite:///{db}")  # migrated here: the child goes straight to its load
    db_engine.forget_engines()
    argv = [
        sys.executable,
        "-m",
        "ingest",
        "--db",
        str(db),
        "crawl",
        "--since",
        "2026-04-13",
        "--until",
        "2026-04-17",
        "--source",
        str(path),
    ]
    proc = subprocess.Popen(argv, env=_env(), cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_for(lambda: len(_children(proc.pid)) >= 2 or proc.poll() is not None, "the forked processes")
        children = _children(proc.pid)
        assert proc.poll() is None and len(children) >= 2, "the load ended before it forked"
        proc.kill()
        proc.wait(timeout=30)
        _wait_for(lambda: not any(_alive(c) for c in children), f"forked processes {children} to end", 30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert not any(_alive(c) for c in children)
    assert _rows(db, "SELECT count(*) FROM paper") == [(0,)]  # the killed load stored nothing


def test_sigterm_stops_the_scheduler_in_the_middle_of_a_run(tmp_path):
    """`ingest schedule` catches up the last complete week on start; SIGTERM while that run waits on
    arXiv ends it like `ingest run`: run failed, lock released, one line, exit 143."""
    seen = threading.Event()

    class SlowArxiv(BaseHTTPRequestHandler):
        def log_message(self, *_args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - stdlib name
            seen.set()
            time.sleep(60)

    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowArxiv)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    db = tmp_path / "ingest.sqlite3"
    env = _env(
        INGEST_ARXIV_QUERY_URL=f"http://127.0.0.1:{server.server_address[1]}/api/query?{{}}",
        INGEST_ARXIV_TIMEOUT="120",
        INGEST_ARXIV_DELAY_SECONDS="0",
    )
    argv = [sys.executable, "-m", "ingest", "--db", str(db), "schedule"]
    proc = subprocess.Popen(
        argv, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        _wait_for(lambda: seen.is_set() or proc.poll() is not None, "the catch-up run to query arXiv")
        assert proc.poll() is None, proc.communicate()
        proc.send_signal(signal.SIGTERM)
        _stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
        server.shutdown()
        server.server_close()
    assert proc.returncode == 128 + signal.SIGTERM, stderr
    assert [line for line in stderr.splitlines() if line.strip()] == [
        "error: interrupted by SIGTERM: stopped cleanly (unfinished work is recorded as failed and the next "
        "run retries it; the database lock is released)"
    ]
    assert _rows(db, "SELECT kind, status, error FROM run") == [
        ("run", "failed", "Interrupted: interrupted by SIGTERM")
    ]
    assert _rows(db, "SELECT * FROM lock") == []


@pytest.mark.parametrize("interrupted", [True, False])
def test_after_an_interrupt_a_librarys_unawaited_coroutines_print_nothing(interrupted: bool) -> None:
    # an HTTP call cut short by SIGTERM left httpcore's 'aclosing.__aexit__' never awaited, and
    # Python printed a RuntimeWarning beside the CLI's one error line
    code = (
        "from ingest.cli.app import quiet_unwinding\nquiet_unwinding()\n" if interrupted else ""
    ) + "async def cut_short():\n    pass\ncut_short()\nimport gc\ngc.collect()\n"
    done = subprocess.run(
        [sys.executable, "-c", code], env=_env(), capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert ("was never awaited" in done.stderr) is not interrupted
