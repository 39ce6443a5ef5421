"""Dedup pinned exactly: title tokens (ASCII fast path = the NFKD path), the Jaccard threshold edge,
the surnames rule, and the prefix-filter join against brute force, worst cases included."""

from __future__ import annotations

import itertools
import random
import re
import unicodedata

import pytest

from ingest import dedup

_WORD = re.compile(r"[a-z0-9]+")


def reference_tokens(title: str) -> frozenset[str]:
    """title_tokens as first written (NFKD for every title, one word at a time): the behaviour to keep."""
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    words = [w for w in _WORD.findall(text) if w not in dedup.STOPWORDS]
    return frozenset(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in words)


@pytest.mark.parametrize(
    ("title", "tokens"),
    [
        ("Café Recommendations", {"cafe", "recommendation"}),
        ("ﬁne-tuning LLMs", {"fine", "tuning", "llm"}),  # ligature U+FB01
        ("ＧｅｎＲｅｃ： Ｍｏｄｅｌｓ", {"genrec", "model"}),  # full-width forms
        ("Βαθιά μάθηση for Recs", {"rec"}),  # Greek has no ASCII fold: dropped
        ("α-Divergence Losses", {"divergence", "losse"}),
        ("Claſſes of x² Biases", {"classe", "x2", "biase"}),  # long s, superscript two
        ("Towards Toward Ands Is GAS Class Bias", {"toward", "and", "gas", "class", "bia"}),
        ("A Survey: On the Ranking-of Items (via GNNs)", {"survey", "ranking", "item", "gnn"}),
        ("", set()),
    ],
)
def test_title_tokens_pinned(title, tokens):
    assert dedup.title_tokens(title) == frozenset(tokens) == reference_tokens(title)


def test_title_tokens_equal_the_nfkd_path_on_random_titles():
    rng = random.Random(11)
    alphabet = "abcdefsS XYZ019-:,.'()" + "éÉüßøﬁﬂ²½ＡｓΩαſİK\u0301\u200b一"
    words = ["Towards", "classes", "Bias", "GNNs", "is", "as", "ands", "gas", "LLMs", "Café", "Ｒｅｃｓ"]
    titles = ["".join(rng.choices(alphabet, k=rng.randint(0, 40))) for _ in range(2000)]
    titles += [" ".join(rng.choices(words, k=rng.randint(1, 8))) for _ in range(500)]
    assert sum(t.isascii() for t in titles) > 300 and sum(not t.isascii() for t in titles) > 300
    for title in titles:
        assert dedup.title_tokens(title) == reference_tokens(title), title


def pair(a: str, b: str, authors_a=None, authors_b=None) -> bool:
    """Whether candidate_pairs links titles a and b (and names the two ids, once)."""
    rows = [
        dedup.TitleRow("2601.00001", dedup.title_tokens(a), authors_a, None),
        dedup.TitleRow("2601.00002", dedup.title_tokens(b), authors_b, None),
    ]
    pairs = dedup.candidate_pairs(rows)
    assert [set(p) for p in pairs] in ([], [{"2601.00001", "2601.00002"}])
    return bool(pairs)


@pytest.mark.parametrize(
    ("a", "b", "linked"),
    [
        ("alpha beta gamma delta epsilon", "alpha beta gamma delta", True),  # 4/5 = t exactly
        ("alpha beta gamma delta epsilon", "alpha beta gamma delta zeta", False),  # 4/6
        ("w1 w2 w3 w4 w5 w6 w7 w8 w9", "w1 w2 w3 w4 w5 w6 w7 w8 w10", True),  # 8/10 = t
        ("w1 w2 w3 w4 w5 w6 w7 w8 w9 w10", "w1 w2 w3 w4 w5 w6 w7 w8 w9 w11", True),  # 9/11 above
        ("w1 w2 w3 w4 w5 w6 w7 w8", "w1 w2 w3 w4 w5 w6 w7 w9", False),  # 7/9 just below
        ("w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12", "w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w13 w14", False),
        ("Recommenders", "recommender", True),  # one token, equal after the plural rule
        ("Recommenders", "Ranking", False),
        ("Graph Recommenders", "graph recommender", True),
    ],
)
def test_jaccard_threshold_edge(a, b, linked):
    ta, tb = dedup.title_tokens(a), dedup.title_tokens(b)
    assert (dedup.jaccard(ta, tb) >= dedup.THRESHOLD) == linked
    assert pair(a, b) == linked


