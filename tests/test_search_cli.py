"""`ingest search` from the command line with the filters the README documents (--industrial, --topic,
--since/--until, --institution, --deployed) and the README's own example, over the five real weeks and
the curated extractions. Expected rows come from the curated table (tests/search_data.CURATED) and
the records' listing dates, filtered here by a plain reading of each option, not by the search code."""

from __future__ import annotations

import csv
import io
import json
import re
import shlex
from datetime import date

import pytest

from conftest import DATA, ROOT, run_ingest
from search_data import CURATED, build_db

LISTED = {
    r["id"]: date.fromisoformat(r["listing_date"])
    for path in DATA.glob("2026-W*.jsonl")
    for r in map(json.loads, path.read_text().splitlines())
}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('search-cli') / 'ingest.sqlite3'}"
    build_db(url)
    return url


def expected(
    *,
    institution: str | None = None,
    industrial: bool = False,
    deployed: bool = False,
    topic: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> list[str]:
    """The curated papers every given option admits, newest listing first."""
    found = []
    for arxiv_id, (_scope, _short, ind, dep, insts, topics, *_rest) in CURATED.items():
        day = LISTED[arxiv_id]
        if (
            (institution is None or institution.lower() in (i.lower() for i in insts))
            and (ind or not industrial)
            and (dep or not deployed)
            and (topic is None or topic in topics)
            and (since is None or day >= since)
            and (until is None or day <= until)
        ):
            found.append(arxiv_id)
    return sorted(found, key=lambda a: (LISTED[a], a), reverse=True)


def csv_ids(stdout: str) -> list[str]:
    return [row["arxiv_id"] for row in csv.DictReader(io.StringIO(stdout))]


def test_the_readme_search_example(db: str) -> None:
    readme = (ROOT / "README.md").read_text()
    (example,) = re.findall(r"`(ingest search --institution [^`]+)`", readme)
    args = shlex.split(example)[1:]
    res = run_ingest(db, *args)
    assert res.exit_code == 0, res.stderr
    found = csv_ids(res.stdout)
    want = expected(institution="Kuaishou", deployed=True, since=date(2026, 3, 1))
    assert found == want and len(want) >= 2


@pytest.mark.parametrize(
    ("args", "filters"),
    [
        (["--industrial"], {"industrial": True}),
        (["--topic", "generative_semantic_ids"], {"topic": "generative_semantic_ids"}),
        (
            ["--industrial", "--topic", "generative_semantic_ids"],
            {"industrial": True, "topic": "generative_semantic_ids"},
        ),
        (["--industrial", "--until", "2026-03-31"], {"industrial": True, "until": date(2026, 3, 31)}),
        (["--deployed", "--since", "2026-06-01"], {"deployed": True, "since": date(2026, 6, 1)}),
    ],
    ids=lambda a: " ".join(a) if isinstance(a, list) else "",
)
def test_extraction_filters_from_the_command_line(db: str, args: list[str], filters: dict) -> None:
    res = run_ingest(db, "search", *args, "--format", "csv", "--limit", "100")
    assert res.exit_code == 0, res.stderr
    want = expected(**filters)
    assert csv_ids(res.stdout) == want
    assert 0 < len(want) < len(CURATED)  # each case admits some curated papers, not all


def test_a_date_range_alone_lists_every_paper_announced_in_it_newest_first(db: str) -> None:
    res = run_ingest(
        db, "search", "--since", "2026-04-13", "--until", "2026-04-15", "--format", "csv", "--limit", "1000"
    )
    assert res.exit_code == 0, res.stderr
    found = csv_ids(res.stdout)
    inside = {a for a, day in LISTED.items() if date(2026, 4, 13) <= day <= date(2026, 4, 15)}
    assert set(found) == inside and len(found) == len(inside) > 20
    days = [LISTED[a] for a in found]
    assert days == sorted(days, reverse=True)


def test_a_query_with_a_date_range_keeps_only_matches_listed_in_it(db: str) -> None:
    res = run_ingest(
        db, "search", "semantic", "--since", "2026-04-13", "--until", "2026-04-17", "--format", "json"
    )
    assert res.exit_code == 0, res.stderr
    rows = json.loads(res.stdout)
    assert rows and all("2026-04-13" <= LISTED[r["arxiv_id"]].isoformat() <= "2026-04-17" for r in rows)
    assert "2604.10471" in {
        r["arxiv_id"] for r in rows
    }  # SID-Coord: "Semantic IDs" in its title, listed 04-14


def test_unknown_topic_from_the_command_line_names_the_known_ones(db: str) -> None:
    res = run_ingest(db, "search", "--topic", "quantum")
    assert res.exit_code == 2 and res.stderr.startswith("error: unknown topic 'quantum'; known topics: ")
