"""Report storage: a rendered report -> a new version row, its papers, and its file written atomically.

A version of (week, lang) is stored with its status (Published | Draft), problems, backend, model,
prompt versions and run; `report_paper` rows say which papers it listed and which it deep-dived.
The row commits first; the file is then written atomically (a temp file in the same folder, fsync,
rename), so a failed write (a full disk, a read-only folder) leaves the previous file whole and the
report is still in the database: `ensure_file` rewrites a missing or changed file from its stored
version. A Draft never overwrites a Published report's file: it is written beside it as
`...v<N>.draft.md`. Read helpers: `report_version`, `report_diff`, `current_report`.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, col, select

from ingest.config import Settings
from ingest.db.models import Extraction, Paper, Report, ReportPaper
from ingest.errors import ConfigError, NotFoundError
from ingest.report.plan import Plan


def report_path(
    settings: Settings, session: Session, week: str, lang: str, status: str, version: int
) -> Path:
    base = Path(settings.reports_dir) / f"rec-weekly-{lang}-{week}.md"
    published = session.exec(
        select(Report.id).where(Report.week == week, Report.lang == lang, Report.status == "Published")
    ).first()
    if status == "Draft" and published is not None:
        return base.with_name(f"rec-weekly-{lang}-{week}.v{version}.draft.md")
    return base


def next_version(session: Session, week: str, lang: str) -> int:
    newest = session.exec(
        select(func.max(Report.version)).where(Report.week == week, Report.lang == lang)
    ).one()
    return int(newest or 0) + 1


def add_report(session: Session, row: Report, plan: Plan, paper_ids: dict[str, int]) -> Report:
    """Add the report row and its report_paper rows (flushed, not committed)."""
    session.add(row)
    session.flush()
    assert row.id is not None
    section_of = {pid: title for title, ids in plan.groups for pid in ids}
    deep = set(plan.deep)
    for arxiv_id in plan.digest:
        session.add(
            ReportPaper(
                report_id=row.id,
                paper_id=paper_ids[arxiv_id],
                role="deep_dive" if arxiv_id in deep else "digest",
                section=section_of.get(arxiv_id),
            )
        )
    return row


def write_atomically(path: Path, text: str) -> None:
    """Write `text` to `path` so that a reader sees the old file or the new one, never a part."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise ConfigError(f"cannot write the report to {path.parent}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise ConfigError(
            f"cannot write the report to {path}: {exc.strerror or exc}; the previous file is unchanged "
            "and the report is stored in the database (a re-run writes it)"
        ) from None


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def ensure_file(row: Report) -> Path:
    """The report's file, rewritten from the stored version when it is missing or was changed."""
    path = Path(row.path or "")
    current = path.read_text(encoding="utf-8") if path.is_file() else None
    if current is None or _digest(current) != _digest(row.markdown):
        write_atomically(path, row.markdown)
    return path


def report_version(session: Session, week: str, lang: str = "en", version: int | None = None) -> Report:
    """One stored report version (default: the newest) or NotFoundError."""
    query = select(Report).where(Report.week == week, Report.lang == lang)
    if version is not None:
        query = query.where(Report.version == version)
    row = session.exec(query.order_by(col(Report.version).desc())).first()
    if row is None:
        which = f" version {version}" if version is not None else ""
        raise NotFoundError(
            f"no report{which} for {week} ({lang}); build one with `ingest report --week {week}`"
        )
    return row


def report_diff(session: Session, week: str, lang: str = "en") -> str:
    """Unified diff of the Markdown of the last two versions of (week, lang)."""
    newest = report_version(session, week, lang)
    if newest.version < 2:
        raise NotFoundError(f"only one version of the {week} ({lang}) report exists; nothing to diff")
    older = report_version(session, week, lang, newest.version - 1)
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
    """The newest Published report of (week, lang) if nothing it depends on changed since (prompts,
    backend, model, the week's extractions and scope decisions), else None."""
    latest = session.exec(
        select(Report).where(Report.week == week, Report.lang == lang).order_by(col(Report.version).desc())
    ).first()
    if latest is None or latest.status != "Published":
        return None
    wanted = settings.prompt_pins()
    if any(latest.prompts.get(k) != v for k, v in wanted.items() if k in latest.prompts):
        return None
    if latest.backend != settings.active_backend:
        return None
    if latest.backend == "openai" and latest.model != settings.model:
        return None
    newest = session.exec(
        select(func.max(Extraction.created_at))
        .join(Paper, col(Paper.id) == col(Extraction.paper_id))
        .where(Paper.week == week)
    ).one()
    if newest is not None and _aware(newest) > _aware(latest.created_at):
        return None
    return latest
