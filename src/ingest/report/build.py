"""Weekly report: stored extractions of a week -> a verified Markdown file + report/report_paper rows.

compose (select -> rank -> storylines -> plan -> write, through the LLM seam) -> render -> verify ->
store. Idempotency: none by design, every build appends a new version of (week, lang); "latest
published" is a query (store.current_report). Failure: a report failing verification is stored as
Draft with its problems, written next to (never over) a Published file, and VerificationError is
raised; LLM errors are logged in llm_call and propagate; a week without in-scope papers raises
NotFoundError. Without a caller's run the build records its own "report" run (db.runlog).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import Session

from ingest.config import Settings
from ingest.db import engine as db
from ingest.db import runlog
from ingest.db.models import Report, utcnow
from ingest.errors import VerificationError
from ingest.llm import LLM, make_llm
from ingest.report import store
from ingest.report.compose import Caller, compose
from ingest.report.render import render
from ingest.report.verify import verify
from ingest.weeks import parse_week


@dataclass
class ReportResult:
    report_id: int
    week: str
    lang: str
    version: int
    status: str  # Published | Draft
    path: Path
    problems: list[str] = field(default_factory=list)
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    papers: int = 0  # papers listed in the digest
    deep_dives: int = 0
    counts: dict[str, Any] = field(default_factory=dict)  # the count model's figures


def build_report(
    settings: Settings,
    week: str,
    *,
    lang: str = "en",
    llm: LLM | None = None,
    engine: Any = None,
    run_id: int | None = None,
) -> ReportResult:
    """Compose, render, verify and store one new version of `week`'s report in `lang`.

    Raises VerificationError (after storing the Draft) when the report fails verification."""
    parse_week(week)
    engine = engine or db.open_engine(settings)
    llm = llm or make_llm(settings)
    own_run = run_id is None
    if run_id is None:
        run_id = runlog.start_run(engine, "report", week)
    try:
        result = _build(settings, week, lang, llm, engine, run_id)
    except BaseException as exc:
        if own_run:
            error: str | None = f"{type(exc).__name__}: {exc}"
            runlog.finish_run(engine, settings, run_id, status="failed", counts={}, error=error)
        raise
    if own_run:
        counts = {**result.counts, "report_version": result.version}
        error = "; ".join(result.problems[:5]) or None
        runlog.finish_run(
            engine, settings, run_id, status="failed" if result.problems else "ok", counts=counts, error=error
        )
    if result.problems:
        raise VerificationError(
            f"report {week} ({lang}) v{result.version} failed verification; "
            f"stored as Draft at {result.path}: " + "; ".join(result.problems[:5]),
            result.problems,
        )
    return result


def _build(settings: Settings, week: str, lang: str, llm: LLM, engine: Any, run_id: int) -> ReportResult:
    with Session(engine, expire_on_commit=False) as session:
        call = Caller(settings, llm, session, run_id)
        composed = asyncio.run(compose(call, session, week, lang, utcnow()))
        comp, exp = composed.composition, composed.expected
        problems = verify(render(comp), exp)
        comp.status = "Draft" if problems else "Published"
        markdown = render(comp)
        version = store.next_version(session, week, lang)
        path = store.report_path(settings, session, week, lang, comp.status, version)
        row = Report(
            week=week,
            lang=lang,
            version=version,
            status=comp.status,
            backend=llm.backend,
            model=llm.model,
            prompts=dict(comp.generator.get("prompts", {})),
            run_id=run_id,
            markdown=markdown,
            problems=problems,
            path=str(path),
        )
        store.add_report(session, row, comp.plan, {pid: item.paper_id for pid, item in comp.items.items()})
        session.commit()
        assert row.id is not None
        store.write_atomically(path, markdown)
        return ReportResult(
            row.id,
            week,
            lang,
            version,
            comp.status,
            path,
            problems,
            call.calls,
            call.prompt_tokens,
            call.completion_tokens,
            len(comp.plan.digest),
            len(comp.plan.deep),
            exp.counts.as_dict(),
        )


def report_version(
    settings: Settings, week: str, lang: str = "en", version: int | None = None, engine: Any = None
) -> Report:
    """One stored report version (default: the newest) or NotFoundError."""
    parse_week(week)
    with Session(engine or db.open_engine(settings)) as session:
        return store.report_version(session, week, lang, version)


def report_diff(settings: Settings, week: str, lang: str = "en", engine: Any = None) -> str:
    """Unified diff of the Markdown of the last two versions of (week, lang)."""
    parse_week(week)
    with Session(engine or db.open_engine(settings)) as session:
        return store.report_diff(session, week, lang)
