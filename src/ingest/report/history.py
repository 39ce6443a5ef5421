"""The database's earlier weeks: what trends and novelty are measured against.

Input: a session, the report's week and a window (settings.trend_weeks). Output: `History`: the
weeks of the window the database holds papers for (a week never crawled is missing, not zero), and
every in-scope paper of those weeks with its title and verified fact sheet. Read-only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from ingest.db.models import Paper
from ingest.db.store import extractions_for_week, facts_of
from ingest.facts.counts import IN_SCOPE
from ingest.facts.sheet import PaperFacts
from ingest.weeks import shift_week


@dataclass
class Earlier:
    week: str
    arxiv_id: str
    title: str
    abstract: str
    facts: PaperFacts


@dataclass
class History:
    weeks: list[str] = field(default_factory=list)  # earlier weeks with papers in the database, oldest first
    papers: list[Earlier] = field(default_factory=list)

    def pairs(self) -> list[tuple[str, PaperFacts]]:
        return [(p.title, p.facts) for p in self.papers]


def load_history(session: Session, week: str, weeks: int) -> History:
    """In-scope papers of the `weeks` weeks before `week` that the database holds."""
    window = [shift_week(week, -i) for i in range(weeks, 0, -1)]
    held = set(session.exec(select(Paper.week).where(col(Paper.week).in_(window)).distinct()).all())
    out = History(weeks=[w for w in window if w in held])
    for earlier in out.weeks:
        for paper, row in extractions_for_week(session, earlier):
            if paper.scope == IN_SCOPE and row.data is not None:
                out.papers.append(
                    Earlier(
                        earlier, paper.arxiv_id, " ".join(paper.title.split()), paper.abstract, facts_of(row)
                    )
                )
    return out
