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
# weighs 2.0, an abstract hit 1.0. A rule's regex only runs when one of its literals occurs (see LEAD).
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


_LITERALS = tuple(sorted({lit for _l, _p, lits in VOCABULARY + INDUSTRY for lit in lits}))
# Every match of a rule contains one of its literals, at most LEAD characters after the match starts
# (the longest is 'learning to rank': 12), so searching from LEAD before the first literal finds the
# same matches as searching the whole text, and texts without any literal cost no regex run at all.
LEAD = 16


def _literals_in(text: str) -> dict[str, int]:
    """literal -> index of its first occurrence in `text`, for the literals that occur."""
    found = {}
    for lit in _LITERALS:
        at = text.find(lit)
        if at >= 0:
            found[lit] = at
    return found


def _has(text: str, pattern: re.Pattern[str], literals: tuple[str, ...], present: dict[str, int]) -> bool:
    """Whether lower-cased `text` (whose literals are `present`) matches `pattern`."""
    starts = [present[lit] for lit in literals if lit in present]
    return bool(starts) and pattern.search(text, max(0, min(starts) - LEAD)) is not None


def _category_score(primary: str | None, categories: list[str]) -> tuple[float, list[str]]:
    if primary == "cs.IR":
        return 1.0, ["cs.IR primary"]
    if "cs.IR" in categories:
        return 0.5, ["cs.IR cross-list"]
    return 0.0, []


def _text_score(title: str, abstract: str, in_abstract: dict[str, int]) -> tuple[float, list[str]]:
    score, reasons, abstract_hits = 0.0, [], 0
    in_title = _literals_in(title)
    for label, pattern, literals in _VOCAB:
        if _has(title, pattern, literals, in_title):
            score += 2.0
            reasons.append(f"title: {label}")
        elif abstract_hits < ABSTRACT_CAP and _has(abstract, pattern, literals, in_abstract):
            abstract_hits += 1
            score += 1.0
            reasons.append(f"abstract: {label}")
    return score, reasons


def _industry_score(abstract: str, comment: str, in_abstract: dict[str, int]) -> tuple[float, list[str]]:
    in_comment = _literals_in(comment)
    reasons = [
        f"abstract: {label}"
        for label, pattern, lits in _INDUSTRY
        if _has(abstract, pattern, lits, in_abstract) or _has(comment, pattern, lits, in_comment)
    ]
    return 0.5 * len(reasons), reasons


def score(record_or_paper: Any) -> tuple[float, list[str]]:
    """(score, reasons) for anything with title, abstract, categories, primary_category, comment."""
    title = (getattr(record_or_paper, "title", "") or "").lower()
    abstract = (getattr(record_or_paper, "abstract", "") or "").lower()
    comment = (getattr(record_or_paper, "comment", "") or "").lower()
    categories = list(getattr(record_or_paper, "categories", None) or [])
    primary = getattr(record_or_paper, "primary_category", None) or (categories[0] if categories else None)
    total, reasons, in_abstract = 0.0, [], _literals_in(abstract)
    for part_score, part_reasons in (
        _category_score(primary, categories),
        _text_score(title, abstract, in_abstract),
        _industry_score(abstract, comment, in_abstract),
    ):
        total += part_score
        reasons += part_reasons
    return round(total, 2), reasons
