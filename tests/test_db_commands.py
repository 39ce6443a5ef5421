"""`ingest db upgrade|current|backup` from the command line: revisions read from migrations/versions,
an online backup taken while another connection holds an open write transaction."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from conftest import ROOT, run_ingest, week_file


def head_from_files() -> str:
    """The newest revision: the one no migration file names as its down_revision."""
    revisions, downs = set(), set()
    for path in (ROOT / "migrations" / "versions").glob("*.py"):
        text = path.read_text()
        revisions |= set(re.findall(r'^revision: str = "(\w+)"', text, re.M))
        downs |= set(re.findall(r'^down_revision: str \| None = "(\w+)"', text, re.M))
    (head,) = revisions - downs
    return head


def test_db_current_shows_the_revision_and_the_newest(tmp_path: Path) -> None:
    db = str(tmp_path / "ingest.sqlite3")
    head = head_from_files()
    newest_file = max((ROOT / "migrations" / "versions").glob("0*.py")).name
    assert newest_file.startswith(f"{head}_")
    older = run_ingest(db, "db", "upgrade", "0003")
    assert older.exit_code == 0 and "database at revision 0003" in older.stdout
    current = run_ingest(db, "db", "current")
    assert current.exit_code == 0 and current.stdout.split() == ["current:", "0003", "head:", head]
    assert run_ingest(db, "db", "upgrade").exit_code == 0
    assert run_ingest(db, "db", "current").stdout.split() == ["current:", head, "head:", head]


def test_db_backup_is_an_online_copy_of_what_is_committed(tmp_path: Path) -> None:
    db = tmp_path / "ingest.sqlite3"
    crawl = run_ingest(str(db), "crawl", "--week", "2026-W16", "--source", str(week_file("2026-W16")))
    assert crawl.exit_code == 0, crawl.stderr
    writer = sqlite3.connect(db, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")  # another process mid-write: its change is not committed
        writer.execute("UPDATE paper SET title = 'uncommitted' WHERE arxiv_id = '2604.14878'")
        res = run_ingest(str(db), "db", "backup", str(tmp_path / "copies" / "backup.sqlite3"))
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert res.exit_code == 0, res.stderr
    assert res.stdout.strip() == f"backed up to {tmp_path / 'copies' / 'backup.sqlite3'}"
    copy = sqlite3.connect(tmp_path / "copies" / "backup.sqlite3")
    try:
        assert copy.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert copy.execute("SELECT count(*) FROM paper").fetchone() == (116,)
        title = copy.execute("SELECT title FROM paper WHERE arxiv_id = '2604.14878'").fetchone()[0]
        assert title.startswith("GenRec: A Preference-Oriented Generative Framework")
        found = copy.execute("SELECT count(*) FROM paper_fts WHERE paper_fts MATCH 'GenRec'").fetchone()
        assert found[0] >= 1
    finally:
        copy.close()
    searched = run_ingest(str(tmp_path / "copies" / "backup.sqlite3"), "papers", "show", "2604.14878")
    assert searched.exit_code == 0 and "GenRec" in searched.stdout  # the copy is a working database
