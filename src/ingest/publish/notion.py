"""Published reports -> one page each in a Notion database (notion-client; the API version it pins,
2025-09-03, where a database holds data sources and pages are created in a data source).

Per run: GET the database (its first data source) and the data source's property schema; then for
each report (newest Published version per week and language) whose content hash differs from the
last successful publish to this database (`publication` rows): query the data source for the page
whose `slug` property equals the report's slug; update it (properties, icon, `erase_content`) or
create it (parent data_source_id, properties, icon, the first 100 blocks); append the remaining
blocks 100 per request (`notion_block_batch`; blocks.py keeps text objects <= 2,000 characters
and <= 100 per array).
Property values follow the database's own schema (REPORT_SPEC's type, status, date, slug, summary,
tags, category, icon, password, priority; the title property gets the report title); properties the
database lacks are skipped, a missing `slug` property is a ConfigError.

Idempotency: the slug finds the page, so reruns and new versions update one page and never add a
second; a report publish that failed halfway (a 500 between block appends) is redone whole by the
next run (content erased, appended again). Rate limits: notion-client retries 429 after Retry-After
(at most `notion_max_retries` times); requests are also paced to Notion's documented average of three
per second (`notion_min_interval`). Failures: a 5xx or timeout fails that report (recorded, the
others go on; the caller raises); a rejected token, an unknown database or an unreachable API stops
the run with one line. The token (NOTION_TOKEN) is only ever sent in the Authorization header: it
is never stored, logged or part of an error message.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session

from ingest.config import Settings
from ingest.db.engine import open_engine
from ingest.errors import ConfigError, Failure, Kind, NotFoundError, PublishError
from ingest.publish import record
from ingest.publish.blocks import BLOCKS_PER_REQUEST, TEXT_MAX, chunks, to_blocks
from ingest.publish.evidence import ClaimView, papers_of
from ingest.publish.linking import Linker
from ingest.publish.published import PublishedReport, latest_published

log = logging.getLogger("ingest.publish.notion")
STOPPING = {
    "unauthorized": "Notion rejected the token (401 unauthorized): check NOTION_TOKEN",
    "restricted_resource": "the Notion integration may not use this database: share it with the integration",
}


@dataclass
class NotionResult:
    database_id: str
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    pages: dict[str, str] = field(default_factory=dict)  # slug -> page URL

    def raise_for_failures(self) -> None:
        if self.failures:
            shown = "; ".join(str(f) for f in self.failures)
            raise PublishError(f"Notion publish failed for {len(self.failures)} report(s): {shown}")


def _client(settings: Settings, token: str) -> Any:
    from notion_client import Client
    from notion_client.client import RetryOptions

    last = [0.0]
    lock = threading.Lock()

    def pace(_request: httpx.Request) -> None:
        with lock:
            wait = last[0] + settings.notion_min_interval - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            last[0] = time.monotonic()

    retry = RetryOptions(max_retries=settings.notion_max_retries, max_retry_delay_ms=120_000)
    return Client(
        client=httpx.Client(event_hooks={"request": [pace]}),
        auth=token,
        base_url=settings.notion_base_url.rstrip("/"),
        timeout_ms=int(settings.notion_timeout * 1000),
        retry=retry,
        logger=log,
    )


def _rich(text: str) -> list[dict[str, Any]]:
    return [
        {"type": "text", "text": {"content": text[i : i + TEXT_MAX]}} for i in range(0, len(text), TEXT_MAX)
    ]


def _value(kind: str, value: Any) -> dict[str, Any] | None:
    """A property value in the shape of the database's property type (None: cannot be expressed)."""
    if kind in ("title", "rich_text"):
        return {kind: _rich(str(value))}
    if kind in ("select", "status"):
        return {kind: {"name": str(value)[:100]} if str(value) else None}
    if kind == "multi_select":
        items = value if isinstance(value, list) else [value]
        return {kind: [{"name": str(v).replace(",", " ")[:100]} for v in items if str(v)]}
    if kind == "date":
        return {kind: {"start": str(value)}}
    if kind == "number":
        try:
            return {kind: float(value) if "." in str(value) else int(value)}
        except (TypeError, ValueError):
            return None
    if kind == "checkbox":
        return {kind: bool(value)}
    if kind in ("url", "email", "phone_number"):
        return {kind: str(value) or None}
    return None


def properties(rep: PublishedReport, schema: dict[str, Any]) -> dict[str, Any]:
    """The report's properties, shaped by the database schema ({name: {type: ...}})."""
    front = rep.front
    wanted: dict[str, Any] = {
        "type": front.get("type", "Post"),
        "status": front.get("status", "Published"),
        "date": rep.created_at.isoformat(timespec="seconds"),
        "slug": rep.slug,
        "summary": rep.summary[:2000],
        "tags": front.get("tags") or [],
        "category": front.get("category", ""),
        "icon": front.get("icon", ""),
        "password": front.get("password", ""),
        "priority": front.get("priority", 1),
    }
    by_name = {name.lower(): name for name in schema}
    out: dict[str, Any] = {}
    for key, value in wanted.items():
        name = by_name.get(key)
        shaped = _value(schema[name]["type"], value) if name else None
        if name and shaped is not None:
            out[name] = shaped
    title = next((n for n, p in schema.items() if p.get("type") == "title"), None)
    if title and title not in out:
        out[title] = {"title": _rich(rep.title)}
    return out


