"""Report stage on hand-written extractions of real 2026-W16 abstracts: select, plan, render, verify."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, select

from conftest import week_records
from ingest.db.models import Extraction, Paper, Report, ReportPaper
from ingest.errors import VerificationError
from ingest.facts.sheet import PaperFacts, ResultClaim
from ingest.llm import LLMResult
from ingest.llm.contracts import DigestGroup, PlanSection, ReportPlan, SectionText
from ingest.llm.offline import report as offline_report
from ingest.report import build as report
from ingest.report.plan import repair
from ingest.report.select import Candidate
from ingest.report.verify import parse

WEEK = "2026-W16"


class ExtractiveLLM:
    """The offline report writers behind the LLM seam (what RuleBasedLLM does for report prompts)."""

    backend, model = "offline", "offline-rules"

    def __init__(self, tamper=None) -> None:
        self.tamper = tamper
        self.calls: list[str] = []

    async def complete(self, prompt, schema):
        self.calls.append(prompt.name)
        parsed = offline_report.answer(prompt.name, prompt.variables, schema)
        if self.tamper:
            parsed = self.tamper(prompt.name, parsed)
        return LLMResult(parsed=parsed, raw=parsed.model_dump_json(), backend=self.backend, model=self.model)


def _ex(
    scope,
    name,
    insts,
    industrial,
    online,
    offline,
    topics,
    one_line,
    problem,
    method,
    techniques,
    platform="",
):
    def claim(metric: str, value: str, setting: str) -> ResultClaim:
        return ResultClaim(
            metric=metric,
            value=value,
            direction="increase",
            setting=setting,
            where=platform,
            evidence=f"{setting} {metric} {value}",
        )

    return PaperFacts(
        scope=scope,
        scope_reason="",
        short_name=name,
        problem=problem,
        contribution=method,
        key_techniques=techniques,
        results=[claim(m, v, "online") for m, v in online] + [claim(m, v, "offline") for m, v in offline],
        institutions=[{"name": i, "canonical": i, "industrial": industrial, "evidence": i} for i in insts],
        industrial=industrial,
        deployed_online=bool(online),
        platform=platform,
        datasets=[],
        code_url=None,
        topics=topics,
        one_line=one_line,
    )


EXTRACTIONS = {
    "2604.14878": _ex(
        "recsys",
        "GenRec",
        ["JD"],
        True,
        [("click count", "9.5%"), ("transaction count", "8.7%")],
        [],
        ["generative_semantic_ids"],
        "JD deploys a preference-oriented generative retrieval framework "
        "on the JD App with Page-wise NTP, a Token Merger and GRPO-SR",
        "Generative retrieval at JD scale is costly and misaligned with preferences",
        "Page-wise NTP supervises a whole interaction page; a Token Merger compresses semantic IDs",
        ["Page-wise NTP", "Token Merger", "GRPO-SR"],
        "JD App",
    ),
    "2604.10471": _ex(
        "recsys",
        "SID-Coord",
        [],
        True,
        [("long-play rate", "+0.664%"), ("playback duration", "+0.369%")],
        [],
        ["generative_semantic_ids", "ranking_ctr"],
        "Semantic IDs coordinated with hashed IDs in a short-video search ranker",
        "ID-based rankers generalise poorly to long-tail items",
        "Semantic IDs fused by attention and a HID-SID gate",
        ["HID-SID gating"],
        "short-video search",
    ),
    "2604.12110": _ex(
        "recsys",
        "SOLARIS",
        ["Meta"],
        True,
        [("top-line revenue", "0.67%")],
        [],
        ["efficiency_serving", "ads_auctions"],
        "Meta precomputes foundation-model embeddings asynchronously for ads serving",
        "Foundation models are too slow to serve in real time",
        "Speculative precomputation of user-item embeddings",
        ["speculative offloading"],
        "Meta ads",
    ),
    "2604.13468": _ex(
        "adjacent",
        "AuthGR",
        ["Naver"],
        True,
        [],
        [],
        ["search", "generative_semantic_ids"],
        "Authority-aware generative retrieval for web search; a 3B model matches a 14B baseline",
        "Generative retrieval ignores trustworthiness",
        "Multimodal authority scoring",
        ["Multimodal Authority Scoring"],
    ),
    "2604.12298": _ex(
        "recsys",
        "DSAIN",
        ["Meituan"],
        True,
        [("CTR", "2.70%"), ("GMV", "2.16%")],
        [],
        ["ranking_ctr", "sequential_user_modeling"],
        "Situation-aware CTR model on Meituan food delivery",
        "Behaviour context is ignored in CTR models",
        "Situational features fused tri-directionally",
        ["tri-directional correlation fusion"],
        "Meituan takeout app",
    ),
    "2604.14972": _ex(
        "recsys",
        "SAGER",
        [],
        False,
        [],
        [],
        ["llm_agents"],
        "Per-user policy skills that evolve for LLM recommendation agents",
        "Agents personalise memory but not reasoning",
        "A policy skill document per user",
        ["contrastive chain-of-thought"],
    ),
}


def seed(engine, ids=EXTRACTIONS, week=WEEK, extra_week_records=()):
    """Insert the week's real records (and optional earlier-week ones) plus hand-written extractions."""
    recs = {r["id"]: r for r in week_records(WEEK)}
    with Session(engine) as s:
        for rid, r in recs.items():
            s.add(
                Paper(
                    arxiv_id=rid,
                    title=r["title"],
                    abstract=r["abstract"],
                    comment=r.get("comment"),
                    authors=r["authors"],
                    categories=r["categories"],
                    week=week,
                    content_hash="x",
                )
            )
        for r, wk in extra_week_records:
            s.add(
                Paper(
                    arxiv_id=r["id"],
                    title=r["title"],
                    abstract=r["abstract"],
                    comment=r.get("comment"),
                    authors=r["authors"],
                    categories=r["categories"],
                    week=wk,
                    content_hash="x",
                )
            )
        s.commit()
        for rid in ids:
            paper = s.exec(select(Paper).where(Paper.arxiv_id == rid)).one()
            ex = EXTRACTIONS[rid]
            s.add(
                Extraction(
                    paper_id=paper.id,
                    prompt_name="extract_paper",
                    prompt_version="v1",
                    prompt_hash="h",
                    backend="offline",
                    model="offline-rules",
                    input_hash="x",
                    status="ok",
                    data=json.loads(ex.model_dump_json()),
                    scope=ex.scope,
                    short_name=ex.short_name,
                    industrial=ex.industrial,
                    topics=list(ex.topics),
                )
            )
        s.commit()


