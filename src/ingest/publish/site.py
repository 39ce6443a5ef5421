"""Static site: the database's Published reports -> a folder of HTML pages and an Atom feed.

Pages (relative links only, so the folder works from file:// and any static host; no JavaScript):
  index.html                 every report, newest week first: its thesis line and storylines
  reports/<slug>.html        the newest Published version of each (week, lang)
  papers/<arxiv_id>.html     each paper a report selected: claims with evidence quotes, arXiv link
  papers/index.html          those papers in a table
  feed.xml                   Atom, one entry per Published version (feed.py)
  style.css, manifest.json
Every attributable number links to `papers/<id>.html#claim-<n>` with the evidence quote as its title
(linking.py); paper text is escaped everywhere (Jinja2 autoescape, markdown-it without raw HTML).

Idempotency: pages are a pure function of the database (no build times), and output.write_site
writes only when a file's hash changed; a `publication` row is upserted for each report whose
version is new to this folder. Failures: no Published report -> NotFoundError; no folder configured
or a foreign non-empty folder -> ConfigError; the database is written only after the folder is in place.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup
from sqlalchemy.engine import Engine
from sqlmodel import Session

from ingest.config import Settings
from ingest.db.engine import open_engine
from ingest.errors import ConfigError, NotFoundError
from ingest.publish import record
from ingest.publish.evidence import ClaimView, PaperView, papers_of
from ingest.publish.feed import atom
from ingest.publish.linking import Linker, LinkStats
from ingest.publish.output import WriteResult, write_site
from ingest.publish.published import PublishedReport, latest_published, published_versions
from ingest.publish.rendering import render


@dataclass
class SiteResult:
    out: Path
    write: WriteResult
    reports: list[PublishedReport]
    papers: int
    links: dict[str, LinkStats] = field(default_factory=dict)  # slug -> counts on its page
    published: list[str] = field(default_factory=list)  # slugs whose version is new to this folder

    @property
    def totals(self) -> LinkStats:
        total = LinkStats()
        for stats in self.links.values():
            total.add(stats)
        return total


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("ingest.publish", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


def _linker(papers: dict[str, PaperView], prefix: str) -> Linker:
    def href(arxiv_id: str, claim: ClaimView) -> str:
        return f"{prefix}papers/{arxiv_id}.html#{claim.anchor}"

    return Linker(papers, href)


class _Pages:
    """Renders every page of the site into {relative path: bytes}."""

    def __init__(self, papers: dict[str, PaperView], base_url: str) -> None:
        self.env, self.papers, self.base_url = _environment(), papers, base_url
        self.files: dict[str, bytes] = {}
        self.links: dict[str, LinkStats] = {}

    def of(self, rep: PublishedReport) -> dict[str, PaperView]:
        """The papers `rep` selected: a number is only ever linked to a paper of its own report."""
        return {a: self.papers[a] for a, _ in rep.papers if a in self.papers}

    def page(self, path: str, template: str, **context: object) -> None:
        html = self.env.get_template(template).render(**context)
        self.files[path] = html.encode("utf-8")

    def report(self, rep: PublishedReport) -> None:
        body, stats, toc = render(rep.body, _linker(self.of(rep), "../"))
        self.links[rep.slug] = stats
        tags = [str(t) for t in rep.front.get("tags") or []]  # type: ignore[attr-defined]
        self.page(
            f"reports/{rep.slug}.html",
            "report.html",
            root="../",
            lang=rep.lang,
            report=rep,
            body=Markup(body),
            toc=toc,
            tags=tags,
        )

    def index(self, reports: list[PublishedReport]) -> None:
        items = []
        for rep in reports:
            thesis, storylines = rep.brief()
            html, _, _ = render("\n\n".join(storylines), _linker(self.of(rep), ""))
            items.append(
                {"report": rep, "thesis": thesis, "storylines_html": Markup(html), "papers": len(rep.papers)}
            )
        self.page("index.html", "index.html", root="", reports=items)

    def paper_pages(self, reports: list[PublishedReport]) -> None:
        featured: dict[str, list[PublishedReport]] = defaultdict(list)
        for rep in reports:
            for arxiv_id, _role in rep.papers:
                featured[arxiv_id].append(rep)
        for arxiv_id, paper in sorted(self.papers.items()):
            self.page(
                f"papers/{arxiv_id}.html", "paper.html", root="../", paper=paper, reports=featured[arxiv_id]
            )
        listed = sorted(self.papers.values(), key=lambda p: (p.week, p.arxiv_id), reverse=True)
        self.page("papers/index.html", "papers.html", root="../", papers=listed)

    def feed(self, versions: list[PublishedReport]) -> None:
        base = self.base_url.rstrip("/") + "/" if self.base_url else ""

        def html_of(rep: PublishedReport) -> str:
            return render(rep.body, _linker(self.of(rep), base))[0]

        self.files["feed.xml"] = atom(versions, html_of, self.base_url)

    def static(self) -> None:
        css = resources.files("ingest.publish").joinpath("templates", "style.css").read_bytes()
        self.files["style.css"] = css


def render_site(
    reports: list[PublishedReport],
    versions: list[PublishedReport],
    papers: dict[str, PaperView],
    base_url: str = "",
) -> tuple[dict[str, bytes], dict[str, LinkStats]]:
    """Every file of the site (pure). `reports`: newest version per report; `versions`: all of them."""
    pages = _Pages(papers, base_url)
    for rep in reports:
        pages.report(rep)
    pages.index(reports)
    pages.paper_pages(reports)
    pages.feed(versions)
    pages.static()
    return pages.files, pages.links


def build_site(settings: Settings, out: Path | None = None, *, engine: Engine | None = None) -> SiteResult:
    """Build the site into `out` (default: settings.publish_site_dir); write only what changed."""
    folder = out or settings.publish_site_dir
    if folder is None:
        raise ConfigError("no site folder: pass --out DIR or set publish_site_dir (INGEST_PUBLISH_SITE_DIR)")
    engine = engine or open_engine(settings)
    with Session(engine) as session:
        reports = latest_published(session)
        if not reports:
            raise NotFoundError(
                "no Published report in the database yet; run `ingest run` or `ingest report`"
            )
        versions = published_versions(session)
        papers = papers_of(session, {a for rep in versions for a, _ in rep.papers})
    files, links = render_site(reports, versions, papers, settings.publish_base_url)
    write = write_site(Path(folder), files)
    destination = str(write.out)
    before = record.previous(engine, "site", destination)
    published = []
    for rep in reports:
        row = before.get(rep.slug)
        if row is None or row.status != "ok" or row.content_hash != rep.content_hash:
            record.record(engine, "site", destination, rep, location=f"reports/{rep.slug}.html")
            published.append(rep.slug)
    return SiteResult(write.out, write, reports, len(papers), links, published)
