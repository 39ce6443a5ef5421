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

# (label, pattern): recommendation vocabulary. A title hit weighs 2.0, an abstract hit 1.0.
VOCABULARY: tuple[tuple[str, str], ...] = (
    ("recommender", r"\brecommender"),
    ("recommendation", r"\brecommend(?:ation|ations|ing|ed|s)?\b"),
    ("click-through rate", r"\bclick[- ]?through(?:[- ]rate)?\b"),
    ("CTR prediction", r"\bCTR\b"),
    ("conversion rate", r"\bCVR\b|\bconversion[- ]rate\b"),
    ("collaborative filtering", r"\bcollaborative[- ]filtering\b"),
    ("user modeling", r"\buser[- ]model(?:l)?ing\b|\buser (?:interest|preference)s?\b"),
    ("sequential recommendation", r"\bsequential rec\w*\b|\bnext[- ]item\b"),
    ("learning to rank", r"\blearning[- ]to[- ]rank\b|\branking model\b|\bre-?ranking\b"),
    ("retrieval/matching", r"\bcandidate (?:retrieval|generation)\b|\btwo[- ]tower\b"),
    ("advertising", r"\bads\b|\badvertis\w+\b|\bsponsored search\b|\bbidding\b"),
    ("e-commerce", r"\be-?commerce\b"),
    ("personalization", r"\bpersonali[sz]\w*\b"),
    ("semantic IDs", r"\bsemantic (?:id|ids|identifiers?)\b"),
)
INDUSTRY: tuple[tuple[str, str], ...] = (
    ("online A/B test", r"\bA/B\b|\bonline (?:experiment|test)s?\b"),
    ("deployed", r"\bdeployed\b|\bin production\b"),
)
_TITLE = [(label, re.compile(p, re.IGNORECASE)) for label, p in VOCABULARY]
_INDUSTRY = [(label, re.compile(p, re.IGNORECASE)) for label, p in INDUSTRY]
ABSTRACT_CAP = 3  # at most this many abstract terms count


def _category_score(primary: str | None, categories: list[str]) -> tuple[float, list[str]]:
    if primary == "cs.IR":
        return 1.0, ["cs.IR primary"]
    if "cs.IR" in categories:
        return 0.5, ["cs.IR cross-list"]
    return 0.0, []


def _text_score(title: str, abstract: str) -> tuple[float, list[str]]:
    score, reasons, abstract_hits = 0.0, [], 0
    for label, pattern in _TITLE:
        if pattern.search(title):
            score += 2.0
            reasons.append(f"title: {label}")
        elif abstract_hits < ABSTRACT_CAP and pattern.search(abstract):
            abstract_hits += 1
            score += 1.0
            reasons.append(f"abstract: {label}")
    return score, reasons


def _industry_score(abstract: str, comment: str) -> tuple[float, list[str]]:
    score, reasons = 0.0, []
    for label, pattern in _INDUSTRY:
        if pattern.search(abstract) or pattern.search(comment):
            score += 0.5
            reasons.append(f"abstract: {label}")
    return score, reasons


def score(record_or_paper: Any) -> tuple[float, list[str]]:
    """(score, reasons) for anything with title, abstract, categories, primary_category, comment."""
    title = getattr(record_or_paper, "title", "") or ""
    abstract = getattr(record_or_paper, "abstract", "") or ""
    comment = getattr(record_or_paper, "comment", "") or ""
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
