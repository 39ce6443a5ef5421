"""SQLModel tables: the database schema. Alembic revisions in migrations/ create exactly these.

Identity keys: `paper.arxiv_id` (base id, no version); `paper_version(paper_id, version)`;
`extraction(paper_id, prompt_hash, model, input_hash)` is the LLM cache key;
`report(week, lang, version)`. Datetimes are timezone-aware UTC (SQLModel's UTCDateTime).
JSON columns are reassigned, never mutated in place (in-place changes are not tracked).
"""

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Column, Index, Table, Text, UniqueConstraint, inspect
from sqlmodel import Field, SQLModel

if TYPE_CHECKING:
    from sqlmodel.main import SQLModelConfig

# Each table's pydantic validator and serializer are built on first use (model_dump, model_validate),
# not at import: table models are constructed without validation, and most commands never dump one.
# No `from __future__ import annotations` in this module: with it pydantic and SQLAlchemy evaluate every
# field's annotation from its text (a compile per field) when the tables are declared.
DEFERRED: "SQLModelConfig" = {"defer_build": True}


def utcnow() -> datetime:
    return datetime.now(UTC)


def table_of(model: type[SQLModel]) -> Table:
    """The Core Table a table model maps to (what `model.__table__` holds; SQLModel does not declare
    that attribute's type). TypeError for a model that is not a table."""
    table = inspect(model).local_table
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not a table model")
    return table


class Paper(SQLModel, table=True):
    """One arXiv paper (all versions, all cross-lists): the newest text wins."""

    model_config = DEFERRED

    id: int | None = Field(default=None, primary_key=True)
    arxiv_id: str = Field(index=True, unique=True, max_length=32)
    version: int = 1
    title: str = Field(sa_column=Column(Text, nullable=False))
    abstract: str = Field(sa_column=Column(Text, nullable=False))
    authors: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    affiliations: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    categories: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    primary_category: str | None = Field(default=None, max_length=32)
    published: datetime | None = None  # v1 submission time (UTC)
    updated: datetime | None = None  # newest version's time (UTC)
    listing_date: date | None = None  # arXiv announcement date of v1
    comment: str | None = Field(default=None, sa_column=Column(Text))
    journal_ref: str | None = Field(default=None, sa_column=Column(Text))
    doi: str | None = Field(default=None, max_length=255)
    week: str = Field(index=True, max_length=8)  # ISO week of the v1 announcement, "2026-W16"
    source: str = Field(default="arxiv", max_length=255)  # "arxiv" or "snapshot:<file name>"
    content_hash: str = Field(max_length=64)  # sha256 of title+abstract+comment+fulltext
    fulltext: str | None = Field(default=None, sa_column=Column(Text))  # fetched HTML snippets
    enriched_at: datetime | None = None
    relevance: float = 0.0  # crawl-time pre-score (rules, no LLM)
    relevance_reasons: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    duplicate_of: str | None = Field(default=None, index=True, max_length=32)  # canonical arxiv_id
    first_seen_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    # the scope decision (added by migration 0009, so after the columns above)
    scope: str | None = Field(default=None, index=True, max_length=16)  # recsys | adjacent | out_of_scope
    scope_reason: str | None = Field(default=None, sa_column=Column(Text))
    scope_by: str | None = Field(default=None, max_length=255)  # the rule or model answer that decided


class PaperVersion(SQLModel, table=True):
    """Every version of a paper we have seen, with the hash of its text."""

    model_config = DEFERRED

    __tablename__ = "paper_version"
    __table_args__ = (UniqueConstraint("paper_id", "version", name="uq_paper_version"),)

    id: int | None = Field(default=None, primary_key=True)
    paper_id: int = Field(foreign_key="paper.id", index=True, ondelete="CASCADE")
    version: int
    updated: datetime | None = None
    content_hash: str = Field(max_length=64)
    title: str = Field(sa_column=Column(Text, nullable=False))
    seen_at: datetime = Field(default_factory=utcnow)


class Run(SQLModel, table=True):
    """One invocation of a stage or of the whole pipeline, with its counts and outcome."""

    model_config = DEFERRED

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(index=True, max_length=32)  # crawl | extract | report | run
    week: str | None = Field(default=None, index=True, max_length=8)
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    status: str = Field(default="running", max_length=16)  # running | ok | partial | failed
    counts: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    stages: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    error: str | None = Field(default=None, sa_column=Column(Text))
    pid: int | None = None
    host: str | None = Field(default=None, max_length=255)


