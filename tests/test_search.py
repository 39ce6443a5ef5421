"""Search over the five real bundled weeks (565 papers, loaded by the real crawl) + curated extractions:
ranking, filters, hostile queries (library and CLI), output formats, the ILIKE fallback."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from conftest import ROOT, wiped_pg
from conftest import run_ingest as run_cli
from ingest.config import Settings
from ingest.db import engine as db
from ingest.errors import InputError, WeekError
from ingest.search.fts import SearchFilters, like_search, query_cost, search
from ingest.search.query import parse
from ingest.search.snippet import Matcher, normalize, snippet, stem
from search_data import build_db

HOSTILE = [
    "GPT-4",
    "cs.IR",
    '"semantic ID',
    'semantic ID"',
    "((semantic",
    "semantic))",
    "NEAR(semantic ID)",
    "semantic AND ID",
    "semantic NOT ID",
    "title:generative",
    "abstract : retrieval",
    "*",
    "gener*",
    "^start",
    "'; DROP TABLE paper; --",
    "1=1 OR 'a'='a'",
    '""""',
    "a\x00b",
    "-",
    "OR",
    "ID:",
    "+semantic -id",
    "semantic ID \u2014 \u201ctokenizer\u201d",
    "{col1 col2}: x",
    "x" * 10_000,
    "semantic " * 1_300,
    " ".join(f"w{i}" for i in range(40)),
]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def search_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The same data on both databases: every test using it runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('search') / 'ingest.sqlite3'}"
    else:
        url = wiped_pg()
    build_db(url)
    return url


@pytest.fixture
def db_url(search_db: str) -> str:  # overrides conftest's: `settings`, `engine` and `cli` use the shared DB
    return search_db


