"""The relevance fast path scores exactly what the plain definition scores: rules without a leading
\\b regex (the bulk-load rows prepared ahead are tested in test_bulk_rows.py)."""

from __future__ import annotations

import re
from collections.abc import Callable

from conftest import DATA
from ingest.crawl import relevance
from ingest.records import PaperRecord
from test_bulk_load import week_records

WEEKS = sorted(p.stem for p in DATA.glob("2026-W*.jsonl"))


def regex_found(alts: tuple[str, ...], text: str) -> bool:
    """One rule's alternatives as one r'\\b(?:...)' regex search."""
    return re.search(r"\b(?:" + "|".join(alts) + ")", text) is not None


def reference_score(
    rec: PaperRecord, found: Callable[[tuple[str, ...], str], bool] = regex_found
) -> tuple[float, list[str]]:
    """relevance.score written the obvious way: each rule's alternatives searched with `found`."""
    title, abstract = (rec.title or "").lower(), (rec.abstract or "").lower()
    comment = (rec.comment or "").lower()
    primary = rec.primary_category or (rec.categories[0] if rec.categories else None)
    total, reasons = relevance._category_score(primary, list(rec.categories))
    reasons, hits = list(reasons), 0
    for label, alts in relevance.VOCABULARY:
        if found(alts, title):
            total, reasons = total + 2.0, [*reasons, f"title: {label}"]
        elif hits < relevance.ABSTRACT_CAP and found(alts, abstract):
            hits, total, reasons = hits + 1, total + 1.0, [*reasons, f"abstract: {label}"]
    for label, alts in relevance.INDUSTRY:
        if found(alts, abstract) or found(alts, comment):
            total, reasons = total + 0.5, [*reasons, f"abstract: {label}"]
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