class Extraction(SQLModel, table=True):
    """One LLM extraction of one paper (full JSON + queryable columns). Failed attempts are rows too."""

    model_config = DEFERRED

    __table_args__ = (
        UniqueConstraint("paper_id", "prompt_hash", "model", "input_hash", name="uq_extraction_cache"),
    )

    id: int | None = Field(default=None, primary_key=True)
    paper_id: int = Field(foreign_key="paper.id", index=True, ondelete="CASCADE")
    run_id: int | None = Field(default=None, foreign_key="run.id")
    prompt_name: str = Field(max_length=64)
    prompt_version: str = Field(max_length=16)
    prompt_hash: str = Field(max_length=64)
    backend: str = Field(max_length=32)
    model: str = Field(max_length=128)
    input_hash: str = Field(max_length=64)  # = paper.content_hash when extracted
    status: str = Field(default="ok", index=True, max_length=16)  # ok | failed
    error: str | None = Field(default=None, sa_column=Column(Text))
    attempts: int = 0
    data: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))  # PaperExtraction JSON
    scope: str | None = Field(default=None, index=True, max_length=16)
    short_name: str | None = Field(default=None, max_length=255)
    industrial: bool | None = None
    deployed_online: bool | None = None
    institutions: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    topics: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    techniques: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    one_line: str | None = Field(default=None, sa_column=Column(Text))
    method: str | None = Field(default=None, sa_column=Column(Text))
    grounded_count: int = 0
    ungrounded_count: int = 0
    ungrounded: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class Claim(SQLModel, table=True):
    """One verified claim of an extraction, with its evidence: a result (a metric's value in a setting)
    or an institution (an authors' organisation). Only claims that passed the claim verifier are rows.

    result:      metric (noun phrase, e.g. 'CTR'), value as written ('+2.76%', '6.3%-26.5%'),
                 direction (increase | decrease | none), setting (online | offline | efficiency | other),
                 location (platform or dataset as named, may be empty)
    institution: metric = canonical name ('Alibaba'), value = the name as written ('Taobao'),
                 industrial flag; setting and direction are ''
    evidence:    the shortest verbatim sentence or clause of the paper's source that holds the claim
    """

    model_config = DEFERRED

    __table_args__ = (Index("ix_claim_metric", "metric"),)

    id: int | None = Field(default=None, primary_key=True)
    extraction_id: int = Field(foreign_key="extraction.id", index=True, ondelete="CASCADE")
    paper_id: int = Field(foreign_key="paper.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=16)  # result | institution
    setting: str = Field(default="", max_length=16)  # online | offline | efficiency | other | ''
    metric: str = Field(max_length=255)
    value: str = Field(default="", max_length=255)
    direction: str = Field(default="", max_length=16)  # increase | decrease | none | ''
    location: str | None = Field(default=None, max_length=255)
    evidence: str | None = Field(default=None, sa_column=Column(Text))
    industrial: bool | None = None


class LLMCall(SQLModel, table=True):
    """Every LLM call (also offline ones): provenance, cost and raw output."""

    model_config = DEFERRED

    __tablename__ = "llm_call"

    id: int | None = Field(default=None, primary_key=True)
    run_id: int | None = Field(default=None, foreign_key="run.id", index=True)
    paper_id: int | None = Field(default=None, foreign_key="paper.id", index=True, ondelete="SET NULL")
    stage: str = Field(max_length=32)  # extract | plan | section | overview
    prompt_name: str = Field(max_length=64)
    prompt_version: str = Field(max_length=16)
    prompt_hash: str = Field(max_length=64)
    backend: str = Field(max_length=32)
    model: str = Field(max_length=128)
    input_hash: str | None = Field(default=None, max_length=64)
    batch_id: int | None = Field(
        default=None, foreign_key="llm_batch.id", index=True
    )  # set: a Batch API call
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: float = 0.0
    attempts: int = 1
    status: str = Field(default="ok", max_length=16)  # ok | failed
    error: str | None = Field(default=None, sa_column=Column(Text))
    raw_output: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(default_factory=utcnow)


class LLMBatch(SQLModel, table=True):
    """One provider Batch API job (ingest extract --batch): its provider ids, state and counts.

    status follows the provider (validating, in_progress, finalizing, completed, failed, expired,
    cancelling, cancelled) after our own `submitting` (row written before the upload, so a process
    killed mid-submission finds its batch again by the `ingest_batch` metadata). `collected_at` is set
    once every answer of an ended batch is stored. owner/lease_until: who is collecting it.
    """

    model_config = DEFERRED

    __tablename__ = "llm_batch"

    id: int | None = Field(default=None, primary_key=True)
    provider_id: str | None = Field(default=None, index=True, unique=True, max_length=128)
    input_file_id: str | None = Field(default=None, max_length=128)
    output_file_id: str | None = Field(default=None, max_length=128)
    error_file_id: str | None = Field(default=None, max_length=128)
    status: str = Field(default="submitting", index=True, max_length=16)
    backend: str = Field(max_length=32)
    model: str = Field(max_length=128)
    prompt_name: str = Field(max_length=64)
    prompt_version: str = Field(max_length=16)
    prompt_hash: str = Field(max_length=64)
    requests: int = 0
    completed: int = 0  # provider request_counts
    failed: int = 0
    stored_ok: int = 0  # what collection stored
    stored_failed: int = 0
    unprocessed: int = 0  # requests an expired or cancelled batch never ran (retried by the next run)
    run_id: int | None = Field(default=None, foreign_key="run.id")
    error: str | None = Field(default=None, sa_column=Column(Text))
    owner: str | None = Field(default=None, max_length=255)
    lease_until: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    collected_at: datetime | None = None


class ExtractTask(SQLModel, table=True):
    """A paper to extract under one cache key, while it is waiting or being extracted.

    Workers sharing a database claim tasks (owner + lease_until, committed before the LLM call);
    a task sent in a Batch API job is owned by `batch:<llm_batch.id>` with `batch_id` set. The row is
    deleted in the transaction that stores the paper's outcome, so a paper is claimed by at most one
    worker or batch at a time and a killed worker's tasks are free again when their lease ends.
    """

    model_config = DEFERRED

    __tablename__ = "extract_task"
    __table_args__ = (
        UniqueConstraint("paper_id", "prompt_hash", "model", "input_hash", name="uq_extract_task_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    paper_id: int = Field(foreign_key="paper.id", index=True, ondelete="CASCADE")
    prompt_hash: str = Field(max_length=64)
    model: str = Field(max_length=128)
    input_hash: str = Field(max_length=64)
    owner: str | None = Field(default=None, index=True, max_length=255)  # host:pid:token or batch:<id>
    lease_until: datetime | None = None
    batch_id: int | None = Field(default=None, foreign_key="llm_batch.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)


class Report(SQLModel, table=True):
    """One generated version of a week's report in one language."""

    model_config = DEFERRED

    __table_args__ = (UniqueConstraint("week", "lang", "version", name="uq_report_version"),)

    id: int | None = Field(default=None, primary_key=True)
    week: str = Field(index=True, max_length=8)
    lang: str = Field(default="en", max_length=8)
    version: int = 1
    status: str = Field(default="Draft", max_length=16)  # Published | Draft
    backend: str = Field(max_length=32)
    model: str = Field(max_length=128)
    prompts: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    run_id: int | None = Field(default=None, foreign_key="run.id")
    markdown: str = Field(sa_column=Column(Text, nullable=False))
    problems: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    path: str | None = Field(default=None, max_length=1024)
    created_at: datetime = Field(default_factory=utcnow)


class ReportPaper(SQLModel, table=True):
    """Which papers a report selected, where they went, and whether they got a deep dive."""

    model_config = DEFERRED

    __tablename__ = "report_paper"
    __table_args__ = (UniqueConstraint("report_id", "paper_id", name="uq_report_paper"),)

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="report.id", index=True, ondelete="CASCADE")
    paper_id: int = Field(foreign_key="paper.id", index=True, ondelete="CASCADE")
    role: str = Field(max_length=16)  # deep_dive | digest
    section: str | None = Field(default=None, max_length=255)


class Publication(SQLModel, table=True):
    """Where a report version was published: one row per (target, destination, slug), updated in place.

    target: 'site' (destination = the output folder) or 'notion' (destination = the database id).
    location: the page's path in the site, or the Notion page URL. content_hash: what was sent, so a
    rerun skips unchanged reports. status 'failed' (with the scrubbed error) is retried by the next run.
    """

    model_config = DEFERRED

    __table_args__ = (UniqueConstraint("target", "destination", "slug", name="uq_publication"),)

    id: int | None = Field(default=None, primary_key=True)
    target: str = Field(max_length=16)  # site | notion
    destination: str = Field(max_length=1024)
    slug: str = Field(index=True, max_length=128)
    report_id: int | None = Field(default=None, foreign_key="report.id", ondelete="SET NULL")
    version: int = 0
    content_hash: str = Field(default="", max_length=64)
    location: str | None = Field(default=None, max_length=1024)
    status: str = Field(default="ok", max_length=16)  # ok | failed
    error: str | None = Field(default=None, sa_column=Column(Text))
    published_at: datetime = Field(default_factory=utcnow)


class Lock(SQLModel, table=True):
    """A named advisory lock held by one process (pipeline runs), with a heartbeat for staleness."""

    model_config = DEFERRED

    name: str = Field(primary_key=True, max_length=64)
    owner: str = Field(max_length=255)  # host:pid:token
    pid: int
    host: str = Field(max_length=255)
    acquired_at: datetime = Field(default_factory=utcnow)
    heartbeat_at: datetime = Field(default_factory=utcnow)
