"""Regenerate the README's screenshots: docs/site.png (a report page, numbers linked to evidence),
docs/evidence.png (where a number's link lands) and docs/browse.png (Datasette's papers view).

Runs the bundled week offline into a temporary folder, builds the site, and drives headless Chromium
(Debian's chromium + chromium-driver, selenium from the dev extra). Usage: python docs/screenshots.py
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

from ingest.config import Settings
from ingest.pipeline import run_week
from ingest.publish import build_site

ROOT = Path(__file__).resolve().parents[1]


def driver() -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1200,900"):
        options.add_argument(arg)
    return webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = folder / "ingest.sqlite3"
        settings = Settings(db_url=f"sqlite:///{db}", reports_dir=folder / "reports", backend="offline")
        run_week(settings, "2026-W16", source=ROOT / "data" / "arxiv" / "2026-W16.jsonl")
        site = build_site(settings, folder / "site").out
        browser = driver()
        try:
            browser.get((site / "reports" / "rec-weekly-en-2026-W16.html").as_uri() + "#generative-recommendation-and-semantic-ids")
            number = browser.find_element(By.CSS_SELECTOR, 'a.num[href*="2604.14878.html"]')
            browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", number)
            ActionChains(browser).move_to_element(number).perform()
            browser.save_screenshot(str(ROOT / "docs" / "site.png"))
            number.click()
            browser.save_screenshot(str(ROOT / "docs" / "evidence.png"))
            with socket.socket() as sock:
                sock.bind(("127.0.0.1", 0))
                port = sock.getsockname()[1]
            cmd = [sys.executable, "-m", "ingest", "--db", str(db), "browse", "--port", str(port)]
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                for _ in range(100):
                    try:
                        httpx.get(f"http://127.0.0.1:{port}/-/versions.json", timeout=1)
                        break
                    except httpx.TransportError:
                        time.sleep(0.2)
                browser.set_window_size(1400, 1000)
                browser.get(f"http://127.0.0.1:{port}/ingest/papers?_search=%22semantic+ID%22")
                table = browser.find_element(By.CSS_SELECTOR, "table.rows-and-columns")
                browser.execute_script("arguments[0].scrollIntoView({block: 'start'})", table)
                browser.save_screenshot(str(ROOT / "docs" / "browse.png"))
            finally:
                proc.terminate()
                proc.wait(timeout=20)
        finally:
            browser.quit()
    print("wrote docs/site.png, docs/evidence.png, docs/browse.png")


if __name__ == "__main__":
    main()
