"""Where reports were published: `publication` rows, one per (target, destination, slug).

`previous(engine, target, destination)`: slug -> the row (what a rerun compares against).
`record(engine, ...)`: upsert one outcome (ok with location, or failed with the scrubbed error)
in its own transaction, so an outcome is kept even when a later report fails.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ingest.db.models import Publication, utcnow
from ingest.publish.published import PublishedReport


def previous(engine: Engine, target: str, destination: str) -> dict[str, Publication]:
    with Session(engine, expire_on_commit=False) as session:
        rows = session.exec(
            select(Publication).where(Publication.target == target, Publication.destination == destination)
        ).all()
    return {r.slug: r for r in rows}


def record(
    engine: Engine,
    target: str,
    destination: str,
    report: PublishedReport,
    *,
    location: str | None = None,
    error: str | None = None,
) -> None:
    """Upsert the outcome of publishing `report` to (target, destination)."""
    with Session(engine) as session:
        row = session.exec(
            select(Publication).where(
                Publication.target == target,
                Publication.destination == destination,
                Publication.slug == report.slug,
            )
        ).first() or Publication(target=target, destination=destination, slug=report.slug)
        row.status = "failed" if error else "ok"
        row.error = error
        if error is None:
            row.report_id, row.version = report.report_id, report.version
            row.content_hash, row.location = report.content_hash, location
        row.published_at = utcnow()
        session.add(row)
        session.commit()