@pytest.fixture
def cli(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    return lambda *args: run_cli(db_url, *args)


def ids(result) -> list[str]:
    return [h.arxiv_id for h in result.hits]


def test_parse_quotes_every_term_and_keeps_phrases_prefixes_and_or() -> None:
    assert (
        parse('GPT-4 "semantic ID" gener* OR tokenizer AND cs.IR').fts()
        == '"GPT-4" AND "semantic ID" AND ("gener"* OR "tokenizer") AND "cs.IR"'
    )
    assert parse('say "hi ( -- ;').fts() == '"say" AND "hi"'
    assert parse("' ; -- ( ) *").empty


def test_semantic_id_in_w16_ranked_by_bm25_with_snippets(settings: Settings) -> None:
    result = search(settings, "semantic ID", SearchFilters(week="2026-W16"))
    found = ids(result)
    assert result.mode == "fts" and result.match == '"semantic" AND "ID"'
    assert {"2604.12234", "2604.11440", "2604.10471"} <= set(found)
    assert {h.week for h in result.hits} == {"2026-W16"}
    scores = [h.score for h in result.hits]
    assert scores == sorted(scores) and all(s < 0 for s in scores)
    assert all("**" in h.snippet for h in result.hits)
    sid = result.hits[found.index("2604.10471")]
    assert sid.institutions == ["Kuaishou"] and sid.deployed_online is True
    assert "long-play rate +0.664% (online)" in sid.metrics


def test_title_matches_outrank_abstract_only_matches(settings: Settings) -> None:
    found = ids(search(settings, "semantic IDs", limit=5))
    assert found[0] in TITLE_SEMANTIC_ID


USER_INTEREST = "2605.25726"  # '... Lifelong User Interest Modeling': of the 23 matches, the only one
# with both words in its title or extracted text; bm25 scores 2603.13934 ('... Group Interests ...',
# 'user' in its abstract only) better


def test_title_or_summary_matches_come_first_then_the_others_by_score(settings: Settings) -> None:
    result = search(settings, "user interest", limit=6)
    hits = result.hits
    assert [h.arxiv_id for h in hits][0] == USER_INTEREST and len(hits) == 6  # the other places filled
    assert "user interest" not in " ".join(" ".join(h.title.lower().split()) for h in hits[1:])
    assert [h.score for h in hits[1:]] == sorted(h.score for h in hits[1:])
    if settings.db_url.startswith("sqlite"):  # the rule, not the score, puts it first
        assert hits[1].arxiv_id == "2603.13934" and hits[0].score > hits[1].score
    # the same rule in the filtered statement and the capped one (a cap above every match)
    since_may = search(settings, "user interest", SearchFilters(since=date(2026, 5, 1)), limit=6)
    assert ids(since_may)[0] == USER_INTEREST and len(since_may.hits) > 1
    assert all(str(h.listing_date) >= "2026-05-01" for h in since_may.hits)
    assert ids(search(settings, "user interest", limit=6, rank_cap=1000)) == ids(result)


def test_institution_filter_is_canonical_and_case_insensitive(settings: Settings) -> None:
    assert set(ids(search(settings, "", SearchFilters(institution="kuaishou")))) == {
        "2604.10471",
        "2603.00632",
        "2606.27058",
    }
    assert ids(search(settings, "", SearchFilters(institution="Kuaishou", week="2026-W16"))) == ["2604.10471"]
    since = SearchFilters(institution="KUAISHOU", since=date(2026, 4, 1))
    assert ids(search(settings, "semantic", since)) == ["2604.10471", "2606.27058"]  # title match first
    until = SearchFilters(institution="KUAISHOU", until=date(2026, 3, 31))
    assert ids(search(settings, "semantic", until)) == ["2603.00632"]
    assert ids(search(settings, "", SearchFilters(institution="Kuai"))) == []  # canonical names match whole


def test_filter_only_search_is_newest_first(settings: Settings) -> None:
    result = search(settings, "", SearchFilters(deployed=True))
    assert result.mode == "filter"
    assert len(result.hits) == 11  # curated deployed papers; VerifAI is not deployed
    dates = [h.listing_date for h in result.hits]
    assert dates == sorted(dates, reverse=True) and dates[0] == "2026-06-26"


def test_metric_filter_matches_metric_names(settings: Settings) -> None:
    assert ids(search(settings, "", SearchFilters(metric="CTR"))) == ["2604.12298"]
    assert ids(search(settings, "", SearchFilters(metric="hr@50"))) == ["2604.12234"]
    assert set(ids(search(settings, "", SearchFilters(metric="NDCG")))) == {"2604.11440"}
    assert ids(search(settings, "generative", SearchFilters(metric="CTR"))) == []


def test_topic_industrial_and_date_range_filters(settings: Settings) -> None:
    by_slug = search(settings, "", SearchFilters(topic="generative_semantic_ids", industrial=True))
    by_title = search(
        settings, "", SearchFilters(topic="generative recommendation and semantic ids", industrial=True)
    )
    assert ids(by_slug) == ids(by_title)
    assert set(ids(by_slug)) == {"2604.14878", "2604.11440", "2604.10471", "2603.00632", "2603.17540"}
    window = SearchFilters(industrial=True, since=date(2026, 4, 13), until=date(2026, 4, 15))
    spring = search(settings, "", window)
    assert set(ids(spring)) == {"2604.11440", "2604.10471", "2604.12110", "2604.12298"}


def test_failed_and_superseded_extractions_do_not_leak(settings: Settings) -> None:
    assert ids(search(settings, "zebrafish")) == []
    assert ids(search(settings, "", SearchFilters(institution="Tsinghua University"))) == []
    unirec = search(settings, "Chain-of-Attribute").hits[0]
    assert unirec.arxiv_id == "2604.12234" and unirec.metrics == ["HR@50 22.6% (offline)"]


def test_or_and_prefix_queries(settings: Settings) -> None:
    assert {"2604.14878", "2604.12110"} <= set(ids(search(settings, "GenRec OR SOLARIS")))
    assert "2604.12110" in ids(search(settings, "specul*", SearchFilters(week="2026-W16")))


# Each hostile query read by the README's rules ("any other character is literal"): the same search
# in plain documented syntax (words ANDed, "quoted" phrases, OR), or the one error it must give.
PLAIN_READING = {
    "GPT-4": '"GPT 4"',
    "cs.IR": '"cs IR"',
    '"semantic ID': "semantic ID",
    'semantic ID"': "semantic ID",
    "((semantic": "semantic",
    "semantic))": "semantic",
    "NEAR(semantic ID)": '"NEAR semantic" ID',
    "semantic AND ID": "semantic ID",
    "semantic NOT ID": "semantic not ID",
    "title:generative": '"title generative"',
    "abstract : retrieval": "abstract retrieval",
    "*": InputError("nothing to search for"),
    "gener*": "gener*",
    "^start": "start",
    "'; DROP TABLE paper; --": "DROP TABLE paper",
    "1=1 OR 'a'='a'": '"1 1" OR "a a"',
    '""""': InputError("nothing to search for"),
    "a\x00b": "a b",
    "-": InputError("nothing to search for"),
    "OR": InputError("nothing to search for"),
    "ID:": "ID",
    "+semantic -id": "semantic id",
    "semantic ID \u2014 \u201ctokenizer\u201d": "semantic ID tokenizer",
    "{col1 col2}: x": "col1 col2 x",
    "x" * 10_000: InputError("query too long: 10000 characters (at most 2000)"),
    "semantic " * 1_300: InputError("query too long: 11700 characters (at most 2000)"),
    " ".join(f"w{i}" for i in range(40)): InputError("query has too many terms: 40 (at most 32)"),
}


@pytest.mark.parametrize("query", HOSTILE, ids=lambda q: repr(q[:24]))
def test_hostile_queries_search_as_their_plain_reading(settings: Settings, query: str) -> None:
    expected = PLAIN_READING[query]
    if isinstance(expected, InputError):
        with pytest.raises(InputError) as exc:
            search(settings, query)
        assert str(exc.value).startswith(str(expected)) and "\n" not in str(exc.value)
        return
    result = search(settings, query, limit=100)
    assert result.mode == "fts"
    assert ids(result) == ids(search(settings, expected, limit=100))
    with db.open_engine(settings).connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM paper")).scalar() == 565


def test_hostile_query_facts(settings: Settings) -> None:
    assert ids(search(settings, "GPT-4"))[0] == "2604.08549"  # 'outperforming GPT-4' in VerifAI
    assert ids(search(settings, '"semantic ID')) == ids(search(settings, "semantic ID"))
    assert ids(search(settings, "'; DROP TABLE paper; --")) == []
    with pytest.raises(InputError, match="query too long: 10000 characters"):
        search(settings, "x" * 10_000)
    with pytest.raises(InputError, match="nothing to search for"):
        search(settings, "'; -- ((")


@pytest.mark.parametrize(
    ("filters", "limit", "error", "message"),
    [
        (SearchFilters(week="2026-W60"), 20, WeekError, "2026 has no ISO week 60"),
        (SearchFilters(week="2026-W16", since=date(2026, 4, 1)), 20, InputError, "either --week or --since"),
        (SearchFilters(since=date(2026, 5, 1), until=date(2026, 4, 1)), 20, InputError, "is after --until"),
        (SearchFilters(topic="quantum"), 20, InputError, "unknown topic 'quantum'; known topics: generative"),
        (SearchFilters(institution="  "), 20, InputError, "--institution must not be empty"),
        (SearchFilters(), 0, InputError, "--limit must be between 1 and 1000"),
    ],
)
def test_bad_filters_are_one_clear_error(settings, filters, limit, error, message) -> None:
    with pytest.raises(error, match=message):
        search(settings, "semantic", filters, limit=limit)


def test_like_fallback_matches_every_term_newest_first(engine) -> None:
    result = like_search(engine, "semantic ID", SearchFilters(week="2026-W16"), limit=50)
    found = ids(result)
    assert result.mode == "like" and {"2604.12234", "2604.11440", "2604.10471"} <= set(found)
    dates = [h.listing_date for h in result.hits]
    assert dates == sorted(dates, reverse=True)
    assert all("**" in h.snippet.lower() for h in result.hits)
    assert ids(like_search(engine, "100%_off", SearchFilters())) == []  # LIKE wildcards are escaped
    assert set(ids(like_search(engine, "", SearchFilters(institution="kuaishou")))) == {
        "2604.10471",
        "2603.00632",
        "2606.27058",
    }


def test_cli_json_output_parses(cli) -> None:
    res = cli("search", "semantic", "ID", "--week", "2026-W16", "--format", "json", "--limit", "5")
    assert res.exit_code == 0, res.stderr
    rows = json.loads(res.stdout)
    assert len(rows) == 5 and {"arxiv_id", "score", "snippet", "metrics"} <= set(rows[0])


def test_cli_csv_output_parses(cli) -> None:
    res = cli("search", "--institution", "Kuaishou", "--format", "csv")
    assert res.exit_code == 0, res.stderr
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert [r["arxiv_id"] for r in rows] == ["2606.27058", "2604.10471", "2603.00632"]
    assert rows[1]["institutions"] == "Kuaishou" and "long-play rate +0.664% (online)" in rows[1]["metrics"]


def test_cli_table_output(cli) -> None:
    res = cli("search", "--metric", "CTR", "--deployed")
    assert res.exit_code == 0, res.stderr
    assert "2604.12298" in res.stdout and "Meituan" in res.stdout and "1 papers (filter)" in res.stdout
    assert "no papers match" in cli("search", "zebrafish").stdout


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["'; DROP TABLE paper; --"], None),
        (['"unbalanced'], None),
        (["NEAR(a b) AND title:x *"], None),
        (["x" * 10_000], "error: query too long: 10000 characters (at most 2000)"),
        (["((("], "error: nothing to search for: give search words or at least one filter"),
        (["semantic", "--week", "2026-W60"], "error: unknown week '2026-W60': 2026 has no ISO week 60"),
        (["semantic", "--since", "yesterday"], "error: --since expects a date YYYY-MM-DD, got 'yesterday'"),
        (
            ["semantic", "--topic", "nope"],
            "error: unknown topic 'nope'; known topics: generative_semantic_ids",
        ),
        (["semantic", "--limit", "0"], "error: --limit must be between 1 and 1000, got 0"),
        (["cs.IR", "--format", "json"], None),
    ],
    ids=lambda a: repr(a[0][:16]) + str(len(a)) if isinstance(a, list) else "",
)
def test_cli_hostile_input_exit_zero_or_one_error_line(cli, args: list[str], error: str | None) -> None:
    res = cli("search", *args)
    assert "Traceback" not in res.stdout + res.stderr
    if error is None:  # searched: a table, JSON, or "no papers match"
        assert res.exit_code == 0 and res.stderr == "" and res.stdout.strip()
    else:  # bad input: exit 2 with one line
        lines = res.stderr.strip().splitlines()
        assert res.exit_code == 2 and len(lines) == 1 and lines[0].startswith(error), res.stderr


