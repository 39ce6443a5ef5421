"""The weekly report on the bundled weeks, offline backend: scope, deep dives, storylines, counts, facts."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, select

from ingest.db.models import Paper, Report, ReportPaper
from ingest.db.store import week_counts
from ingest.facts.numbers import numbers_in
from ingest.report import build as report
from ingest.report import prose
from ingest.report.verify import parse
from reportkit import front_matter, parts

GENREC, SOLARIS, DSAIN, RQVAE, SIDCOORD = "2604.14878", "2604.12110", "2604.12298", "2604.11440", "2604.10471"
IAT = "2604.08933"
CFD, COVID, AUTHGR = "2604.09112", "2604.13728", "2604.13468"
FINRETRIEVAL, ONERANKER = "2603.04403", "2603.02999"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, _extracted_weeks) -> dict:
    """Both weeks' reports, built once for this module on copies of the extracted weeks."""
    import shutil

    from ingest.config import Settings
    from ingest.db import engine as db

    out = {}
    for week in ("2026-W10", "2026-W16"):
        folder = tmp_path_factory.mktemp(f"report-{week}")
        shutil.copyfile(_extracted_weeks[week], folder / "ingest.sqlite3")
        s = Settings(
            db_url=f"sqlite:///{folder / 'ingest.sqlite3'}", backend="offline", reports_dir=folder / "reports"
        )
        res = report.build_report(s, week)
        engine = db.open_engine(s)
        with Session(engine) as session:
            counts = week_counts(session, week)
            scope = dict(session.exec(select(Paper.arxiv_id, Paper.scope)).all())
            why = dict(session.exec(select(Paper.arxiv_id, Paper.scope_by)).all())
            roles = dict(
                session.exec(
                    select(Paper.arxiv_id, ReportPaper.role).join(
                        ReportPaper, ReportPaper.paper_id == Paper.id
                    )
                ).all()
            )
            stored = session.exec(select(Report)).one()
        out[week] = {
            "res": res,
            "md": res.path.read_text(),
            "counts": counts,
            "scope": scope,
            "by": why,
            "roles": roles,
            "row": stored,
            "settings": s,
        }
        db.forget_engines()
    return out


@pytest.mark.parametrize("week", ["2026-W10", "2026-W16"])
def test_report_is_published_with_the_spec_structure(built: dict, week: str) -> None:
    b = built[week]
    assert b["res"].status == "Published" and b["res"].problems == [] and b["row"].status == "Published"
    p = parts(b["md"])
    assert 3 <= len(p.sections) <= 5 and not {t.lower() for t in p.sections} & {"other", ""}
    assert [x.split(":")[0] for x in p.brief[1:]] == ["Storyline one", "Storyline two", "Storyline three"]
    assert [x.split(":")[0] for x in p.directions] == ["Direction one", "Direction two", "Direction three"]
    assert 8 <= len(p.dives) <= 12 and set(p.dives) <= set(p.group_of)
    assert len(p.group_of) == b["res"].papers == int(front_matter(b["md"])["papers"]) <= 28
    assert {r for r in b["roles"].values()} == {"deep_dive", "digest"} and len(b["roles"]) == len(p.group_of)


@pytest.mark.parametrize("week", ["2026-W10", "2026-W16"])
def test_digest_holds_in_scope_papers_and_adjacent_ones_only_under_also_noted(built: dict, week: str) -> None:
    b = built[week]
    p = parts(b["md"])
    for pid, group in p.group_of.items():
        assert b["scope"][pid] in ("recsys", "adjacent"), pid
        assert (b["scope"][pid] == "adjacent") == (group == "Also noted (search and IR)"), pid
    assert len(p.digest.get("Also noted (search and IR)", [])) <= 3


def test_scope_decisions_on_named_papers(built: dict) -> None:
    w16, w10 = built["2026-W16"], built["2026-W10"]
    assert w16["scope"][GENREC] == "recsys" and w16["by"][GENREC] == "offline rules, extract_paper v2"
    assert (
        w16["scope"][CFD] == "out_of_scope"
    )  # recommendation used to pick closure models for fluid simulations
    assert w16["scope"][COVID] == "out_of_scope"  # retrieval for COVID-19 literature: one domain
    assert w16["scope"][AUTHGR] == "adjacent"  # web search: general IR
    assert w10["scope"][FINRETRIEVAL] == "out_of_scope"  # a financial-data retrieval benchmark for agents
    for b, pid in ((w16, CFD), (w16, COVID), (w10, FINRETRIEVAL)):
        assert pid not in b["md"]


