"""arXiv HTML full text -> author affiliations + snippet text on paper rows (only when settings.enrich_html).

Input: papers (ids or rows) or a week (its papers at or above settings.relevance_threshold, the ones
the LLM will see). For each paper the LaTeXML page `{html_base_url}{arxiv_id}v{version}` comes from
the disk cache (`cache_dir/html/<id>v<n>.html`, an old-style id's '/' written as '_':
`cs_0701001v1.html`; `<id>v<n>.404` marks "no HTML version") or is fetched
with httpx, politely: settings.user_agent, one request at a time, at least settings.arxiv_delay_seconds
apart. Output on the paper row: `affiliations` (when the page names any; else what the API gave),
`fulltext` (affiliations, abstract and the introduction/experiment/deployment paragraphs, capped),
`enriched_at`, and `content_hash` recomputed with paper_rows.content_hash (so the extraction re-runs on
the richer text). Idempotency key: the (arxiv_id, version) page in the cache; a re-run makes no
request and leaves unchanged rows untouched. Failures: a 404 is recorded as `missing` (cached for
that version, never fatal); other HTTP or network errors, and a cache that cannot be written, are
recorded per paper in `failed`, the batch goes on and the next run retries them.
httpx and lxml.html are imported when a page is fetched or parsed, not with this module (the crawl
package imports it, and most crawls never enrich).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from ingest.config import Settings
from ingest.crawl import paper_rows
from ingest.db import engine as db
from ingest.db.models import Paper, utcnow

if TYPE_CHECKING:
    import httpx
    from lxml.html import HtmlElement

FULLTEXT_CHARS = 12_000
SECTION_WORDS = re.compile(r"intro|experiment|evaluat|online|deploy|a/b|result|conclu|application", re.I)
AFFILIATION_ROLES = ("ltx_role_affiliation", "ltx_role_institutetext")
EMAIL = re.compile(r"\S+@\S+")
BREAK = "\x00"
LEADING_MARK = re.compile(r"^[\s\d,*†‡§¶∗⋆♠♣♡♢#]+")


@dataclass
class Page:
    """What one LaTeXML page says: authors, their affiliations (document order, distinct), snippet text."""

    authors: list[str]
    affiliations: list[str]
    text: str


@dataclass
class EnrichResult:
    """What one enrichment pass did, by arxiv_id."""

    selected: int = 0
    fetched: int = 0
    cached: int = 0
    updated: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    skipped: bool = False


# ---- parsing (pure) ----


def _has_class(name: str) -> str:
    return f'contains(concat(" ", normalize-space(@class), " "), " {name} ")'


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _lines(node: HtmlElement) -> list[str]:
    """Visible text split at <br>, with <math> replaced by its alttext and footnote marks (<sup>) dropped."""
    parts: list[str] = []

    def walk(el: HtmlElement) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag.endswith("math"):
            parts.append(el.get("alttext") or "")
        elif tag == "br":
            parts.append(BREAK)
        elif tag != "sup":
            parts.append(el.text or "")
            for child in el:
                walk(child)
        if el is not node:
            parts.append(el.tail or "")

    walk(node)
    lines = (_clean(line) for line in re.sub(r"\s+", " ", "".join(parts)).split(BREAK))
    return [line for line in lines if line]


def _text(node: HtmlElement) -> str:
    return " ".join(_lines(node))


def _affiliations(node: HtmlElement) -> list[str]:
    """acmart puts institution/city/country in sub-spans (joined with commas); llncs/plain use lines."""
    pieces = [_text(p) for p in node.xpath(".//*[contains(@class, 'ltx_affiliation_')]")]
    lines = [", ".join(p for p in pieces if p)] if any(pieces) else _lines(node)
    cleaned = (LEADING_MARK.sub("", EMAIL.sub("", line)).strip(" ,;") for line in lines)
    return [line for line in cleaned if line]


def _distinct(items: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        if item and item.lower() not in {s.lower() for s in seen}:
            seen[item] = None
    return list(seen)


def parse_affiliations(doc: HtmlElement) -> tuple[list[str], list[str]]:
    """(author names, affiliations) from LaTeXML author markup, in the three layouts arXiv produces:
    acmart `ltx_role_affiliation`, llncs `ltx_role_institutetext`, plain lines after the name."""
    path = f"//*[{_has_class('ltx_role_author')}]//*[{_has_class('ltx_personname')}]"
    people = [_lines(p) for p in doc.xpath(path)]
    names = [lines[0] for lines in people if lines]
    roles = " or ".join(_has_class(role) for role in AFFILIATION_ROLES)
    found = [a for node in doc.xpath(f"//*[{roles}]") for a in _affiliations(node)]
    if not found:
        found = [", ".join(line for line in lines[1:] if "@" not in line) for lines in people]
    return names, _distinct(found)


def _section_text(doc: HtmlElement) -> list[str]:
    chunks = []
    path = f"//section[{_has_class('ltx_section')}] | //div[{_has_class('ltx_acknowledgements')}]"
    for section in doc.xpath(path):
        title_nodes = section.xpath(f".//*[{_has_class('ltx_title')}]")
        title = _text(title_nodes[0]) if title_nodes else ""
        if section.tag == "div" or SECTION_WORDS.search(title):
            paras = [_text(p) for p in section.xpath(f".//*[{_has_class('ltx_para')}]")]
            body = [p for p in paras if p] or [_text(section).removeprefix(title).strip()]
            chunks.append("\n".join([title, *body]))
    return chunks


def parse_page(html: str) -> Page:
    """A LaTeXML page -> Page (affiliations, abstract and the sections a recsys engineer reads)."""
    import lxml.html

    doc = lxml.html.fromstring(html)
    authors, affiliations = parse_affiliations(doc)
    abstract = [_text(p) for p in doc.xpath(f"//*[{_has_class('ltx_abstract')}]//p")]
    parts = []
    if affiliations:
        parts.append("Affiliations: " + "; ".join(affiliations))
    parts.append("\n".join(a for a in abstract if a))
    parts.extend(_section_text(doc))
    return Page(authors, affiliations, "\n\n".join(p for p in parts if p)[:FULLTEXT_CHARS])


# ---- fetching (cached, polite) ----


def cache_stem(arxiv_id: str, version: int) -> str:
    """The cache file name (no suffix) of a page: one flat file per id and version, any id form."""
    return f"{arxiv_id.replace('/', '_')}v{version}"


class Fetcher:
    """One polite httpx client: cache first, then at most one request per `delay` seconds."""

    def __init__(self, settings: Settings) -> None:
        import httpx

        self.settings = settings
        self.folder = Path(settings.cache_dir) / "html"
        self.delay = settings.arxiv_delay_seconds
        self._last = float("-inf")
        self._client = httpx.Client(
            headers={"User-Agent": settings.user_agent}, follow_redirects=True, timeout=settings.arxiv_timeout
        )

    def close(self) -> None:
        self._client.close()

    def page(self, arxiv_id: str, version: int, result: EnrichResult) -> str | None:
        """The page's HTML, None when arXiv has no HTML version (404). Other failures raise httpx errors."""
        name = f"{arxiv_id}v{version}"
        stem = cache_stem(arxiv_id, version)
        html_path, missing_path = self.folder / f"{stem}.html", self.folder / f"{stem}.404"
        if html_path.is_file():
            result.cached += 1
            return html_path.read_text(encoding="utf-8")
        if missing_path.is_file():
            result.cached += 1
            return None
        response = self._get(self.settings.html_base_url + name)
        result.fetched += 1
        self.folder.mkdir(parents=True, exist_ok=True)
        if response.status_code == 404:
            missing_path.write_text("", encoding="utf-8")
            return None
        response.raise_for_status()
        html_path.write_text(response.text, encoding="utf-8")
        return response.text

    def _get(self, url: str) -> httpx.Response:
        wait = self._last + self.delay - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        try:
            return self._client.get(url)
        finally:
            self._last = time.monotonic()