def test_cli_search_on_empty_database_says_no_match(tmp_path: Path) -> None:
    res = run_cli(str(tmp_path / "empty.sqlite3"), "search", "x")
    assert res.exit_code == 0 and "no papers match" in res.stdout


def test_search_over_the_real_offline_extraction_of_w16(tmp_path: Path) -> None:
    from ingest.crawl import stage as crawl
    from ingest.extract import stage as extract

    settings = Settings(
        db_url=f"sqlite:///{tmp_path / 'w16.sqlite3'}",
        backend="offline",
        arxiv_delay_seconds=0.0,
        cache_dir=tmp_path / "cache",
        reports_dir=tmp_path / "reports",
    )
    crawl.crawl_week(settings, "2026-W16", source=ROOT / "data" / "arxiv" / "2026-W16.jsonl")
    assert extract.extract_week(settings, "2026-W16").failed == 0

    def found(query: str = "", **filters) -> list[str]:
        return ids(search(settings, query, SearchFilters(**filters), limit=100))

    assert found(institution="jd") == ["2604.14878"]
    assert "2604.12110" in found(institution="Meta", deployed=True)
    assert found(metric="CTR") == ["2604.12298"] and found(metric="HR@50") == ["2604.12234"]
    assert {"2604.14878", "2604.11440", "2604.12234"} <= set(found("semantic ID", week="2026-W16"))
    assert "2604.14878" in found("GRPO-SR", industrial=True)


