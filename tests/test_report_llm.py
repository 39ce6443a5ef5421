"""The report stage through the OpenAI client and the fake OpenAI server: the writers' answers are
checked, a failing one is asked again with its problems, then written by the offline brief."""

from __future__ import annotations

import json

from pydantic import SecretStr
from sqlmodel import Session, select

from fakeopenai import PROMPT_OF_SCHEMA, FakeOpenAI, FakeRequest
from ingest.db.models import LLMCall
from ingest.facts import sheet
from ingest.llm import contracts
from ingest.llm.offline import report as offline_report
from ingest.llm.prompts import parse_input_json
from ingest.report import build as report
from reportkit import front_matter, parts

WEEK = "2026-W16"


def answer(request: FakeRequest) -> dict:
    """What the offline writers answer for this request."""
    name = request.schema_name or ""
    schema = getattr(sheet, name, None) or getattr(contracts, name)
    parsed = offline_report.answer(PROMPT_OF_SCHEMA[name], parse_input_json(request.first_user), schema)
    return json.loads(parsed.model_dump_json())


def remote(settings, fake):
    return settings.model_copy(
        update={
            "backend": "openai",
            "openai_base_url": fake.base_url,
            "openai_api_key": SecretStr("sk-test"),
            "llm_max_retries": 0,
            "model": "gpt-fake",
        }
    )


def test_honest_writers_publish_in_sections_plus_two_calls(settings, extracted_week) -> None:
    extracted_week(WEEK)
    with FakeOpenAI(api_key="sk-test", responder=lambda r: json.dumps(answer(r))) as fake:
        res = report.build_report(remote(settings, fake), WEEK)
        names = [r.schema_name for r in fake.requests]
        first_section = next(r for r in fake.requests if r.schema_name == "SectionText")
    sections = len(parts(res.path.read_text()).sections)
    assert res.status == "Published", res.problems
    assert (
        names.count("StorylineList") == 1
        and names.count("Overview") == 1
        and names.count("SectionText") == sections
    )
    assert res.calls == len(names) == sections + 2
    papers = parse_input_json(first_section.first_user)["papers"]
    assert all(
        p["abstract"] and "claims" in p and "related" in p for p in papers
    )  # the whole abstract, the claims
    assert (
        "backend: openai" in res.path.read_text()
        and "offline_sections" not in front_matter(res.path.read_text())["generator"]
    )


def test_a_writer_inventing_a_number_is_asked_again_then_replaced_by_the_offline_brief(
    settings, extracted_week
):
    extracted_week(WEEK)

    def inventing(request: FakeRequest) -> str:
        data = answer(request)
        if request.schema_name == "SectionText":
            data["deep_dives"][0]["body"] += " In production it lifts GMV by 31.7% and cites 1808.09781."
        return json.dumps(data)

    with FakeOpenAI(api_key="sk-test", responder=inventing) as fake:
        res = report.build_report(remote(settings, fake), WEEK)
        section_requests = [r for r in fake.requests if r.schema_name == "SectionText"]
    md = res.path.read_text()
    sections = len(parts(md).sections)
    assert res.status == "Published", res.problems  # every failing section was written offline
    assert len(section_requests) == 2 * sections  # asked, asked again with the problems listed
    retry = [r for r in section_requests if "Your previous answer had these problems" in r.system]
    assert len(retry) == sections
    assert any("number 31.7 is not a verified claim" in r.system for r in retry)
    assert "31.7" not in md and "1808.09781" not in md
    generator = front_matter(md)["generator"]
    assert "offline_sections: [section " in generator and generator.count("section ") == sections
    with Session(settings_engine(settings)) as session:
        backends = session.exec(select(LLMCall.stage, LLMCall.backend)).all()
    assert ("section", "offline") in backends and ("section", "openai") in backends


def test_an_unusable_plan_falls_back_to_the_rule_plan(settings, extracted_week) -> None:
    extracted_week(WEEK)

    def planner(request: FakeRequest) -> str:
        data = answer(request)
        if request.schema_name == "StorylineList":
            data = {
                "storylines": [
                    {
                        "title": "Other",
                        "thread": "x",
                        "rationale": "",
                        "paper_ids": ["2699.99999"],
                        "deep_dive_ids": ["2699.99999"],
                    }
                ]
            }
        return json.dumps(data)

    with FakeOpenAI(api_key="sk-test", responder=planner) as fake:
        res = report.build_report(remote(settings, fake), WEEK)
    md = res.path.read_text()
    assert res.status == "Published", res.problems
    assert "2699.99999" not in md and "Other" not in parts(md).sections
    assert 3 <= len(parts(md).sections) <= 5


def settings_engine(settings):
    from ingest.db import engine as db

    return db.open_engine(settings)
