"""relevance.score searches needles (plain text every match contains) instead of running each regex
over every field; these texts are built to catch a needle search that skips a real match."""

from __future__ import annotations

import importlib
import random
import re

import pytest

from ingest.crawl import relevance
from ingest.records import PaperRecord
from test_bulk_speedups import reference_score

# One or more texts each alternative of VOCABULARY and INDUSTRY matches, plus near misses.
PHRASES = (
    "recommender",
    "recommenders",
    "recommend",
    "recommendations",
    "recommended",
    "recommen",
    "click-through",
    "click through",
    "clickthrough rate",
    "click-through-rate",
    "clickthroughs",
    "ctr",
    "ctrs",
    "cvr",
    "conversion rate",
    "conversion-rate",
    "conversionrate",
    "collaborative filtering",
    "collaborative-filtering",
    "collaborative  filtering",
    "user modeling",
    "user-modelling",
    "user interests",
    "user preference",
    "user preferences",
    "users",
    "sequential recommenders",
    "sequential rec",
    "next-item",
    "next item",
    "nextitem",
    "learning-to-rank",
    "learning to-rank",
    "ranking model",
    "ranking models",
    "reranking",
    "re-ranking",
    "candidate retrieval",
    "candidate generation",
    "two-tower",
    "two tower",
    "twotower",
    "ads",
    "advertising",
    "advertis",
    "sponsored search",
    "bidding",
    "ecommerce",
    "e-commerce",
    "personalised",
    "personalization",
    "personali",
    "semantic id",
    "semantic ids",
    "semantic identifiers",
    "a/b",
    "a/b-test",
    "online experiments",
    "online test",
    "deployed",
    "in production",
)
# Where a phrase sits: at the start, after punctuation or a space (a word start), after a letter,
# digit or '_' (not one), after non-ASCII letters and punctuation, in upper case, glued to itself.
CONTEXTS = (
    "{w}",
    "{W}",
    "({w})",
    "x{w}",
    "_{w}",
    "9{w}",
    "é{w}",
    "—{w}",
    "“{w}”",
    "the {w} works",
    "{w}s",
    "{w}-based",
    "{w}_x",
    "{w}{w}",
    "pre-{w}",
    "a\n{w}",
    "{W} and {w}",
    "{w}/{w}",
)


def record(title: str = "", abstract: str = "", comment: str | None = None) -> PaperRecord:
    return PaperRecord(arxiv_id="2699.00001", title=title, abstract=abstract, comment=comment)


def test_needle_search_equals_the_regex_definition_wherever_a_term_sits() -> None:
    texts = [c.format(w=w, W=w.upper()) for w in PHRASES for c in CONTEXTS]
    recs = [
        r
        for t in texts
        for r in (
            record(title=t),
            record(abstract=t),
            record(comment=t),
            record(title=t, abstract=f"intro. {t}"),
            record(abstract="ads", comment=t),
        )
    ]
    assert [relevance.score(r) for r in recs] == [reference_score(r) for r in recs]


def test_terms_count_at_word_starts_only() -> None:
    def reasons(**fields: str) -> list[str]:
        return relevance.score(record(**fields))[1]

    assert reasons(title="Recommender") == ["title: recommender"]  # recommend(...)?\b needs a word end
    assert reasons(title="Recommenders recommend") == ["title: recommender", "title: recommendation"]
    assert reasons(title="(CTR) and CVR.") == ["title: CTR prediction", "title: conversion rate"]
    assert reasons(title="xctr, _ctr, 9ctr, éctr") == []  # after a letter, '_', a digit, a non-ASCII letter
    assert reasons(title="—ctr") == ["title: CTR prediction"]  # after non-ASCII punctuation
    assert reasons(title="Two-Tower vs two tower") == ["title: retrieval/matching"]
    assert reasons(title="network towers") == []  # 'tower' is the needle; the match must start at 'two'
    assert reasons(abstract="a Learning-to-Rank model") == ["abstract: learning to rank"]
    assert reasons(abstract="E-commerce") == ["abstract: e-commerce"]
    assert reasons(abstract="an A/B test") == ["abstract: online A/B test"]
    assert reasons(abstract="data/b") == []
    assert reasons(comment="A/B") == ["abstract: online A/B test"]  # the comment counts for industry terms
    assert reasons(comment="recommender") == []  # ... but not for vocabulary
    assert reasons(title="x", abstract="ads") == ["abstract: advertising"]


def test_abstract_cap_and_title_priority_hold_across_the_joined_fields() -> None:
    abstract = "ctr cvr ads ecommerce personalized semantic ids"  # six vocabulary terms
    rec = record(title="E-commerce", abstract=abstract, comment="deployed")
    assert relevance.score(rec) == reference_score(rec)
    assert relevance.score(rec)[1] == [
        "abstract: CTR prediction",
        "abstract: conversion rate",
        "abstract: advertising",
        "title: e-commerce",
        "abstract: deployed",
    ]


def fragments(words: tuple[str, ...]) -> list[str]:
    pieces = [w for phrase in words for w in (phrase, phrase.upper(), phrase[:3], phrase[1:])]
    return pieces + [" ", " ", "-", "/", "(", ")", "_", "x", "é", "“", "\n", ".", "9", "s", "ing"]


def random_records(words: tuple[str, ...], n: int, seed: int) -> list[PaperRecord]:
    rng, pieces = random.Random(seed), fragments(words)

    def text(k: int) -> str:
        return "".join(rng.choice(pieces) for _ in range(rng.randrange(k)))

    return [record(title=text(6), abstract=text(40), comment=text(4) or None) for _ in range(n)]