NEWEST_SEMANTIC_ID = {"2606.25496", "2606.25147", "2606.22961", "2605.25726", "2605.25330"}  # highest rowids
TITLE_SEMANTIC_ID = {
    "2604.10471",
    "2603.00632",
    "2603.17540",
    "2604.13273",
}  # 'Semantic ID' in the title, older


def test_rank_cap_ranks_only_the_newest_matches(settings: Settings) -> None:
    # 'semantic ID' has 2 tokens: rank_cap=10 ranks the newest max(limit, 10 // 2) = 5 of its 16 matches
    capped = search(settings, "semantic ID", limit=5, rank_cap=10)
    assert set(ids(capped)) == NEWEST_SEMANTIC_ID
    assert [h.score for h in capped.hits] == sorted(h.score for h in capped.hits)
    every = search(settings, "semantic ID", limit=5)
    assert ids(every)[0] in TITLE_SEMANTIC_ID  # 'Semantic ID' in its title; older than the five newest
    assert ids(every) == ids(search(settings, "semantic ID", limit=5, rank_cap=None))
    assert not TITLE_SEMANTIC_ID & set(ids(capped))
    if not settings.db_url.startswith("sqlite"):
        return
    with db.open_engine(settings).connect() as conn:
        newest = conn.execute(
            text(
                "SELECT p.arxiv_id FROM paper_fts JOIN paper AS p ON p.id = paper_fts.rowid "
                "WHERE paper_fts MATCH :m ORDER BY paper_fts.rowid DESC LIMIT 5"
            ),
            {"m": capped.match},
        )
        assert set(newest.scalars()) == NEWEST_SEMANTIC_ID


