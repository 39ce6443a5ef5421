"""`ingest run` publishes after a Published report when publishing is configured: the site folder and
the Notion database (local fake), recorded so `ingest status` shows where; a rerun publishes nothing
new; a publish failure leaves the run partial with the report intact."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlmodel import Session, select

from conftest import run_ingest, week_file
from fakenotion import FakeNotionServer
from ingest.config import Settings
from ingest.db.engine import open_engine
from ingest.db.models import ReportPaper
from ingest.pipeline import run_week

TOKEN = "pipeline-notion-token-77"


@pytest.fixture
def notion():
    with FakeNotionServer(TOKEN) as server:
        yield server


def configured(settings: Settings, tmp_path: Path, server: FakeNotionServer, token: str = TOKEN) -> Settings:
    return settings.model_copy(
        update={
            "publish_site_dir": tmp_path / "site",
            "notion_database_id": server.state.database_id,
            "notion_token": SecretStr(token),
            "notion_base_url": server.url,
            "notion_min_interval": 0.0,
        }
    )


def test_run_publishes_the_site_and_notion_and_status_shows_where(
    settings: Settings, tmp_path: Path, notion: FakeNotionServer, db_url: str
) -> None:
    s = configured(settings, tmp_path, notion)
    summary = run_week(s, "2026-W16", source=week_file("2026-W16"))
    assert summary.status == "ok" and summary.stages["publish"]["status"] == "ok"
    with Session(open_engine(db_url)) as session:
        papers = len(session.exec(select(ReportPaper.paper_id).distinct()).all())
    assert papers >= 10  # the report's papers: one page each, plus index, report, papers, feed, css
    assert summary.counts["site_files_changed"] == papers + 5 and summary.counts["notion_pages"] == 1
    assert (tmp_path / "site" / "reports" / "rec-weekly-en-2026-W16.html").is_file()
    assert list(notion.page_by_slug()) == ["rec-weekly-en-2026-W16"]
    status = json.loads(run_ingest(db_url, "status", "--json").stdout)
    where = {(p["target"], p["destination"], p["slug"], p["status"]) for p in status["published"]}
    assert where == {
        ("site", str(tmp_path / "site"), "rec-weekly-en-2026-W16", "ok"),
        ("notion", notion.state.database_id, "rec-weekly-en-2026-W16", "ok"),
    }
    text = " ".join(run_ingest(db_url, "status").stdout.split())  # wrapped at 80 columns
    assert (
        f"rec-weekly-en-2026-W16 v1 -> site {tmp_path / 'site'} reports/rec-weekly-en-2026-W16.html" in text
    )
    calls = len(notion.state.calls)
    again = run_week(s, "2026-W16", source=week_file("2026-W16"))
    assert (
        again.status == "ok" and again.counts["site_files_changed"] == 0 and again.counts["notion_pages"] == 0
    )
    assert len(notion.state.calls) == calls


def test_a_publish_failure_leaves_the_run_partial_and_the_report_intact(
    settings: Settings, tmp_path: Path, notion: FakeNotionServer
) -> None:
    s = configured(settings, tmp_path, notion, token="not-the-right-token")
    summary = run_week(s, "2026-W16", source=week_file("2026-W16"))
    assert summary.status == "partial" and summary.report_status == "Published"
    assert [str(f) for f in summary.failures] == [
        "publish notion: Notion rejected the token (401 unauthorized): check NOTION_TOKEN"
    ]
    assert summary.report_path is not None and summary.report_path.is_file()
    assert (tmp_path / "site" / "index.html").is_file()  # the site was still published


def test_run_without_publish_settings_has_no_publish_stage(settings: Settings) -> None:
    summary = run_week(settings, "2026-W16", source=week_file("2026-W16"))
    assert "publish" not in summary.stages and summary.status == "ok"
