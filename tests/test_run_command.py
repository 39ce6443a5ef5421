"""`ingest run` as the README documents it: without --week (the last complete week, crawled live from the
fake arXiv server), with --lang and --backend, the enrich stage inside the run, and the closing lines
(counts, LLM calls, tokens, estimated cost, the report's path) checked against the fake servers' own
counters and the published price of the model."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlmodel import Session, select

from conftest import run_ingest, week_records
from fakearxiv import FakeArxiv
from fakeopenai import FakeOpenAI
from ingest.db import engine as db
from ingest.db.models import LLMCall, Paper, Report, Run
from ingest.weeks import last_complete_week, query_window
from test_enrich import AUTHGR, DSAIN, GENREC, NO_HTML, pages  # noqa: F401 - pages: the fixture

WEEK = "2026-W16"
GPT_4O_MINI = (0.15, 0.60)  # USD per million input / output tokens (OpenAI's published price)


@pytest.fixture
def subset(tmp_path: Path) -> Path:
    """Every 4th real W16 record (24 papers) and the three with saved HTML pages."""
    records = week_records(WEEK)
    chosen = records[::4][:24] + [r for r in records if r["id"] in (GENREC, DSAIN, AUTHGR, NO_HTML)]
    unique = list({r["id"]: r for r in chosen}.values())
    path = tmp_path / "subset.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in unique))
    return path


@pytest.fixture
def db_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # reports/ lands in tmp_path
    return tmp_path / "ingest.sqlite3"


def rows(path: Path, model: type) -> list:
    with Session(db.open_engine(f"sqlite:///{path}")) as session:
        return list(session.exec(select(model)).all())


def closing_lines(stdout: str) -> dict[str, str]:
    """The run's closing lines by their first word: run, papers, llm, report."""
    return {line.split(" ", 1)[0]: line for line in stdout.strip().splitlines()}


def test_run_without_week_crawls_the_last_complete_week_live(db_file: Path, monkeypatch) -> None:
    latest = last_complete_week()
    with FakeArxiv.any_week(week_records(WEEK), per_week=10) as arxiv:
        monkeypatch.setenv("INGEST_ARXIV_QUERY_URL", arxiv.query_url)
        monkeypatch.setenv("INGEST_ARXIV_DELAY_SECONDS", "0")
        res = run_ingest(str(db_file), "run")
    assert res.exit_code == 0, res.stderr
    assert list(arxiv.windows) == [query_window(latest)]  # the one week asked of arXiv
    lines = closing_lines(res.stdout)
    assert re.fullmatch(
        rf"run 1 {latest}: ok \(crawl [\d.]+s, extract [\d.]+s, report [\d.]+s\)", lines["run"]
    )
    assert lines["papers:"].startswith("papers: 10 crawled, 10 new, ")
    assert lines["report"].endswith(f"rec-weekly-en-{latest}.md")
    [run] = [r for r in rows(db_file, Run) if r.kind == "run"]
    assert (run.week, run.status) == (latest, "ok")
    assert {p.week for p in rows(db_file, Paper)} == {latest}


def test_run_with_backend_prints_the_servers_tokens_and_cost(
    db_file: Path, subset: Path, monkeypatch
) -> None:
    with FakeOpenAI(api_key="sk-test-run") as fake:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test-run")
        monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
        monkeypatch.setenv("INGEST_MODEL", "gpt-4o-mini")
        offline = run_ingest(
            str(db_file), "run", "--week", WEEK, "--source", str(subset), "--backend", "offline"
        )
        assert offline.exit_code == 0, offline.stderr
        assert fake.count == 0  # --backend offline: no request although a key and URL are set
        res = run_ingest(
            str(db_file),
            "run",
            "--week",
            WEEK,
            "--source",
            str(subset),
            "--lang",
            "en",
            "--backend",
            "openai",
        )
        requests = fake.requests
    assert res.exit_code == 0, res.stderr
    prompt = sum(r.usage["prompt_tokens"] for r in requests)
    completion = sum(r.usage["completion_tokens"] for r in requests)
    cost = (prompt * GPT_4O_MINI[0] + completion * GPT_4O_MINI[1]) / 1_000_000
    lines = closing_lines(res.stdout)
    assert lines["llm:"] == (
        f"llm: {len(requests)} calls, {prompt} prompt + {completion} completion tokens, est. ${cost:.4f}"
    )
    assert len(requests) > 10 and prompt > 0 and completion > 0
    assert lines["report"].startswith("report (Published): ")
    assert (
        lines["report"].endswith(f"rec-weekly-en-{WEEK}.md")
        and Path(lines["report"].split(": ", 1)[1]).is_file()
    )
    assert {(r.lang, r.status, r.backend) for r in rows(db_file, Report)} >= {("en", "Published", "openai")}
    second = [r for r in rows(db_file, Run) if r.kind == "run"][1]
    calls = [c for c in rows(db_file, LLMCall) if c.run_id == second.id]
    assert {c.backend for c in calls} == {"openai"} and len(calls) == len(requests)
    assert (second.prompt_tokens, second.completion_tokens) == (prompt, completion)


def test_run_with_enrich_html_runs_the_enrich_stage(db_file, subset, pages, monkeypatch) -> None:  # noqa: F811
    monkeypatch.setenv("INGEST_ENRICH_HTML", "true")
    monkeypatch.setenv("INGEST_HTML_BASE_URL", pages.base_url)
    monkeypatch.setenv("INGEST_ARXIV_DELAY_SECONDS", "0")
    res = run_ingest(str(db_file), "run", "--week", WEEK, "--source", str(subset))
    assert re.match(
        rf"run 1 {WEEK}: \w+ \(crawl [\d.]+s, enrich [\d.]+s, extract [\d.]+s, report", res.stdout
    )
    [run] = [r for r in rows(db_file, Run) if r.kind == "run"]
    assert list(run.stages) == ["crawl", "enrich", "extract", "report"]
    assert run.stages["enrich"]["status"] == "ok"
    fetched = set(pages.paths())
    assert {f"{GENREC}v1", f"{DSAIN}v1", f"{AUTHGR}v1"} <= fetched
    genrec = next(p for p in rows(db_file, Paper) if p.arxiv_id == GENREC)
    assert genrec.affiliations  # read from its HTML page (the snapshot has none)
    assert (res.exit_code, run.status) == (0, "ok"), res.stderr
    assert (run.counts["enriched"], run.counts["enrich_failed"]) == (3, 0)  # no page for the others: 404


def test_run_with_lang_zh_writes_the_chinese_report(db_file: Path, subset: Path) -> None:
    res = run_ingest(str(db_file), "run", "--week", WEEK, "--source", str(subset), "--lang", "zh")
    assert res.exit_code == 0, res.stderr
    report = closing_lines(res.stdout)["report"]
    assert report.startswith("report (Published): ") and report.endswith(f"rec-weekly-zh-{WEEK}.md")
    assert {(r.lang, r.status) for r in rows(db_file, Report)} == {("zh", "Published")}
