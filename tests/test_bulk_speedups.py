"""The relevance fast path scores exactly what the plain definition scores: rules without a leading
\\b regex (the bulk-load rows prepared ahead are tested in test_bulk_rows.py)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from conftest import DATA
from ingest.crawl import relevance
from ingest.records import PaperRecord
from test_bulk_load import week_records

WEEKS = sorted(p.stem for p in DATA.glob("2026-W*.jsonl"))


def regex_found(alts: tuple[str, ...], text: str) -> bool:
    """One rule's alternatives as one r'\\b(?:...)' regex search."""
    return re.search(r"\b(?:" + "|".join(alts) + ")", text) is not None


# The scoring rules as relevance.py's module comment states them, written here, not read from the
# module: cs.IR primary 1.0 or cross-listed 0.5; a vocabulary term in the title 2.0, else in the
# abstract 1.0 (at most three abstract terms count); an industry term in the abstract or the
# comment 0.5. The rules' regexes are the input both sides share.
CS_IR_PRIMARY, CS_IR_CROSS, TITLE, ABSTRACT, INDUSTRY, ABSTRACT_TERMS = 1.0, 0.5, 2.0, 1.0, 0.5, 3
Rules = tuple[tuple[str, tuple[str, ...]], ...]


def reference_score(
    rec: PaperRecord,
    found: Callable[[tuple[str, ...], str], bool] = regex_found,
    vocabulary: Rules = relevance.VOCABULARY,
    industry: Rules = relevance.INDUSTRY,
) -> tuple[float, list[str]]:
    """relevance.score written the obvious way: each rule's alternatives searched with `found`."""
    title, abstract = (rec.title or "").lower(), (rec.abstract or "").lower()
    comment = (rec.comment or "").lower()
    primary = rec.primary_category or (rec.categories[0] if rec.categories else None)
    total, reasons, hits = 0.0, [], 0
    if primary == "cs.IR":
        total, reasons = CS_IR_PRIMARY, ["cs.IR primary"]
    elif "cs.IR" in rec.categories:
        total, reasons = CS_IR_CROSS, ["cs.IR cross-list"]
    for label, alts in vocabulary:
        if found(alts, title):
            total, reasons = total + TITLE, [*reasons, f"title: {label}"]
        elif hits < ABSTRACT_TERMS and found(alts, abstract):
            hits, total, reasons = hits + 1, total + ABSTRACT, [*reasons, f"abstract: {label}"]
    for label, alts in industry:
        if found(alts, abstract) or found(alts, comment):
            total, reasons = total + INDUSTRY, [*reasons, f"abstract: {label}"]
    return round(total, 2), reasons


def test_relevance_equals_the_plain_regex_definition_on_every_bundled_paper() -> None:
    records = [rec for week in WEEKS for rec in week_records(week)]
    assert len(records) > 500
    assert [relevance.score(r) for r in records] == [reference_score(r) for r in records]


def test_relevance_terms_match_only_at_the_start_of_a_word() -> None:
    def reasons(title: str) -> list[str]:
        return relevance.score(PaperRecord(arxiv_id="2699.00001", title=title, abstract=""))[1]

    assert reasons("Prerecommendation and unrecommended items") == []
    assert reasons("(Recommendation) at scale") == ["title: recommendation"]
    assert reasons("E-commerce ads, re-ranking") == [
        "title: learning to rank",
        "title: advertising",
        "title: e-commerce",
    ]
    assert reasons("Threads and roads") == []  # 'ads' inside a word
    assert reasons("_ctr and x-ctr") == ["title: CTR prediction"]  # '_' is a word character, '-' is not


@pytest.mark.parametrize(
    ("arxiv_id", "score", "reasons"),
    [
        # "...for Click-Through Rate Prediction" (cs.IR); abstract: "Click-Through Rate (CTR)
        # prediction on e-commerce platforms", "in the online A/B test", "has been deployed"
        (
            "2604.12298",
            6.0,
            [
                "cs.IR primary",
                "title: click-through rate",
                "abstract: CTR prediction",
                "abstract: e-commerce",
                "abstract: online A/B test",
                "abstract: deployed",
            ],
        ),
        # SOLARIS (cs.LG only): "recommendation scaling laws", "Meta's advertising system", "Deployed"
        ("2604.12110", 2.5, ["abstract: recommendation", "abstract: advertising", "abstract: deployed"]),
        # "...with Diversity Reranking" (cs.IR, cs.CL); "The system is deployed as a Streamlit web app"
        ("2604.13728", 3.5, ["cs.IR primary", "title: learning to rank", "abstract: deployed"]),
        # "Good Scores, Bad Data" (cs.CV, cs.AI): no cs.IR, no term
        ("2603.25924", 0.0, []),
    ],
)
def test_scores_of_real_papers_checked_by_hand(arxiv_id: str, score: float, reasons: list[str]) -> None:
    (rec,) = [r for r in week_records("2026-W16") if r.arxiv_id == arxiv_id]
    assert relevance.score(rec) == (score, reasons)
