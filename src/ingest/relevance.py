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

# (label, pattern, literals): recommendation vocabulary, matched on lower-cased text. A title hit
# weighs 2.0, an abstract hit 1.0. The regex only runs when one of its literals occurs (fast path).
VOCABULARY: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("recommender", r"\brecommender", ("recommender",)),
    ("recommendation", r"\brecommend(?:ation|ations|ing|ed|s)?\b", ("recommend",)),
    ("click-through rate", r"\bclick[- ]?through(?:[- ]rate)?\b", ("click",)),
    ("CTR prediction", r"\bctr\b", ("ctr",)),
    ("conversion rate", r"\bcvr\b|\bconversion[- ]rate\b", ("cvr", "conversion")),
    ("collaborative filtering", r"\bcollaborative[- ]filtering\b", ("collaborative",)),
    ("user modeling", r"\buser[- ]model(?:l)?ing\b|\buser (?:interest|preference)s?\b", ("user",)),
    ("sequential recommendation", r"\bsequential rec\w*\b|\bnext[- ]item\b", ("sequential", "next")),
    ("learning to rank", r"\blearning[- ]to[- ]rank\b|\branking model\b|\bre-?ranking\b", ("rank",)),
    (
        "retrieval/matching",
        r"\bcandidate (?:retrieval|generation)\b|\btwo[- ]tower\b",
        ("candidate", "tower"),
    ),
    (
        "advertising",
        r"\bads\b|\badvertis\w+\b|\bsponsored search\b|\bbidding\b",
        ("ads", "advertis", "sponsored", "bidding"),
    ),
    ("e-commerce", r"\be-?commerce\b", ("commerce",)),
    ("personalization", r"\bpersonali[sz]\w*\b", ("personali",)),
    ("semantic IDs", r"\bsemantic (?:id|ids|identifiers?)\b", ("semantic",)),
)
INDUSTRY: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("online A/B test", r"\ba/b\b|\bonline (?:experiment|test)s?\b", ("a/b", "online")),
    ("deployed", r"\bdeployed\b|\bin production\b", ("deployed", "production")),
)
_VOCAB = [(label, re.compile(p), lits) for label, p, lits in VOCABULARY]
_INDUSTRY = [(label, re.compile(p), lits) for label, p, lits in INDUSTRY]
ABSTRACT_CAP = 3  # at most this many abstract terms count


def _has(text: str, pattern: re.Pattern[str], literals: tuple[str, ...]) -> bool:
    """Whether lower-cased `text` matches; the substring check skips most regex runs."""
    return any(lit in text for lit in literals) and pattern.search(text) is not None


def _category_score(primary: str | None, categories: list[str]) -> tuple[float, list[str]]:
    if primary == "cs.IR":
        return 1.0, ["cs.IR primary"]
    if "cs.IR" in categories:
        return 0.5, ["cs.IR cross-list"]
    return 0.0, []


def _text_score(title: str, abstract: str) -> tuple[float, list[str]]:
    score, reasons, abstract_hits = 0.0, [], 0
    for label, pattern, literals in _VOCAB:
        if _has(title, pattern, literals):
            score += 2.0
            reasons.append(f"title: {label}")
        elif abstract_hits < ABSTRACT_CAP and _has(abstract, pattern, literals):
            abstract_hits += 1
            score += 1.0
            reasons.append(f"abstract: {label}")
    return score, reasons


def _industry_score(abstract: str, comment: str) -> tuple[float, list[str]]:
    reasons = [
        f"abstract: {label}"
        for label, pattern, lits in _INDUSTRY
        if _has(abstract, pattern, lits) or _has(comment, pattern, lits)
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
