"""Attention ranking: which papers a reader should read first, scored from their verified facts.

Input: Items (verified fact sheets) and each item's novelty (0..1: the share of its key phrases
the database's earlier weeks rarely used, from storylines.novelty). Output: `score(item)` = a
stated sum of parts, and `choose_deep_dives` = the 8-12 strongest in-scope items. The parts:

    online results     4.0  a verified online A/B / production claim
    named platform     1.0  ... measured on a platform or product the paper names
    deployed           2.0  deployed or run online, without online figures
    industrial         2.0  a company is an author or runs the system
    industrial scale   1.0  billions or hundreds of millions of users, production traffic
    named method       1.0  the paper names its method (GenRec, SORT), not a descriptive label
    dataset/benchmark  1.5  it releases a dataset or a benchmark
    offline results    0.5  verified offline results
    novelty            1.0  x novelty
    adjacent          -3.0  search/IR rather than recommendation (never a deep dive)

The number of claims never counts. Ties break on the arXiv id. Pure and deterministic.
"""

from __future__ import annotations

import re

from ingest.facts import prose
from ingest.facts.counts import IN_SCOPE
from ingest.facts.numbers import numbers_in
from ingest.report.select import Item

WEIGHTS = {
    "online results": 4.0,
    "named platform": 1.0,
    "deployed": 2.0,
    "industrial": 2.0,
    "industrial scale": 1.0,
    "named method": 1.0,
    "dataset/benchmark": 1.5,
    "offline results": 0.5,
    "novelty": 1.0,
    "adjacent": -3.0,
}
DEEP_MIN, DEEP_MAX, DEEP_FLOOR = 8, 12, 3.0  # deep dives in a report; the score a 9th+ needs
SCALE = re.compile(
    r"\bbillions? of (?:users|requests|items|impressions)\b|\bhundreds of millions\b|"
    r"\b\d+(?:\.\d+)?\s?(?:billion|B)\s"
    r"(?:daily |monthly )?(?:users|DAU|requests)\b|\bproduction traffic\b|\blarge-scale industrial\b|"
    r"\b\d{2,4}\s?million (?:daily |monthly )?(?:active )?users\b",
    re.IGNORECASE,
)
RELEASE = re.compile(
    r"\b(?:we (?:release|open-source|publish|make publicly available)|publicly available|open-sourced?|"
    r"(?:new|first|large-scale|open) (?:dataset|benchmark|corpus|testbed)|"
    r"we (?:introduce|construct|build|present) "
    r"(?:a |an |the )?(?:\w+[- ]){0,4}(?:dataset|benchmark|corpus))\b",
    re.IGNORECASE,
)


DATA = re.compile(  # what a release must hold to count: data others can build on, not only code or a model
    r"\b(?:datasets?|benchmarks?|corpus|corpora|testbeds?|data|logs|collections?|annotations|leaderboards?|"
    r"evaluation (?:framework|harness|suite|library|toolkit))\b",
    re.IGNORECASE,
)
NOT_RELEASED = re.compile(  # data it lacks or only uses, or 'a new benchmark' as a figure of speech
    r"\b(?:lack|absence|scarcity|shortage) of\b|\bestablish\w* a new benchmark\b|"
    r"\b(?:on|using|across|with) (?:\w+ ){0,3}publicly available\b",
    re.IGNORECASE,
)
URL = re.compile(r"\s*(?:\(|:)?\s*https?://\S+")
RELEASE_WORDS = 40


def releases(text: str) -> bool:
    """A sentence of `text` says the paper releases a dataset or benchmark ('we release the logs',
    'a new benchmark'); 'our code is publicly available', 'open-source LLMs', 'the lack of publicly
    available datasets' or 'evaluated on two publicly available benchmarks' does not."""
    return any(_says_release(s) for s in prose.SENTENCE.split(prose.clean(text)))


def _says_release(sentence: str) -> bool:
    return bool(RELEASE.search(sentence) and DATA.search(sentence) and not NOT_RELEASED.search(sentence))


def release_sentence(abstract: str) -> str:
    """The abstract's sentence saying what dataset or benchmark the paper releases (see `releases`),
    links removed; "" when no sentence says so, or it states a figure (figures belong to Results) or
    runs long."""
    for sentence in prose.SENTENCE.split(prose.clean(abstract)):
        text = URL.sub("", sentence).strip().rstrip(".:;, ")
        if _says_release(text) and not numbers_in(text) and len(text.split()) <= RELEASE_WORDS:
            return text
    return ""


def coined(name: str) -> bool:
    """A name the paper coined: one token with an inner capital, a digit or an acronym (GenRec, R3-VAE)."""
    if " " in name.strip():
        return False
    core = name.replace("-", "")
    return len(core) >= 2 and (any(c.isupper() for c in core[1:]) or any(c.isdigit() for c in core))


def parts(item: Item, novelty: float = 0.0) -> dict[str, float]:
    """The score parts that apply to `item` (name -> points)."""
    facts, out = item.facts, {}
    if item.online:
        out["online results"] = WEIGHTS["online results"]
        if any(c.where for c in item.online) or facts.platform:
            out["named platform"] = WEIGHTS["named platform"]
    elif facts.deployed_online:
        out["deployed"] = WEIGHTS["deployed"]
    if facts.industrial:
        out["industrial"] = WEIGHTS["industrial"]
        if SCALE.search(item.source):
            out["industrial scale"] = WEIGHTS["industrial scale"]
    if coined(item.name):
        out["named method"] = WEIGHTS["named method"]
    if releases(f"{item.title}. {item.abstract}"):
        out["dataset/benchmark"] = WEIGHTS["dataset/benchmark"]
    if facts.claims_in("offline"):
        out["offline results"] = WEIGHTS["offline results"]
    if novelty > 0:
        out["novelty"] = round(WEIGHTS["novelty"] * novelty, 3)
    if item.scope != IN_SCOPE:
        out["adjacent"] = WEIGHTS["adjacent"]
    return out


def score_items(items: list[Item], novelty: dict[str, float]) -> None:
    """Set every item's score and its parts."""
    for item in items:
        item.score_parts = parts(item, novelty.get(item.arxiv_id, 0.0))
        item.score = round(sum(item.score_parts.values()), 3)


def ranked(items: list[Item]) -> list[Item]:
    """Best first; ties on the arXiv id."""
    return sorted(items, key=lambda i: (-i.score, i.arxiv_id))