def test_industrial_online_papers_get_deep_dives_and_shared_threads_stand_together(built: dict) -> None:
    w16 = parts(built["2026-W16"]["md"])
    assert {GENREC, SOLARIS, DSAIN} <= set(w16.dives)  # online A/B on JD, Meta's ads, Meituan
    assert w16.section_of[GENREC] == w16.section_of[RQVAE] == w16.section_of[SIDCOORD]  # semantic IDs
    assert ONERANKER in parts(built["2026-W10"]["md"]).dives  # online A/B in Tencent's WeiXin
    # SOLARIS (speculative offloading of embeddings) and IAT (compressing long histories into tokens)
    # are both about serving cost: one section, whatever it is called
    assert w16.section_of[SOLARIS] == w16.section_of[IAT]


@pytest.mark.parametrize("week", ["2026-W10", "2026-W16"])
def test_sections_are_named_after_a_thread_not_a_description(built: dict, week: str) -> None:
    titles = {t.lower() for t in parts(built[week]["md"]).sections}
    # phrases these weeks' clusters share that only describe (seen as section titles before)
    described = {
        "historical interaction",
        "representation",
        "backbone model",
        "language models",
        "user preference",
    }
    assert titles and not titles & described, titles


@pytest.mark.parametrize("week", ["2026-W10", "2026-W16"])
def test_counts_agree_with_the_count_model(built: dict, week: str) -> None:
    b = built[week]
    counts, lead = b["counts"], parts(b["md"]).brief[0]
    assert f"{counts.in_scope} papers this week are in scope" in lead
    assert (
        f"{counts.industrial} of them from industry" in lead
        and f"{counts.online} with verified online" in lead
    )
    assert f"{len(parts(b['md']).dives)} get a deep dive below" in lead
    assert b["res"].counts["in_scope"] == counts.in_scope and b["res"].counts["online_ab"] == counts.online
    parsed = parts(b["md"])
    for title, paras in parsed.sections.items():
        dives = [x for x in paras if x.startswith("**")]
        listed = sum(1 for g in parsed.group_of.values() if g == title)  # its digest group
        more = re.match(
            r"(\d+) papers this week share [^;]+; (?:(\d+) of them get|.+ gets the deep dive)", paras[0]
        )
        if more:  # 'M papers this week share X; K of them get a deep dive: ...'
            assert int(more.group(1)) == listed > len(dives), title
            assert int(more.group(2) or 1) == len(dives), title
        else:
            stated = re.match(r"(\d+) papers share", paras[0])
            assert (int(stated.group(1)) if stated else 1) == len(dives), title


@pytest.mark.parametrize("week", ["2026-W10", "2026-W16"])
def test_every_number_of_a_paper_is_one_of_its_claims(built: dict, week: str) -> None:
    from ingest.db import engine as db
    from ingest.report.select import load_week
    from ingest.report.verify import numbers_of

    b = built[week]
    with Session(db.open_engine(b["settings"])) as session:
        claims = {i.arxiv_id: i.facts.results for i in load_week(session, week).items}
    p = parts(b["md"])
    for pid, text in list(p.dives.items()):
        allowed, _online = numbers_of(claims[pid])
        for cited in set(re.findall(r"\((\d{4}\.\d{4,5})\)", text)) - {pid}:
            allowed |= numbers_of(claims.get(cited, []))[0]
        assert numbers_in(text) <= allowed, (pid, numbers_in(text) - allowed)
    db.forget_engines()


@pytest.mark.parametrize("week", ["2026-W10", "2026-W16"])
def test_prose_checker_passes_and_finds_no_markup_or_template_seams(built: dict, week: str) -> None:
    md = built[week]["md"]
    blocks, html = parse(md)
    paragraphs = [x for b in blocks for x in b.paras] + [
        i for b in blocks for _t, items in b.groups for i in items
    ]
    p = parts(md)
    assert html == [] and prose.check(paragraphs, p.dives, {k: k for k in p.dives}) == []
    for seam in ("The problem:", "(none)", "from another angle", "shares the focus on", "\\textbf"):
        assert seam not in md
