"""pipeline.run_week and `ingest run`: end to end on real W16 records, idempotent re-runs, fault runs
(LLM 429/500/timeouts through the fake OpenAI server, arXiv 503/empty pages through a local Atom
server) that finish what they can and name what failed, the scheduler's catch-up, and a canary API
key that must never be written anywhere."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from pydantic import SecretStr
from sqlalchemy import func, inspect, text
from sqlmodel import Session, select

from conftest import FIXTURES, ROOT, week_file, week_records
from fakeopenai import FakeOpenAI
from ingest import schedule
from ingest.config import Settings
from ingest.db.models import Extraction, LLMCall, Paper, Report, Run
from ingest.db.store import week_counts
from ingest.errors import Kind, StageFailures
from ingest.pipeline import run_week
from test_config import CANARY, run_cli

WEEK = "2026-W16"


def _subset(tmp_path: Path, n: int = 24) -> Path:
    path = tmp_path / "subset.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in week_records(WEEK)[::4][:n]))
    return path


def _openai(settings: Settings, fake: FakeOpenAI, **kw) -> Settings:
    values = {
        "backend": "openai",
        "openai_base_url": fake.base_url,
        "openai_api_key": SecretStr("sk-test"),
        "llm_concurrency": 1,
        "llm_max_retries": 0,
        "llm_timeout": 5.0,
        **kw,
    }
    return settings.model_copy(update=values)


def _count(engine, model, *where) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(model).where(*where)).one()


def test_run_week_end_to_end_offline(settings, engine):
    summary = run_week(settings, WEEK, source=week_file(WEEK))
    assert summary.status == "ok", summary.failures
    assert summary.counts["crawled"] == len(week_records(WEEK)) == 116
    assert summary.counts["new"] == 116
    assert summary.counts["relevant"] == summary.counts["extracted"] > 0
    with Session(engine) as session:
        counts = week_counts(session, WEEK)
    assert summary.counts["in_scope"] == counts.in_scope > 0 and summary.counts["online_ab"] == counts.online
    assert 8 <= summary.counts["deep_dives"] <= 12
    assert summary.counts["failed"] == 0
    assert summary.report_status == "Published" and summary.report_path.is_file()
    assert summary.report_path.read_text().startswith("---\ntype: Post\nstatus: Published\n")
    with Session(engine) as session:
        run = session.get(Run, summary.run_id)
    assert (run.kind, run.week, run.status, run.error) == ("run", WEEK, "ok", None)
    assert list(run.stages) == ["crawl", "extract", "report"]
    assert all(s["status"] == "ok" and s["seconds"] >= 0 for s in run.stages.values())
    assert run.counts["llm_calls"] == _count(engine, LLMCall, LLMCall.run_id == run.id) > 0
    assert run.cost_usd == 0.0  # offline-rules is priced at 0


def test_rerun_makes_no_llm_call_and_reuses_the_report(settings, engine):
    first = run_week(settings, WEEK, source=week_file(WEEK))
    calls = _count(engine, LLMCall)
    second = run_week(settings, WEEK, source=week_file(WEEK))
    assert second.status == "ok"
    assert _count(engine, LLMCall) == calls
    assert second.counts["new"] == 0 and second.counts["extracted"] == 0
    assert second.counts["cached"] == first.counts["extracted"]
    assert second.counts["report_reused"] == 1 and second.report_path == first.report_path
    assert _count(engine, Report) == 1 and _count(engine, Paper) == 116


def test_cli_run_prints_the_report_path_last(tmp_path, db_url):
    res = run_cli("--db", db_url, "run", "--week", WEEK, "--source", str(_subset(tmp_path)))
    assert res.exit_code == 0, res.output
    last = res.stdout.strip().splitlines()[-1]
    assert last.startswith("report (Published): ") and last.endswith(f"rec-weekly-en-{WEEK}.md")
    assert Path(last.split(": ", 1)[1]).is_file()


def test_bad_input_is_one_line_and_loses_nothing(tmp_path, db_url, settings, engine):
    run_week(settings, WEEK, source=_subset(tmp_path))
    papers = _count(engine, Paper)
    bad_week = run_cli("--db", db_url, "run", "--week", "2026-W60")
    assert bad_week.exit_code == 2 and bad_week.stderr.startswith("error: unknown week '2026-W60'")
    runs = _count(engine, Run)
    missing = run_cli("--db", db_url, "run", "--week", WEEK, "--source", str(tmp_path / "nope.jsonl"))
    assert missing.exit_code == 2 and missing.stderr.count("\n") == 1
    assert missing.stderr.startswith("error: source file not found:") and "nope.jsonl" in missing.stderr
    assert _count(engine, Paper) == papers
    assert _count(engine, Run) == runs  # the input is checked before a run starts: no run row for it


def test_llm_500s_mid_run_then_next_run_completes_the_rest(tmp_path, settings, engine):
    source = _subset(tmp_path)
    with FakeOpenAI() as fake:
        s = _openai(settings, fake)
        fake.inject("error", status=500, times=3)
        first = run_week(s, WEEK, source=source)
        assert first.status == "partial" and first.counts["failed"] == 3
        failed_ids = [f.item.split()[1] for f in first.failures]
        assert {f.kind for f in first.failures} == {Kind.LLM_TRANSPORT}
        assert len(failed_ids) == 3 and all(i.startswith("2604.") for i in failed_ids)
        with pytest.raises(StageFailures) as exc:
            first.raise_for_failures()
        assert all(i in str(exc.value) for i in failed_ids)
        assert first.report_path.is_file()  # the report of what succeeded is written
        before = fake.count
        second = run_week(s, WEEK, source=source)
        extract_calls = sum(1 for r in fake.requests[before:] if r.schema_name == "PaperFacts")
    assert second.status == "ok", second.failures
    assert extract_calls == 3 and second.counts["extracted"] == 3
    assert second.counts["cached"] == first.counts["extracted"]
    assert _count(engine, Report) == 2  # rebuilt because three papers were added


def test_llm_429_is_retried_and_timeouts_fail_only_their_paper(tmp_path, settings, engine):
    source = _subset(tmp_path)
    with FakeOpenAI() as fake:
        fake.inject("rate_limit", retry_after_ms=50, times=2)
        ok = run_week(_openai(settings, fake, llm_max_retries=3), WEEK, source=source)
        assert ok.status == "ok" and ok.counts["failed"] == 0
    with FakeOpenAI() as fake:
        other = settings.model_copy(update={"db_url": f"sqlite:///{tmp_path / 'b.sqlite3'}"})
        fake.inject("hang", seconds=3.0)
        slow = run_week(_openai(other, fake, llm_timeout=0.5), WEEK, source=source)
        assert slow.status == "partial" and slow.counts["failed"] == 1
        assert slow.failures[0].kind is Kind.LLM_TRANSPORT
        assert "LLMTransportError" in slow.failures[0].message
        again = run_week(_openai(other, fake, llm_timeout=0.5), WEEK, source=source)
    assert again.status == "ok" and again.counts["extracted"] == 1


# ------------------------------------------------------------------ arXiv through a local Atom server


class AtomStub:
    """Serves tests/fixtures/atom page1 (start=0) and page2 (start=3); `faults` by start, once each."""

    def __init__(self) -> None:
        atom = FIXTURES / "atom"
        self.pages = {0: (atom / "page1.xml").read_bytes(), 3: (atom / "page2.xml").read_bytes()}
        self.empty = (atom / "empty.xml").read_bytes()
        self.faults: list[tuple[int, int, bytes]] = []
        self.requests: list[int] = []

    def answer(self, start: int) -> tuple[int, bytes]:
        self.requests.append(start)
        for i, (at, status, body) in enumerate(self.faults):
            if at == start:
                del self.faults[i]
                return status, body
        return 200, self.pages.get(start, self.empty)


@pytest.fixture
def arxiv_stub() -> Iterator[tuple[AtomStub, str]]:
    stub = AtomStub()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - stdlib name
            start = int(parse_qs(urlparse(self.path).query).get("start", ["0"])[0])
            status, body = stub.answer(start)
            self.send_response(status)
            self.send_header("Content-Type", "application/atom+xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield stub, f"http://127.0.0.1:{server.server_address[1]}/api/query?{{}}"
    server.shutdown()
    server.server_close()
    thread.join()


def _live(settings: Settings, url: str) -> Settings:
    return settings.model_copy(
        update={
            "arxiv_query_url": url,
            "arxiv_page_size": 3,
            "arxiv_retries": 1,
            "arxiv_backoff_seconds": 0.01,
            "arxiv_timeout": 2.0,
        }
    )


def test_arxiv_503_fails_the_run_naming_crawl_then_next_run_completes(settings, engine, arxiv_stub):
    stub, url = arxiv_stub
    stub.faults += [(3, 503, b"busy"), (3, 503, b"busy")]  # page 2 fails twice: retries exhausted
    with pytest.raises(StageFailures) as exc:
        run_week(_live(settings, url), WEEK)
    assert "crawl failed: FetchError" in str(exc.value) and "HTTP 503" in str(exc.value)
    assert _count(engine, Run, Run.kind == "run", Run.status == "failed") == 1
    stub.faults += [(0, 200, stub.empty)]  # an empty first page is retried, then the real one
    summary = run_week(_live(settings, url), WEEK)
    assert summary.status == "ok", summary.failures
    assert summary.counts["crawled"] == 6 and summary.report_path.is_file()  # 5 of W16 + 1 of W15
    assert _count(engine, Paper, Paper.week == WEEK) == 5
    assert stub.requests.count(0) >= 3


def test_scheduler_catch_up_runs_the_missed_week_once(settings, engine, arxiv_stub):
    from datetime import UTC, datetime

    _, url = arxiv_stub
    now = datetime(2026, 4, 22, 12, 0, tzinfo=UTC)  # machine back on Wednesday of W17: W16 was missed
    live = _live(settings, url)
    assert schedule.catch_up(live, now=now) == [WEEK]
    assert schedule.catch_up(live, now=now) == []
    with Session(engine) as session:
        runs = session.exec(select(Run).where(Run.kind == "run")).all()
    assert [(r.week, r.status) for r in runs] == [(WEEK, "ok")]


# ------------------------------------------------------------------------------ secrets never leak


def _dump_text(engine) -> str:
    parts = []
    with engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')).all():
                parts.append(" ".join(repr(v) for v in row))
    return "\n".join(parts)


def test_canary_key_is_never_written_on_success(tmp_path, settings, engine, caplog):
    caplog.set_level(logging.DEBUG)
    with FakeOpenAI(api_key=CANARY) as fake:
        s = _openai(settings, fake, openai_api_key=SecretStr(CANARY))
        summary = run_week(s, WEEK, source=_subset(tmp_path, 12))
        assert all(r.authorization == f"Bearer {CANARY}" for r in fake.requests)
    assert summary.status == "ok"
    assert CANARY not in _dump_text(engine)
    assert CANARY not in caplog.text
    assert all(CANARY not in p.read_text() for p in Path(settings.reports_dir).rglob("*"))


def test_canary_key_rejected_by_the_endpoint_never_appears(tmp_path, db_url, engine):
    with FakeOpenAI(api_key="sk-the-right-one") as fake:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("INGEST_", "OPENAI_"))}
        env.update(
            OPENAI_API_KEY=CANARY,
            OPENAI_BASE_URL=fake.base_url,
            INGEST_LLM_MAX_RETRIES="0",
            INGEST_CONFIG="",
            INGEST_REPORTS_DIR=str(tmp_path / "r"),
            PYTHONPATH=str(ROOT / "src"),
        )
        argv = [
            sys.executable,
            "-m",
            "ingest",
            "-v",
            "--db",
            db_url,
            "run",
            "--week",
            WEEK,
            "--source",
            str(_subset(tmp_path, 8)),
        ]
        res = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
        assert fake.count >= 1 and fake.requests[0].status == 401  # the fake echoes the key it got
    assert res.returncode == 2, res.stderr
    assert re.search(r"extract failed: LLMAuthError: all \d+ papers failed extraction", res.stderr)
    assert "authentication failed at" in res.stderr and "report" not in res.stderr.splitlines()[-1]
    assert CANARY not in res.stdout + res.stderr
    assert CANARY not in _dump_text(engine)
    assert not any(CANARY in p.read_text() for p in (tmp_path / "r").rglob("*") if p.is_file())
    with Session(engine) as session:
        run = session.exec(select(Run).where(Run.kind == "run")).one()
    assert run.status == "failed" and "LLMAuthError" in run.error
    assert _count(engine, Extraction, Extraction.status == "ok") == 0