@pytest.fixture
def seeded(settings, engine):
    seed(engine)
    return settings, engine


def test_build_report_structure_and_rows(seeded):
    settings, engine = seeded
    llm = ExtractiveLLM()
    res = report.build_report(settings, WEEK, llm=llm, engine=engine)
    assert res.status == "Published", res.problems
    assert (res.papers, res.deep_dives, res.version) == (6, 6, 1)
    assert res.calls == len(llm.calls) and llm.calls.count("plan_report") == 1
    sections = llm.calls.count("write_section")
    assert res.calls <= sections + 3 and llm.calls.count("write_overview") == 1
    md = res.path.read_text()
    blocks = parse(md)
    titles = [b.title for b in blocks]
    assert titles[0] == "This Week in Brief" and titles[-2:] == [
        "Directions Worth Watching",
        "Weekly Paper Digest",
    ]
    assert len(titles) - 3 == sections
    brief = blocks[0]
    assert brief.paras[0].startswith("Across 6 recommendation-system papers this week, 5 from industry")
    assert [p.split(":")[0] for p in brief.paras[1:4]] == [
        "Storyline one",
        "Storyline two",
        "Storyline three",
    ]
    digest = [item for _, items in blocks[-1].groups for item in items]
    assert sorted(i.split("[")[1].split("]")[0] for i in digest) == sorted(EXTRACTIONS)
    genrec = next(p for b in blocks[1:-2] for p in b.paras if p.startswith("**GenRec**"))
    assert genrec.startswith("**GenRec** ([2604.14878](https://arxiv.org/abs/2604.14878)) — JD.")
    assert "9.5%" in genrec and "8.7%" in genrec
    sager = next(p for b in blocks[1:-2] for p in b.paras if p.startswith("**SAGER**"))
    assert "institution not disclosed in the abstract" in sager and "exact percentages not disclosed" in sager
    auth = next(i for i in digest if i.startswith("**AuthGR**"))
    assert "a web-search paper, not recommendation" in auth
    assert md.startswith("---\ntype: Post\nstatus: Published\n") and "slug: rec-weekly-en-2026-W16" in md
    with Session(engine) as s:
        rows = s.exec(select(ReportPaper).where(ReportPaper.report_id == res.report_id)).all()
        assert sorted(r.role for r in rows) == ["deep_dive"] * 6


def test_cap_limits_deep_dives_industrial_online_first(seeded):
    settings, engine = seeded
    settings = settings.model_copy(update={"deep_dive_cap": 3})
    res = report.build_report(settings, WEEK, llm=ExtractiveLLM(), engine=engine)
    with Session(engine) as s:
        deep = s.exec(
            select(Paper.arxiv_id)
            .join(ReportPaper)
            .where(ReportPaper.report_id == res.report_id, ReportPaper.role == "deep_dive")
        ).all()
    assert sorted(deep) == ["2604.10471", "2604.12298", "2604.14878"]  # industrial, two online figures each
    md = res.path.read_text()
    groups = [g for g, _ in parse(md)[-1].groups]
    assert any(g.endswith("(supplementary)") or g == "Other" for g in groups)


