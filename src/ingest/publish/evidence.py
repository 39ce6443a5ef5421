"""Claims and papers as the publish stage shows them: database rows -> plain, frozen view objects.

`claims_of(session, paper_id)` is the ONE place that reads the claim table: the verified claims of
the paper's latest successful extraction (results and institutions, in stored order), numbered from
1 so a page can anchor them (`#claim-<n>`). `papers_of` adds the paper's metadata. Read-only; a paper
without a successful extraction has no claims (its numbers stay unlinked).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select

from ingest.db.models import Claim, Extraction, Paper
from ingest.facts.numbers import numbers_in


@dataclass(frozen=True)
class ClaimView:
    """One verified claim: n is its 1-based position among the paper's claims (anchor claim-<n>)."""

    n: int
    kind: str  # result | institution
    setting: str  # online | offline | efficiency | other | '' (institutions)
    metric: str  # noun phrase; for institutions the canonical name
    value: str  # as written in the paper
    direction: str
    location: str
    evidence: str  # verbatim quote of the paper's source; '' when none was stored
    industrial: bool | None = None

    @property
    def numbers(self) -> set[str]:
        return numbers_in(self.value)

    @property
    def anchor(self) -> str:
        return f"claim-{self.n}"


@dataclass
class PaperView:
    arxiv_id: str
    title: str
    authors: list[str]
    abstract: str
    week: str
    listing_date: date | None
    short_name: str
    claims: list[ClaimView] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.short_name or self.title.split(":")[0].strip()

    @property
    def url(self) -> str:
        return f"https://arxiv.org/abs/{self.arxiv_id}"

    @property
    def results(self) -> list[ClaimView]:
        return [c for c in self.claims if c.kind == "result"]

    @property
    def institutions(self) -> list[ClaimView]:
        return [c for c in self.claims if c.kind == "institution"]


def _latest_ok(session: Session, paper_id: int) -> Extraction | None:
    newest = select(func.max(Extraction.id)).where(Extraction.paper_id == paper_id, Extraction.status == "ok")
    return session.exec(select(Extraction).where(Extraction.id == newest.scalar_subquery())).first()


def claims_of(session: Session, paper_id: int) -> list[ClaimView]:
    """The verified claims of the paper's latest successful extraction, numbered 1.. in stored order."""
    ex = _latest_ok(session, paper_id)
    if ex is None:
        return []
    rows = session.exec(select(Claim).where(Claim.extraction_id == ex.id).order_by(col(Claim.id))).all()
    return [
        ClaimView(
            n=i,
            kind=c.kind,
            setting=c.setting or "",
            metric=c.metric,
            value=c.value or "",
            direction=c.direction or "",
            location=c.location or "",
            evidence=(c.evidence or "").strip(),
            industrial=c.industrial,
        )
        for i, c in enumerate(rows, start=1)
    ]


def papers_of(session: Session, arxiv_ids: Iterable[str]) -> dict[str, PaperView]:
    """arxiv_id -> PaperView (metadata + claims) for the ids found in the database."""
    ids = sorted(set(arxiv_ids))
    out: dict[str, PaperView] = {}
    for paper in session.exec(select(Paper).where(col(Paper.arxiv_id).in_(ids))).all():
        assert paper.id is not None
        ex = _latest_ok(session, paper.id)
        out[paper.arxiv_id] = PaperView(
            arxiv_id=paper.arxiv_id,
            title=" ".join(paper.title.split()),
            authors=list(paper.authors or []),
            abstract=" ".join((paper.abstract or "").split()),
            week=paper.week,
            listing_date=paper.listing_date,
            short_name=(ex.short_name or "").strip() if ex else "",
            claims=claims_of(session, paper.id),
        )
    return out
