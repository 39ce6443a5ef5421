"""`ingest status`: recent runs with timings/counts/tokens/cost, failures, and what the next run retries."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from ingest.config import Settings
from ingest.db import lock
from ingest.db.models import Extraction, LLMCall, Paper, Report, Run
from ingest.db.runlog import estimate_cost, finish_run, start_run
from ingest.views.status import status_report
from test_config import run_cli

T0 = datetime(2026, 4, 20, 6, 0, tzinfo=UTC)


def _paper(session: Session, arxiv_id: str, week: str = "2026-W16") -> Paper:
    paper = Paper(
        arxiv_id=arxiv_id,
        title=f"Paper {arxiv_id}",
        abstract="abstract",
        week=week,
        content_hash="h" + arxiv_id,
    )
    session.add(paper)
    session.flush()
    return paper


def _extraction(paper: Paper, status: str, key: str, error: str | None = None) -> Extraction:
    return Extraction(
        paper_id=paper.id,
        prompt_name="extract_paper",
        prompt_version="v1",
        prompt_hash=key,
        backend="openai",
        model="gpt-4o-mini",
        input_hash=paper.content_hash,
        status=status,
        error=error,
    )


def _seed(engine) -> None:
    with Session(engine) as session:
        a, b, c = (_paper(session, i) for i in ("2604.00001", "2604.00002", "2604.00003"))
        session.add(_extraction(a, "failed", "p1", "LLMTransportError: HTTP 500 after 5 attempts"))
        session.add(_extraction(b, "failed", "p1", "LLMOutputError: truncated"))
        session.add(_extraction(b, "ok", "p2"))  # retried since: not pending
        session.add(_extraction(c, "ok", "p1"))
        for week, version, status in (
            ("2026-W16", 1, "Published"),
            ("2026-W16", 2, "Draft"),
            ("2026-W12", 1, "Draft"),
            ("2026-W12", 2, "Published"),
        ):
            session.add(
                Report(
                    week=week,
                    version=version,
                    status=status,
                    backend="openai",
                    model="m",
                    markdown="x",
                    path=f"reports/{week}.v{version}.md",
                    problems=["p"],
                )
            )
        session.add(
            Run(
                kind="run",
                week="2026-W15",
                status="failed",
                started_at=T0,
                finished_at=T0 + timedelta(seconds=3),
                error="crawl failed: FetchError: HTTP 503",
            )
        )
        session.add(Run(kind="run", week="2026-W15", status="ok", started_at=T0 + timedelta(hours=1)))
        session.add(
            Run(
                kind="run",
                week="2026-W16",
                status="partial",
                started_at=T0 + timedelta(hours=2),
                error="extract 2604.00001: LLMTransportError",
            )
        )
        session.commit()


def test_status_lists_runs_failures_and_pending_retries(engine):
    _seed(engine)
    data = status_report(engine, limit=10)
    assert [r["week"] for r in data["runs"]] == ["2026-W16", "2026-W15", "2026-W15"]
    assert [f["status"] for f in data["failures"]] == ["partial", "failed"]
    assert data["runs"][2]["seconds"] == 3.0
    retry = data["next_run_will_retry"]
    assert [(e["arxiv_id"], e["error"]) for e in retry["failed_extractions"]] == [
        ("2604.00001", "LLMTransportError: HTTP 500 after 5 attempts")
    ]
    assert [(d["week"], d["version"]) for d in retry["draft_reports"]] == [("2026-W16", 2)]
    assert [(w["week"], w["status"]) for w in retry["unfinished_weeks"]] == [("2026-W16", "partial")]
    assert data["lock"] is None
    assert len(status_report(engine, limit=1)["runs"]) == 1


def test_run_log_tokens_and_cost_from_llm_calls(engine, settings):
    run_id = start_run(engine, "run", "2026-W16")
    with Session(engine) as session:
        for model, p, c in (
            ("gpt-4o-mini", 1_000_000, 200_000),
            ("gpt-4o-mini", 500_000, 0),
            ("my-local-model", 10, 10),
        ):
            session.add(
                LLMCall(
                    run_id=run_id,
                    stage="extract",
                    prompt_name="extract_paper",
                    prompt_version="v1",
                    prompt_hash="h",
                    backend="openai",
                    model=model,
                    prompt_tokens=p,
                    completion_tokens=c,
                )
            )
        session.commit()
    run = finish_run(engine, settings, run_id, status="ok", counts={"extracted": 3})
    assert (run.prompt_tokens, run.completion_tokens) == (1_500_010, 200_010)
    assert run.cost_usd == round(1.5 * 0.15 + 0.2 * 0.60, 6)  # my-local-model has no price: 0
    assert run.counts == {"extracted": 3, "llm_calls": 3, "unpriced_models": ["my-local-model"]}
    assert estimate_cost(Settings(), "gpt-4o", 2_000_000, 1_000_000) == 15.0
    assert estimate_cost(Settings(), "nope", 1, 1) is None


def test_status_shows_the_lock_holder(engine, settings):
    held = lock.acquire(engine, settings)
    try:
        assert status_report(engine)["lock"]["owner"] == held.owner
    finally:
        held.release()


def test_cli_status_json_and_table(engine, db_url):
    _seed(engine)
    res = run_cli("--db", db_url, "status", "--json", "--limit", "2")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert [r["status"] for r in data["runs"]] == ["partial", "ok"]
    table = run_cli("--db", db_url, "status")
    assert table.exit_code == 0
    assert "extraction 2604.00001 (2026-W16): LLMTransportError: HTTP 500 after 5 attempts" in table.stdout
    assert "Draft report 2026-W16 en v2: reports/2026-W16.v2.md" in table.stdout
    assert "week 2026-W16: last run 3 partial" in table.stdout
    assert "2604.00002" not in table.stdout