def test_surnames_rule():
    title = "Generative Retrieval for Sequential Recommendation at Scale"
    assert not pair(title, title, ["Yanyan Zou"], ["Someone Else"])
    assert pair(title, title, ["Yanyan Zou", "Junbo Qi"], '["J. QI", "X. Y. Zhang"]')  # case, JSON text
    assert pair(title, title, ["Yanyan Zou"], [])  # no authors listed: the title decides
    assert pair(title, title, None, '["", "  "]')  # only blank names: none listed
    assert dedup.surnames('["Yanyan Zou", "", "  ", "J.  Qi ", "Madonna"]') == {"zou", "qi", "madonna"}
    assert dedup.surnames(None) == dedup.surnames([]) == frozenset()


def brute(rows, probes=None):
    return {
        frozenset((a.arxiv_id, b.arxiv_id))
        for a, b in itertools.combinations(rows, 2)
        if a.tokens and b.tokens and dedup._similar(a, b)
        if probes is None or a.arxiv_id in probes or b.arxiv_id in probes
    }


def test_worst_case_pairs_of_every_size_are_found():
    """Two rows only: the shared tokens are the most frequent, so they sort last in both prefixes,
    the case a prefix one token too short would miss. Every qualifying (size, size, overlap)."""
    checked = 0
    for size in range(1, 31):
        for other in range(1, size + 1):
            for overlap in range(other + 1):
                x = {f"x{k}" for k in range(size - overlap)} | {f"c{k}" for k in range(overlap)}
                y = {f"y{k}" for k in range(other - overlap)} | {f"c{k}" for k in range(overlap)}
                rows = [
                    dedup.TitleRow("2601.00001", frozenset(y), None, None),
                    dedup.TitleRow("2601.00002", frozenset(x), None, None),
                ]
                expected = dedup.jaccard(frozenset(x), frozenset(y)) >= dedup.THRESHOLD
                checked += expected
                for probes in (None, {"2601.00001"}, {"2601.00002"}):
                    assert len(dedup.candidate_pairs(rows, probes)) == expected, (size, other, overlap)
    assert checked > 100


def test_join_equals_brute_force_on_varied_sizes():
    rng = random.Random(5)
    vocab = [f"t{i}" for i in range(40)]
    titles: list[set[str]] = []
    for _ in range(250):
        base = set(rng.sample(vocab, rng.randint(1, 26)))
        titles.append(base)
        for _ in range(rng.randint(0, 2)):  # near-duplicates: drop, add or swap a token or two
            near = set(base)
            for _ in range(rng.randint(1, 2)):
                if near and rng.random() < 0.5:
                    near.discard(rng.choice(sorted(near)))
                else:
                    near.add(rng.choice(vocab))
            titles.append(near)
    authors = [None, ["Ann Lee"], ["Bo Lee"], ["Cy Wu", "Ann Lee"]]
    rows = [
        dedup.TitleRow(f"2601.{i:05d}", frozenset(t), rng.choice(authors), None) for i, t in enumerate(titles)
    ]
    expected = brute(rows)
    assert len(expected) > 200
    assert {frozenset(p) for p in dedup.candidate_pairs(rows)} == expected
    probes = {r.arxiv_id for r in rng.sample(rows, 60)}
    assert {frozenset(p) for p in dedup.candidate_pairs(rows, probes)} == brute(rows, probes)
    everyone = {r.arxiv_id for r in rows}
    assert dedup.plan_links(rows, everyone) == dedup.plan_links(rows) != {}
