"""Whole weekly job: (settings, week) -> crawl -> (enrich) -> extract -> report -> file -> (publish), locked.

The publish stage runs only when publishing is configured (publish_site_dir and/or
notion_database_id) and the week's report is Published; it rebuilds the site (writing only what
changed) and updates the Notion pages of changed reports. A publish failure leaves the run partial.

One Run row (kind "run") per invocation records per-stage timings and status as they happen (so a
killed run shows how far it got), counts (crawled, new, in scope, extracted, cached, failed), the
LLM tokens and estimated cost of its llm_call rows, the final status (ok | partial | failed) and the
scrubbed error text.

Idempotency: every stage skips finished work (papers upsert on arxiv id, extractions are cached on
(paper, prompt hash, model, input hash)), and the report is rebuilt only when the newest Published
report of (week, lang) is not current (new or changed extractions, other prompts or backend), so a
re-run of a finished week makes no LLM call and an interrupted run resumes per paper.

Failure: a stage that raises (arXiv unreachable, bad snapshot file, rejected API key) ends the run
`failed` and raises StageFailures naming the stage (exit code of the underlying error). Per-paper
extraction failures and a report failing verification (stored as Draft) end it `partial`: the
report of what succeeded is written, and `RunSummary.raise_for_failures()` raises StageFailures
naming the failed papers. A held lock raises LockError before anything is written, and so do
settings that cannot work (openai without a key: ConfigError) and a snapshot holding no paper of
the week (InputError naming its weeks and what to type): no run row is recorded for those.
An Interrupted (SIGTERM) or Ctrl-C closes the run failed and releases the lock, then propagates.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from ingest.config import Settings
from ingest.crawl import check_source_week, crawl_week, enrich_papers
from ingest.db import lock, runlog
from ingest.db.engine import open_engine
from ingest.db.models import Report
from ingest.db.store import report_roles, week_counts
from ingest.errors import (
    Failure,
    IngestError,
    Kind,
    LLMAuthError,
    LLMError,
    StageFailures,
    VerificationError,
    listed,
)
from ingest.extract import extract_week
from ingest.progress import StageEvents
from ingest.report import build_report, current_report, ensure_file
from ingest.weeks import last_complete_week, normalize_week


@dataclass
class RunSummary:
    """What one pipeline run did; `raise_for_failures()` turns a partial run into StageFailures."""

    run_id: int
    week: str
    lang: str
    status: str = "running"  # ok | partial | failed
    counts: dict[str, Any] = field(default_factory=dict)
    stages: dict[str, dict[str, Any]] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    report_path: Path | None = None
    report_status: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0

    def failure_message(self) -> str:
        shown = listed(self.failures, 8)
        where = f"; report ({self.report_status}) at {self.report_path}" if self.report_path else ""
        return f"run {self.run_id} for {self.week} ended {self.status}: {shown}{where}"

    def raise_for_failures(self) -> None:
        if self.status != "ok":
            raise StageFailures(self.failure_message(), self.failures)

    def failure_text(self) -> str | None:
        """All failures as one line (the run row's error), None when there are none."""
        return "; ".join(str(f) for f in self.failures) or None


class _Stages:
    """Runs the stages of one run, recording each in the run log."""

    def __init__(self, settings: Settings, engine: Engine, summary: RunSummary, display: StageEvents):
        self.settings, self.engine, self.summary, self.display = settings, engine, summary, display

    def run(self, name: str, fn: Callable[[], dict[str, Any]]) -> None:
        """Call fn (returns counts); record start, seconds, status. A raised error fails the run."""
        runlog.stage_started(self.engine, self.summary.run_id, name)
        self.display.started(name, week=self.summary.week)
        t0 = time.perf_counter()
        try:
            counts = fn()
        except IngestError as exc:
            seconds = round(time.perf_counter() - t0, 3)
            text = self.settings.scrub(f"{type(exc).__name__}: {exc}")
            self._record(name, seconds, "failed", error=text)
            self.display.failed(name, text)
            raise _StageError(name, exc, text) from exc
        seconds = round(time.perf_counter() - t0, 3)
        self.summary.counts.update(counts)
        self._record(name, seconds, "ok")
        self.display.finished(name, seconds, **{k: v for k, v in counts.items() if isinstance(v, int)})

    def _record(self, name: str, seconds: float, status: str, **extra: Any) -> None:
        info = {"seconds": seconds, "status": status, **extra}
        self.summary.stages[name] = {**self.summary.stages.get(name, {}), **info}
        runlog.mark_stage(self.engine, self.summary.run_id, name, **info)


class _StageError(Exception):
    def __init__(self, stage: str, cause: IngestError, text: str) -> None:
        super().__init__(text)
        self.stage, self.cause, self.text = stage, cause, text

    def failure(self) -> Failure:
        return Failure(f"{self.stage} failed", self.cause.kind, self.text)


def _crawl(settings: Settings, week: str, source: Path | None, engine: Engine, summary: RunSummary):
    def stage() -> dict[str, Any]:
        res = crawl_week(settings, week, source=source, engine=engine, run_id=summary.run_id)
        summary.failures += [Failure("crawl", Kind.INPUT, e) for e in res.errors]
        return {
            "crawled": res.fetched,
            "new": res.new,
            "updated": res.updated,
            "unchanged": res.unchanged,
            "duplicates": res.duplicates,
            "crawl_errors": len(res.errors),
            "truncated": len(res.notes),
        }

    return stage


def _enrich(settings: Settings, week: str, engine: Engine, summary: RunSummary):
    def stage() -> dict[str, Any]:
        res = enrich_papers(settings, week, engine=engine)
        summary.failures += [Failure(f"enrich {a}", Kind.FETCH, why) for a, why in res.failed.items()]
        return {"enriched": len(res.updated), "enrich_failed": len(res.failed)}

    return stage


def _extract(settings: Settings, week: str, engine: Engine, summary: RunSummary, display: StageEvents):
    def stage() -> dict[str, Any]:
        res = extract_week(
            settings, week, engine=engine, run_id=summary.run_id, progress=display.bar("extract")
        )
        counts = {
            "relevant": res.selected,
            "extracted": res.extracted,
            "cached": res.cached,
            "failed": res.failed,
            "skipped": res.skipped,
        }
        if res.failed and not (res.extracted or res.cached):  # nothing to report on: stop here
            summary.counts.update(counts)
            auth = any(f.kind is Kind.LLM_AUTH for f in res.failures)
            kind = LLMAuthError if auth else LLMError
            raise kind(f"all {res.failed} papers failed extraction, e.g. {res.failures[0]}")
        summary.failures += [Failure(f"extract {f.item}", f.kind, f.message) for f in res.failures]
        return counts

    return stage


def _model_counts(counts: dict[str, Any]) -> dict[str, Any]:
    """The count model's figures a run records (facts.counts: one definition for report, run, stats)."""
    keys = ("in_scope", "adjacent", "industrial", "online_ab", "deep_dives", "digest")
    return {k: counts[k] for k in keys if k in counts}


def _report(settings: Settings, week: str, lang: str, engine: Engine, summary: RunSummary):
    def stage() -> dict[str, Any]:
        with Session(engine) as session:
            existing = current_report(session, settings, week, lang)
            if existing is not None:
                summary.report_path, summary.report_status = ensure_file(existing), existing.status
                counts = week_counts(session, week).with_report(*report_roles(session, existing.id or 0))
                return {
                    "report_version": existing.version,
                    "report_reused": 1,
                    **_model_counts(counts.as_dict()),
                }
        try:
            res = build_report(settings, week, lang=lang, engine=engine, run_id=summary.run_id)
        except VerificationError as exc:
            _latest_report_into(engine, week, lang, summary)
            summary.failures.append(Failure.of("report", exc, str(exc)))
            return {"report_version": 0, "report_problems": len(exc.problems)}
        summary.report_path, summary.report_status = Path(res.path), res.status
        return {"report_version": res.version, **_model_counts(res.counts)}

    return stage


def _publish(settings: Settings, engine: Engine, summary: RunSummary):
    """Site and/or Notion, as configured. A failure here leaves the run partial (the report exists).
    The publish package is imported here, when publishing is configured, not with the pipeline."""

    def stage() -> dict[str, Any]:
        from ingest.publish import build_site, publish_notion

        counts: dict[str, Any] = {}
        if settings.publish_site_dir is not None:
            try:
                site = build_site(settings, engine=engine)
                counts["site_files_changed"] = len(site.write.changed)
            except IngestError as exc:
                summary.failures.append(Failure.of("publish site", exc, settings.scrub(str(exc))))
        if settings.notion_database_id:
            try:
                res = publish_notion(settings, engine=engine)
                counts["notion_pages"] = len(res.created) + len(res.updated)
                summary.failures += [
                    Failure(f"publish notion {f.item}", f.kind, f.message) for f in res.failures
                ]
            except IngestError as exc:
                summary.failures.append(Failure.of("publish notion", exc, settings.scrub(str(exc))))
        return counts

    return stage


def _latest_report_into(engine: Engine, week: str, lang: str, summary: RunSummary) -> None:
    with Session(engine) as session:
        row = session.exec(
            select(Report)
            .where(Report.week == week, Report.lang == lang)
            .order_by(col(Report.version).desc())
        ).first()
    if row is not None and row.path:
        summary.report_path, summary.report_status = Path(row.path), row.status


def _execute(
    settings: Settings, engine: Engine, summary: RunSummary, source: Path | None, display: StageEvents
) -> None:
    stages = _Stages(settings, engine, summary, display)
    week = summary.week
    stages.run("crawl", _crawl(settings, week, source, engine, summary))
    if settings.enrich_html:
        stages.run("enrich", _enrich(settings, week, engine, summary))
    stages.run("extract", _extract(settings, week, engine, summary, display))
    stages.run("report", _report(settings, week, summary.lang, engine, summary))
    publishing = settings.publish_site_dir is not None or bool(settings.notion_database_id)
    if publishing and summary.report_status == "Published":
        stages.run("publish", _publish(settings, engine, summary))


def _close(settings: Settings, engine: Engine, summary: RunSummary, error: str | None) -> None:
    row = runlog.finish_run(
        engine, settings, summary.run_id, status=summary.status, counts=summary.counts, error=error
    )
    summary.prompt_tokens, summary.completion_tokens = row.prompt_tokens, row.completion_tokens
    summary.cost_usd = row.cost_usd
    summary.counts = dict(row.counts)


def run_week(
    settings: Settings,
    week: str | None = None,
    *,
    source: Path | None = None,
    lang: str = "en",
    progress: StageEvents | None = None,
) -> RunSummary:
    """Run every stage for `week` (default: the last complete announcement week) holding the lock.

    Returns the summary of an ok or partial run (call `raise_for_failures()` to turn partial into
    StageFailures); raises StageFailures when a stage itself failed, LockError when another run holds
    the database.
    """
    defaulted = not week
    week = normalize_week(week) if week else last_complete_week(datetime.now(UTC))
    settings.check_llm()
    if source is not None:
        check_source_week(source, week, command="run", defaulted=defaulted)
    engine = open_engine(settings)
    display = progress or StageEvents()
    with lock.hold(engine, settings):
        runlog.close_interrupted(engine, settings)
        summary = RunSummary(run_id=runlog.start_run(engine, "run", week), week=week, lang=lang)
        try:
            with display:
                _execute(settings, engine, summary, source, display)
        except _StageError as exc:
            summary.status = "failed"
            summary.failures.insert(0, exc.failure())
            _close(settings, engine, summary, error=summary.failure_text())
            raise StageFailures(summary.failure_message(), summary.failures, cause=exc.cause.kind) from None
        except BaseException as exc:  # a bug, Ctrl-C or SIGTERM: still close the run row, then propagate
            summary.status = "failed"
            _close(settings, engine, summary, error=f"{type(exc).__name__}: {exc}")
            raise
        summary.status = "partial" if summary.failures else "ok"
        _close(settings, engine, summary, error=summary.failure_text())
    return summary
