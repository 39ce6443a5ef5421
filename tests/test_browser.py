"""In a real browser (headless Chromium through selenium and Debian's chromedriver): the built site's
internal links all land (files and #anchors), no page logs a console error, a number's link lands
on the claim holding it with the evidence quote as its hover text; and `ingest browse` (Datasette)
shows the papers view as short rows and answers a canned query. Skipped, with the reason, when
Chromium, chromedriver or selenium is absent (.ci/run installs them)."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

import pytest
from sqlmodel import Session

from ingest import db
from ingest.config import Settings
from ingest.publish import build_site
from ingest.publish.published import latest_published
from test_browse import clean_env, free_port, wait_for

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
MISSING = [
    name
    for name, ok in (
        ("chromium", Path(CHROMIUM).exists()),
        ("chromedriver", Path(DRIVER).exists()),
        ("selenium", importlib.util.find_spec("selenium") is not None),
        ("datasette", importlib.util.find_spec("datasette") is not None),
    )
    if not ok
]
pytestmark = pytest.mark.skipif(
    bool(MISSING),
    reason=f"{', '.join(MISSING)} not installed "
    "(apt-get install chromium chromium-driver; pip install -e '.[dev]')",
)


@pytest.fixture
def browser() -> Iterator:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,1600"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(DRIVER))
    try:
        yield driver
    finally:
        driver.quit()


def console_errors(driver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def test_site_links_land_and_numbers_open_their_evidence(browser, published_db: str, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    out = tmp_path / "site"
    build_site(Settings(db_url=published_db, backend="offline"), out)
    root = out.resolve().as_uri()
    todo, seen, checked = [f"{root}/index.html"], set(), 0
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        seen.add(url)
        browser.get(url)
        assert browser.title and console_errors(browser) == [], url
        for href in {a.get_attribute("href") for a in browser.find_elements(By.TAG_NAME, "a")}:
            if not href.startswith(root):
                assert href.startswith("https://arxiv.org/abs/"), (url, href)
                continue
            page, fragment = urldefrag(href)
            target = Path(unquote(urlparse(page).path))
            assert target.is_file(), f"broken link {href} on {url}"
            if fragment:
                assert f'id="{fragment}"' in target.read_text(encoding="utf-8"), (
                    f"missing #{fragment} ({url})"
                )
            checked += 1
            if target.suffix == ".html":
                todo.append(page)
    with Session(db.open_engine(Settings(db_url=published_db))) as session:
        (report,) = latest_published(session)
    selected = {a for a, _role in report.papers}
    pages = {Path(urlparse(u).path).name for u in seen if "/papers/" in u} - {"index.html"}
    assert pages == {f"{a}.html" for a in selected} and len(selected) >= 20
    assert len(seen) == 1 + 1 + len(selected) + 1 and checked > 150  # index, report, papers, papers index

    browser.get(f"{root}/reports/rec-weekly-en-2026-W16.html")
    number = browser.find_element(By.CSS_SELECTOR, 'a.num[href^="../papers/2604.14878.html#claim-"]')
    assert number.text == "9.5%"
    quote = number.get_attribute("title")
    assert "GenRec achieves 9.5% improvement in click count" in quote
    number.click()
    anchor = urldefrag(browser.current_url)[1]
    landed = browser.execute_script("return document.querySelector(':target')")
    assert landed.get_attribute("id") == anchor and "click count" in landed.text and "9.5%" in landed.text
    evidence = landed.find_element(By.CSS_SELECTOR, "blockquote.evidence").text
    assert evidence in quote
    top, height = browser.execute_script(
        "return [arguments[0].getBoundingClientRect().top, window.innerHeight]", landed
    )
    assert 0 <= top < height  # scrolled into view
    shot = tmp_path / "landed.png"
    assert browser.save_screenshot(str(shot)) and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert console_errors(browser) == []


def test_datasette_papers_view_is_short_rows_and_canned_queries_work(browser, published_db: str) -> None:
    from selenium.webdriver.common.by import By

    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "ingest",
        "--db",
        published_db.removeprefix("sqlite:///"),
        "browse",
        "--port",
        str(port),
    ]
    proc = subprocess.Popen(argv, env=clean_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/ingest"
    try:
        wait_for(f"http://127.0.0.1:{port}/-/versions.json", proc)
        browser.get(f"{base}/papers?_search=%22semantic+ID%22")
        rows = browser.find_elements(By.CSS_SELECTOR, "table.rows-and-columns tbody tr")
        assert len(rows) == 4  # the week's papers with the phrase
        heights = [r.size["height"] for r in rows]
        assert max(heights) < 400, heights  # a row is a few lines, not a screen (window: 1600 px)
        assert "GenRec" in browser.find_element(By.CSS_SELECTOR, "table.rows-and-columns").text
        facet = browser.find_element(By.CSS_SELECTOR, '.facet-info[data-column="institutions"]').text
        assert "JD" in facet  # array facets work on the view
        assert console_errors(browser) == []
        browser.get(f"{base}/paper?_search=%22semantic+ID%22")
        cells = browser.find_elements(By.CSS_SELECTOR, "td.col-abstract")
        assert cells and max(len(c.text) for c in cells) <= 170
        browser.get(f"{base}/claims_on_metric?metric=CTR")
        table = browser.find_element(By.CSS_SELECTOR, "table.rows-and-columns").text
        assert re.search(r"2604\.12298 DSAIN \w+ CTR 2\.70\\?%", table), table  # as written: 2.70\%
        assert console_errors(browser) == []
    finally:
        proc.terminate()
        proc.wait(timeout=20)