def test_rebuild_is_new_version_and_lang_zh(seeded):
    settings, engine = seeded
    first = report.build_report(settings, WEEK, llm=ExtractiveLLM(), engine=engine)
    second = report.build_report(settings, WEEK, llm=ExtractiveLLM(), engine=engine)
    zh = report.build_report(settings, WEEK, lang="zh", llm=ExtractiveLLM(), engine=engine)
    assert (first.version, second.version, zh.version) == (1, 2, 1)
    md = zh.path.read_text()
    assert zh.path.name == "rec-weekly-zh-2026-W16.md" and zh.status == "Published", zh.problems
    titles = [b.title for b in parse(md)]
    assert titles[0] == "本周概览" and titles[-1] == "每周论文速览"
    assert parse(md)[0].paras[1].startswith("主线一：")


def test_featured_last_week_not_featured_again(seeded):
    settings, engine = seeded
    with Session(engine) as s:
        old = Report(
            week="2026-W15",
            lang="en",
            version=1,
            status="Published",
            backend="offline",
            model="m",
            markdown="x",
        )
        s.add(old)
        s.commit()
        for pid in ("2604.14878", "2604.12110"):
            paper = s.exec(select(Paper).where(Paper.arxiv_id == pid)).one()
            s.add(ReportPaper(report_id=old.id, paper_id=paper.id, role="deep_dive"))
        s.commit()
    res = report.build_report(settings, WEEK, llm=ExtractiveLLM(), engine=engine)
    md = res.path.read_text()
    assert "2604.14878" not in md and "2604.12110" not in md
    assert res.papers == 4


def _invent_number(name, parsed):
    if isinstance(parsed, SectionText) and parsed.deep_dives:
        parsed.deep_dives[0].body += " Online revenue rose 42.42% and it beats 2999.99999 (unknown id)."
    return parsed


def test_invented_number_and_unknown_id_make_a_draft(seeded):
    settings, engine = seeded
    report.build_report(settings, WEEK, llm=ExtractiveLLM(), engine=engine)
    with pytest.raises(VerificationError) as info:
        report.build_report(settings, WEEK, llm=ExtractiveLLM(_invent_number), engine=engine)
    problems = info.value.problems
    assert any("42.42" in p for p in problems)
    assert any("2999.99999 is not in the database" in p for p in problems)
    with Session(engine) as s:
        rows = s.exec(select(Report).order_by(Report.version)).all()
    assert [(r.version, r.status) for r in rows] == [(1, "Published"), (2, "Draft")]
    assert rows[1].problems == problems and rows[1].path.endswith("rec-weekly-en-2026-W16.v2.draft.md")
    assert "status: Published" in (settings.reports_dir / "rec-weekly-en-2026-W16.md").read_text()


def test_repair_places_missing_and_drops_unknown():
    cands = [
        Candidate(
            pid,
            i,
            EXTRACTIONS[pid].short_name,
            "",
            EXTRACTIONS[pid],
            topic=EXTRACTIONS[pid].topics[0],
            deep=i < 4,
        )
        for i, pid in enumerate(EXTRACTIONS)
    ]
    ids = [c.arxiv_id for c in cands]
    plan = ReportPlan(
        sections=[
            PlanSection(
                title="GR",
                topic="generative_semantic_ids",
                shared_problem="",
                paper_ids=[ids[0], ids[0], "9999.00001", ids[5]],
            ),
            PlanSection(title="Serving", topic="efficiency_serving", shared_problem="", paper_ids=[ids[2]]),
        ],
        digest_groups=[DigestGroup(title="Ranking", paper_ids=[ids[4]])],
        storylines=["a"],
        directions=[],
    )
    fixed, notes = repair(plan, cands, {"generative_semantic_ids": {"title": "GR"}})
    placed = [i for s in fixed.sections for i in s.paper_ids]
    assert sorted(placed) == sorted(ids[:4]) and len(placed) == 4
    assert fixed.sections[0].paper_ids[:2] == [ids[0], ids[1]]
    assert [g.title for g in fixed.digest_groups] == ["Ranking (supplementary)", "Other"]
    assert fixed.digest_groups[1].paper_ids == [ids[5]]
    assert len(fixed.storylines) == 3 and len(fixed.directions) == 3
    assert notes == ["plan: unknown id 9999.00001 dropped"]
