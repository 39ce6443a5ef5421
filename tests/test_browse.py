"""`ingest browse`: Datasette on 127.0.0.1 with FTS on paper (fetched over real HTTP), facets in the
metadata, one-line errors for a non-SQLite database and for a missing datasette."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from conftest import run_ingest as run_cli
from ingest.views.browse import metadata
from search_data import build_db

needs_datasette = pytest.mark.skipif(
    importlib.util.find_spec("datasette") is None,
    reason="datasette not installed (pip install 'ingest[browse]')",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("INGEST_", "OPENAI_"))}


def wait_for(url: str, proc: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"ingest browse exited early with {proc.returncode}")
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {timeout}s")


def test_metadata_configures_fts_and_facets() -> None:
    tables = metadata("ingest")["databases"]["ingest"]["tables"]
    assert tables["paper"]["fts_table"] == "paper_fts" and tables["paper"]["fts_pk"] == "id"
    assert {"array": "topics"} in tables["extraction"]["facets"] and "week" in tables["paper"]["facets"]


def test_postgres_url_is_one_clear_line_without_the_password() -> None:
    res = run_cli("postgresql://alice:s3cret@127.0.0.1:1/ingest", "browse")
    assert res.exit_code == 2
    assert res.stderr.strip() == (
        "error: ingest browse needs a SQLite database file; the configured "
        "database is postgresql (use a PostgreSQL client for it)"
    )


def test_missing_datasette_is_one_clear_line(tmp_path: Path) -> None:
    code = (
        "import sys; sys.modules['datasette'] = None; from ingest.cli import main; "
        f"main(['--db', {str(tmp_path / 'x.sqlite3')!r}, 'browse'])"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=clean_env(), timeout=60
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == "error: browsing needs datasette: pip install 'ingest[browse]'"


@needs_datasette
def test_browse_serves_fts_search_over_http(tmp_path: Path) -> None:
    path = tmp_path / "ingest.sqlite3"
    build_db(f"sqlite:///{path}")
    port = free_port()
    host = "127.0.0.2"  # --host: another loopback address, so binding it is observable
    argv = [sys.executable, "-m", "ingest", "--db", str(path), "browse", "--port", str(port), "--host", host]
    proc = subprocess.Popen(argv, env=clean_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://{host}:{port}"
    try:
        wait_for(f"{base}/-/versions.json", proc)
        with pytest.raises(httpx.TransportError):  # served on --host only
            httpx.get(f"http://127.0.0.1:{port}/-/versions.json", timeout=2)
        rows = httpx.get(
            f"{base}/ingest/paper.json",
            params={
                "_search": "generative",
                "_shape": "array",
                "_col": "arxiv_id",
                "_size": "max",
                "week": "2026-W16",
            },
            timeout=10,
        ).json()
        found = {r["arxiv_id"] for r in rows}
        assert {"2604.14878", "2604.11440", "2604.12234"} <= found and len(found) < 116
        hostile = httpx.get(
            f"{base}/ingest/paper.json", timeout=10, params={"_search": 'GPT-4 "cs.IR', "_shape": "array"}
        )
        assert hostile.status_code == 200
        facets = httpx.get(f"{base}/ingest/extraction.json", params={"_size": "0"}, timeout=10).json()
        topic_facet = {f["value"]: f["count"] for f in facets["facet_results"]["topics"]["results"]}
        assert topic_facet["generative_semantic_ids"] == 6
    finally:
        proc.terminate()
        _, stderr = proc.communicate(timeout=20)
    assert "Traceback" not in stderr.decode()
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{base}/-/versions.json", timeout=2)  # datasette stopped with the command


def test_metadata_describes_every_table_view_and_column(published_db: str) -> None:
    import sqlite3

    meta = metadata("ingest")["databases"]["ingest"]
    conn = sqlite3.connect(published_db.removeprefix("sqlite:///"))
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")]
    assert {"papers", "publication", "claim"} <= set(names)
    for name in names:
        assert meta["tables"][name]["description"], name
        if meta["tables"][name].get("hidden"):
            continue
        columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{name}")')]
        missing = [c for c in columns if not meta["tables"][name]["columns"].get(c)]
        assert missing == [], (name, missing)
    assert set(meta["queries"]) == {"industrial_online_ab", "papers_by_institution", "claims_on_metric"}


@needs_datasette
def test_papers_view_and_canned_queries_answer_over_http(published_db: str) -> None:
    path = published_db.removeprefix("sqlite:///")
    port = free_port()
    argv = [sys.executable, "-m", "ingest", "--db", path, "browse", "--port", str(port)]
    proc = subprocess.Popen(argv, env=clean_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}/ingest"
    try:
        wait_for(f"http://127.0.0.1:{port}/-/versions.json", proc)
        rows = httpx.get(
            f"{base}/papers.json",
            params={"_search": '"semantic ID"', "_shape": "array", "_size": "max"},
            timeout=10,
        ).json()
        assert rows and set(rows[0]) == {
            "id", "arxiv_id", "week", "listing_date", "short_name", "title", "institutions", "industrial",
            "deployed_online", "online_claims", "topics", "scope", "arxiv_url",
        }  # fmt: skip
        genrec = next(r for r in rows if r["arxiv_id"] == "2604.14878")
        assert (
            genrec["short_name"] == "GenRec"
            and genrec["online_claims"] == "click count 9.5%; transaction count 8.7%"
        )
        assert genrec["arxiv_url"] == "https://arxiv.org/abs/2604.14878" and json.loads(
            genrec["institutions"]
        ) == ["JD"]

        def canned(name: str, **params: str) -> list[dict]:
            res = httpx.get(f"{base}/{name}.json", params={**params, "_shape": "array"}, timeout=10)
            assert res.status_code == 200, res.text
            return res.json()

        ab = canned("industrial_online_ab", weeks="2")
        assert {"2604.14878", "2604.12298", "2604.12110"} <= {r["arxiv_id"] for r in ab}
        assert all(r["online_claims"] for r in ab)
        assert [r["arxiv_id"] for r in canned("papers_by_institution", institution="meituan")] == [
            "2604.12298"
        ]
        ctr = canned("claims_on_metric", metric="CTR")
        dsain = [r for r in ctr if r["arxiv_id"] == "2604.12298"]
        assert [(r["metric"], r["value"]) for r in dsain][:1] == [
            ("CTR", "2.70\\%")
        ]  # the value as the abstract writes it (LaTeX)
        assert "DSAIN has increased the CTR by 2.70" in dsain[0]["evidence"]
        html = httpx.get(f"{base}/paper", params={"_search": '"semantic ID"'}, timeout=10).text
        cells = re.findall(r'<td class="col-abstract[^"]*"[^>]*>(.*?)</td>', html, re.S)
        assert cells and max(len(c) for c in cells) < 400  # truncated, not whole abstracts
    finally:
        proc.terminate()
        _, stderr = proc.communicate(timeout=20)
    assert "Traceback" not in stderr.decode()
