"""Queries over stored papers, extractions and reports: a session -> rows (papers of a week, one
paper by any id form, its versions, its latest extraction, the reports featuring it, the titles
the near-duplicate pass reads) and the duplicate links it writes.

Nothing here commits: the caller's session scope owns the transaction. Lookups of unknown ids raise
NotFoundError. Writing new paper rows is the crawl stage's (ingest.crawl.upsert).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Text, bindparam, func, select, type_coerce, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from ingest.db.models import Claim, Extraction, Paper, PaperVersion, Report, ReportPaper, table_of
from ingest.errors import NotFoundError
from ingest.facts.counts import PaperCount, WeekCounts, count_week
from ingest.facts.sheet import InstitutionClaim, PaperExtraction, PaperFacts
from ingest.records import split_id

PAPER = table_of(Paper)


def title_rows(session: Session) -> list[tuple[str, str, str, str | None]]:
    """(arxiv_id, title, authors as raw JSON text, duplicate_of) of every paper, for the near-dup pass."""
    cols = (PAPER.c.arxiv_id, PAPER.c.title, type_coerce(PAPER.c.authors, Text), PAPER.c.duplicate_of)
    return list(session.connection().execute(select(*cols)).all())


def set_duplicate_of(session: Session, links: dict[str, str | None]) -> None:
    """Set paper.duplicate_of (canonical arxiv_id or None) for each arxiv_id in `links`."""
    if links:
        stmt = (
            update(PAPER).where(PAPER.c.arxiv_id == bindparam("_aid")).values(duplicate_of=bindparam("_dup"))
        )
        session.connection().execute(stmt, [{"_aid": a, "_dup": d} for a, d in links.items()])


def get_paper(session: Session, arxiv_id: str) -> Paper:
    """The paper with this id ('2604.14878', '2604.14878v2', 'arXiv:2604.14878'); NotFoundError if absent."""
    try:
        base, _version = split_id(arxiv_id)
    except ValueError as exc:
        raise NotFoundError(f"{exc}; expected an id like 2604.14878") from None
    paper = session.execute(select(Paper).where(col(Paper.arxiv_id) == base)).scalars().first()
    if paper is None:
        raise NotFoundError(f"paper {base} is not in the database (crawl its week first)")
    return paper


def papers_for_week(session: Session, week: str, *, include_duplicates: bool = False) -> list[Paper]:
    """Papers assigned to `week`, by arxiv_id; near-duplicates (duplicate_of set) only when asked."""
    query = select(Paper).where(col(Paper.week) == week)
    if not include_duplicates:
        query = query.where(col(Paper.duplicate_of).is_(None))
    return list(session.execute(query.order_by(col(Paper.arxiv_id))).scalars())


def papers_between(
    session: Session, since: date, until: date, *, include_duplicates: bool = False
) -> list[Paper]:
    """Papers first announced from `since` to `until` (listing dates, inclusive), by arxiv_id."""
    query = select(Paper).where(col(Paper.listing_date) >= since, col(Paper.listing_date) <= until)
    if not include_duplicates:
        query = query.where(col(Paper.duplicate_of).is_(None))
    return list(session.execute(query.order_by(col(Paper.arxiv_id))).scalars())


def paper_versions(session: Session, paper: Paper) -> list[PaperVersion]:
    query = (
        select(PaperVersion).where(col(PaperVersion.paper_id) == paper.id).order_by(col(PaperVersion.version))
    )
    return list(session.execute(query).scalars())


def latest_extraction(session: Session, paper: Paper) -> Extraction | None:
    """The newest successful extraction of a paper (highest id), or None."""
    query = (
        select(Extraction)
        .where(col(Extraction.paper_id) == paper.id, col(Extraction.status) == "ok")
        .order_by(col(Extraction.id).desc())
        .limit(1)
    )
    return session.execute(query).scalars().first()


def extraction_claims(session: Session, extraction: Extraction) -> list[Claim]:
    """The verified claims of an extraction (results and institutions), in stored order."""
    query = select(Claim).where(col(Claim.extraction_id) == extraction.id).order_by(col(Claim.id))
    return list(session.execute(query).scalars())


def reports_featuring(session: Session, paper: Paper) -> list[tuple[Report, ReportPaper]]:
    """Every report that selected this paper, oldest week first."""
    query = (
        select(Report, ReportPaper)
        .join(ReportPaper, col(ReportPaper.report_id) == col(Report.id))
        .where(col(ReportPaper.paper_id) == paper.id)
        .order_by(col(Report.week), col(Report.lang), col(Report.version))
    )
    return [(r, rp) for r, rp in session.execute(query).all()]


def extractions_for_week(session: Session, week: str) -> list[tuple[Paper, Extraction]]:
    """(paper, newest OK extraction) for every non-duplicate paper of `week` that has one, by arXiv id."""
    rows = session.execute(
        select(Paper, Extraction)
        .join(Extraction, col(Extraction.paper_id) == col(Paper.id))
        .where(col(Paper.week) == week, col(Extraction.status) == "ok", col(Paper.duplicate_of).is_(None))
        .order_by(col(Paper.arxiv_id), col(Extraction.created_at), col(Extraction.id))
    ).all()
    latest: dict[str, tuple[Paper, Extraction]] = {}
    for paper, ex in rows:
        latest[paper.arxiv_id] = (paper, ex)
    return list(latest.values())


def facts_of(extraction: Extraction) -> PaperFacts:
    """The stored fact sheet of an OK extraction row. Rows written before facts were claims hold the
    v1 shape: it is read with its institutions and prose, and without its results (they carry no
    evidence, so no report may state them; extracting the paper again restores them)."""
    data = extraction.data
    if data is None:
        raise ValueError(f"extraction {extraction.id} has no data (status {extraction.status})")
    if "results" in data:
        return PaperFacts.model_validate(data)
    old = PaperExtraction.model_validate(data)
    return PaperFacts(
        scope=old.scope,
        scope_reason=old.scope_reason,
        short_name=old.short_name,
        problem=old.problem,
        contribution=old.method,
        key_techniques=old.key_techniques,
        results=[],
        institutions=[InstitutionClaim(**i.model_dump()) for i in old.institutions],
        industrial=old.industrial,
        deployed_online=old.deployed_online,
        platform=old.platform,
        datasets=old.datasets,
        code_url=old.code_url,
        topics=old.topics,
        one_line=old.one_line,
    )


def week_paper_counts(session: Session, week: str) -> list[PaperCount]:
    """One PaperCount per paper of `week` (near-duplicates excluded) for the count model: the paper's
    scope decision, and from its newest OK extraction's verified claims whether it is industrial, has
    an online claim and which companies are its institutions."""
    papers = papers_for_week(session, week)
    latest = {p.arxiv_id: e for p, e in extractions_for_week(session, week)}
    ids = [e.id for e in latest.values() if e.id is not None]
    online: set[int] = set()
    companies: dict[int, list[str]] = {}
    for part in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        rows = session.execute(
            select(
                col(Claim.extraction_id),
                col(Claim.kind),
                col(Claim.setting),
                col(Claim.metric),
                col(Claim.industrial),
            ).where(col(Claim.extraction_id).in_(part))
        ).all()
        for ext_id, kind, setting, metric, industrial in rows:
            if kind == "result" and setting == "online":
                online.add(ext_id)
            elif kind == "institution" and industrial:
                companies.setdefault(ext_id, []).append(metric)
    out = []
    for paper in papers:
        ex = latest.get(paper.arxiv_id)
        ext_id = ex.id if ex is not None else None
        out.append(
            PaperCount(
                arxiv_id=paper.arxiv_id,
                scope=paper.scope,
                industrial=bool(ex is not None and ex.industrial),
                online=ext_id in online,
                companies=tuple(companies.get(ext_id or -1, [])),
            )
        )
    return out


def week_counts(session: Session, week: str) -> WeekCounts:
    """The count model's figures for `week` from the database (facts.counts)."""
    return count_week(week, week_paper_counts(session, week))


def report_roles(session: Session, report_id: int) -> tuple[int, int]:
    """(deep dives, digest papers) a stored report listed."""
    roles = (
        session.execute(select(col(ReportPaper.role)).where(col(ReportPaper.report_id) == report_id))
        .scalars()
        .all()
    )
    return sum(1 for r in roles if r == "deep_dive"), len(roles)


def week_paper_count(engine: Engine, week: str) -> int:
    """How many papers (near-duplicates included) are stored under `week`."""
    with Session(engine) as session:
        stmt = select(func.count()).select_from(PAPER).where(PAPER.c.week == week)
        return int(session.connection().execute(stmt).scalar() or 0)
