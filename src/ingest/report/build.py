"""Weekly report: stored extractions of a week -> verified Markdown file + report/report_paper rows.

select (report_select) -> plan (plan_report prompt, repaired) -> write (one write_section call per
section + one write_overview call: at most sections + 2 calls) -> render -> verify. Idempotency:
none by design — every build appends a new version of (week, lang); "latest published" is a query.
Failure: a report failing verification is stored as Draft with its problems, written to disk (next
to, never over, a Published file) and then VerificationError is raised; LLM errors are logged in
llm_call and propagate; a week without extracted in-scope papers raises NotFoundError.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import Session, select

from ingest.config import Settings
from ingest.db import engine as db
from ingest.db import runlog
from ingest.db.models import Extraction, Paper, Report, ReportPaper, utcnow
from ingest.errors import LLMError, NotFoundError, VerificationError
from ingest.facts.source import source_text
from ingest.facts.topics import taxonomy
from ingest.llm import LLM, RuleBasedLLM, log_call, make_llm, prompts
from ingest.llm.contracts import OverviewText, ReportPlan, SectionText
from ingest.report.plan import plan_variables, repair
from ingest.report.render import Composition, digest_groups, render
from ingest.report.select import Candidate, select_week
from ingest.report.verify import Expected, verify
from ingest.report.write import (
    attach_related,
    digest_line,
    overview_variables,
    section_variables,
    theme_trends,
)
from ingest.weeks import parse_week

STAGES = {"plan_report": "plan", "write_section": "section", "write_overview": "overview"}


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
    papers: int = 0
    deep_dives: int = 0


@dataclass
class _Caller:
    """Renders a prompt, calls the LLM, logs the call; keeps the tally."""

    settings: Settings
    llm: LLM
    session: Session
    run_id: int | None
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    async def __call__(self, name: str, variables: dict[str, Any], schema: type[BaseModel]) -> Any:
        version = self.settings.prompt_version(name)
        prompt = prompts.render(name, version, variables, root=self.settings.prompts_dir)
        self.calls += 1
        try:
            result = await self.llm.complete(prompt, schema)
        except LLMError as exc:
            log_call(
                self.session,
                stage=STAGES[name],
                prompt=prompt,
                backend=self.llm.backend,
                model=self.llm.model,
                error=exc,
                run_id=self.run_id,
            )
            self.session.commit()
            raise
        log_call(
            self.session,
            stage=STAGES[name],
            prompt=prompt,
            backend=result.backend,
            model=result.model,
            result=result,
            run_id=self.run_id,
        )
        self.prompt_tokens += result.prompt_tokens
        self.completion_tokens += result.completion_tokens
        return result.parsed


def lead_paragraph(cands: list[Candidate], lang: str) -> str:
    """The overview lead: counts computed from the selection, never by the LLM."""
    ind = [c for c in cands if c.ex.industrial]
    insts = Counter(c.institution.split(" + ")[0] for c in ind if c.institution)
    names = ", ".join(name for name, _ in sorted(insts.items(), key=lambda kv: (-kv[1], kv[0]))[:8])
    online = sum(1 for c in cands if c.online)
    deep = sum(1 for c in cands if c.deep)
    n = len(cands)
    if lang == "zh":
        who = f"（{names}）" if names else ""
        return (
            f"本周共 {n} 篇推荐系统相关论文，其中 {len(ind)} 篇来自工业界{who}，"
            f"{online} 篇报告了线上 A/B 结果。"
            f"下文对 {deep} 篇做深度解读，其余收录在论文速览中。"
        )
    who = f" ({names})" if names else ""
    return (
        f"Across {n} recommendation-system papers this week, {len(ind)} from industry{who}, and {online} "
        f"report online A/B results. {deep} get a deep dive below, grouped by theme; every paper is in "
        f"the digest at the end."
    )


async def _fill_missing(
    texts: list[SectionText], plan: ReportPlan, variables: list[dict], settings: Settings
) -> None:
    """A deep dive the writer skipped gets the offline backend's body (through the seam) rather than
    nothing."""
    fallback = RuleBasedLLM()
    for text, sec, v in zip(texts, plan.sections, variables, strict=True):
        bodies = {d.arxiv_id: d for d in text.deep_dives}
        missing = [pid for pid in sec.paper_ids if pid not in bodies or not bodies[pid].body.strip()]
        for dd in bodies.values():
            if dd.body.lstrip().startswith("**"):
                dd.body = dd.body.split(" — ", 1)[-1].split(".", 1)[-1].strip()
        if not missing:
            continue
        prompt = prompts.render(
            "write_section", settings.prompt_version("write_section"), v, settings.prompts_dir
        )
        offline = {d.arxiv_id: d for d in (await fallback.complete(prompt, SectionText)).parsed.deep_dives}
        text.deep_dives = [d for d in text.deep_dives if d.arxiv_id not in missing]
        text.deep_dives += [offline[pid] for pid in missing]


async def _compose(
    call: _Caller, s: Settings, session: Session, week: str, lang: str, cands: list[Candidate]
) -> tuple[ReportPlan, list[SectionText], OverviewText, str]:
    topics = taxonomy()
    raw_plan = await call("plan_report", plan_variables(week, lang, cands, topics), ReportPlan)
    plan, _notes = repair(raw_plan, cands, topics)
    by_id = {c.arxiv_id: c for c in cands}
    sec_vars = [section_variables(week, lang, sec, by_id) for sec in plan.sections]
    lead = lead_paragraph(cands, lang)
    trends = theme_trends(session, week, s.trend_weeks, plan.sections)
    ov_vars = overview_variables(week, lang, plan, by_id, lead, trends, s.trend_weeks)
    results = await asyncio.gather(
        *(call("write_section", v, SectionText) for v in sec_vars),
        call("write_overview", ov_vars, OverviewText),
    )
    texts: list[SectionText] = list(results[:-1])
    await _fill_missing(texts, plan, sec_vars, s)
    return plan, texts, results[-1], lead


def _lookup(session: Session, cands: list[Candidate]):
    known = {c.arxiv_id: c.source for c in cands}

    def find(pid: str) -> str | None:
        if pid not in known:
            paper = session.exec(select(Paper).where(Paper.arxiv_id == pid)).first()
            known[pid] = source_text(paper) if paper else None  # type: ignore[assignment]
        return known[pid]

    return find


def _path(s: Settings, session: Session, week: str, lang: str, status: str, version: int) -> Path:
    base = Path(s.reports_dir) / f"rec-weekly-{lang}-{week}.md"
    published = session.exec(
        select(Report.id).where(Report.week == week, Report.lang == lang, Report.status == "Published")
    ).first()
    if status == "Draft" and published is not None:
        return base.with_name(f"rec-weekly-{lang}-{week}.v{version}.draft.md")
    return base


def _store(
    session: Session,
    s: Settings,
    comp: Composition,
    markdown_for,
    problems: list[str],
    run_id: int | None,
    backend: str,
    model: str,
) -> tuple[Report, Path]:
    version = (
        session.exec(
            select(func.max(Report.version)).where(Report.week == comp.week, Report.lang == comp.lang)
        ).one()
        or 0
    ) + 1
    path = _path(s, session, comp.week, comp.lang, comp.status, version)
    markdown = markdown_for(comp)
    row = Report(
        week=comp.week,
        lang=comp.lang,
        version=version,
        status=comp.status,
        backend=backend,
        model=model,
        prompts=dict(comp.generator.get("prompts", {})),
        run_id=run_id,
        markdown=markdown,
        problems=problems,
        path=str(path),
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    sections = {pid: title for title, ids in digest_groups(comp.plan) for pid in ids}
    for c in comp.cands.values():
        session.add(
            ReportPaper(
                report_id=row.id,
                paper_id=c.paper_id,
                role="deep_dive" if c.deep else "digest",
                section=sections.get(c.arxiv_id),
            )
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(markdown, encoding="utf-8")
    return row, path


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

    Without `run_id` (a caller's run) the build records its own "report" run through the run log.
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
            runlog.finish_run(
                engine, settings, run_id, status="failed", counts={}, error=f"{type(exc).__name__}: {exc}"
            )
        raise
    if own_run:
        counts = {"papers": result.papers, "deep_dives": result.deep_dives, "report_version": result.version}
        status = "failed" if result.problems else "ok"
        error = "; ".join(result.problems[:5]) or None
        runlog.finish_run(engine, settings, run_id, status=status, counts=counts, error=error)
    if result.problems:
        raise VerificationError(
            f"report {week} ({lang}) v{result.version} failed verification; stored as "
            f"Draft at {result.path}: " + "; ".join(result.problems[:5]),
            result.problems,
        )
    return result


def _build(settings: Settings, week: str, lang: str, llm: LLM, engine: Any, run_id: int) -> ReportResult:
    with Session(engine, expire_on_commit=False) as session:
        cands, skipped = select_week(session, week, settings.deep_dive_cap)
        if not cands:
            raise NotFoundError(f"no extracted in-scope papers for {week}; run crawl and extract first")
        attach_related(session, week, cands)
        call = _Caller(settings, llm, session, run_id)
        plan, texts, overview, lead = asyncio.run(_compose(call, settings, session, week, lang, cands))
        by_id = {c.arxiv_id: c for c in cands}
        generator = {
            "backend": llm.backend,
            "model": llm.model,
            "run": run_id,
            "prompts": settings.prompt_pins(),
        }
        comp = Composition(
            week,
            lang,
            "Published",
            utcnow(),
            lead,
            plan,
            texts,
            overview,
            by_id,
            {c.arxiv_id: digest_line(c, lang) for c in cands},
            generator,
        )
        expected = Expected(
            [c.arxiv_id for c in cands],
            [i for s in plan.sections for i in s.paper_ids],
            {c.arxiv_id: c.name for c in cands},
            _lookup(session, cands),
            skipped,
            lang,
        )
        problems = verify(render(comp), expected)
        comp.status = "Draft" if problems else "Published"
        row, path = _store(session, settings, comp, render, problems, run_id, llm.backend, llm.model)
        session.commit()
        assert row.id is not None
        result = ReportResult(
            row.id,
            week,
            lang,
            row.version,
            comp.status,
            path,
            problems,
            call.calls,
            call.prompt_tokens,
            call.completion_tokens,
            len(cands),
            len(expected.deep),
        )
    return result


def report_version(
    settings: Settings, week: str, lang: str = "en", version: int | None = None, engine: Any = None
) -> Report:
    """One stored report version (default: the newest) or NotFoundError."""
    parse_week(week)
    engine = engine or db.open_engine(settings)
    with Session(engine) as session:
        query = select(Report).where(Report.week == week, Report.lang == lang)
        if version is not None:
            query = query.where(Report.version == version)
        row = session.exec(query.order_by(Report.version.desc())).first()  # type: ignore[attr-defined]
    if row is None:
        which = f" version {version}" if version is not None else ""
        raise NotFoundError(
            f"no report{which} for {week} ({lang}); build one with `ingest report --week {week}`"
        )
    return row


def report_diff(settings: Settings, week: str, lang: str = "en", engine: Any = None) -> str:
    """Unified diff of the Markdown of the last two versions of (week, lang)."""
    import difflib

    newest = report_version(settings, week, lang, engine=engine)
    if newest.version < 2:
        raise NotFoundError(f"only one version of the {week} ({lang}) report exists; nothing to diff")
    older = report_version(settings, week, lang, newest.version - 1, engine=engine)
    lines = difflib.unified_diff(
        older.markdown.splitlines(keepends=True),
        newest.markdown.splitlines(keepends=True),
        fromfile=f"{week}-{lang}-v{older.version}",
        tofile=f"{week}-{lang}-v{newest.version}",
    )
    return "".join(lines)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def current_report(session: Session, settings: Settings, week: str, lang: str) -> Report | None:
    """The newest Published report of (week, lang) if nothing it depends on changed since, else None."""
    latest = session.exec(
        select(Report).where(Report.week == week, Report.lang == lang).order_by(Report.version.desc())
    ).first()  # type: ignore[attr-defined]
    if latest is None or latest.status != "Published" or not latest.path or not Path(latest.path).is_file():
        return None
    wanted = settings.prompt_pins()
    if any(latest.prompts.get(k) != v for k, v in wanted.items() if k in latest.prompts):
        return None
    if latest.backend != settings.active_backend:
        return None
    if latest.backend == "openai" and latest.model != settings.model:
        return None
    created = _aware(latest.created_at)
    newest = session.exec(
        select(func.max(Extraction.created_at))
        .join(Paper, Paper.id == Extraction.paper_id)
        .where(Paper.week == week)
    ).one()
    if newest is not None and _aware(newest) > created:
        return None
    used = set(session.exec(select(ReportPaper.paper_id).where(ReportPaper.report_id == latest.id)).all())
    cands, _ = select_week(session, week, settings.deep_dive_cap)
    return latest if used == {c.paper_id for c in cands} else None
