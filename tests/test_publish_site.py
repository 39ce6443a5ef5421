"""`ingest publish site`: pages from the database, numbers linked to their claims' evidence, escaped
paper text, an Atom feed with stable ids, and reruns that write only what changed."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from html import unescape
from pathlib import Path

import pytest
from markupsafe import escape
from sqlmodel import Session, select

from conftest import run_ingest
from ingest.config import Settings
from ingest.db.engine import open_engine
from ingest.db.models import Report, ReportPaper
from ingest.errors import ConfigError
from ingest.publish import build_site
from ingest.publish.evidence import ClaimView, PaperView
from ingest.publish.output import read_manifest, write_site
from ingest.publish.published import PublishedReport
from ingest.publish.site import render_site
from ingest.report import build_report

ATOM = "{http://www.w3.org/2005/Atom}"
NUM_LINK = re.compile(r'<a class="num" href="([^"#]+)#(claim-\d+)" title="([^"]*)">([^<]+)</a>')


def site_settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(db_url=db_url, reports_dir=tmp_path / "reports", backend="offline")


def claim_items(page: str) -> dict[str, str]:
    """claim anchor -> the claim's <li> HTML on a paper page."""
    return dict(re.findall(r'<li id="(claim-\d+)" class="claim[^"]*">(.*?)</li>', page, re.S))


def test_every_linked_number_lands_on_a_claim_holding_it(published_db: str, tmp_path: Path) -> None:
    out = tmp_path / "site"
    res = build_site(site_settings(published_db, tmp_path), out)
    page = (out / "reports" / "rec-weekly-en-2026-W16.html").read_text()
    links = NUM_LINK.findall(page)
    assert len(links) == res.links["rec-weekly-en-2026-W16"].linked >= 40
    for href, anchor, title, label in links:
        target = (out / "reports" / href).resolve()
        item = claim_items(target.read_text())[anchor]
        number = re.search(r"\d[\d,]*(?:\.\d+)?", label).group(0)
        value = re.search(r'<span class="value">([^<]*)</span>', item)
        assert value and number in value.group(1), (label, href, anchor)
        evidence = re.search(r'<blockquote class="evidence">(.*?)</blockquote>', item, re.S)
        if evidence:  # the hover text quotes the evidence shown on the paper page
            assert unescape(evidence.group(1)) in unescape(title)
    genrec = [link for link in links if link[0] == "../papers/2604.14878.html" and link[3] == "9.5%"]
    assert genrec, "GenRec's click count +9.5% is linked to GenRec's page"
    item = claim_items((out / "papers" / "2604.14878.html").read_text())[genrec[0][1]]
    assert "click count" in item and "GenRec achieves 9.5% improvement in click count" in unescape(item)


