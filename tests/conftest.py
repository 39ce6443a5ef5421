"""Shared fixtures: settings on a real SQLite file in tmp_path, the bundled arXiv weeks, a CLI runner.

A test run writes nothing into the checkout: bytecode goes to a cache outside it (sys.pycache_prefix,
and PYTHONPYCACHEPREFIX for child processes, set before anything of ours is imported; the one file
compiled before that, this module's own, is removed) unless bytecode is not written at all
(PYTHONDONTWRITEBYTECODE: then no prefix, which would only make every process compile its libraries
again), pytest's cache lives in ~/.cache (pyproject's cache_dir), and every test writes under tmp_path.
The session fails if any test wrote into the checkout (`_checkout_untouched`): relative defaults
(reports/, db/) land in tmp_path, each test's working directory.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

if not sys.dont_write_bytecode:  # with PYTHONDONTWRITEBYTECODE nothing is written: keep reading the
    # libraries' own __pycache__ (a prefix that is never filled makes every process compile them anew)
    _PYCACHE = (
        os.environ.get("PYTHONPYCACHEPREFIX") or f"{tempfile.gettempdir()}/ingest-pycache-{os.getuid()}"
    )
    sys.pycache_prefix = os.environ["PYTHONPYCACHEPREFIX"] = _PYCACHE
_OWN_CACHE = Path(__file__).parent / "__pycache__"
for _compiled in _OWN_CACHE.glob("conftest.*.pyc"):  # written by pytest before this line ran
    _compiled.unlink(missing_ok=True)
if _OWN_CACHE.is_dir() and not any(_OWN_CACHE.iterdir()):
    _OWN_CACHE.rmdir()

import functools  # noqa: E402
import json  # noqa: E402
from collections.abc import Iterator  # noqa: E402

import click  # noqa: E402
import pytest  # noqa: E402
from click.testing import CliRunner, Result  # noqa: E402
from sqlalchemy import create_engine, make_url  # noqa: E402

from ingest.cli import main  # noqa: E402
from ingest.config import Settings  # noqa: E402
from ingest.db import engine as db  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "arxiv"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
PG_URL = os.environ.get("INGEST_TEST_PG_URL", "")  # a PostgreSQL database the tests may WIPE


def pytest_sessionstart(session: pytest.Session) -> None:
    """CI runs the PostgreSQL tests every time (.ci/run starts a server): without one it fails."""
    if os.environ.get("CI") and not PG_URL.startswith("postgresql"):
        raise pytest.UsageError(
            "CI needs INGEST_TEST_PG_URL (a PostgreSQL test database; .ci/run starts one)"
        )


@functools.cache
def _worker_pg_url() -> str:
    """PG_URL, or under pytest-xdist a database of this worker's own next to it (`<name>_gw0`, created
    when missing): workers never wipe each other's schema."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker:
        return PG_URL
    url = make_url(PG_URL)
    name = f"{url.database}_{worker}"
    engine = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            found = conn.exec_driver_sql("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).first()
            if found is None:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        engine.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def wiped_pg() -> str:
    """PG_URL (this worker's own database under pytest-xdist) with an empty public schema (skips the
    test when no PostgreSQL database is given)."""
    if not PG_URL.startswith("postgresql"):
        pytest.skip("INGEST_TEST_PG_URL not set (CI sets it)")
    db.forget_engines()
    url = _worker_pg_url()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The test runs twice: on a SQLite file and on the PostgreSQL test database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ingest.sqlite3'}"
    return wiped_pg()


SKIPPED_DIRS = {
    ".git",
    ".venv",
    "venv",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    ".mypy_cache",
    "build",
    "dist",
}


def checkout_files(root: Path = ROOT) -> dict[str, float]:
    """Path -> mtime of every file of the checkout (caches and virtualenvs left out)."""
    found: dict[str, float] = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS and not d.endswith(".egg-info")]
        for name in files:
            path = os.path.join(folder, name)
            try:
                found[os.path.relpath(path, root)] = os.stat(path).st_mtime
            except FileNotFoundError:
                continue
    return found


