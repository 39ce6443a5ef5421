"""Extract stage on real SQLite with the real 2026-W16 snapshot and the offline backend."""

from __future__ import annotations

import shutil

import pytest
from click.testing import Result
from sqlmodel import Session, select

from conftest import ROOT, week_file
from conftest import run_ingest as run_cli
from ingest.crawl.stage import crawl_week
from ingest.db.models import Claim, Extraction, LLMCall, Paper, Run
from ingest.db.store import extractions_for_week
from ingest.errors import Kind, LLMOutputError
from ingest.extract.stage import extract_week
from ingest.extract.store import parsed
from ingest.llm import RuleBasedLLM

WEEK = "2026-W16"


@pytest.fixture
def crawled(settings, engine):
    crawl_week(settings, WEEK, source=week_file(WEEK), engine=engine)
    with Session(engine) as session:
        papers = session.exec(select(Paper).where(Paper.week == WEEK, Paper.duplicate_of.is_(None))).all()
    return {p.arxiv_id: p for p in papers}


@pytest.fixture
def narrow(settings):
    """Only the strongest recsys papers (faster runs; GenRec and R3-VAE are among them)."""
    return settings.model_copy(update={"relevance_threshold": 5.0})


class FailingFor(RuleBasedLLM):
    """The offline backend, except that calls for the given papers fail (a stand-in for a flaky endpoint)."""

    def __init__(self, *arxiv_ids: str) -> None:
        self.fail = set(arxiv_ids)

    async def complete(self, prompt, schema):
        if prompt.variables.get("arxiv_id") in self.fail:
            raise LLMOutputError("truncated answer (finish_reason=length)", attempts=2, prompt_tokens=10)
        return await super().complete(prompt, schema)


def test_first_run_extracts_relevant_papers_second_run_makes_no_calls(settings, engine, crawled) -> None:
    relevant = sorted(a for a, p in crawled.items() if p.relevance >= settings.relevance_threshold)
    seen: list[tuple[int, int]] = []
    first = extract_week(settings, WEEK, engine=engine, progress=lambda d, t: seen.append((d, t)))
    assert (first.selected, first.extracted, first.calls, first.failed) == (
        len(relevant),
        len(relevant),
        len(relevant),
        0,
    )
    assert first.skipped == len(crawled) - len(relevant) > 0
    assert seen[-1] == (len(relevant), len(relevant)) and first.prompt_tokens > 0
    with Session(engine) as session:
        assert len(session.exec(select(LLMCall).where(LLMCall.stage == "extract")).all()) == len(relevant)
        genrec = session.exec(select(Paper).where(Paper.arxiv_id == "2604.14878")).one()
        row = session.exec(select(Extraction).where(Extraction.paper_id == genrec.id)).one()
        facts = (row.short_name, row.institutions, row.industrial, row.deployed_online)
        assert facts == ("GenRec", ["JD"], True, True)
        assert row.ungrounded_count == 0 and row.prompt_version == "v2"
        claims = session.exec(select(Claim).where(Claim.extraction_id == row.id)).all()
        assert row.grounded_count == len(claims) and ("institution", "JD") in {
            (c.kind, c.metric) for c in claims
        }
        assert all(c.evidence and c.evidence in genrec.abstract for c in claims)
        assert {(c.setting, c.metric, c.value) for c in claims} >= {
            ("online", "click count", "9.5%"),
            ("online", "transaction count", "8.7%"),
        }
        pairs = extractions_for_week(session, WEEK)
        assert sorted(p.arxiv_id for p, _ in pairs) == relevant
        assert parsed(dict((p.arxiv_id, e) for p, e in pairs)["2604.14878"]).short_name == "GenRec"
        run = session.get(Run, first.run_id)
        assert run.kind == "extract" and run.status == "ok" and run.counts["extracted"] == len(relevant)
    second = extract_week(settings, WEEK, engine=engine)
    assert (second.calls, second.cached, second.extracted) == (0, len(relevant), 0)
    forced = extract_week(settings, WEEK, engine=engine, force=True, concurrency=3)
    assert forced.calls == len(relevant)
    with Session(engine) as session:  # --force replaced rows in place: one row per paper and key
        assert len(session.exec(select(Extraction)).all()) == len(relevant)


