"""Extraction workers sharing one database: disjoint claims (SQLite and PostgreSQL), several real
`ingest extract` processes on PostgreSQL without a duplicate call, a killed worker's papers taken
over, and SQLite's single-writer lock."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from conftest import run_ingest, week_file, wiped_pg
from fakeopenai import FakeOpenAI
from ingest.config import Settings
from ingest.crawl import stage as crawl
from ingest.db import engine as db
from ingest.db import lock
from ingest.db.models import Extraction, ExtractTask, LLMCall, Paper
from ingest.extract import stage as extract
from ingest.extract.tasks import Tasks

WEEK = "2026-W16"


def crawled(url: str, tmp_path: Path, **overrides: Any) -> tuple[Settings, Any]:
    settings = Settings(db_url=url, cache_dir=tmp_path / "cache", backend="offline", **overrides)
    engine = db.open_engine(settings)
    crawl.crawl_week(settings, WEEK, source=week_file(WEEK), engine=engine)
    return settings, engine


def count(engine: Any, table: Any, *where: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar() or 0)


def ok_per_paper(engine: Any) -> dict[str, int]:
    with engine.connect() as conn:
        stmt = (
            select(Paper.arxiv_id, func.count())
            .join(Extraction, Extraction.paper_id == Paper.id)
            .where(Extraction.status == "ok")
            .group_by(Paper.arxiv_id)
        )
        return dict(conn.execute(stmt).all())


def calls_per_paper(engine: Any) -> dict[int, int]:
    with engine.connect() as conn:
        return dict(conn.execute(select(LLMCall.paper_id, func.count()).group_by(LLMCall.paper_id)).all())


def test_claims_are_disjoint_and_given_back(any_db_url: str, tmp_path: Path) -> None:
    settings, engine = crawled(any_db_url, tmp_path)
    jobs, selected, _ = extract.selected_jobs(settings, engine, "m", WEEK)
    a, b = Tasks(engine, 600.0), Tasks(engine, 600.0)
    a.add([j.key for j in jobs])
    b.add([j.key for j in jobs])
    assert a.ids == b.ids and len(a.ids) == selected > 20
    first, second, third = a.claim(4), b.claim(4), a.claim(4)
    assert first is not None and second is not None and third is not None
    assert len(first) == len(second) == len(third) == 4
    assert not set(first) & set(second) and not set(third) & (set(first) | set(second))
    a.close()  # gives back its 8 claimed tasks
    rest = b.claim(1000)
    assert rest is not None and len(rest) == selected - 4 and set(first) <= set(rest)
    assert b.claim(4) == []  # everything left is held (by b itself): wait
    b.close()


def _worker_env(fake: FakeOpenAI, tmp_path: Path, concurrency: int) -> dict[str, str]:
    return {
        **os.environ,
        "OPENAI_BASE_URL": fake.base_url,
        "OPENAI_API_KEY": "sk-test-workers",
        "INGEST_LLM_CONCURRENCY": str(concurrency),
        "INGEST_LLM_MAX_RETRIES": "0",
        "INGEST_CONFIG": "",
    }


def test_three_worker_processes_share_a_week_on_postgres(tmp_path: Path) -> None:
    url = wiped_pg()
    settings, engine = crawled(url, tmp_path)
    _, selected, _ = extract.selected_jobs(settings, engine, "m", WEEK)
    with FakeOpenAI(latency=0.05) as fake:
        env = _worker_env(fake, tmp_path, concurrency=2)
        cmd = [sys.executable, "-m", "ingest", "-q", "--db", url, "extract", "--week", WEEK]
        procs = [
            subprocess.Popen(cmd, env=env, cwd=tmp_path, stdout=subprocess.PIPE, text=True) for _ in range(3)
        ]
        outputs = [p.communicate(timeout=300)[0] for p in procs]
        asked = fake.papers()
    assert [p.returncode for p in procs] == [0, 0, 0]
    extracted = [int(re.search(r"(\d+) extracted", out).group(1)) for out in outputs]  # type: ignore[union-attr]
    assert sum(extracted) == selected
    assert len(asked) == selected and set(asked.values()) == {1}  # the server saw every paper exactly once
    assert set(calls_per_paper(engine).values()) == {1} and count(engine, LLMCall) == selected
    assert len(ok_per_paper(engine)) == selected and count(engine, ExtractTask) == 0


def test_a_killed_workers_papers_are_taken_over_at_once(tmp_path: Path) -> None:
    url = wiped_pg()
    settings, engine = crawled(url, tmp_path)
    _, selected, _ = extract.selected_jobs(settings, engine, "m", WEEK)
    with FakeOpenAI(latency=30.0) as fake:  # the first worker's calls never come back
        env = _worker_env(fake, tmp_path, concurrency=3)
        cmd = [sys.executable, "-m", "ingest", "-q", "--db", url, "extract", "--week", WEEK]
        proc = subprocess.Popen(cmd, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and fake.count < 3:
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stdout.close()  # type: ignore[union-attr]
        proc.stderr.close()  # type: ignore[union-attr]
        held = count(engine, ExtractTask, ExtractTask.owner.is_not(None))
        assert fake.count == 3 and held == 6  # 2 x concurrency claimed, leased for 15 minutes, owner dead
        fake.latency = 0.0
        remote = settings.model_copy(
            update={"backend": "openai", "openai_base_url": fake.base_url, "openai_api_key": None}
        )
        result = extract.extract_week(remote, WEEK)
    assert result.extracted == selected and result.failed == 0 and result.elsewhere == 0
    assert len(ok_per_paper(engine)) == selected and count(engine, ExtractTask) == 0
    assert set(calls_per_paper(engine).values()) == {1}


def test_sqlite_keeps_one_writer(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings, engine = crawled(db_url, tmp_path)
    with lock.hold(engine, settings):
        res = run_ingest(db_url, "extract", "--week", WEEK, "--backend", "offline")
    assert res.exit_code == 3 and "another run holds the database lock" in res.stderr
    assert count(engine, Extraction) == 0
    res = run_ingest(db_url, "extract", "--week", WEEK, "--backend", "offline")
    assert res.exit_code == 0 and count(engine, ExtractTask) == 0