@pytest.fixture(scope="session", autouse=True)
def _checkout_untouched() -> Iterator[None]:
    """The suite writes nothing into the working tree (issue 15): fail the session if it did."""
    before = checkout_files()
    yield
    after = checkout_files()
    changed = sorted(p for p, mtime in after.items() if before.get(p) != mtime)
    assert not changed, f"tests wrote into the checkout: {changed[:10]}"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test sees the developer's keys, endpoints or ingest.toml, and each runs in its tmp_path."""
    for name in (
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "INGEST_OPENAI_API_KEY",
        "INGEST_OPENAI_BASE_URL",
        "INGEST_DB_URL",
        "INGEST_BACKEND",
        "INGEST_CONFIG",
        "NOTION_TOKEN",
        "INGEST_NOTION_TOKEN",
        "INGEST_NOTION_DATABASE_ID",
        "INGEST_PUBLISH_SITE_DIR",
        "INGEST_PUBLISH_BASE_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("INGEST_CONFIG", "")  # empty: no settings file
    monkeypatch.chdir(tmp_path)
    yield
    db.forget_engines()


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ingest.sqlite3'}"


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return Settings(
        db_url=db_url,
        reports_dir=tmp_path / "reports",
        cache_dir=tmp_path / "cache",
        backend="offline",
        arxiv_delay_seconds=0.0,
    )


@pytest.fixture
def engine(settings: Settings):
    return db.open_engine(settings)


def week_file(week: str) -> Path:
    return DATA / f"{week}.jsonl"


def week_records(week: str) -> list[dict]:
    return [json.loads(line) for line in week_file(week).read_text().splitlines() if line.strip()]


def run_ingest(db_url: str | None, *args: str) -> Result:
    """`ingest [--db DB] ARGS...` in-process through cli.main (errors -> one line + exit code)."""
    argv = (["--db", db_url] if db_url else []) + list(args)
    command = click.Command("ingest", callback=lambda: main(argv))
    return CliRunner().invoke(command, [], catch_exceptions=False)


@pytest.fixture
def cli(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Run `ingest --db <tmp db> ARGS...` in tmp_path; returns click's Result (exit_code, stdout, stderr)."""
    monkeypatch.chdir(tmp_path)

    def run(*args: str, db: bool = True) -> Result:
        return run_ingest(db_url if db else None, *args)

    return run


class _ExtractedWeeks(dict[str, Path]):
    """week -> SQLite file of that bundled week, crawled and extracted offline on first use."""

    def __init__(self, factory: pytest.TempPathFactory) -> None:
        super().__init__()
        self.factory = factory

    def __missing__(self, week: str) -> Path:
        from ingest.crawl import stage as crawl
        from ingest.extract import stage as extract

        path = self.factory.mktemp(f"week-{week}") / "ingest.sqlite3"
        s = Settings(db_url=f"sqlite:///{path}", backend="offline", reports_dir=path.parent / "reports")
        crawl.crawl_week(s, week, source=week_file(week))
        extract.extract_week(s, week)
        db.forget_engines()  # the last connection closed: the WAL is checkpointed into the file
        self[week] = path
        return path


@pytest.fixture(scope="session")
def _extracted_weeks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """SQLite files of the bundled weeks (2026-W10, 2026-W16), each crawled and extracted offline once
    per session, when a test first asks for it."""
    return _ExtractedWeeks(tmp_path_factory)


@pytest.fixture
def extracted_week(_extracted_weeks: dict[str, Path], settings: Settings):
    """`extracted_week(week)`: this test's database becomes a copy of the week, crawled and extracted."""
    import shutil

    def load(week: str) -> Settings:
        db.forget_engines()
        target = Path(settings.db_url.removeprefix("sqlite:///"))
        shutil.copyfile(_extracted_weeks[week], target)
        return settings

    return load


@pytest.fixture(scope="session")
def published_week(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database file after `ingest run` of the bundled 2026-W16 (offline): one Published report.
    Built once per session; tests copy it (`published_db`)."""
    from ingest.pipeline import run_week

    folder = tmp_path_factory.mktemp("published")
    path = folder / "ingest.sqlite3"
    settings = Settings(
        db_url=f"sqlite:///{path}",
        reports_dir=folder / "reports",
        cache_dir=folder / "cache",
        backend="offline",
    )
    summary = run_week(settings, "2026-W16", source=week_file("2026-W16"))
    assert summary.report_status == "Published"
    engine = db.open_engine(settings)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.forget_engines()
    return path


@pytest.fixture
def published_db(published_week: Path, tmp_path: Path) -> str:
    """A private copy of the published week's database; returns its URL."""
    import shutil

    target = tmp_path / "ingest.sqlite3"
    shutil.copyfile(published_week, target)
    return f"sqlite:///{target}"
