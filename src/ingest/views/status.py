"""`ingest status` data: the run log and pending work -> a JSON-ready dict (read only, no side effects).

Sections: `runs` (newest first: kind, week, status, started/finished, seconds, per-stage seconds,
counts, tokens, estimated cost, error), `failures` (recent failed/partial runs and their errors),
`lock` (current holder, if any), `published` (where each report went: site folder or Notion
database, version, location, ok or failed) and `next_run_will_retry`: papers whose extraction failed and has
no successful extraction since, weeks whose newest report is a Draft, and weeks whose newest
pipeline run did not end ok, and publications that failed. Mirrors what the stages skip or redo,
so it predicts the next run.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from ingest.db.lock import current_holder
from ingest.db.models import Extraction, Paper, Publication, Report, Run


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def run_row(run: Run) -> dict[str, Any]:
    """One run as a plain dict."""
    seconds = (run.finished_at - run.started_at).total_seconds() if run.finished_at else None
    return {
        "id": run.id,
        "kind": run.kind,
        "week": run.week,
        "status": run.status,
        "started_at": _iso(run.started_at),
        "finished_at": _iso(run.finished_at),
        "seconds": round(seconds, 2) if seconds is not None else None,
        "stages": {k: v.get("seconds") for k, v in (run.stages or {}).items()},
        "counts": dict(run.counts or {}),
        "prompt_tokens": run.prompt_tokens,
        "completion_tokens": run.completion_tokens,
        "cost_usd": run.cost_usd,
        "error": run.error,
    }


def recent_runs(session: Session, limit: int) -> list[Run]:
    stmt = select(Run).order_by(col(Run.id).desc()).limit(limit)
    return list(session.exec(stmt).all())


def failed_extractions(session: Session) -> list[dict[str, Any]]:
    """Papers with a failed extraction and no ok one: the next run's extract stage retries them."""
    ok = select(Extraction.paper_id).where(Extraction.status == "ok")
    stmt = (
        select(Paper.arxiv_id, Paper.week, Extraction.error, Extraction.created_at)
        .join(Paper, col(Paper.id) == col(Extraction.paper_id))
        .where(Extraction.status == "failed", col(Extraction.paper_id).not_in(ok))
        .order_by(Paper.week, Paper.arxiv_id)
    )
    seen: dict[str, dict[str, Any]] = {}
    for arxiv_id, week, error, created in session.exec(stmt).all():
        seen[arxiv_id] = {"arxiv_id": arxiv_id, "week": week, "error": error, "at": _iso(created)}
    return list(seen.values())


def draft_reports(session: Session) -> list[dict[str, Any]]:
    """(week, lang) whose newest report version is a Draft."""
    newest = (
        select(Report.week, Report.lang, func.max(Report.version).label("v"))
        .group_by(Report.week, Report.lang)
        .subquery()
    )
    stmt = (
        select(Report)
        .join(
            newest,
            (col(Report.week) == newest.c.week)
            & (col(Report.lang) == newest.c.lang)
            & (col(Report.version) == newest.c.v),
        )
        .where(Report.status == "Draft")
        .order_by(Report.week)
    )
    return [
        {"week": r.week, "lang": r.lang, "version": r.version, "path": r.path, "problems": len(r.problems)}
        for r in session.exec(stmt).all()
    ]


def unfinished_weeks(session: Session) -> list[dict[str, Any]]:
    """Weeks whose newest pipeline run did not end ok, and publications that failed."""
    runs = session.exec(select(Run).where(Run.kind == "run").order_by(col(Run.id))).all()
    newest: dict[str, Run] = {}
    for run in runs:
        if run.week:
            newest[run.week] = run
    return [
        {"week": w, "status": r.status, "run": r.id, "error": r.error}
        for w, r in sorted(newest.items())
        if r.status != "ok"
    ]


def publications(session: Session) -> list[dict[str, Any]]:
    """Where each report went (site folder or Notion database), newest first; failed ones carry the error."""
    stmt = select(Publication).order_by(col(Publication.published_at).desc(), col(Publication.id))
    rows = session.exec(stmt).all()
    return [
        {
            "target": r.target,
            "destination": r.destination,
            "slug": r.slug,
            "version": r.version,
            "status": r.status,
            "location": r.location,
            "published_at": _iso(r.published_at),
            "error": r.error,
        }
        for r in rows
    ]


def status_report(engine: Engine, limit: int = 10) -> dict[str, Any]:
    """Everything `ingest status` shows."""
    holder = current_holder(engine)
    with Session(engine) as session:
        runs = recent_runs(session, limit)
        failures = [run_row(r) for r in runs if r.status in ("failed", "partial")]
        return {
            "runs": [run_row(r) for r in runs],
            "failures": failures,
            "lock": None
            if holder is None
            else {
                "owner": holder.owner,
                "since": _iso(holder.acquired_at),
                "heartbeat_at": _iso(holder.heartbeat_at),
            },
            "published": publications(session),
            "next_run_will_retry": {
                "failed_extractions": failed_extractions(session),
                "draft_reports": draft_reports(session),
                "unfinished_weeks": unfinished_weeks(session),
                "failed_publications": [p for p in publications(session) if p["status"] != "ok"],
            },
        }
