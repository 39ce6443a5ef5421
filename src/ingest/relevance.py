"""Crawl-time relevance pre-score: a paper (or PaperRecord) -> (score, reasons). Rules only, no LLM.

Pure and deterministic: the same title/abstract/categories always give the same score, so a
re-crawl never changes it unless the text changed. The reasons are short human-readable strings
('cs.IR primary', 'title: recommender', 'abstract: click-through rate') stored in
`paper.relevance_reasons`; `settings.relevance_threshold` later decides which papers the LLM sees.
Never raises on odd input: missing fields count as empty.
"""

from __future__ import annotations

import re
from typing import Any

# (label, alternatives): recommendation vocabulary, matched on lower-cased text. A title hit
# weighs 2.0, an abstract hit 1.0. Every alternative must match at the start of a word (an implied
# \b before it) and begins with plain letters, so searching it is a fast substring scan: a leading
# \b in the regex itself would make Python's re try every position (20x slower, see _found).
VOCABULARY: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("recommender", (r"recommender",)),
    ("recommendation", (r"recommend(?:ation|ations|ing|ed|s)?\b",)),
    ("click-through rate", (r"click[- ]?through(?:[- ]rate)?\b",)),
    ("CTR prediction", (r"ctr\b",)),
    ("conversion rate", (r"cvr\b", r"conversion[- ]rate\b")),
    ("collaborative filtering", (r"collaborative[- ]filtering\b",)),
    ("user modeling", (r"user(?:[- ]model(?:l)?ing| (?:interest|preference)s?)\b",)),
    ("sequential recommendation", (r"sequential rec\w*\b", r"next[- ]item\b")),
    ("learning to rank", (r"learning[- ]to[- ]rank\b", r"ranking model\b", r"reranking\b", r"re-ranking\b")),
    ("retrieval/matching", (r"candidate (?:retrieval|generation)\b", r"two[- ]tower\b")),
    ("advertising", (r"ads\b", r"advertis\w+\b", r"sponsored search\b", r"bidding\b")),
    ("e-commerce", (r"ecommerce\b", r"e-commerce\b")),
    ("personalization", (r"personali[sz]\w*\b",)),
    ("semantic IDs", (r"semantic (?:id|ids|identifiers?)\b",)),
)
INDUSTRY: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("online A/B test", (r"a/b\b", r"online (?:experiment|test)s?\b")),
    ("deployed", (r"deployed\b", r"in production\b")),
)
ABSTRACT_CAP = 3  # at most this many abstract terms count


def _compile(rules: tuple[tuple[str, tuple[str, ...]], ...]) -> list[tuple[str, tuple[re.Pattern[str], ...]]]:
    return [(label, tuple(re.compile(alt) for alt in alts)) for label, alts in rules]


_VOCAB, _INDUSTRY = _compile(VOCABULARY), _compile(INDUSTRY)


def _found(patterns: tuple[re.Pattern[str], ...], text: str) -> bool:
    """Whether one of `patterns` matches lower-cased `text` at the start of a word (as r'\b' + it would)."""
    for pattern in patterns:
        m = pattern.search(text)
        while m is not None:
            at = m.start()
            if at == 0 or not (text[at - 1].isalnum() or text[at - 1] == "_"):
                return True
            m = pattern.search(text, at + 1)
    return False


def _category_score(primary: str | None, categories: list[str]) -> tuple[float, list[str]]:
    if primary == "cs.IR":
        return 1.0, ["cs.IR primary"]
    if "cs.IR" in categories:
        return 0.5, ["cs.IR cross-list"]
    return 0.0, []


def _text_score(title: str, abstract: str) -> tuple[float, list[str]]:
    score, reasons, abstract_hits = 0.0, [], 0
    for label, patterns in _VOCAB:
        if _found(patterns, title):
            score += 2.0
            reasons.append(f"title: {label}")
        elif abstract_hits < ABSTRACT_CAP and _found(patterns, abstract):
            abstract_hits += 1
            score += 1.0
            reasons.append(f"abstract: {label}")
    return score, reasons


def _industry_score(abstract: str, comment: str) -> tuple[float, list[str]]:
    reasons = [
        f"abstract: {label}"
        for label, patterns in _INDUSTRY
        if _found(patterns, abstract) or _found(patterns, comment)
    ]
    return 0.5 * len(reasons), reasons


def score(record_or_paper: Any) -> tuple[float, list[str]]:
    """(score, reasons) for anything with title, abstract, categories, primary_category, comment."""
    title = (getattr(record_or_paper, "title", "") or "").lower()
    abstract = (getattr(record_or_paper, "abstract", "") or "").lower()
    comment = (getattr(record_or_paper, "comment", "") or "").lower()
    categories = list(getattr(record_or_paper, "categories", None) or [])
    primary = getattr(record_or_paper, "primary_category", None) or (categories[0] if categories else None)
    total, reasons = 0.0, []
    for part_score, part_reasons in (
        _category_score(primary, categories),
        _text_score(title, abstract),
        _industry_score(abstract, comment),
    ):
        total += part_score
        reasons += part_reasons
    return round(total, 2), reasons
