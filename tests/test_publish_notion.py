"""`ingest publish notion`: pages in a Notion database through the real notion-client over HTTP to a
local fake of the documented API (tests/fakenotion.py) that checks request shapes and limits;
idempotent by slug, 429 with Retry-After honoured, a 500 mid-publish redone by the next run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from conftest import run_ingest
from fakenotion import VERSION, FakeNotionServer
from ingest.config import Settings
from ingest.db.engine import open_engine
from ingest.db.models import Report
from ingest.errors import ConfigError
from ingest.publish import publish_notion
from ingest.publish.blocks import TEXT_MAX, to_blocks
from ingest.publish.evidence import ClaimView, PaperView
from ingest.publish.linking import Linker
from ingest.publish.published import front_matter
from ingest.report import build_report

TOKEN = "secret-notion-token-4f1c9e"
SLUG = "rec-weekly-en-2026-W16"
APPEND = r"^/v1/blocks/[\w-]+/children$"


@pytest.fixture
def notion():
    with FakeNotionServer(TOKEN) as server:
        yield server


def notion_settings(db_url: str, tmp_path: Path, server: FakeNotionServer, **extra) -> Settings:
    values = dict(
        db_url=db_url,
        reports_dir=tmp_path / "reports",
        backend="offline",
        notion_token=TOKEN,
        notion_base_url=server.url,
        notion_database_id=server.state.database_id,
        notion_min_interval=0.0,
        notion_block_batch=40,
    )
    return Settings(**{**values, **extra})


def latest_markdown(db_url: str) -> str:
    with Session(open_engine(db_url)) as session:
        markdown = session.exec(select(Report.markdown).order_by(col(Report.version).desc())).first()
    assert markdown
    return markdown


def expected_blocks(db_url: str) -> list[str]:
    """Block types the report's Markdown calls for, read line by line: '## ' heading_2, '### '
    heading_3, '- ' one bullet each, any other paragraph one paragraph."""
    body = latest_markdown(db_url).split("\n---\n", 1)[1]
    kinds = []
    for para in (p for p in body.split("\n\n") if p.strip()):
        for line in para.strip().splitlines() if para.lstrip().startswith("- ") else [para.strip()]:
            kinds.append(
                "heading_3"
                if line.startswith("### ")
                else "heading_2"
                if line.startswith("## ")
                else "bulleted_list_item"
                if line.startswith("- ")
                else "paragraph"
            )
    return kinds


def plain(prop: dict) -> str:
    kind = next(k for k in prop if k != "type")
    return "".join(t["text"]["content"] for t in prop[kind])


def test_publish_creates_one_page_with_the_reports_properties_and_blocks(
    published_db: str, tmp_path: Path, notion: FakeNotionServer
) -> None:
    res = publish_notion(notion_settings(published_db, tmp_path, notion))
    assert (res.created, res.updated, res.failures) == ([SLUG], [], [])
    assert notion.state.errors == []
    (page_id,) = notion.page_by_slug()[SLUG]
    page = notion.state.pages[page_id]
    props = page["properties"]
    assert plain(props["Name"]) == "Recsys Weekly 2026-W16" and plain(props["slug"]) == SLUG
    assert props["type"]["select"]["name"] == "Post" and props["status"]["select"]["name"] == "Published"
    assert [t["name"] for t in props["tags"]["multi_select"]] == [
        "Recommendation Systems",
        "Weekly",
        "Papers",
    ]
    assert props["category"]["select"]["name"] == "Rec Tech Report" and props["priority"]["number"] == 1
    summary = front_matter(latest_markdown(published_db))["summary"]
    assert plain(props["summary"]) == summary and "GenRec" in summary
    assert props["date"]["date"]["start"].startswith("20") and page["icon"] == {
        "type": "emoji",
        "emoji": "📚",
    }
    blocks = notion.state.children[page_id]
    kinds = [b["type"] for b in blocks]
    want = expected_blocks(published_db)
    assert kinds == want and want.count("bulleted_list_item") >= 20 and len(want) > 40
    text = notion.text_of(page_id)
    assert "GenRec (2604.14878) — JD: We present GenRec, a preference-oriented generative framework" in text
    genrec = next(
        b
        for b in blocks
        if b["type"] == "bulleted_list_item" and "GenRec (2604.14878) — JD:" in notion.text_of_block(b)
    )
    first = genrec["bulleted_list_item"]["rich_text"][0]
    assert first["text"]["content"] == "GenRec" and first["annotations"]["bold"] is True
    link = genrec["bulleted_list_item"]["rich_text"][2]["text"]
    assert link == {"content": "2604.14878", "link": {"url": "https://arxiv.org/abs/2604.14878"}}
    sizes = [
        len(c.body["children"]) for c in notion.state.calls if c.method == "PATCH" and "children" in c.path
    ]
    # 40 blocks with the create, then appends of at most notion_block_batch
    assert sizes == [min(40, len(want) - n) for n in range(40, len(want), 40)]
    for call in notion.state.calls:
        assert call.status == 200


def test_rerun_sends_nothing_and_a_new_version_updates_the_same_page(
    published_db: str, tmp_path: Path, notion: FakeNotionServer
) -> None:
    settings = notion_settings(published_db, tmp_path, notion)
    publish_notion(settings)
    calls = len(notion.state.calls)
    again = publish_notion(settings)
    assert again.unchanged == [SLUG] and len(notion.state.calls) == calls  # no request at all
    build_report(settings, "2026-W16")  # version 2
    newer = publish_notion(settings)
    assert newer.updated == [SLUG] and newer.created == []
    assert [len(ids) for ids in notion.page_by_slug().values()] == [1]
    (page_id,) = notion.page_by_slug()[SLUG]
    assert len(notion.state.children[page_id]) == len(expected_blocks(published_db))  # erased, not doubled
    updates = [c.body for c in notion.state.calls if c.method == "PATCH" and c.path == f"/v1/pages/{page_id}"]
    assert len(updates) == 1 and updates[0]["erase_content"] is True
    assert notion.state.errors == []


def test_429_is_retried_after_retry_after_and_a_500_mid_publish_is_redone_without_duplicates(
    published_db: str, tmp_path: Path, notion: FakeNotionServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    notion.fail("PATCH", APPEND, 429, retry_after=1)  # first append: rate limited once
    notion.fail("PATCH", APPEND, 500, skip=1)  # second append: server error, page half written
    monkeypatch.setenv("NOTION_TOKEN", TOKEN)
    args = ["-v", "publish", "notion", "--database", notion.state.database_id]
    env = {
        "INGEST_NOTION_BASE_URL": notion.url,
        "INGEST_NOTION_MIN_INTERVAL": "0",
        "INGEST_NOTION_BLOCK_BATCH": "20",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    res = run_ingest(published_db, *args)
    assert res.exit_code == 1
    assert (
        res.stderr.strip()
        .splitlines()[-1]
        .startswith(f"error: Notion publish failed for 1 report(s): {SLUG}: APIResponseError:")
    )
    assert TOKEN not in res.stdout + res.stderr
    calls = [(c.method, c.status) for c in notion.state.calls if c.path.endswith("/children")]
    assert calls == [("PATCH", 429), ("PATCH", 200), ("PATCH", 500)]
    rate_limited = next(i for i, c in enumerate(notion.state.calls) if c.status == 429)
    assert notion.state.calls[rate_limited + 1].at - notion.state.calls[rate_limited].at >= 1.0
    (page_id,) = notion.page_by_slug()[SLUG]
    total = len(expected_blocks(published_db))
    assert total > 60 and len(notion.state.children[page_id]) == 40  # 20 + 20 of them: failed mid-page
    status = json.loads(run_ingest(published_db, "status", "--json").stdout)
    (failed,) = status["next_run_will_retry"]["failed_publications"]
    assert failed["target"] == "notion" and failed["slug"] == SLUG
    assert "internal_server_error" in failed["error"] or "injected fault" in failed["error"]
    rerun = run_ingest(published_db, *args)
    assert rerun.exit_code == 0, rerun.stderr
    assert (
        f"notion database {notion.state.database_id}: created 0, updated 1, unchanged 0, failed 0"
        in rerun.stdout
    )
    assert notion.page_by_slug() == {SLUG: [page_id]}
    clean = FakeNotionServer(TOKEN)
    with clean:
        publish_notion(notion_settings(published_db, tmp_path, clean))  # another database: a clean page
        (clean_id,) = clean.page_by_slug()[SLUG]
        assert notion.text_of(page_id) == clean.text_of(clean_id)
    assert notion.state.errors == [] and clean.state.errors == []
    db_bytes = b"".join(p.read_bytes() for p in tmp_path.glob("ingest.sqlite3*"))
    assert TOKEN.encode() not in db_bytes


def test_wrong_token_unknown_database_and_unreachable_api_are_one_line(
    published_db: str, tmp_path: Path, notion: FakeNotionServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INGEST_NOTION_BASE_URL", notion.url)
    monkeypatch.setenv("NOTION_TOKEN", "wrong-token")
    res = run_ingest(published_db, "publish", "notion", "--database", notion.state.database_id)
    assert (res.exit_code, res.stderr) == (
        2,
        "error: Notion rejected the token (401 unauthorized): check NOTION_TOKEN\n",
    )
    monkeypatch.setenv("NOTION_TOKEN", TOKEN)
    res = run_ingest(published_db, "publish", "notion", "--database", "0000-not-there")
    assert res.exit_code == 2
    assert (
        res.stderr == "error: Notion database 0000-not-there not found, or not shared with the integration\n"
    )
    monkeypatch.setenv("INGEST_NOTION_BASE_URL", "http://127.0.0.1:9")
    res = run_ingest(published_db, "publish", "notion", "--database", "x")
    assert res.exit_code == 1 and res.stderr.startswith("error: cannot reach Notion at http://127.0.0.1:9")
    assert res.stderr.count("\n") == 1 and TOKEN not in res.stderr
    monkeypatch.delenv("NOTION_TOKEN")
    res = run_ingest(published_db, "publish", "notion", "--database", "x")
    assert (res.exit_code, res.stderr) == (2, "error: NOTION_TOKEN is not set (the integration's secret)\n")


def test_config_masks_the_token(monkeypatch: pytest.MonkeyPatch, db_url: str) -> None:
    monkeypatch.setenv("NOTION_TOKEN", TOKEN)
    res = run_ingest(db_url, "config", "--json")
    assert TOKEN not in res.stdout and json.loads(res.stdout)["notion_token"] == "***"


def test_missing_slug_property_is_a_config_error(
    published_db: str, tmp_path: Path, notion: FakeNotionServer
) -> None:
    del notion.state.schema["slug"]
    with pytest.raises(ConfigError, match="has no 'slug' property"):
        publish_notion(notion_settings(published_db, tmp_path, notion))
    assert notion.state.pages == {}


def test_blocks_respect_notion_text_limits_and_link_numbers_to_the_site() -> None:
    claim = ClaimView(1, "result", "online", "CTR", "+2.5%", "increase", "", "CTR rose +2.5%.")
    paper = PaperView("2604.00001", "T", [], "A", "2026-W16", None, "Evil", [claim])
    linker = Linker(
        {"2604.00001": paper}, lambda a, c: f"https://example.org/site/papers/{a}.html#{c.anchor}"
    )
    long_word = "x" * (TEXT_MAX * 2 + 10)
    many = " ".join(f"**b{i}** [l{i}](https://arxiv.org/abs/2604.{i:05d}) " for i in range(60))
    md = (
        f"## Head\n\n**Evil** ([2604.00001](https://arxiv.org/abs/2604.00001)) — X. CTR +2.5%. "
        f"[rel](papers/x.html)\n\n{long_word}\n\n{many}\n"
    )
    blocks = to_blocks(md, linker)
    assert blocks[0]["type"] == "heading_2"
    rich = blocks[1]["paragraph"]["rich_text"]
    number = next(r for r in rich if r["text"]["content"] == "+2.5%")
    assert number["text"]["link"] == {"url": "https://example.org/site/papers/2604.00001.html#claim-1"}
    assert not any(r["text"].get("link") for r in rich if r["text"]["content"] == "rel")
    assert [len(r["text"]["content"]) for r in blocks[2]["paragraph"]["rich_text"]] == [2000, 2000, 10]
    long_blocks = [b for b in blocks[3:] if b["type"] == "paragraph"]
    total = sum(len(b["paragraph"]["rich_text"]) for b in long_blocks)
    assert total > 200 and len(long_blocks) == -(-total // 100)  # one paragraph, continued per 100 objects
    assert all(len(b["paragraph"]["rich_text"]) <= 100 for b in long_blocks)


def test_the_fake_checks_the_version_header(notion: FakeNotionServer) -> None:
    import httpx

    res = httpx.get(
        f"{notion.url}/v1/databases/{notion.state.database_id}",
        headers={"Authorization": f"Bearer {TOKEN}", "Notion-Version": "2022-06-28"},
    )
    assert res.status_code == 400 and VERSION == "2025-09-03"
    assert notion.state.errors == [
        f"GET /v1/databases/{notion.state.database_id}: Notion-Version '2022-06-28'"
    ]