def test_needle_search_equals_the_regex_definition_on_random_texts() -> None:
    recs = random_records(PHRASES, 1500, seed=7)
    assert [relevance.score(r) for r in recs] == [reference_score(r) for r in recs]


@pytest.mark.parametrize(
    ("alternative", "runs"),
    [
        (r"recommend(?:ation|s)?\b", [(0, "recommend")]),
        (r"two[- ]tower\b", [(0, "two"), (4, "tower")]),
        (r"learning[- ]to[- ]rank\b", [(0, "learning"), (9, "to"), (12, "rank")]),
        (r"click[- ]?through", [(0, "click")]),
        (r"modell?ing", [(0, "model")]),  # a quantifier takes only the character before it
        (r"ab?", [(0, "a")]),
        (r"ab*c", [(0, "a")]),
        (r"ab{2}c", [(0, "a")]),
        (r"a\.b\wc", [(0, "a"), (2, "b"), (4, "c")]),
        (r"[]x]y", [(1, "y")]),
        (r"a[\]|]b", [(0, "a"), (2, "b")]),
        (r"ab|cd", []),
        (r"a[|]b|c", []),
        (r"(?:ab)c", []),
        (r"(?i)abc", []),
        (r"(?#x|y)ab", []),
        (r"[a-z]+ing", []),
        (r"\d+ads", []),
        (r"a\1", [(0, "a")]),
    ],
)
def test_literal_runs_claim_only_text_every_match_has(alternative: str, runs: list[tuple[int, str]]) -> None:
    assert relevance._literal_runs(alternative) == runs


def parsed_literals(alternative: str) -> dict[int, str]:
    """A regex -> {offset: character} for the literals re's own parser puts at a fixed offset."""
    parser = getattr(re, "_parser", None) or importlib.import_module("sre_parse")
    constants = getattr(re, "_constants", None) or importlib.import_module("sre_constants")
    fixed, width = {}, 0
    for op, arg in parser.parse(alternative):
        if op is constants.LITERAL:
            fixed[width] = chr(arg)
        elif op is constants.AT:
            continue
        elif op not in (constants.IN, constants.ANY, constants.NOT_LITERAL):
            break
        width += 1
    return fixed


def test_every_derived_needle_is_where_re_puts_literals() -> None:
    alternatives = [alt for _, alts in relevance.VOCABULARY + relevance.INDUSTRY for alt in alts]
    for alternative in alternatives + ["ab|cd", r"(?:ab)c", "modell?ing", r"a\.b\wc", "[]x]y"]:
        fixed = parsed_literals(alternative)
        for offset, text in relevance._literal_runs(alternative):
            assert all(fixed.get(offset + i) == c for i, c in enumerate(text)), (alternative, offset, text)
    for _, needles, _ in relevance._PLAN.rules:  # every needle sits at its offset in every alternative
        for needle, checks in needles:
            for offset, match, _ in checks:
                fixed = parsed_literals(match.__self__.pattern)
                assert all(fixed.get(offset + i) == c for i, c in enumerate(needle)), (needle, offset)


def loop_found(alts: tuple[str, ...], text: str) -> bool:
    """Each alternative tried at every index of `text` where a word starts (start, or after a
    non-word character): relevance.score as it was before needles."""
    starts = [p for p in range(len(text) + 1) if p == 0 or not (text[p - 1].isalnum() or text[p - 1] == "_")]
    return any(re.compile(alt).match(text, p) for alt in alts for p in starts)


def loop_reference_score(rec: PaperRecord, vocabulary=relevance.VOCABULARY, industry=relevance.INDUSTRY):
    return reference_score(rec, loop_found, vocabulary, industry)


EXTRA_VOCABULARY = (  # alternatives without a needle, sharing one, sharing an anchor, starting oddly
    ("no needle", (r"(?:foo|bar)baz\b", r"[xy]-ray\b")),
    ("top-level bar", (r"qux|quux\b",)),
    ("shared needle", (r"cabbage\b", r"red[- ]cabbage\b")),
    ("anchor c", (r"cob\b", r"cub\b", r"cib\b", r"ocelot")),
    ("overlapping needles", (r"recommenders?\b",)),
    ("punctuation first", (r"-xyz",)),
    ("empty match", (r"(?:zq)?",)),
    ("overlapping occurrences", (r"--(?!-)",)),  # in ' ---' the needle '--' at 1 fails, at 2 matches
    ("empty field", (r"^$",)),  # matches an empty abstract only (the title comes first)
)
EXTRA_INDUSTRY = (("kubernetes", (r"k8s\b", r"kube(?:rnetes)?\b")), ("no comment", (r"^$",)))


def test_rules_without_needles_or_with_shared_needles_equal_the_loop_definition() -> None:
    vocabulary = relevance.VOCABULARY + EXTRA_VOCABULARY
    industry = relevance.INDUSTRY + EXTRA_INDUSTRY
    plan = relevance.compile_rules(vocabulary, industry)
    assert plan.anchored and plan.finds  # both search paths are exercised
    assert "" in plan.rules_of  # ... and the re.search one
    words = (
        "foobaz",
        "barbaz",
        "x-ray",
        "qux",
        "quux",
        "red cabbage",
        "cabbage",
        "cob",
        "cub",
        "cib",
        "ocelot",
        "recommenders",
        "-xyz",
        "zq",
        "--",
        "---",
        "k8s",
        "kubernetes",
        "kube",
        "ctr",
        "a/b",
    )
    recs = random_records(words, 800, seed=11) + [record(), record(title="x", abstract="", comment="")]
    assert [relevance.score(r, plan) for r in recs] == [
        loop_reference_score(r, vocabulary, industry) for r in recs
    ]
