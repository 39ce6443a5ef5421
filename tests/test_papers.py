"""`ingest papers list|show`: stored papers, with their extraction, claims and reports when present."""

from __future__ import annotations

import json

from conftest import week_file
from ingest.crawl import stage as crawl
from ingest.db import engine as db
from ingest.db import store
from ingest.db.models import Claim, Extraction, Report, ReportPaper
from test_crawl import run_ingest


def load_w16(settings, engine) -> None:
    crawl.crawl_week(settings, "2026-W16", source=week_file("2026-W16"), engine=engine)


def test_list_json_and_table(settings, engine, db_url):
    load_w16(settings, engine)
    res = run_ingest(db_url, "papers", "list", "--week", "2026-W16", "--json")
    rows = json.loads(res.stdout)
    assert res.exit_code == 0 and len(rows) == 116
    genrec = next(r for r in rows if r["arxiv_id"] == "2604.14878")
    assert (genrec["week"], genrec["relevance"], genrec["primary_category"]) == ("2026-W16", 6.0, "cs.IR")
    table = run_ingest(db_url, "papers", "list", "--week", "2026-W16")
    assert "2026-W16: 116 papers" in table.stdout and "2604.14878" in table.stdout


def test_show_plain_paper(settings, engine, db_url):
    load_w16(settings, engine)
    res = run_ingest(db_url, "papers", "show", "2604.14878v1")
    assert res.exit_code == 0
    assert res.stdout.startswith("2604.14878v1  GenRec: A Preference-Oriented Generative Framework")
    assert "relevance: 6.0 (cs.IR primary; title: recommendation" in res.stdout
    assert "extraction: none yet" in res.stdout and "reports: none" in res.stdout
    detail = json.loads(run_ingest(db_url, "papers", "show", "2604.14878", "--json").stdout)
    assert detail["listing_date"] == "2026-04-17" and [v["version"] for v in detail["versions"]] == [1]
    assert "fulltext" not in detail and detail["extraction"] is None
    assert "scope:" not in res.stdout  # no scope decision yet


def test_show_prints_the_scope_decision_and_who_made_it(settings, engine, db_url):
    load_w16(settings, engine)
    assert run_ingest(db_url, "extract", "--week", "2026-W16").exit_code == 0
    res = run_ingest(db_url, "papers", "show", "2604.14878")
    assert res.exit_code == 0, res.stderr
    [line] = [x for x in res.stdout.splitlines() if x.startswith("scope:")]
    assert line.startswith("scope: recsys — ") and line.endswith("by offline rules, extract_paper v2")


def test_show_with_extraction_metrics_and_reports(settings, engine, db_url):
    load_w16(settings, engine)
    with db.session_scope(engine) as s:
        paper = store.get_paper(s, "2604.14878")
        ex = Extraction(
            paper_id=paper.id,
            prompt_name="extract_paper",
            prompt_version="v1",
            prompt_hash="h",
            backend="offline",
            model="offline-rules",
            input_hash=paper.content_hash,
            scope="recsys",
            short_name="GenRec",
            industrial=True,
            deployed_online=True,
            institutions=["JD.com"],
            topics=["generative_retrieval"],
            one_line="Generative recommender deployed on the JD App.",
            grounded_count=4,
            ungrounded_count=0,
        )
        s.add(ex)
        s.flush()
        s.add(
            Claim(
                extraction_id=ex.id,
                paper_id=paper.id,
                kind="result",
                setting="online",
                metric="click count",
                value="9.5%",
                evidence="click count +9.5%",
            )
        )
        report = Report(
            week="2026-W16",
            lang="en",
            version=1,
            status="Published",
            backend="offline",
            model="offline-rules",
            markdown="# report",
        )
        s.add(report)
        s.flush()
        s.add(
            ReportPaper(
                report_id=report.id, paper_id=paper.id, role="deep_dive", section="Generative retrieval"
            )
        )
    out = run_ingest(db_url, "papers", "show", "2604.14878").stdout
    assert "extraction #1 (offline/offline-rules): GenRec" in out and "institutions: JD.com" in out
    assert "industrial: yes, deployed online: yes" in out and "grounded claims: 4, ungrounded: 0" in out
    assert "claim [online] click count = 9.5%" in out
    assert 'evidence: "click count +9.5%"' in out
    assert "report 2026-W16 en v1 (Published): deep_dive in Generative retrieval" in out
    detail = json.loads(run_ingest(db_url, "papers", "show", "2604.14878", "--json").stdout)
    assert (
        detail["extraction"]["claims"][0]["value"] == "9.5%" and detail["reports"][0]["role"] == "deep_dive"
    )


def test_unknown_id_and_week_are_one_line(settings, engine, db_url):
    load_w16(settings, engine)
    res = run_ingest(db_url, "papers", "show", "2699.00001")
    assert res.exit_code == 2
    assert res.stderr == "error: paper 2699.00001 is not in the database (crawl its week first)\n"
    bad_week = run_ingest(db_url, "papers", "list", "--week", "2026-W60")
    assert bad_week.exit_code == 2 and bad_week.stderr.startswith("error: unknown week '2026-W60'")


def test_list_all_includes_near_duplicates(settings, engine, db_url, tmp_path):
    """A resubmission of GenRec under a new id (same title and authors, listed two days later) is
    linked to the original; `papers list` leaves it out, `--all` shows it with its link."""
    records = [json.loads(line) for line in week_file("2026-W16").read_text().splitlines()]
    genrec = next(r for r in records if r["id"] == "2604.14878")
    again = dict(genrec, id="2604.99999", listing_date="2026-04-17")
    source = tmp_path / "w16-resubmitted.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in [*records, again]))
    crawl.crawl_week(settings, "2026-W16", source=source, engine=engine)
    plain = json.loads(run_ingest(db_url, "papers", "list", "--week", "2026-W16", "--json").stdout)
    every = json.loads(run_ingest(db_url, "papers", "list", "--week", "2026-W16", "--all", "--json").stdout)
    assert len(plain) == 116 and "2604.99999" not in {r["arxiv_id"] for r in plain}
    assert len(every) == 117
    assert next(r for r in every if r["arxiv_id"] == "2604.99999")["duplicate_of"] == "2604.14878"
    table = run_ingest(db_url, "papers", "list", "--week", "2026-W16", "--all")
    assert table.exit_code == 0 and "2604.99999" in table.stdout