def test_index_shows_thesis_and_storylines_with_linked_numbers(published_db: str, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build_site(site_settings(published_db, tmp_path), out)
    index = (out / "index.html").read_text()
    with Session(open_engine(published_db)) as session:
        markdown = session.exec(select(Report.markdown)).one()
    lead = markdown.split("## This Week in Brief\n\n", 1)[1].split("\n", 1)[0]
    thesis = lead[: lead.index(". ") + 1]
    assert "GenRec" in thesis and f'<p class="thesis">{escape(thesis)}</p>' in index
    assert index.count("Storyline one:") == 1 and index.count("Storyline three:") == 1
    hrefs = {h for h, *_ in NUM_LINK.findall(index)}
    assert "papers/2604.14878.html" in hrefs  # "JD's GenRec reports online click count 9.5%"
    assert all((out / h).is_file() for h in hrefs)


def test_rerun_writes_nothing_and_a_new_version_rewrites_only_what_changed(
    published_db: str, tmp_path: Path
) -> None:
    settings = site_settings(published_db, tmp_path)
    out = tmp_path / "site"
    first = build_site(settings, out)
    assert first.published == ["rec-weekly-en-2026-W16"] and first.write.removed == []
    inodes = {p: (out / p).stat().st_ino for p in read_manifest(out) or {}}
    again = build_site(settings, out)
    assert again.write.changed == [] and again.published == []
    assert {p: (out / p).stat().st_ino for p in inodes} == inodes
    build_report(settings, "2026-W16")  # version 2 of the same week
    third = build_site(settings, out)
    assert set(third.write.changed) == {"feed.xml", "index.html", "reports/rec-weekly-en-2026-W16.html"}
    assert third.published == ["rec-weekly-en-2026-W16"]
    paper = "papers/2604.14878.html"
    assert (out / paper).stat().st_ino == inodes[paper]  # unchanged files are the same files
    entries = ET.parse(out / "feed.xml").getroot().findall(f"{ATOM}entry")
    ids = [e.find(f"{ATOM}id").text for e in entries]
    assert ids == [
        "tag:recsys-weekly,2026:rec-weekly-en-2026-W16:v2",
        "tag:recsys-weekly,2026:rec-weekly-en-2026-W16:v1",
    ]
    assert list(tmp_path.glob(".site.*")) == []
    res = run_ingest(published_db, "status", "--json")
    published = json.loads(res.stdout)["published"]
    assert [(p["target"], p["slug"], p["version"], p["status"]) for p in published] == [
        ("site", "rec-weekly-en-2026-W16", 2, "ok")
    ]


def test_feed_entries_have_stable_ids_and_the_versions_times(published_db: str, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build_site(site_settings(published_db, tmp_path), out)
    root = ET.parse(out / "feed.xml").getroot()
    (entry,) = root.findall(f"{ATOM}entry")
    with Session(open_engine(published_db)) as session:
        created = session.exec(select(Report.created_at).where(Report.version == 1)).one()
    assert datetime.fromisoformat(entry.find(f"{ATOM}updated").text) == created
    assert datetime.fromisoformat(entry.find(f"{ATOM}published").text) == created
    assert root.find(f"{ATOM}updated").text == entry.find(f"{ATOM}updated").text
    assert entry.find(f"{ATOM}link").get("href") == "reports/rec-weekly-en-2026-W16.html"
    assert 'class="num"' in entry.find(f"{ATOM}content").text


def hostile_site() -> dict[str, bytes]:
    evil = '<script>alert("x")</script> "quoted" & <img src=x onerror=alert(1)>'
    claim = ClaimView(1, "result", "online", "CTR", "+2.5%", "increase", "", f"CTR rose +2.5% {evil}")
    paper = PaperView(
        "2604.00001", f"Title {evil}", [f"Eve {evil}"], f"Abstract {evil}", "2026-W16", None, "Evil", [claim]
    )
    md = (
        '---\nslug: rec-weekly-en-2026-W16\nsummary: "s"\n---\n\n## This Week in Brief\n\nLead.\n\n'
        f"## Theme\n\n**Evil** ([2604.00001](https://arxiv.org/abs/2604.00001)) — X. CTR +2.5%. {evil} "
        "[click](javascript:alert(1))\n"
    )
    rep = PublishedReport(
        1,
        "2026-W16",
        "en",
        1,
        datetime(2026, 4, 19, tzinfo=UTC),
        md,
        {"slug": "rec-weekly-en-2026-W16"},
        [("2604.00001", "deep_dive")],
    )
    files, _ = render_site([rep], [rep], {"2604.00001": paper})
    return files


def test_paper_text_is_escaped_on_every_page_and_in_the_feed() -> None:
    files = hostile_site()
    for path in (
        "reports/rec-weekly-en-2026-W16.html",
        "papers/2604.00001.html",
        "papers/index.html",
        "feed.xml",
    ):
        text = files[path].decode()
        assert "<script>" not in text and "<img" not in text and 'href="javascript:' not in text, path
    report = files["reports/rec-weekly-en-2026-W16.html"].decode()
    assert "&lt;script&gt;" in report
    (title,) = re.findall(r'<a class="num" [^>]*title="([^"]*)"', report)
    assert "&quot;quoted&quot;" in title and unescape(title).startswith(
        "CTR +2.5% (online): \u201cCTR rose +2.5%"
    )


def test_folder_not_written_by_us_is_refused_and_nothing_is_lost(published_db: str, tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    with pytest.raises(ConfigError, match="not empty and was not written by"):
        build_site(site_settings(published_db, tmp_path), out)
    assert (out / "notes.txt").read_text() == "keep me"
    res = run_ingest(published_db, "publish", "site", "--out", str(out))
    assert res.exit_code == 2 and res.stderr.count("\n") == 1 and "error:" in res.stderr


def test_no_published_report_is_one_line(db_url: str, tmp_path: Path) -> None:
    res = run_ingest(db_url, "publish", "site", "--out", str(tmp_path / "site"))
    assert res.exit_code == 2
    assert res.stderr.strip() == (
        "error: no Published report in the database yet; run `ingest run` or `ingest report`"
    )
    assert not (tmp_path / "site").exists()


def test_cli_prints_the_summary(published_db: str, tmp_path: Path) -> None:
    out = tmp_path / "site"
    res = run_ingest(published_db, "publish", "site", "--out", str(out))
    assert res.exit_code == 0, res.stderr
    with Session(open_engine(published_db)) as session:
        papers = len(session.exec(select(ReportPaper.paper_id).distinct()).all())
    files = papers + 5  # index, report, papers index, feed, stylesheet
    assert f"site: {out}" in res.stdout
    assert f"reports: 1  papers: {papers}  files changed: {files}" in res.stdout
    again = run_ingest(published_db, "publish", "site", "--out", str(out))
    assert f"files changed: 0  removed: 0  unchanged: {files}" in again.stdout


def test_write_site_swaps_the_folder_and_drops_leftovers(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write_site(out, {"a.html": b"1", "sub/b.html": b"2"})
    (tmp_path / ".site.tmp-killed").mkdir()  # a build killed while staging
    res = write_site(out, {"a.html": b"1", "c.html": b"3"})
    assert res.changed == ["c.html"] and res.removed == ["sub/b.html"] and res.unchanged == 1
    assert sorted(p.name for p in out.rglob("*")) == ["a.html", "c.html", "manifest.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]
