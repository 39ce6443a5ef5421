"""Report stage through the OpenAI client and the fake OpenAI server (real HTTP on 127.0.0.1)."""

from __future__ import annotations

import json

import pytest
from pydantic import SecretStr
from sqlmodel import Session, select

from fakeopenai import PROMPT_OF_SCHEMA, FakeOpenAI, FakeRequest
from ingest.db.models import LLMCall, Report
from ingest.errors import VerificationError
from ingest.facts import sheet
from ingest.llm import contracts as schemas
from ingest.llm.offline import report as offline_report
from ingest.llm.prompts import parse_input_json
from ingest.report import build as report
from ingest.report.verify import parse
from test_report_compose import WEEK, seed


def answer(request: FakeRequest) -> dict:
    """What the offline writers say for this request (JSON object)."""
    name = request.schema_name or ""
    schema = getattr(sheet, name, None) or getattr(schemas, name)
    parsed = offline_report.answer(PROMPT_OF_SCHEMA[name], parse_input_json(request.first_user), schema)
    return json.loads(parsed.model_dump_json())


def honest(request: FakeRequest) -> str:
    return json.dumps(answer(request))


def lying(request: FakeRequest) -> str:
    data = answer(request)
    if request.schema_name == "SectionText":
        data["deep_dives"][0]["body"] += " It lifts GMV by 31.7%, beating SASRec (1808.09781)."
    return json.dumps(data)


def remote(settings, fake):
    return settings.model_copy(
        update={
            "backend": "openai",
            "openai_base_url": fake.base_url,
            "openai_api_key": SecretStr("sk-test"),
            "llm_max_retries": 0,
        }
    )


def test_report_through_fake_server(settings, engine):
    seed(engine)
    with FakeOpenAI(api_key="sk-test", responder=honest) as fake:
        res = report.build_report(remote(settings, fake), WEEK, engine=engine)
        names = [r.schema_name for r in fake.requests]
    sections = len(parse(res.path.read_text())) - 3
    assert res.status == "Published", res.problems
    assert names.count("ReportPlan") == 1 and names.count("OverviewText") == 1
    assert names.count("SectionText") == sections and res.calls == len(names) <= sections + 3
    user = fake.requests[0].first_user
    assert "<input>" in user and "2604.14878" in parse_input_json(user)["papers"][0]["id"] + user
    with Session(engine) as s:
        logged = s.exec(select(LLMCall.stage, LLMCall.backend)).all()
    assert sorted({st for st, _ in logged}) == ["overview", "plan", "section"]
    assert {b for _, b in logged} == {"openai"}
    assert "backend: openai" in res.path.read_text()


def test_invented_number_and_unknown_id_are_caught(settings, engine):
    seed(engine)
    with FakeOpenAI(api_key="sk-test", responder=lying) as fake, pytest.raises(VerificationError) as info:
        report.build_report(remote(settings, fake), WEEK, engine=engine)
    problems = info.value.problems
    assert any("number 31.7 not in the source" in p for p in problems)
    assert any("arXiv id 1808.09781 is not in the database" in p for p in problems)
    with Session(engine) as s:
        row = s.exec(select(Report)).one()
    assert row.status == "Draft" and row.problems == problems
    assert "status: Draft" in row.markdown