def test_cli_ranks_every_match_unless_capped(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    def first_ids(*args: str) -> list[str]:
        res = cli("search", "semantic", "ID", "--limit", "5", "--format", "json", *args)
        assert res.exit_code == 0, res.stderr
        return [row["arxiv_id"] for row in json.loads(res.stdout)]

    assert first_ids()[0] in TITLE_SEMANTIC_ID  # every match ranked: an older title match comes first
    assert set(first_ids("--rank-cap", "10")) == NEWEST_SEMANTIC_ID  # the 5 newest of 16 matches ranked
    monkeypatch.setenv("INGEST_SEARCH_RANK_CAP", "10")
    assert set(first_ids()) == NEWEST_SEMANTIC_ID


def test_rank_cap_is_divided_by_query_cost_and_ignored_with_filters(settings: Settings) -> None:
    assert parse('"semantic ID" multi-task gener* OR x').size == 6
    assert query_cost(parse('"semantic ID" multi-task gener* OR x')) == 3 * 2 + 3 * 2 + 1 + 1
    phrase = search(settings, '"semantic ID"', limit=2, rank_cap=12)  # cost 6: the 2 newest ranked
    assert set(ids(phrase)) == {"2606.25496", "2606.25147"}
    one_word = ids(search(settings, "semantic", limit=5, rank_cap=10))  # 10 newest ranked
    two_words = ids(search(settings, "semantic ID", limit=5, rank_cap=10))  # 5 newest ranked
    assert len(one_word) == 5 and set(two_words) == NEWEST_SEMANTIC_ID and set(one_word) != set(two_words)
    w16 = SearchFilters(week="2026-W16")
    assert ids(search(settings, "semantic ID", w16, rank_cap=2)) == ids(
        search(settings, "semantic ID", w16, rank_cap=None)
    )
    assert "2604.10471" in ids(search(settings, "semantic ID", w16, rank_cap=2))


def test_snippets_mark_porter_stems_like_the_index(settings: Settings) -> None:
    text_ = "Our recommender beats recommendation baselines; recommending is hard (see Recommend-Bench)."
    assert snippet([text_], parse("recommendations").terms) == (
        "Our **recommender** beats **recommendation** baselines; **recommending** is hard "
        "(see **Recommend**-Bench)."
    )
    for hit in search(settings, "recommendations", limit=10).hits:
        marked = re.findall(r"\*\*(.+?)\*\*", hit.snippet)
        assert marked and {stem(normalize(m)) for m in marked} == {"recommend"}
    marked = {
        m.lower()
        for h in search(settings, "recommendations", limit=10).hits
        for m in re.findall(r"\*\*(.+?)\*\*", h.snippet)
    }
    assert {"recommendation", "recommender"} <= marked


def test_snippets_mark_phrases_as_consecutive_tokens_and_prefixes() -> None:
    terms = parse('"semantic ID" gener*').terms
    assert (
        snippet(["Semantic IDs help generative models; semantic features and an ID do not."], terms)
        == "**Semantic IDs** help **generative** models; semantic features and an ID do not."
    )
    assert (
        snippet(["x_semantic-id, a naïve Génération"], parse("semantic-id naive generation").terms)
        == "x_**semantic-id**, a **naïve** **Génération**"
    )
    assert snippet(["We specialize."], parse("specul*").terms) == "We specialize."  # no match: unmarked


def test_snippet_falls_back_to_extracted_text_then_title_then_plain_abstract() -> None:
    terms = parse("quokka").terms
    abstract = "An abstract without the word. " * 20
    assert snippet([abstract, "A Quokka-based ranker.", None, "Title"], terms) == "A **Quokka**-based ranker."
    assert snippet([abstract, None, "Quokka title"], terms) == "**Quokka** title"
    plain = snippet([abstract, "nothing"], terms)
    assert "**" not in plain and plain.startswith("An abstract without") and plain.endswith("…")
    assert len(plain) < 220


def test_snippet_window_is_cut_around_the_densest_match() -> None:
    text_ = "filler " * 100 + "semantic " + "filler " * 50 + "semantic ID tokenizer " + "filler " * 100
    result = snippet([text_], parse("semantic ID tokenizer").terms)
    assert result.startswith("…filler") and result.endswith("…") and len(result) < 230
    assert "**semantic** **ID** **tokenizer**" in result  # the window with all three terms


def test_highlighter_stems_every_fixture_word_as_fts5_does() -> None:
    words = sorted(
        {
            w
            for path in (ROOT / "data" / "arxiv").glob("*.jsonl")
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()
            for field in ("title", "abstract")
            for w in re.findall(r"\w+", json.loads(line)[field])
        }
    )
    con = sqlite3.connect(":memory:")
    try:
        con.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize = 'porter unicode61 remove_diacritics 2')")
        con.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, instance)")
        con.executemany("INSERT INTO t(rowid, x) VALUES (?, ?)", enumerate(words))
        fts5: dict[int, list[tuple[int, str]]] = {}
        for term, doc, offset in con.execute("SELECT term, doc, offset FROM v"):
            fts5.setdefault(doc, []).append((offset, term))
    finally:
        con.close()
    assert len(words) > 8000
    differ = [
        w
        for i, w in enumerate(words)
        if [stem(normalize(t)) for t in re.findall(r"[^\W_]+", w)]
        != [term for _, term in sorted(fts5.get(i, []))]
    ]
    assert differ == []
    assert [stem(w) for w in ("methodology", "methodological", "assembly", "possibly", "technologie")] == [
        "methodolog",
        "methodolog",
        "assembl",
        "possibl",
        "technologi",
    ]  # FTS5's departures from Porter


@pytest.mark.parametrize("query", HOSTILE, ids=lambda q: repr(q[:24]))
def test_highlighter_never_raises_on_hostile_queries_and_text(query: str) -> None:
    try:
        terms = parse(query).terms
    except InputError:
        return
    matcher = Matcher.of(terms)
    stems = {stem(normalize(t)) for term in terms for t in re.findall(r"[^\W_]+", term.text)}
    for text_ in ("", "\u0301\u0301", "İstanbul ﬁle ǅ ß 𝔘 😀 x_y", query[:500], "semantic ID " * 2000):
        shown = snippet([text_, None, text_], matcher)
        # the snippet is a window of the text itself, marks and cuts aside
        plain = shown.replace("**", "").replace("\u2026", " ")
        assert " ".join(plain.split()) in " ".join(text_.split())
        for marked in re.findall(r"\*\*(.+?)\*\*", shown):  # every mark holds a word of the query
            tokens = {stem(normalize(t)) for t in re.findall(r"[^\W_]+", marked)}
            assert tokens & stems or any(
                t.startswith(stem(normalize(term.text))) for t in tokens for term in terms if term.prefix
            ), (marked, query)
