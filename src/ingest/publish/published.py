"""Published reports as the publish stage reads them: report rows -> `PublishedReport` values.

`latest_published(session)`: the newest Published version of every (week, lang), newest week first
(what the site and Notion show). `published_versions(session)`: every Published version, newest first
(one Atom entry each). Each carries its front matter (parsed from our own renderer's simple
`key: value` lines), its body, the papers it selected (report_paper) and a content hash of its
Markdown, which is what "changed" means for a rerun. Read-only.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from ingest.db.models import Paper, Report, ReportPaper
from ingest.facts.numbers import SENTENCE

FRONT = re.compile(r"\A---\n(.*?)\n---\n", re.S)
TITLES = {"en": "Recsys Weekly", "zh": "推荐系统周报"}


@dataclass
class PublishedReport:
    report_id: int
    week: str
    lang: str
    version: int
    created_at: datetime
    markdown: str
    front: dict[str, object] = field(default_factory=dict)
    papers: list[tuple[str, str]] = field(default_factory=list)  # (arxiv_id, role)

    @property
    def slug(self) -> str:
        return str(self.front.get("slug") or f"rec-weekly-{self.lang}-{self.week}")

    @property
    def title(self) -> str:
        return f"{TITLES.get(self.lang, TITLES['en'])} {self.week}"

    @property
    def summary(self) -> str:
        return str(self.front.get("summary") or "")

    @property
    def body(self) -> str:
        return FRONT.sub("", self.markdown, count=1).lstrip("\n")

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.markdown.encode("utf-8")).hexdigest()

    @property
    def entry_id(self) -> str:
        """Stable Atom id of this version (a tag URI: no host, never changes)."""
        return f"tag:recsys-weekly,2026:{self.slug}:v{self.version}"

    def brief(self) -> tuple[str, list[str]]:
        """(thesis line, storylines): the first sentence of the brief's lead paragraph and the
        paragraphs after it (Storyline one/two/three), from the first `##` section."""
        section = re.split(r"^## .*$", self.body, flags=re.M)
        paras = [p.strip() for p in (section[1] if len(section) > 1 else "").split("\n\n") if p.strip()]
        if not paras:
            return "", []
        thesis = SENTENCE.split(" ".join(paras[0].split()), maxsplit=1)[0]
        return thesis, paras[1:]


def front_matter(markdown: str) -> dict[str, object]:
    """Our renderer's front matter: `key: value` lines; "quoted" values are JSON strings, [a, b] lists."""
    m = FRONT.match(markdown)
    out: dict[str, object] = {}
    for line in (m.group(1) if m else "").splitlines():
        key, sep, raw = line.partition(":")
        if not sep or line.startswith(" "):
            continue
        value = raw.strip()
        if value.startswith('"'):
            try:
                out[key.strip()] = json.loads(value)
                continue
            except json.JSONDecodeError:
                pass
        if value.startswith("[") and value.endswith("]") and key.strip() == "tags":
            out[key.strip()] = [v.strip() for v in value[1:-1].split(",") if v.strip()]
        else:
            out[key.strip()] = value
    return out


def _load(session: Session, row: Report) -> PublishedReport:
    papers = session.exec(
        select(Paper.arxiv_id, ReportPaper.role)
        .join(ReportPaper, col(ReportPaper.paper_id) == col(Paper.id))
        .where(ReportPaper.report_id == row.id)
        .order_by(col(ReportPaper.id))
    ).all()
    assert row.id is not None
    return PublishedReport(
        report_id=row.id,
        week=row.week,
        lang=row.lang,
        version=row.version,
        created_at=row.created_at,
        markdown=row.markdown,
        front=front_matter(row.markdown),
        papers=[(a, r) for a, r in papers],
    )


def published_versions(session: Session) -> list[PublishedReport]:
    """Every Published version, newest week first, then language, then newest version."""
    rows = list(session.exec(select(Report).where(Report.status == "Published")).all())
    rows.sort(key=lambda r: r.version, reverse=True)
    rows.sort(key=lambda r: r.lang)  # stable sorts: week descending, then language, then version descending
    rows.sort(key=lambda r: r.week, reverse=True)
    return [_load(session, r) for r in rows]


def latest_published(session: Session) -> list[PublishedReport]:
    """The newest Published version of every (week, lang), newest week first (English before Chinese)."""
    seen: set[tuple[str, str]] = set()
    out = []
    for rep in published_versions(session):
        if (rep.week, rep.lang) not in seen:
            seen.add((rep.week, rep.lang))
            out.append(rep)
    return out
