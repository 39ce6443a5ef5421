"""Batch API extraction against the fake server's /v1/files and /v1/batches (SQLite and PostgreSQL):
the same request bodies as the synchronous path, never a paper twice, per-line failures retried,
expired and cancelled batches, recovery after a killed process, the batch discount in the run cost."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from conftest import ROOT, run_ingest, week_file
from fakeopenai import FakeOpenAI
from ingest.config import Settings
from ingest.crawl import stage as crawl
from ingest.db import engine as db
from ingest.db import runlog
from ingest.db.models import Extraction, ExtractTask, LLMBatch, LLMCall, Paper, Run
from ingest.extract import batch, collect
from ingest.extract import stage as extract
from ingest.llm import make_llm

WEEK = "2026-W16"


def remote(url: str, fake: FakeOpenAI, tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = dict(
        db_url=url,
        reports_dir=tmp_path / "reports",
        cache_dir=tmp_path / "cache",
        backend="openai",
        openai_base_url=fake.base_url,
        openai_api_key="sk-test-batch",
        model="gpt-4o-mini",
        llm_timeout=10.0,
        llm_max_retries=0,
        llm_concurrency=4,
        batch_poll_seconds=0.01,
    )
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def fake():
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def setup(any_db_url: str, fake: FakeOpenAI, tmp_path: Path) -> tuple[Settings, Any, list[str]]:
    settings = remote(any_db_url, fake, tmp_path)
    engine = db.open_engine(settings)
    crawl.crawl_week(settings, WEEK, source=week_file(WEEK), engine=engine)
    jobs, _, _ = extract.selected_jobs(settings, engine, settings.model, WEEK)
    return settings, engine, sorted(j.arxiv_id for j in jobs)


def submit(settings: Settings, engine: Any) -> batch.BatchRun:
    jobs, _, _ = extract.selected_jobs(settings, engine, settings.model, WEEK)
    return batch.submit(settings, engine, jobs, make_llm(settings), run_id=None)


def collected(settings: Settings, engine: Any) -> tuple[batch.BatchRun, Run]:
    run_id = runlog.start_run(engine, "extract", None)
    res = collect.collect(settings, engine, make_llm(settings), run_id=run_id)
    run = runlog.finish_run(engine, settings, run_id, status="ok", counts=res.counts())
    return res, run


def count(engine: Any, table: Any, *where: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar() or 0)


def ok_papers(engine: Any) -> set[str]:
    with engine.connect() as conn:
        stmt = select(Paper.arxiv_id).join(Extraction, Extraction.paper_id == Paper.id)
        return set(conn.execute(stmt.where(Extraction.status == "ok")).scalars())


def custom_ids_of(fake: FakeOpenAI, engine: Any, arxiv_ids: list[str]) -> list[str]:
    with engine.connect() as conn:
        stmt = select(ExtractTask.id).join(Paper, Paper.id == ExtractTask.paper_id)
        return [f"task-{i}" for i in conn.execute(stmt.where(Paper.arxiv_id.in_(arxiv_ids))).scalars()]


def uploaded_lines(fake: FakeOpenAI) -> list[dict]:
    lines = []
    for job in fake.batches.batches.values():
        lines += [json.loads(x) for x in fake.batches.files[job.input_file_id].splitlines()]
    return lines


def test_batch_lines_carry_exactly_the_synchronous_request(setup, fake: FakeOpenAI) -> None:
    settings, engine, relevant = setup
    res = submit(settings, engine)
    assert res.requests == len(relevant) > 10 and len(res.submitted) == 1 and fake.count == 0
    lines = uploaded_lines(fake)
    assert {x["url"] for x in lines} == {"/v1/chat/completions"} and len(
        {x["custom_id"] for x in lines}
    ) == len(lines)
    batch.cancel(engine, make_llm(settings))
    assert collected(settings, engine)[0].unprocessed == len(relevant)  # tasks given back
    extract.extract_week(settings, WEEK)
    sync = {r.body["messages"][1]["content"]: r.body for r in fake.requests}
    assert len(sync) == len(relevant)
    for line in lines:
        assert line["body"] == sync[line["body"]["messages"][1]["content"]]
    assert lines[0]["body"]["response_format"]["type"] == "json_schema"


def test_a_paper_is_never_sent_twice_and_failed_lines_are_retried(setup, fake: FakeOpenAI) -> None:
    settings, engine, relevant = setup
    first = submit(settings, engine)
    again = submit(settings, engine)
    assert again.requests == 0 and again.busy == len(relevant) and again.submitted == []
    sync = extract.extract_week(settings, WEEK)  # papers in a live batch are left to it
    assert sync.calls == 0 and sync.in_batch == len(relevant) and fake.count == 0
    waiting, _ = collected(settings, engine)
    assert waiting.open == 1 and waiting.stored_ok == 0 and ok_papers(engine) == set()

    failing = custom_ids_of(fake, engine, relevant[:1])
    invalid = custom_ids_of(fake, engine, relevant[1:2])
    fake.batches.finish("completed", fail=failing, invalid=invalid)
    res, run = collected(settings, engine)
    assert (res.stored_ok, res.stored_failed, res.unprocessed) == (len(relevant) - 2, 2, 0)
    assert ok_papers(engine) == set(relevant[2:])
    assert {f.item for f in res.failures} == set(relevant[:2])
    assert "HTTP 500" in next(f.message for f in res.failures if f.item == relevant[0])
    assert count(engine, ExtractTask) == 0
    calls = count(engine, LLMCall, LLMCall.batch_id == first.submitted[0])
    assert calls == len(relevant) and run.counts["batch_calls"] == len(relevant)
    with engine.connect() as conn:
        prompt, completion = conn.execute(
            select(func.sum(LLMCall.prompt_tokens), func.sum(LLMCall.completion_tokens)).where(
                LLMCall.run_id == run.id
            )
        ).one()
    full = runlog.estimate_cost(settings, "gpt-4o-mini", prompt, completion)
    assert prompt > 0 and run.cost_usd == pytest.approx(full * 0.5, abs=1e-6) and run.cost_usd > 0

    assert collected(settings, engine)[0].collected == []  # collecting again stores nothing twice
    retry = submit(settings, engine)
    assert retry.requests == 2 and retry.cached == len(relevant) - 2
    fake.batches.finish("completed")
    assert collected(settings, engine)[0].stored_ok == 2 and ok_papers(engine) == set(relevant)
    answered = fake.batches.papers
    assert len(answered) == len(relevant) + 2 and set(answered) == set(relevant)
    assert sorted(answered[len(relevant) :]) == relevant[:2]  # only the failed ones went again


def test_expired_and_cancelled_batches_give_back_what_never_ran(setup, fake: FakeOpenAI) -> None:
    settings, engine, relevant = setup
    submit(settings, engine)
    fake.batches.finish("expired", processed=3)
    res, _ = collected(settings, engine)
    assert (res.stored_ok, res.unprocessed) == (3, len(relevant) - 3)
    with engine.connect() as conn:
        row = conn.execute(select(LLMBatch)).one()
    assert row.status == "expired" and row.unprocessed == len(relevant) - 3 and row.collected_at is not None

    second = submit(settings, engine)  # the rest is sent again
    assert second.requests == len(relevant) - 3 and second.cached == 3
    assert batch.cancel(engine, make_llm(settings)) == second.submitted
    assert [r["status"] for r in batch.open_batches(engine)] == ["cancelling"]
    res, _ = collected(settings, engine)  # the provider says cancelled on the next read
    assert res.collected == second.submitted and res.unprocessed == len(relevant) - 3 and res.stored_ok == 0
    assert submit(settings, engine).requests == len(relevant) - 3


def test_a_killed_submitter_is_recovered_from_the_provider_or_sent_again(setup, fake: FakeOpenAI) -> None:
    settings, engine, relevant = setup
    first = submit(settings, engine)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    owner = f"{os.uname().nodename}:{dead.stdout.strip()}:cafe"
    provider = fake.batches.batches[next(iter(fake.batches.batches))]
    provider.metadata["ingest_owner"] = owner
    with engine.begin() as conn:  # as if killed after creating the provider batch, before storing its id
        conn.execute(
            update(LLMBatch.__table__)
            .values(provider_id=None, status="submitting", owner=owner)
            .where(LLMBatch.id == first.submitted[0])
        )
    [row] = batch.refresh(engine, make_llm(settings))
    assert row["provider_id"] == provider.id and row["status"] == "validating"

    with engine.begin() as conn:  # as if killed before the provider batch was created
        conn.execute(
            update(LLMBatch.__table__)
            .values(provider_id=None, status="submitting", owner=owner.replace("cafe", "beef"))
            .where(LLMBatch.id == first.submitted[0])
        )
    assert batch.refresh(engine, make_llm(settings)) == []
    assert count(engine, ExtractTask, ExtractTask.batch_id.is_not(None)) == 0
    assert submit(settings, engine).requests == len(relevant)


def test_cli_batch_resumes_after_the_process_is_killed(
    any_db_url: str, fake: FakeOpenAI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = remote(any_db_url, fake, tmp_path, batch_poll_seconds=0.05)
    monkeypatch.chdir(tmp_path)
    assert run_ingest(any_db_url, "crawl", "--week", WEEK, "--source", str(week_file(WEEK))).exit_code == 0
    env = {
        **os.environ,
        "OPENAI_BASE_URL": fake.base_url,
        "OPENAI_API_KEY": "sk-test-batch",
        "INGEST_BATCH_POLL_SECONDS": "0.05",
        "INGEST_CONFIG": "",
    }
    cmd = [sys.executable, "-m", "ingest", "--db", any_db_url, "extract", "--week", WEEK, "--batch", "--wait"]
    proc = subprocess.Popen(cmd, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    engine = db.open_engine(settings)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(r["provider_id"] for r in batch.open_batches(engine)):
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    [row] = batch.open_batches(engine)
    assert row["provider_id"] and row["requests"] > 10
    for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "INGEST_BATCH_POLL_SECONDS"):
        monkeypatch.setenv(name, env[name])

    res = run_ingest(any_db_url, "batch", "status", "--json")
    assert res.exit_code == 0, res.stderr
    assert json.loads(res.stdout)[0]["status"] == "in_progress"
    fake.batches.auto = "completed"
    res = run_ingest(any_db_url, "batch", "collect", "--wait")
    assert res.exit_code == 0, res.stderr
    assert f"{row['requests']} extracted" in res.stdout
    again = run_ingest(any_db_url, "extract", "--week", WEEK, "--batch")
    assert (
        again.exit_code == 0
        and "no new batch" in again.stdout
        and f"{row['requests']} cached" in again.stdout
    )
    assert len(fake.batches.papers) == len(set(fake.batches.papers)) == row["requests"] and fake.count == 0
    assert run_ingest(any_db_url, "batch", "cancel").stdout == "no batches open; nothing to cancel\n"


def test_batch_needs_an_openai_endpoint(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    res = run_ingest(db_url, "extract", "--week", WEEK, "--batch", "--backend", "offline")
    assert res.exit_code == 2 and "--batch needs an OpenAI-compatible endpoint" in res.stderr
    assert ROOT.is_dir()


def test_collect_and_cancel_with_no_open_batch_need_no_api_key(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("OPENAI_API_KEY", "INGEST_OPENAI_API_KEY", "OPENAI_BASE_URL", "INGEST_OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    assert run_ingest(db_url, "db", "upgrade").exit_code == 0
    for verb in ("collect", "cancel"):
        res = run_ingest(db_url, "batch", verb)
        assert (res.exit_code, res.stdout) == (0, f"no batches open; nothing to {verb}\n")
