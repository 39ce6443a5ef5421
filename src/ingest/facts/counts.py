"""The count model: one definition of every count a report, `run`, `stats` and `status` print.

Input: one `PaperCount` per paper of a week (its scope decision, whether a verified institution is a
company, whether a verified claim is online, its institutions). Output: `WeekCounts`. Definitions:
- in scope: the paper's scope is "recsys" (recommendation, or retrieval/ranking recsys teams use);
  adjacent: "adjacent" (general IR, search, QA); out: "out_of_scope" or below the relevance pre-score;
- industrial: in scope, and the fact sheet says a company is an author or runs the system;
- online A/B: in scope, with at least one verified claim whose setting is online;
- institutions: the companies of the industrial in-scope papers, most papers first.
Deep dives and digest papers are the report's own choice and are added by `with_report`. Pure.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

IN_SCOPE, ADJACENT, OUT = "recsys", "adjacent", "out_of_scope"


@dataclass(frozen=True)
class PaperCount:
    """What counting needs to know about one paper."""

    arxiv_id: str
    scope: str | None  # recsys | adjacent | out_of_scope | None (not decided yet)
    industrial: bool = False
    online: bool = False
    companies: tuple[str, ...] = ()


@dataclass(frozen=True)
class WeekCounts:
    """The counts of one week; every printed count comes from here."""

    week: str
    papers: int = 0  # crawled papers of the week (near-duplicates excluded)
    decided: int = 0  # papers with a scope decision
    in_scope: int = 0
    adjacent: int = 0
    out_of_scope: int = 0
    industrial: int = 0
    online: int = 0
    institutions: tuple[str, ...] = ()
    deep_dives: int = 0
    digest: int = 0
    in_scope_ids: tuple[str, ...] = field(default=(), repr=False)

    def with_report(self, deep_dives: int, digest: int) -> WeekCounts:
        return replace(self, deep_dives=deep_dives, digest=digest)

    def as_dict(self) -> dict[str, int | list[str] | str]:
        return {
            "week": self.week,
            "papers": self.papers,
            "in_scope": self.in_scope,
            "adjacent": self.adjacent,
            "out_of_scope": self.out_of_scope,
            "industrial": self.industrial,
            "online_ab": self.online,
            "institutions": list(self.institutions),
            "deep_dives": self.deep_dives,
            "digest": self.digest,
        }


def count_week(week: str, papers: Iterable[PaperCount]) -> WeekCounts:
    """The week's counts from its papers (see module doc)."""
    rows = list(papers)
    inside = [p for p in rows if p.scope == IN_SCOPE]
    industrial = [p for p in inside if p.industrial]
    companies = Counter(c for p in industrial for c in dict.fromkeys(p.companies))
    return WeekCounts(
        week=week,
        papers=len(rows),
        decided=sum(1 for p in rows if p.scope is not None),
        in_scope=len(inside),
        adjacent=sum(1 for p in rows if p.scope == ADJACENT),
        out_of_scope=sum(1 for p in rows if p.scope == OUT),
        industrial=len(industrial),
        online=sum(1 for p in inside if p.online),
        institutions=tuple(name for name, _ in sorted(companies.items(), key=lambda kv: (-kv[1], kv[0]))),
        in_scope_ids=tuple(sorted(p.arxiv_id for p in inside)),
    )
