"""`ingest report` from the command line: --lang zh writes its own file, `report show` prints a Draft's
problems. Exit codes, files and the problem lines only; the report's wording is tested with the report
stage. The command's non-zero exit on a Draft is not tested here: the rewritten report stage re-asks
and falls back per section, so no model answer yields a Draft any more; which input should is the
report stage's to say (left to the lead with its tests)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlmodel import Session

from conftest import run_ingest, week_file
from ingest.db import engine as database
from ingest.db.models import Report

WEEK = "2026-W16"


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """W16 crawled and extracted offline, once for the module."""
    path = tmp_path_factory.mktemp("w16") / "ingest.sqlite3"
    for args in (("crawl", "--week", WEEK, "--source", str(week_file(WEEK))), ("extract", "--week", WEEK)):
        res = run_ingest(str(path), *args)
        assert res.exit_code == 0, res.stderr
    return path


@pytest.fixture
def db(extracted: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)  # reports/ is written under tmp_path
    with sqlite3.connect(extracted) as source, sqlite3.connect(tmp_path / "ingest.sqlite3") as copy:
        source.backup(copy)  # a file copy would miss what is still in the WAL
    return str(tmp_path / "ingest.sqlite3")


def test_report_lang_zh_writes_the_chinese_file(db: str, tmp_path: Path) -> None:
    res = run_ingest(db, "report", "--week", WEEK, "--lang", "zh")
    assert res.exit_code == 0, res.stderr
    path = Path(res.stdout.splitlines()[0])
    assert path.name == f"rec-weekly-zh-{WEEK}.md" and path.is_file()
    assert path.resolve().parent == (tmp_path / "reports").resolve()
    assert not (tmp_path / "reports" / f"rec-weekly-en-{WEEK}.md").exists()
    shown = run_ingest(db, "report", "show", "--week", WEEK, "--lang", "zh")
    assert shown.exit_code == 0 and shown.stdout == path.read_text()
    assert "problem: " not in shown.stdout


def test_report_show_prints_a_drafts_problems(db: str) -> None:
    """A stored Draft (as build_report stores one: status, Markdown, problems) is printed with one
    `problem:` line per problem; a Published version prints none."""
    built = run_ingest(db, "report", "--week", WEEK)
    assert built.exit_code == 0, built.stderr
    problems = ["number 31.7 not in the source of 2604.14878", "arXiv id 1808.09781 is not in the database"]
    with Session(database.open_engine(f"sqlite:///{db}")) as session:
        session.add(
            Report(
                week=WEEK,
                lang="en",
                version=2,
                status="Draft",
                backend="offline",
                model="offline-rules",
                markdown="# a draft\n",
                problems=problems,
            )
        )
        session.commit()
    draft = run_ingest(db, "report", "show", "--week", WEEK)
    assert draft.exit_code == 0, draft.stderr
    assert [line for line in draft.stdout.splitlines() if line.startswith("problem: ")] == [
        f"problem: {p}" for p in problems
    ]
    published = run_ingest(db, "report", "show", "--week", WEEK, "--version", "1")
    assert published.exit_code == 0 and "problem: " not in published.stdout
