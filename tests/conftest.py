"""Shared fixtures: settings on a real SQLite file in tmp_path, the bundled arXiv weeks, a CLI runner.

Every test runs in its own tmp_path as the working directory, and the session fails if any test
wrote into the checkout (`_checkout_untouched`): relative defaults (reports/, db/) land in tmp_path.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from ingest.cli import main
from ingest.config import Settings
from ingest.db import engine as db

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "arxiv"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


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