# ---- the stage ----


def _targets(
    session: Session, settings: Settings, papers_or_week: str | Sequence[Paper | int | str]
) -> list[tuple[int, str, int]]:
    """(paper id, arxiv_id, version) of the papers to enrich."""
    query = select(col(Paper.id), col(Paper.arxiv_id), col(Paper.version))
    if isinstance(papers_or_week, str):
        query = query.where(
            col(Paper.week) == papers_or_week,
            col(Paper.relevance) >= settings.relevance_threshold,
            col(Paper.duplicate_of).is_(None),
        )
    else:
        ids = [p.id if isinstance(p, Paper) else p for p in papers_or_week]
        numbers = [i for i in ids if isinstance(i, int)]
        names = [i for i in ids if isinstance(i, str)]
        query = query.where(col(Paper.id).in_(numbers) | col(Paper.arxiv_id).in_(names))
    rows = session.execute(query.order_by(col(Paper.arxiv_id)))
    return [(int(r.id), r.arxiv_id, int(r.version)) for r in rows]


def _apply(session: Session, paper_id: int, page: Page) -> bool:
    """Write the page's facts onto the paper row; False when nothing changes."""
    paper = session.get(Paper, paper_id)
    assert paper is not None
    affiliations = page.affiliations or list(paper.affiliations)
    fulltext = page.text
    if paper.enriched_at is not None and affiliations == paper.affiliations and fulltext == paper.fulltext:
        return False
    paper.affiliations, paper.fulltext, paper.enriched_at = affiliations, fulltext, utcnow()
    paper.content_hash = paper_rows.content_hash(paper.title, paper.abstract, paper.comment, fulltext)
    session.add(paper)
    return True


def enrich_papers(
    settings: Settings, papers_or_week: str | Sequence[Paper | int | str], *, engine: Engine | None = None
) -> EnrichResult:
    """Enrich a week's relevant papers (or given papers/ids) from their arXiv HTML pages. See module doc."""
    if not settings.enrich_html:
        return EnrichResult(skipped=True)
    engine = engine or db.open_engine(settings)
    with db.session_scope(engine) as session:
        targets = _targets(session, settings, papers_or_week)
    result = EnrichResult(selected=len(targets))
    fetcher = Fetcher(settings)
    try:
        for paper_id, arxiv_id, version in targets:
            _enrich_one(engine, fetcher, result, paper_id, arxiv_id, version)
    finally:
        fetcher.close()
    return result


def _enrich_one(
    engine: Engine, fetcher: Fetcher, result: EnrichResult, paper_id: int, arxiv_id: str, version: int
) -> None:
    import httpx  # loaded by the Fetcher already

    try:
        html = fetcher.page(arxiv_id, version, result)
    except httpx.HTTPError as exc:
        result.failed[arxiv_id] = _describe(exc)
        return
    except (OSError, UnicodeDecodeError) as exc:  # the cache cannot be read or written
        result.failed[arxiv_id] = f"HTML cache: {type(exc).__name__}: {exc}"
        return
    if html is None:
        result.missing.append(arxiv_id)
        return
    page = parse_page(html)
    with db.session_scope(engine) as session:
        if _apply(session, paper_id, page):
            result.updated.append(arxiv_id)


def _describe(exc: httpx.HTTPError) -> str:
    import httpx

    if isinstance(exc, httpx.HTTPStatusError):
        return f"HTTP {exc.response.status_code} for {exc.request.url}"
    return f"{type(exc).__name__}: {exc}"
