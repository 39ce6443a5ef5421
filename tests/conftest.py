"""Shared fixtures: settings on a real SQLite file in tmp_path, the bundled arXiv weeks, a CLI runner.

A test run writes nothing into the checkout: bytecode goes to a cache outside it (sys.pycache_prefix,
and PYTHONPYCACHEPREFIX for child processes, set before anything of ours is imported; the one file
compiled before that, this module's own, is removed), pytest's cache lives in ~/.cache (pyproject's
cache_dir), and every test writes under tmp_path.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

_PYCACHE = os.environ.get("PYTHONPYCACHEPREFIX") or f"{tempfile.gettempdir()}/ingest-pycache-{os.getuid()}"
sys.pycache_prefix = os.environ["PYTHONPYCACHEPREFIX"] = _PYCACHE
_OWN_CACHE = Path(__file__).parent / "__pycache__"
for _compiled in _OWN_CACHE.glob("conftest.*.pyc"):  # written by pytest before this line ran
    _compiled.unlink(missing_ok=True)
if _OWN_CACHE.is_dir() and not any(_OWN_CACHE.iterdir()):
    _OWN_CACHE.rmdir()

import json  # noqa: E402

import click  # noqa: E402
import pytest  # noqa: E402
from click.testing import CliRunner, Result  # noqa: E402

from ingest.cli import main  # noqa: E402
from ingest.config import Settings  # noqa: E402
from ingest.db import engine as db  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "arxiv"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test sees the developer's keys, endpoints or ingest.toml."""
    for name in (
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "INGEST_OPENAI_API_KEY",
        "INGEST_OPENAI_BASE_URL",
        "INGEST_DB_URL",
        "INGEST_BACKEND",
        "INGEST_CONFIG",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("INGEST_CONFIG", str(tmp_path / "absent-ingest.toml"))
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
