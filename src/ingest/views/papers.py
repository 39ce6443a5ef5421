"""Read views of stored papers: database rows -> JSON-ready dicts for `ingest papers list/show`.

Input: an Engine and a week or an arXiv id. Output: plain dicts (metadata, versions, the latest
extraction with its verified claims and their evidence, the reports that featured the paper), built
from the queries in store. Read-only; an unknown id, or a version ('2604.14878v7') that is not
stored, raises NotFoundError. An older stored version is shown with the newest text (the only text
kept) and `requested_version` says which was asked for.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from ingest.db.models import Extraction, Paper
from ingest.db.store import (
    extraction_claims,
    get_paper,
    latest_extraction,
    paper_versions,
    papers_for_week,
    reports_featuring,
)
from ingest.errors import NotFoundError
from ingest.records import split_id


def paper_summary(paper: Paper) -> dict[str, Any]:
    return {
        "arxiv_id": paper.arxiv_id,
        "version": paper.version,
        "week": paper.week,
        "title": paper.title,
        "primary_category": paper.primary_category,
        "relevance": paper.relevance,
        "duplicate_of": paper.duplicate_of,
    }


def week_listing(engine: Engine, week: str, *, include_duplicates: bool = False) -> list[dict[str, Any]]:
    """JSON-ready summaries of a week's papers (see papers_for_week)."""
    with Session(engine) as session:
        return [
            paper_summary(p) for p in papers_for_week(session, week, include_duplicates=include_duplicates)
        ]


def _extraction_view(session: Session, ex: Extraction) -> dict[str, Any]:
    claims = [
        {
            "kind": c.kind,
            "setting": c.setting,
            "metric": c.metric,
            "value": c.value,
            "direction": c.direction,
            "location": c.location,
            "evidence": c.evidence,
        }
        for c in extraction_claims(session, ex)
    ]
    return {
        "id": ex.id,
        "scope": ex.scope,
        "short_name": ex.short_name,
        "institutions": ex.institutions,
        "industrial": ex.industrial,
        "deployed_online": ex.deployed_online,
        "topics": ex.topics,
        "one_line": ex.one_line,
        "grounded": ex.grounded_count,
        "ungrounded": ex.ungrounded_count,
        "model": ex.model,
        "backend": ex.backend,
        "claims": claims,
    }


def paper_detail(engine: Engine, arxiv_id: str) -> dict[str, Any]:
    """Everything known about one paper: metadata, versions, latest extraction + claims, reports."""
    with Session(engine) as session:
        paper = get_paper(session, arxiv_id)
        _base, wanted = split_id(arxiv_id)
        stored = sorted({v.version for v in paper_versions(session, paper)} | {paper.version})
        if wanted is not None and wanted not in stored:
            raise NotFoundError(
                f"{paper.arxiv_id} has no stored version {wanted}: stored "
                + ", ".join(f"v{v}" for v in stored)
                + f" (ingest papers show {paper.arxiv_id}v{stored[-1]})"
            )
        detail = paper.model_dump(mode="json", exclude={"fulltext"})
        detail["requested_version"] = wanted
        detail["has_fulltext"] = bool(paper.fulltext)
        detail["versions"] = [
            {
                "version": v.version,
                "updated": v.updated and v.updated.isoformat(),
                "content_hash": v.content_hash,
                "seen_at": v.seen_at.isoformat(),
            }
            for v in paper_versions(session, paper)
        ]
        ex = latest_extraction(session, paper)
        detail["extraction"] = _extraction_view(session, ex) if ex is not None else None
        detail["reports"] = [
            {
                "week": r.week,
                "lang": r.lang,
                "version": r.version,
                "status": r.status,
                "role": rp.role,
                "section": rp.section,
            }
            for r, rp in reports_featuring(session, paper)
        ]
        return detail