class _Publisher:
    def __init__(self, client: Any, database_id: str, base_url: str, batch: int = BLOCKS_PER_REQUEST) -> None:
        self.c, self.database_id, self.base_url = client, database_id, base_url.rstrip("/")
        self.batch = min(batch, BLOCKS_PER_REQUEST)

    def open(self) -> None:
        db = self.c.databases.retrieve(database_id=self.database_id)
        sources = db.get("data_sources") or []
        if not sources:
            raise ConfigError(f"Notion database {self.database_id} has no data source")
        self.source = sources[0]["id"]
        self.schema = self.c.data_sources.retrieve(data_source_id=self.source).get("properties") or {}
        slug = next((n for n in self.schema if n.lower() == "slug"), None)
        if slug is None:
            raise ConfigError(
                f"Notion database {self.database_id} has no 'slug' property (add a Text property slug)"
            )
        self.slug_name, self.slug_type = slug, self.schema[slug]["type"]

    def find(self, slug: str) -> dict[str, Any] | None:
        flt = {"property": self.slug_name, self.slug_type: {"equals": slug}}
        res = self.c.data_sources.query(data_source_id=self.source, filter=flt, page_size=10)
        pages = [p for p in res.get("results", []) if p.get("object") == "page"]
        return pages[0] if pages else None

    def publish(self, rep: PublishedReport, blocks: list[dict[str, Any]]) -> tuple[str, bool]:
        """(page URL, created?) after the page holds exactly the report's properties and blocks."""
        props = properties(rep, self.schema)
        icon = {"type": "emoji", "emoji": str(rep.front.get("icon") or "📚")}
        page = self.find(rep.slug)
        created = page is None
        if page is None:
            parent = {"type": "data_source_id", "data_source_id": self.source}
            first, blocks = blocks[: self.batch], blocks[self.batch :]
            page = self.c.pages.create(parent=parent, properties=props, icon=icon, children=first)
        else:
            page = self.c.pages.update(page_id=page["id"], properties=props, icon=icon, erase_content=True)
        for chunk in chunks(blocks, self.batch):
            self.c.blocks.children.append(block_id=page["id"], children=chunk)
        return str(page.get("url") or page["id"]), created

    def linker(self, rep_papers: dict[str, Any]) -> Linker:
        base = self.base_url

        def href(arxiv_id: str, claim: ClaimView) -> str | None:
            return f"{base}/papers/{arxiv_id}.html#{claim.anchor}" if base else None

        return Linker(rep_papers, href)


def _stop(exc: Exception, database_id: str) -> ConfigError | None:
    """The error that ends the whole publish (token, permissions, database), None for per-report ones."""
    code = getattr(exc, "code", None)
    code = getattr(code, "value", code)
    if code in STOPPING:
        return ConfigError(STOPPING[code])
    if code == "object_not_found":
        return ConfigError(f"Notion database {database_id} not found, or not shared with the integration")
    return None


def publish_notion(
    settings: Settings, database_id: str | None = None, *, engine: Engine | None = None
) -> NotionResult:
    """Create or update one page per Published report in the Notion database (see the module doc)."""
    database_id = (database_id or settings.notion_database_id or "").strip()
    if not database_id:
        raise ConfigError("no Notion database: pass --database ID or set notion_database_id")
    if settings.notion_token is None or not settings.notion_token.get_secret_value():
        raise ConfigError("NOTION_TOKEN is not set (the integration's secret)")
    engine = engine or open_engine(settings)
    with Session(engine) as session:
        reports = latest_published(session)
        if not reports:
            raise NotFoundError(
                "no Published report in the database yet; run `ingest run` or `ingest report`"
            )
        papers = papers_of(session, {a for rep in reports for a, _ in rep.papers})
    before = record.previous(engine, "notion", database_id)
    result = NotionResult(database_id)
    todo = []
    for rep in reports:
        row = before.get(rep.slug)
        if row is not None and row.status == "ok" and row.content_hash == rep.content_hash:
            result.unchanged.append(rep.slug)
            result.pages[rep.slug] = row.location or ""
        else:
            todo.append(rep)
    if todo:
        _run(settings, database_id, engine, todo, papers, result)
    return result


def _run(
    settings: Settings,
    database_id: str,
    engine: Engine,
    todo: list[PublishedReport],
    papers: dict[str, Any],
    result: NotionResult,
) -> None:
    try:
        from notion_client.errors import NotionClientErrorBase as NotionClientError
    except ImportError:
        raise ConfigError("publishing to Notion needs notion-client: pip install 'ingest[notion]'") from None
    token = settings.notion_token.get_secret_value() if settings.notion_token else ""
    client = _client(settings, token)
    pub = _Publisher(client, database_id, settings.publish_base_url, settings.notion_block_batch)
    try:
        pub.open()
        for rep in todo:
            own = {a: papers[a] for a, _ in rep.papers if a in papers}  # link only to its own papers
            blocks = to_blocks(rep.body, pub.linker(own))
            try:
                url, created = pub.publish(rep, blocks)
            except NotionClientError as exc:
                if (stop := _stop(exc, database_id)) is not None:
                    raise stop from None
                message = settings.scrub(f"{type(exc).__name__}: {exc}")[:500]
                record.record(engine, "notion", database_id, rep, error=message)
                result.failures.append(Failure(rep.slug, Kind.FETCH, message))
                continue
            record.record(engine, "notion", database_id, rep, location=url)
            (result.created if created else result.updated).append(rep.slug)
            result.pages[rep.slug] = url
    except NotionClientError as exc:
        stop = _stop(exc, database_id)
        raise stop or PublishError(settings.scrub(f"Notion: {type(exc).__name__}: {exc}")[:500]) from None
    except httpx.HTTPError as exc:
        raise PublishError(
            settings.scrub(f"cannot reach Notion at {settings.notion_base_url}: {exc}")
        ) from None
    finally:
        client.close()
