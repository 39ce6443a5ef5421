"""End to end on data/arxiv/2026-W16.jsonl: crawl -> offline extract -> report (offline and fake OpenAI)."""

from __future__ import annotations

from pydantic import SecretStr

from conftest import week_file
from fakeopenai import FakeOpenAI
from ingest.crawl import stage as crawl
from ingest.extract import stage as extract
from ingest.facts.numbers import numbers_in
from ingest.report import build as report
from ingest.report.verify import parse

WEEK = "2026-W16"


def _load(settings):
    crawl.crawl_week(settings, WEEK, source=week_file(WEEK))
    extract.extract_week(settings, WEEK)


def _paper_text(md: str) -> dict[str, str]:
    blocks = parse(md)
    out = {}
    for b in blocks[1:-2]:
        for p in b.paras:
            if p.startswith("**"):
                out[p.split("[", 1)[1].split("]", 1)[0]] = p
    return out


def test_offline_week_report(settings):
    _load(settings)
    res = report.build_report(settings, WEEK)
    assert res.status == "Published", res.problems
    assert res.deep_dives == settings.deep_dive_cap and res.papers > res.deep_dives
    md = res.path.read_text()
    blocks = parse(md)
    assert 3 <= len(blocks) - 3 <= 6 and res.calls <= len(blocks) - 3 + 3
    dives = _paper_text(md)
    for pid in ("2604.14878", "2604.12110", "2604.10471", "2604.11440"):  # industrial with online A/B
        assert pid in dives
    assert dives["2604.14878"].startswith("**GenRec** ([2604.14878](https://arxiv.org/abs/2604.14878)) — JD")
    assert {"9.5", "8.7"} <= numbers_in(dives["2604.14878"]) and "0.67" in numbers_in(dives["2604.12110"])
    digest = [i for _, items in blocks[-1].groups for i in items]
    assert len(digest) == res.papers


def test_fake_server_week_report(settings):
    _load(settings)
    with FakeOpenAI(api_key="sk-e2e") as fake:
        remote = settings.model_copy(
            update={
                "backend": "openai",
                "openai_base_url": fake.base_url,
                "openai_api_key": SecretStr("sk-e2e"),
            }
        )
        res = report.build_report(remote, WEEK)
        names = [r.schema_name for r in fake.requests]
    assert res.status == "Published", res.problems
    assert names.count("ReportPlan") == 1 and names.count("OverviewText") == 1
    sections = len(parse(res.path.read_text())) - 3
    assert names.count("SectionText") == sections and res.calls == len(names) <= sections + 3
