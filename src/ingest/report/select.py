"""Report selection: a week's stored extractions -> the ranked papers a report covers.

Input: the database (paper + latest OK extraction per paper of the week, published reports of
earlier weeks). Output: `Candidate`s, deep dives first (industrial with online A/B numbers, then
strong offline results, then the rest; capped), the others digest-only. Read-only and
deterministic (ties break on arXiv id); an empty selection is returned as-is, the caller decides.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, select

from ingest.db.models import Paper, Report, ReportPaper
from ingest.db.store import extractions_for_week, facts_of
from ingest.facts.sheet import PaperFacts
from ingest.facts.source import source_text
from ingest.facts.topics import taxonomy

IN_SCOPE = ("recsys", "adjacent")
# An adjacent (search/ads/IR) paper earns a place when it ran in industry or shares a recsys building block.
ADJACENT_TOPICS = frozenset(
    {
        "generative_semantic_ids",
        "retrieval_indexing",
        "ranking_ctr",
        "ads_auctions",
        "efficiency_serving",
        "sequential_user_modeling",
        "multimodal",
    }
)


@dataclass
class Candidate:
    """One paper of the week with its extraction, as the report stages see it."""

    arxiv_id: str
    paper_id: int
    title: str
    source: str  # title + abstract + comments + fetched snippets: what numbers must occur in
    ex: PaperFacts
    topic: str = "other"
    deep: bool = False
    related: list[tuple[str, str]] = field(default_factory=list)  # (arxiv_id, short name)
    related_text: dict[str, str] = field(default_factory=dict)  # arxiv_id -> title + abstract

    @property
    def name(self) -> str:
        return (self.ex.short_name or self.title.split(":")[0]).strip()

    @property
    def institution(self) -> str:
        names: list[str] = []
        for inst in self.ex.institutions:
            label = inst.canonical or inst.name
            if label and label not in names:
                names.append(label)
        return " + ".join(names[:3])

    @property
    def online(self) -> bool:
        return bool(self.ex.claims_in("online"))

    @property
    def search_only(self) -> bool:
        return self.ex.scope == "adjacent" and "search" in self.ex.topics


def featured_before(session: Session, week: str) -> set[str]:
    """arXiv ids deep-dived in a Published report of an earlier week."""
    rows = session.exec(
        select(Paper.arxiv_id)
        .join(ReportPaper, ReportPaper.paper_id == Paper.id)
        .join(Report, Report.id == ReportPaper.report_id)
        .where(Report.status == "Published", Report.week < week, ReportPaper.role == "deep_dive")
    ).all()
    return set(rows)


def topic_of(ex: PaperFacts, text: str, topics: dict[str, dict]) -> str:
    """Primary taxonomy topic: the extraction's topics weighted by keyword hits in the text."""
    low = text.lower()
    scores: dict[str, float] = {}
    for rank, slug in enumerate(ex.topics):
        if slug in topics and slug != "other":
            scores[slug] = 3.0 - rank
    for slug, spec in topics.items():
        hits = sum(low.count(kw) for kw in spec.get("keywords", []))
        if hits and slug in scores:
            scores[slug] += min(hits, 6) * 0.5
    if not scores:
        return ex.topics[0] if ex.topics else "other"
    return max(sorted(scores), key=lambda s: scores[s])


def worth_reading(ex: PaperFacts) -> bool:
    """recsys papers always; adjacent ones when industrial/deployed or on a shared building block."""
    if ex.scope == "recsys":
        return True
    return ex.scope == "adjacent" and (
        ex.industrial or ex.deployed_online or bool(ADJACENT_TOPICS & set(ex.topics))
    )


def rank_key(c: Candidate) -> tuple:
    """Deep-dive order: industrial+online numbers, online deployment, offline numbers, rest."""
    ex = c.ex
    online, offline = ex.claims_in("online"), ex.claims_in("offline")
    if ex.industrial and online:
        tier = 0
    elif ex.industrial and ex.deployed_online:
        tier = 1
    elif ex.industrial and offline:
        tier = 2
    elif offline or ex.industrial:
        tier = 3
    else:
        tier = 4
    numbers = len(online) * 2 + len(offline) + len(ex.claims_in("efficiency"))
    return (tier, ex.scope != "recsys", c.search_only, -numbers, c.arxiv_id)


def select_week(session: Session, week: str, cap: int) -> tuple[list[Candidate], set[str]]:
    """The week's selected candidates (deep dives marked, best first) and the ids skipped as featured."""
    topics = taxonomy()
    skipped = featured_before(session, week)
    chosen: list[Candidate] = []
    for paper, row in extractions_for_week(session, week):
        if row.data is None or paper.arxiv_id in skipped:
            continue
        ex = facts_of(row)
        if not worth_reading(ex):
            continue
        src = source_text(paper)
        assert paper.id is not None
        cand = Candidate(paper.arxiv_id, paper.id, paper.title, src, ex)
        cand.topic = topic_of(ex, f"{paper.title}\n{paper.title}\n{paper.abstract}", topics)
        chosen.append(cand)
    chosen.sort(key=rank_key)
    for cand in chosen[:cap]:
        cand.deep = True
    return chosen, skipped
