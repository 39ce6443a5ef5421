"""Database lock: exclusive, waits a bounded time, names its holder, takes over stale locks."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from conftest import week_file
from ingest.config import Settings
from ingest.db import lock
from ingest.db.engine import open_engine
from ingest.db.models import Lock, Paper, Run
from ingest.errors import LockError
from test_config import run_cli

HOLDER = """
import sys, time
from ingest.config import Settings
from ingest.db.engine import open_engine
from ingest.db import lock
s = Settings(db_url=sys.argv[1], lock_stale_seconds=3600)
held = lock.acquire(open_engine(s), s)
print("held", flush=True)
time.sleep(float(sys.argv[2]) if len(sys.argv) > 2 else 60)
held.release()
"""


def _spawn_holder(db_url: str, seconds: float = 60) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, db_url, str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_second_acquire_fails_naming_the_holder(engine, settings):
    held = lock.acquire(engine, settings)
    try:
        with pytest.raises(LockError) as exc:
            lock.acquire(engine, settings)
        assert f"pid {os.getpid()} on {socket.gethostname()}" in str(exc.value)
        assert "another run holds the database lock 'pipeline'" in str(exc.value)
    finally:
        held.release()
    assert lock.current_holder(engine) is None
    again = lock.acquire(engine, settings)
    again.release()


class Waiting(logging.Handler):
    """Sets `seen` when lock.acquire logs that it waits for a holder."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.seen = threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if "event=waiting" in record.getMessage():
            self.seen.set()


@pytest.fixture
def waiting():
    handler, logger = Waiting(), logging.getLogger("ingest.db.lock")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


def test_second_run_waits_until_the_first_releases(engine, settings, waiting):
    first = lock.acquire(engine, settings)
    got: list[lock.HeldLock] = []
    second = threading.Thread(
        target=lambda: got.append(lock.acquire(engine, settings.model_copy(update={"lock_wait_seconds": 60})))
    )
    second.start()
    assert waiting.seen.wait(30)  # the second found the lock held and waits
    assert not got and lock.current_holder(engine).owner == first.owner
    first.release()
    second.join(60)
    assert len(got) == 1 and lock.current_holder(engine).owner == got[0].owner != first.owner
    got[0].release()


def test_wait_is_bounded(engine, settings, waiting):
    held = lock.acquire(engine, settings)
    t0 = time.monotonic()
    with pytest.raises(LockError, match="waited 1s"):
        lock.acquire(engine, settings.model_copy(update={"lock_wait_seconds": 1.0}))
    assert time.monotonic() - t0 >= 1.0 and waiting.seen.is_set()  # it did wait, then gave up
    assert lock.current_holder(engine).owner == held.owner
    held.release()


def test_lock_of_a_live_process_blocks_and_of_a_killed_one_is_taken_over(engine, settings, db_url):
    proc = _spawn_holder(db_url)
    try:
        holder = lock.current_holder(engine)
        assert holder.pid == proc.pid
        with pytest.raises(LockError, match=f"pid {proc.pid}"):
            lock.acquire(engine, settings)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
    held = lock.acquire(engine, settings)
    assert held.took_over is not None and held.took_over.pid == proc.pid
    assert lock.current_holder(engine).pid == os.getpid()
    held.release()


def _foreign_lock(engine, heartbeat_age: timedelta) -> None:
    old = datetime.now(UTC) - heartbeat_age
    with Session(engine) as session:
        session.add(
            Lock(
                name="pipeline",
                owner="elsewhere:4242:abc",
                pid=4242,
                host="elsewhere",
                acquired_at=old,
                heartbeat_at=old,
            )
        )
        session.commit()


def test_other_host_lock_is_stale_only_after_its_heartbeat_ages(engine, settings):
    _foreign_lock(engine, timedelta(seconds=30))
    with pytest.raises(LockError, match="pid 4242 on elsewhere"):
        lock.acquire(engine, settings.model_copy(update={"lock_stale_seconds": 60}))
    held = lock.acquire(engine, settings.model_copy(update={"lock_stale_seconds": 10}))
    assert held.took_over.owner == "elsewhere:4242:abc"
    held.release()


def test_heartbeat_is_refreshed_while_held(engine, settings):
    held = lock.acquire(engine, settings.model_copy(update={"lock_stale_seconds": 0.4}))
    first = lock.current_holder(engine).heartbeat_at
    deadline = time.monotonic() + 30
    while (later := lock.current_holder(engine).heartbeat_at) == first and time.monotonic() < deadline:
        time.sleep(0.02)  # polling the row until the heartbeat thread writes it
    assert held.interval == pytest.approx(0.1)
    assert later > first
    assert not lock.Holder(held.owner, os.getpid(), socket.gethostname(), first, later).is_stale(0.4)
    held.release()


def test_cli_run_while_locked_exits_3_naming_the_holder(db_url):
    proc = _spawn_holder(db_url)
    try:
        res = run_cli("--db", db_url, "run", "--week", "2026-W16")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
    assert res.exit_code == 3
    assert f"pid {proc.pid}" in res.stderr and "another run holds the database lock" in res.stderr
    assert res.stderr.count("\n") == 1


WRITERS = [
    ["crawl", "--week", "2026-W16", "--source", str(week_file("2026-W16"))],
    ["extract", "--week", "2026-W16"],
    ["report", "--week", "2026-W16"],
    ["db", "upgrade"],
    ["publish", "site", "--out", str(Path(tempfile.gettempdir()) / "ingest-never-written-site")],
    ["publish", "notion", "--database", "never-used"],
    ["run", "--week", "2026-W16", "--source", str(week_file("2026-W16"))],
]


@pytest.mark.parametrize("args", WRITERS, ids=[" ".join(a[:2]) for a in WRITERS])
def test_every_writing_command_takes_the_lock(db_url, args):
    proc = _spawn_holder(db_url)
    try:
        res = run_cli("--db", db_url, *args)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
    assert res.exit_code == 3, res.output
    assert res.stderr.startswith("error: another run holds the database lock 'pipeline': pid ")
    assert f"pid {proc.pid}" in res.stderr and res.stderr.count("\n") == 1
    with Session(open_engine(Settings(db_url=db_url))) as session:
        assert session.exec(select(func.count()).select_from(Paper)).one() == 0
        assert session.exec(select(func.count()).select_from(Run)).one() == 0


def test_a_writing_command_waits_for_the_lock_when_told(db_url, monkeypatch):
    proc = _spawn_holder(db_url, seconds=1.0)
    monkeypatch.setenv("INGEST_LOCK_WAIT_SECONDS", "60")
    try:
        res = run_cli("--db", db_url, "crawl", "--week", "2026-W16", "--source", str(week_file("2026-W16")))
    finally:
        proc.wait(timeout=60)
        proc.stdout.close()
    assert res.exit_code == 0, res.output
    assert "2026-W16: 116 new" in res.stdout
    assert lock.current_holder(open_engine(Settings(db_url=db_url))) is None


def test_the_lock_decision_is_one_function(engine):
    needs = {
        c: lock.needed_for(c, engine)
        for c in ("run", "crawl", "extract", "report", "publish", "db upgrade", "schedule")
    }
    assert needs == dict.fromkeys(needs, True)
    assert not any(
        lock.needed_for(c, engine) for c in ("papers", "status", "search", "stats", "config", "browse")
    )