def test_failures_are_isolated_stored_and_retried(narrow, engine, crawled) -> None:
    settings = narrow
    first = extract_week(settings, WEEK, engine=engine, llm=FailingFor("2604.14878", "2604.11440"))
    assert first.failed == 2 and first.extracted == first.selected - 2
    assert [f.item for f in first.failures] == ["2604.11440", "2604.14878"]
    assert [f.kind for f in first.failures] == [Kind.LLM_OUTPUT, Kind.LLM_OUTPUT]
    assert "LLMOutputError: truncated answer" in first.failures[0].message
    with Session(engine) as session:
        failed = session.exec(select(Extraction).where(Extraction.status == "failed")).all()
        assert len(failed) == 2 and all("finish_reason=length" in f.error for f in failed)
        calls = session.exec(select(LLMCall).where(LLMCall.status == "failed")).all()
        assert len(calls) == 2 and calls[0].attempts == 2
        assert session.get(Run, first.run_id).status == "partial"
    retry = extract_week(settings, WEEK, engine=engine)
    assert (retry.calls, retry.extracted, retry.failed) == (2, 2, 0)
    with Session(engine) as session:
        rows = session.exec(select(Extraction).where(Extraction.paper_id == crawled["2604.14878"].id)).all()
        assert [(r.status, r.error, r.short_name) for r in rows] == [("ok", None, "GenRec")]


def test_new_prompt_version_reextracts_only_what_it_has_not_seen(narrow, engine, crawled, tmp_path) -> None:
    settings = narrow
    prompts = tmp_path / "prompts"
    shutil.copytree(ROOT / "prompts", prompts)
    v2 = (prompts / "extract_paper" / "v2.md").read_text()
    (prompts / "extract_paper" / "v3.md").write_text(v2.replace("you never invent", "you never ever invent"))
    s1 = settings.model_copy(update={"prompts_dir": prompts, "prompt_versions": {"extract_paper": "v1"}})
    first = extract_week(s1, WEEK, engine=engine)
    s2 = settings.model_copy(update={"prompts_dir": prompts, "prompt_versions": {"extract_paper": "v3"}})
    second = extract_week(s2, WEEK, engine=engine)
    assert second.calls == first.calls > 0
    assert extract_week(s2, WEEK, engine=engine).calls == 0
    assert extract_week(s1, WEEK, engine=engine).calls == 0
    with Session(engine) as session:
        versions = session.exec(select(Extraction.prompt_version)).all()
        assert sorted(set(versions)) == ["v1", "v3"] and len(versions) == 2 * first.calls


def test_threshold_keeps_papers_from_the_llm(settings, engine, crawled) -> None:
    strict = settings.model_copy(update={"relevance_threshold": 1000.0})
    res = extract_week(strict, WEEK, engine=engine)
    assert (res.selected, res.calls, res.skipped) == (0, 0, len(crawled))


def test_cli_extract(db_url, settings, crawled, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("INGEST_RELEVANCE_THRESHOLD", "5")

    def cli(*args: str) -> Result:
        return run_cli(db_url, *args)

    res = cli("extract", "--week", "2026-W16", "--backend", "offline", "--concurrency", "2")
    assert res.exit_code == 0, res.output
    assert "backend: offline (model offline-rules)" in res.stdout
    assert " 0 failed" in res.stdout and "extracted" in res.stdout
    again = cli("extract", "--week", "2026-W16")
    assert again.exit_code == 0 and "0 LLM calls" in again.stdout
    bad = cli("extract", "--week", "2026-W60")
    assert bad.exit_code != 0 and "2026-W60" in bad.stderr
