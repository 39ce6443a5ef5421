"""The head revision read from the migration files as text (db.revisions) and open_engine's use of it:
a database at head opens without importing Alembic, one behind is still upgraded, anything the text
reading cannot vouch for goes to Alembic."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from conftest import wiped_pg
from ingest.db import engine as db
from ingest.db import revisions

MIGRATION = '''"""{title}

Revision ID: {rev}
"""

from alembic import op

revision: str = {rev!r}
down_revision: str | None = {down!r}
branch_labels = None
depends_on = None
{extra}

def upgrade() -> None:
    op.execute("SELECT 1")
'''


def write_versions(folder: Path, *specs: tuple[str, str | None, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for rev, down, extra in specs:
        (folder / f"{rev}_m.py").write_text(MIGRATION.format(title=rev, rev=rev, down=down, extra=extra))
    return folder


def test_the_text_head_of_the_real_migrations_is_alembics_head_and_the_chain_is_alembics() -> None:
    script = ScriptDirectory.from_config(db.alembic_config("sqlite://"))
    chain = revisions.read_chain(revisions.migrations_dir() / "versions")
    assert chain == {r.revision: r.down_revision for r in script.walk_revisions()}
    assert revisions.plain_head() == script.get_current_head() == "0011"


def test_a_plain_linear_chain_has_its_last_revision_as_head(tmp_path: Path) -> None:
    folder = write_versions(tmp_path, ("a1", None, ""), ("b2", "a1", ""), ("c3", "b2", ""))
    (folder / "__init__.py").write_text("revision = 'ignored'\n")  # alembic skips it too
    assert revisions.read_chain(folder) == {"a1": None, "b2": "a1", "c3": "b2"}
    assert revisions.head_of({"a1": None, "b2": "a1", "c3": "b2"}) == "c3"


@pytest.mark.parametrize(
    ("specs", "why"),
    [
        ((("a1", None, ""), ("b2", "a1", ""), ("c3", "a1", "")), "two heads (a branch)"),
        ((("a1", None, ""), ("b2", "zz", "")), "a down revision no file defines"),
        ((("a1", None, ""), ("b2", None, "")), "two roots"),
        ((("a1", None, ""), ("b2", "a1", "if True:\n    revision = 'x9'")), "a second, conditional revision"),
        ((("a1", None, ""), ("b2", "a1", "depends_on = 'a1'")), "depends_on that is not None"),
        ((("a1", None, ""), ("b2", "a1", "branch_labels = ('x',)")), "a branch label"),
    ],
)
def test_anything_not_plain_gives_no_text_head(tmp_path: Path, specs, why: str) -> None:
    folder = write_versions(tmp_path, *specs)
    chain = revisions.read_chain(folder)
    assert chain is None or revisions.head_of(chain) is None, why


def test_a_merge_or_a_computed_revision_is_not_read_as_text(tmp_path: Path) -> None:
    merge = write_versions(tmp_path / "merge", ("a1", None, ""))
    (merge / "m_merge.py").write_text('revision = "m2"\ndown_revision = ("a1", "b1")\n')
    computed = write_versions(tmp_path / "computed", ("a1", None, ""))
    (computed / "c_m.py").write_text('REV = "c2"\nrevision = REV\ndown_revision = "a1"\n')
    assert revisions.read_chain(merge) is None
    assert revisions.read_chain(computed) is None


OPEN = (
    "import sys\n"
    "from ingest.db.engine import current_revision, open_engine\n"
    "for url in sys.argv[1:]:\n"
    "    engine = open_engine(url)\n"
    "    imported = 'alembic' in sys.modules\n"
    "    print(current_revision(engine), imported)\n"
)


def test_open_engine_at_head_imports_no_alembic_and_one_behind_is_upgraded(tmp_path: Path) -> None:
    """One fresh process opens a database at head (Alembic not imported), then one at 0009 (upgraded,
    through Alembic). 'imported' is taken right after open_engine: current_revision imports Alembic."""
    at_head = f"sqlite:///{tmp_path / 'head.sqlite3'}"
    behind = f"sqlite:///{tmp_path / 'behind.sqlite3'}"
    db.upgrade(at_head)
    db.upgrade(behind, "0009")
    res = subprocess.run([sys.executable, "-c", OPEN, at_head, behind], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines() == ["0011 False", "0011 True"]


def test_on_postgres_only_a_database_at_head_skips_alembic_and_one_behind_is_upgraded() -> None:
    url = wiped_pg()
    engine = db.make_engine(url)
    try:
        assert db.at_plain_head(engine) is False  # no alembic_version table: the query fails, caught
        db.upgrade(url)
        assert db.at_plain_head(engine) is True
        db.downgrade(url, "0010")
        assert db.at_plain_head(engine) is False
        assert db.current_revision(db.open_engine(url)) == "0011"
        assert db.at_plain_head(engine) is True
    finally:
        engine.dispose()
        db.forget_engines()


def test_a_database_with_two_version_rows_goes_to_alembic(tmp_path: Path) -> None:
    """alembic_version with the head and another row is not 'at head': Alembic decides (and, for a
    revision it does not know, refuses with the usual message)."""
    url = f"sqlite:///{tmp_path / 'odd.sqlite3'}"
    db.upgrade(url)
    engine = db.make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO alembic_version (version_num) VALUES ('9999')"))
    assert db.at_plain_head(engine) is False
    engine.dispose()
