"""Snapshot crawls: JSONL and Atom files -> stored papers; bad input -> one clear line, nothing lost."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from conftest import DATA, FIXTURES, run_ingest, week_file, week_records
from ingest.crawl import stage as crawl
from ingest.db import engine as db
from ingest.db import store
from ingest.db.models import Paper, Run


def count(engine) -> int:
    with db.session_scope(engine) as s:
        return s.execute(select(func.count()).select_from(Paper)).scalar_one()


def test_week16_twice_leaves_116_and_says_0_new(db_url, engine):
    first = run_ingest(db_url, "crawl", "--week", "2026-W16", "--source", str(week_file("2026-W16")))
    second = run_ingest(db_url, "crawl", "--week", "2026-W16", "--source", str(week_file("2026-W16")))
    assert first.exit_code == 0 and second.exit_code == 0
    assert "2026-W16: 116 new, 0 updated, 0 unchanged" in first.stdout
    assert "2026-W16: 0 new, 0 updated, 116 unchanged" in second.stdout
    assert count(engine) == 116
    with db.session_scope(engine) as s:
        runs = s.execute(select(Run).order_by(Run.id)).scalars().all()
    assert [(r.kind, r.status, r.counts["new"]) for r in runs] == [("crawl", "ok", 116), ("crawl", "ok", 0)]


def test_snapshot_fields_and_relevance(settings, engine):
    result = crawl.crawl_week(settings, "2026-W16", source=week_file("2026-W16"), engine=engine)
    assert (result.fetched, result.new, result.weeks) == (116, 116, {"2026-W16": 116})
    with db.session_scope(engine) as s:
        genrec = store.get_paper(s, "2604.14878")
        solaris = store.get_paper(s, "2604.12110")
        other = store.get_paper(s, "2603.25924")
    assert genrec.title.startswith("GenRec: A Preference-Oriented Generative Framework")
    assert genrec.listing_date == date(2026, 4, 17) and genrec.comment == "SIGIR 2026 Camera-Ready version"
    assert genrec.categories == ["cs.IR", "cs.AI"] and genrec.source == "snapshot:2026-W16.jsonl"
    assert genrec.relevance_reasons[:2] == ["cs.IR primary", "title: recommendation"]
    assert "abstract: online A/B test" in genrec.relevance_reasons and genrec.relevance == 6.0
    assert solaris.primary_category == "cs.LG" and solaris.version == 1
    # 'Good Scores, Bad Data' (cs.CV, cs.AI): no cs.IR, no recommendation or industry term anywhere
    assert (other.primary_category, other.relevance, other.relevance_reasons) == ("cs.CV", 0.0, [])


def test_atom_snapshot_matches_jsonl_identity(settings, engine):
    atom = crawl.crawl_week(
        settings, "2026-W16", source=FIXTURES / "atom" / "snapshot-w16.xml", engine=engine
    )
    assert (atom.new, atom.weeks) == (5, {"2026-W16": 5})
    with db.session_scope(engine) as s:
        genrec = store.get_paper(s, "2604.14878")
    assert genrec.published is not None and genrec.authors[0] == "Yanyan Zou"
    jsonl = crawl.crawl_week(settings, "2026-W16", source=week_file("2026-W16"), engine=engine)
    assert (jsonl.new, jsonl.updated, jsonl.unchanged) == (111, 0, 5)


def test_missing_file_is_one_line_exit_2(db_url, tmp_path):
    res = run_ingest(db_url, "crawl", "--week", "2026-W16", "--source", str(tmp_path / "nope.jsonl"))
    assert res.exit_code == 2
    assert res.stderr == f"error: source file not found: {tmp_path / 'nope.jsonl'}\n"


def test_malformed_jsonl_lines_are_named_and_others_load(db_url, engine, tmp_path):
    lines = week_file("2026-W16").read_text().splitlines()[:5]
    lines[1] = lines[1][:40]  # truncated JSON
    lines[3] = json.dumps({"title": "no id"})
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(lines) + "\n")
    res = run_ingest(db_url, "crawl", "--week", "2026-W16", "--source", str(bad))
    assert res.exit_code == 1
    assert len(res.stderr.strip().splitlines()) == 1
    assert "2 record(s) rejected: line 2: invalid JSON" in res.stderr and "line 4: missing 'id'" in res.stderr
    assert count(engine) == 3
    with db.session_scope(engine) as s:
        run = s.execute(select(Run)).scalars().one()
    assert (run.status, run.counts["errors"], run.counts["new"]) == ("partial", 2, 3)


def test_unknown_week_keeps_stored_papers(db_url, engine):
    assert (
        run_ingest(db_url, "crawl", "--week", "2026-W16", "--source", str(week_file("2026-W16"))).exit_code
        == 0
    )
    res = run_ingest(db_url, "crawl", "--week", "2026-W60", "--source", str(week_file("2026-W16")))
    assert res.exit_code == 2
    assert res.stderr == "error: unknown week '2026-W60': 2026 has no ISO week 60\n"
    assert count(engine) == 116


def test_malformed_atom_names_the_line(db_url):
    res = run_ingest(
        db_url, "crawl", "--week", "2026-W16", "--source", str(FIXTURES / "atom" / "malformed.xml")
    )
    assert res.exit_code == 2
    assert res.stderr.startswith("error: ") and "malformed Atom XML at line" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_records_of_other_weeks_are_stored_and_reported(db_url, engine, tmp_path):
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text(week_file("2026-W10").read_text() + week_file("2026-W16").read_text())
    res = run_ingest(db_url, "crawl", "--week", "2026-W16", "--source", str(mixed))
    assert res.exit_code == 0
    assert "records of other weeks stored too: {'2026-W10': 112}" in res.stdout
    assert count(engine) == 228


def test_range_backfill_from_a_snapshot(settings, engine, tmp_path):
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text(week_file("2026-W10").read_text() + week_file("2026-W16").read_text())
    results = crawl.crawl_range(settings, date(2026, 4, 13), date(2026, 4, 15), source=mixed, engine=engine)
    assert [(r.week, r.new, r.skipped) for r in results] == [("2026-W16", 23 + 40 + 14, 112 + 18 + 21)]
    assert count(engine) == 77


def test_range_cli_and_option_errors(db_url, engine):
    src = str(week_file("2026-W12"))
    ok = run_ingest(db_url, "crawl", "--since", "2026-03-16", "--until", "2026-03-20", "--source", src)
    assert ok.exit_code == 0 and "2026-W12: 102 new" in ok.stdout
    both = run_ingest(db_url, "crawl", "--week", "2026-W12", "--since", "2026-03-16", "--source", src)
    assert both.exit_code == 2 and "either --week or --since/--until" in both.stderr
    bad = run_ingest(db_url, "crawl", "--since", "2026-13-01", "--until", "2026-03-20", "--source", src)
    assert bad.exit_code == 2 and "--since '2026-13-01'" in bad.stderr


def test_all_bundled_weeks_land_in_their_week(settings, engine):
    for path in sorted(DATA.glob("*.jsonl")):
        result = crawl.crawl_week(settings, path.stem, source=path, engine=engine)
        assert result.weeks == {path.stem: len(week_records(path.stem))}, path.name


def test_no_published_or_listing_date_falls_back_to_requested_week(settings, engine, tmp_path):
    rec = {k: v for k, v in week_records("2026-W16")[0].items() if k != "listing_date"}
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(rec) + "\n")
    assert crawl.crawl_week(settings, "2026-W20", source=path, engine=engine).weeks == {"2026-W20": 1}
    [backfill] = crawl.crawl_range(
        settings, date(2026, 5, 1), date(2026, 5, 2), source=Path(path), engine=engine
    )
    # a backfill has no week to fall back on: the record is named and nothing is stored
    assert (backfill.week, backfill.new) == ("2026-W18", 0)
    assert backfill.errors == ["2604.08549: no listing_date or published date to assign a week"]
    assert count(engine) == 1  # only the week crawl's copy
