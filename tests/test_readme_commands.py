"""Every `ingest ...` command line in README.md runs as written.

The README's synopses use `[optional]` groups, `a|b` choices, `A | B` alternatives inside a group and
UPPER-CASE placeholders. Each synopsis is run in its shortest form (no optional part), its longest
(every optional part, first choices) and once per other choice, with the placeholders filled with
real values (the bundled week, a file of data/arxiv, a temp path). Every form runs in-process on a
copy of a database made by the README's own first command, with the fake arXiv server (any week
asked for holds ten re-dated real W22 or W26 records, none of them in that database), the fake OpenAI server
for `--backend openai` and every Batch API form (its batches end on their second read), and the fake
Notion server for `publish notion`. A shell comment after a command in a code block is not part of
it. A form must exit 0, except the few listed in EXPECTED_FAILURES with their one error line; forms
that serve or block until stopped are skipped with the reason.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from conftest import ROOT, run_ingest, week_records
from fakearxiv import FakeArxiv
from fakenotion import FakeNotionServer
from fakeopenai import FakeOpenAI

README = ROOT / "README.md"
WEEK = "2026-W16"

# Placeholders: (the option before it or None, the placeholder) -> a real value; "{tmp}" is the test's dir.
VALUES = {
    "W": WEEK,
    "FILE": str(ROOT / "data" / "arxiv" / f"{WEEK}.jsonl"),
    "TARGET": "{tmp}/backup.sqlite3",
    "REVISION": "head",
    "N": "2",
    "QUERY...": "semantic",
    "X": "Kuaishou",
    "T": "generative_semantic_ids",
    "NAME": "CTR",
    "FILE.png": "{tmp}/trends.png",
    "DIR": "{tmp}/site",
    "ARXIV_ID": "2604.14878",
    "ID...": "1",
    ("--database", "ID"): "{notion}",
    ("--since", "D"): "2026-04-13",
    ("--until", "D"): "2026-04-15",
}
EXPECTED_FAILURES = {  # form -> (exit code, start of its one error line)
    "ingest search": (2, "error: nothing to search for: give search words or at least one filter"),
    "ingest publish site": (2, "error: no site folder: pass --out DIR or set publish_site_dir"),
    "ingest publish notion": (2, "error: no Notion database: pass --database ID or set notion_database_id"),
}
BLOCKING = {
    "ingest browse": "serves Datasette until stopped (tests/test_browse.py runs it in a child process)",
    "ingest schedule": "waits for its fire times until stopped (tests/test_schedule.py runs it in a child)",
}


def readme_commands() -> list[str]:
    """Every code span, and every command of a code block, that starts with `ingest `."""
    text = README.read_text()
    found = [span for span in re.findall(r"`([^`\n]+)`", text) if span.startswith("ingest ")]
    for block in re.findall(r"```\w*\n(.*?)```", text, re.S):
        found += [
            p.strip()
            for line in block.splitlines()
            for p in line.split(" #")[0].split("&&")
            if p.strip().startswith("ingest ")
        ]
    return list(dict.fromkeys(found))


def _parse(tokens: list[str]) -> list:
    """Tokens -> items: a word, or ("group", [alternative token lists])."""
    items: list = []
    while tokens:
        token = tokens.pop(0)
        if token == "[":
            depth, inner = 1, []
            while depth:
                t = tokens.pop(0)
                depth += (t == "[") - (t == "]")
                if depth:
                    inner.append(t)
            alternatives, current = [], []
            for t in inner:
                if t == "|":
                    alternatives.append(current)
                    current = []
                else:
                    current.append(t)
            alternatives.append(current)
            items.append(("group", [_parse(list(a)) for a in alternatives]))
        else:
            items.append(token)
    return items


def _render(items: list, picks: dict[int, tuple[int, int]], full: bool, counter: list[int]) -> list[str]:
    """Items -> words. Groups are kept when `full` (or picked); picks[n] = (alternative, value choice)
    for the n-th choice point (groups and `a|b` words, numbered in order)."""
    words: list[str] = []
    for item in items:
        n = counter[0]
        counter[0] += 1
        alternative, value = picks.get(n, (0, 0))
        if isinstance(item, tuple):
            for a, inner in enumerate(item[1]):  # every alternative is numbered, one is rendered
                if (full or n in picks) and a == alternative:
                    words += _render(inner, picks, full, counter)
                else:
                    _skip([inner], counter)
        elif "|" in item and not item.startswith("-"):
            words.append(item.split("|")[value])
        else:
            words.append(item)
    return words


def _skip(alternatives: list, counter: list[int]) -> None:
    for alternative in alternatives:
        for item in alternative:
            counter[0] += 1
            if isinstance(item, tuple):
                _skip(item[1], counter)


def _choices(items: list, counter: list[int]) -> Iterator[tuple[int, int, int]]:
    """(choice point, alternative, value) for every choice beyond the first."""
    for item in items:
        n = counter[0]
        counter[0] += 1
        if isinstance(item, tuple):
            for a, alternative in enumerate(item[1]):
                if a:
                    yield n, a, 0
                yield from _choices(alternative, counter) if a == 0 else _counted(alternative, counter)
        elif "|" in item and not item.startswith("-"):
            yield from ((n, 0, v) for v in range(1, len(item.split("|"))))


def _counted(alternative: list, counter: list[int]) -> Iterator[tuple[int, int, int]]:
    _skip([alternative], counter)
    return iter(())


def forms(synopsis: str) -> list[str]:
    """The shortest form, the longest form, and the longest form with each other choice."""
    items = _parse(synopsis.replace("[", " [ ").replace("]", " ] ").split())
    shortest = _render(items, {}, False, [0])
    longest = _render(items, {}, True, [0])
    others = [_render(items, {n: (a, v)}, True, [0]) for n, a, v in _choices(items, [0])]
    return list(dict.fromkeys(" ".join(f) for f in [shortest, longest, *others]))


def filled(form: str, tmp: Path, notion: str = "") -> list[str]:
    words, out = form.split()[1:], []
    for i, word in enumerate(words):
        before = words[i - 1] if i else None
        value = VALUES.get((before, word), VALUES.get(word, word))  # type: ignore[arg-type]
        out.append(str(value).replace("{tmp}", str(tmp)).replace("{notion}", notion))
    return [str(ROOT / w) if w.startswith("data/arxiv/") else w for w in out]


FORMS = list(dict.fromkeys(form for synopsis in readme_commands() for form in forms(synopsis)))


def test_the_readme_names_every_command_group_and_its_forms_parse() -> None:
    commands = "db crawl papers extract batch report run schedule status config search stats browse publish"
    assert {form.split()[1] for form in FORMS} >= set(commands.split())
    assert "ingest run --week 2026-W16 --source data/arxiv/2026-W16.jsonl" in FORMS
    assert "ingest search --week W" not in FORMS  # alternatives of a group are never run together
    assert "ingest search --since D --until D --metric NAME --limit N --rank-all --format table" not in FORMS
    assert all("[" not in f and "]" not in f and " | " not in f for f in FORMS)


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[FakeArxiv, FakeOpenAI, FakeNotionServer]]:
    with (
        FakeArxiv.any_week(week_records("2026-W22") + week_records("2026-W26"), per_week=10) as arxiv,
        FakeOpenAI(api_key="sk-readme") as llm,
        FakeNotionServer("secret-readme") as notion,
    ):
        llm.batches.auto = "completed"  # a batch ends on its second read
        yield arxiv, llm, notion


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The README's first command run in a fresh directory (data/ linked to the checkout's): W16
    crawled, extracted, reported; then rebuilt once in English and twice in Chinese."""
    workdir = tmp_path_factory.mktemp("readme")
    (workdir / "data").symlink_to(ROOT / "data")  # the command's relative path, as in a checkout
    db = str(workdir / "ingest.sqlite3")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(workdir)
        res = run_ingest(db, "run", "--week", WEEK, "--source", f"data/arxiv/{WEEK}.jsonl")
        assert res.exit_code == 0, res.stderr
        assert "report (Published): " in res.stdout
        assert run_ingest(db, "report", "--week", WEEK).exit_code == 0  # a second version, to diff
        for _ in range(2):  # two Chinese versions, to diff
            assert run_ingest(db, "report", "--week", WEEK, "--lang", "zh").exit_code == 0
    return workdir / "ingest.sqlite3"


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite database in WAL mode (a file copy may miss what the -wal holds)."""
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


@pytest.mark.parametrize("form", FORMS, ids=FORMS)
def test_readme_command_runs(form: str, seeded: Path, servers, tmp_path: Path, monkeypatch) -> None:
    for prefix, reason in BLOCKING.items():
        if form.startswith(prefix) and "--dry-run" not in form:
            pytest.skip(reason)
    arxiv, llm, notion = servers
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("INGEST_ARXIV_QUERY_URL", arxiv.query_url)
    monkeypatch.setenv("INGEST_ARXIV_DELAY_SECONDS", "0")
    words = form.split()
    if "openai" in words or "batch" in words or "--batch" in words:
        monkeypatch.setenv("OPENAI_BASE_URL", llm.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-readme")
        monkeypatch.setenv("INGEST_BATCH_POLL_SECONDS", "0.05")
    if "notion" in words:
        monkeypatch.setenv("NOTION_TOKEN", "secret-readme")
        monkeypatch.setenv("INGEST_NOTION_BASE_URL", notion.url)
        monkeypatch.setenv("INGEST_NOTION_MIN_INTERVAL", "0")
    db = tmp_path / "ingest.sqlite3"
    copy_database(seeded, db)
    res = run_ingest(str(db), *filled(form, tmp_path, notion.state.database_id))
    assert "Usage:" not in res.stderr and "internal error" not in res.stderr + res.stdout, res.stderr
    code, line = EXPECTED_FAILURES.get(form, (0, ""))
    assert res.exit_code == code, res.stderr
    if code:
        assert len(res.stderr.strip().splitlines()) == 1 and res.stderr.startswith(line)
