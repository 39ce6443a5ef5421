"""`ingest report` from the command line: --lang zh writes its own file, a report failing verification
is a Draft and the command exits non-zero, `report show` prints a Draft's problems. Exit codes, files
and the problem lines only; the report's wording is tested with the report stage."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from conftest import run_ingest, week_file
from fakeopenai import FakeOpenAI, FakeRequest, default_answer

WEEK = "2026-W16"
INVENTED = " It lifts GMV by 31.7%, beating SASRec (1808.09781)."  # no paper says so; no such paper here


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """W16 crawled and extracted offline, once for the module."""
    path = tmp_path_factory.mktemp("w16") / "ingest.sqlite3"
    for args in (("crawl", "--week", WEEK, "--source", str(week_file(WEEK))), ("extract", "--week", WEEK)):
        res = run_ingest(str(path), *args)
        assert res.exit_code == 0, res.stderr
    return path


@pytest.fixture
def db(extracted: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)  # reports/ is written under tmp_path
    shutil.copy(extracted, tmp_path / "ingest.sqlite3")
    return str(tmp_path / "ingest.sqlite3")


def _longest_text(node: Any) -> tuple[Any, Any] | None:
    """(container, key) of the longest string in a JSON value."""
    best: tuple[int, Any, Any] | None = None
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    for key, value in items:
        if isinstance(value, str) and (best is None or len(value) > best[0]):
            best = (len(value), node, key)
        elif isinstance(value, dict | list) and (inner := _longest_text(value)) is not None:
            length = len(inner[0][inner[1]])
            if best is None or length > best[0]:
                best = (length, *inner)
    return None if best is None else (best[1], best[2])


def lying(request: FakeRequest) -> str:
    """The offline writer's answer, with an invented number and arXiv id in its longest prose."""
    answer = json.loads(default_answer(request))
    if request.schema_name in ("SectionText", "OverviewText"):
        spot = _longest_text(answer)
        assert spot is not None
        spot[0][spot[1]] += INVENTED
    return json.dumps(answer)


def test_report_lang_zh_writes_the_chinese_file(db: str, tmp_path: Path) -> None:
    res = run_ingest(db, "report", "--week", WEEK, "--lang", "zh")
    assert res.exit_code == 0, res.stderr
    path = Path(res.stdout.splitlines()[0])
    assert path.name == f"rec-weekly-zh-{WEEK}.md" and path.is_file()
    assert path.resolve().parent == (tmp_path / "reports").resolve()
    assert not (tmp_path / "reports" / f"rec-weekly-en-{WEEK}.md").exists()
    shown = run_ingest(db, "report", "show", "--week", WEEK, "--lang", "zh")
    assert shown.exit_code == 0 and shown.stdout == path.read_text()
    assert "problem: " not in shown.stdout


def test_a_report_failing_verification_is_a_draft_exit_1_and_show_prints_its_problems(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeOpenAI(api_key="sk-test-report", responder=lying) as fake:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test-report")
        monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
        res = run_ingest(db, "report", "--week", WEEK, "--backend", "openai")
        assert fake.count >= 3
    assert res.exit_code == 1, res.stdout + res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and res.stderr.startswith("error: ")
    shown = run_ingest(db, "report", "show", "--week", WEEK)
    assert shown.exit_code == 0, shown.stderr
    problems = [line for line in shown.stdout.splitlines() if line.startswith("problem: ")]
    assert problems, shown.stdout
    assert any("31.7" in p for p in problems) and any("1808.09781" in p for p in problems)
