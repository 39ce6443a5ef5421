"""Report selection: a week's papers and verified fact sheets -> the Items a report may cover.

Input: the database (papers of the week with their scope decision, each paper's newest OK
extraction, published reports of earlier weeks). Output: `Week`: the in-scope and adjacent Items
(out-of-scope papers never appear), the count model's figures for the week (facts.counts, from the
same rows), and the ids skipped because an earlier week's published report already featured them.
Read-only and deterministic (ordered by arXiv id).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from ingest.db.models import Paper, Report, ReportPaper
from ingest.db.store import extractions_for_week, facts_of, week_paper_counts
from ingest.facts.counts import ADJACENT, IN_SCOPE, PaperCount, WeekCounts, count_week
from ingest.facts.prose import clean
from ingest.facts.sheet import PaperFacts, ResultClaim
from ingest.facts.source import source_text


@dataclass
class Item:
    """One paper of the week with its verified fact sheet, as the report stages see it."""

    arxiv_id: str
    paper_id: int
    title: str
    abstract: str
    source: str  # what its claims were verified against
    facts: PaperFacts
    scope: str  # recsys | adjacent
    scope_reason: str = ""
    score: float = 0.0
    score_parts: dict[str, float] = field(default_factory=dict)
    deep: bool = False
    related: list[Related] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The paper's short name without markup; the title's head (or the id) when none is left."""
        for candidate in (self.facts.short_name, self.title.split(":")[0], self.title):
            name = clean(candidate).strip(" .:")
            if name:
                return name if len(name.split()) <= 8 else " ".join(name.split()[:6]) + "…"
        return self.arxiv_id

    @property
    def companies(self) -> list[str]:
        return list(dict.fromkeys(i.canonical for i in self.facts.institutions if i.industrial))

    @property
    def institutions(self) -> list[str]:
        return list(dict.fromkeys(i.canonical or i.name for i in self.facts.institutions))

    @property
    def institution(self) -> str:
        """'JD', 'Sungkyunkwan University + Naver' (at most three), '' when none is verified."""
        return " + ".join(self.institutions[:3])

    @property
    def online(self) -> list[ResultClaim]:
        return self.facts.claims_in("online")

    @property
    def search_paper(self) -> bool:
        """A search/IR paper included for relevance: flagged in its deep dive and digest line."""
        return self.scope == ADJACENT

    def counted(self) -> PaperCount:
        return PaperCount(
            self.arxiv_id, self.scope, self.facts.industrial, bool(self.online), tuple(self.companies)
        )


@dataclass
class Related:
    """An earlier paper in the database that overlaps with an item (a shared metric or technique)."""

    arxiv_id: str
    name: str
    week: str
    abstract: str
    facts: PaperFacts
    shared_metrics: list[str] = field(default_factory=list)
    shared_terms: list[str] = field(default_factory=list)


@dataclass
class Week:
    week: str
    items: list[Item]
    counts: WeekCounts
    featured_before: set[str] = field(default_factory=set)

    @property
    def in_scope(self) -> list[Item]:
        return [i for i in self.items if i.scope == IN_SCOPE]

    @property
    def adjacent(self) -> list[Item]:
        return [i for i in self.items if i.scope == ADJACENT]


def featured_before(session: Session, week: str) -> set[str]:
    """arXiv ids deep-dived in a Published report of an earlier week."""
    rows = session.exec(
        select(Paper.arxiv_id)
        .join(ReportPaper, col(ReportPaper.paper_id) == col(Paper.id))
        .join(Report, col(Report.id) == col(ReportPaper.report_id))
        .where(Report.status == "Published", col(Report.week) < week, ReportPaper.role == "deep_dive")
    ).all()
    return set(rows)


def load_week(session: Session, week: str) -> Week:
    """The week's in-scope and adjacent items, its counts and the ids already featured earlier."""
    skipped = featured_before(session, week)
    items: list[Item] = []
    for paper, row in extractions_for_week(session, week):
        if row.data is None or paper.scope not in (IN_SCOPE, ADJACENT) or paper.arxiv_id in skipped:
            continue
        assert paper.id is not None
        items.append(
            Item(
                arxiv_id=paper.arxiv_id,
                paper_id=paper.id,
                title=" ".join(paper.title.split()),
                abstract=" ".join(paper.abstract.split()),
                source=source_text(paper),
                facts=facts_of(row),
                scope=paper.scope or IN_SCOPE,
                scope_reason=paper.scope_reason or "",
            )
        )
    counts = count_week(week, [c for c in week_paper_counts(session, week) if c.arxiv_id not in skipped])
    return Week(week, items, counts, skipped)
