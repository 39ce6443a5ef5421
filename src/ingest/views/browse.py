"""Browse the SQLite database in Datasette: settings -> a `datasette serve` process with our metadata.

Input: Settings (a SQLite db_url), host and port. Output: runs Datasette in the foreground until it
exits or the user presses Ctrl-C (SIGTERM is forwarded); returns its exit code. The metadata
describes every table, view and column (schema_docs), turns on full-text search on the `papers`
view and the `paper` table through the paper_fts index (fts_table/fts_pk, migrations 0004-0005),
sets facets (week, category, scope, industrial, online A/B, topics, institutions, claim kinds and
settings), hides bookkeeping tables and adds canned queries (industrial papers with online A/B
results in the last N weeks, papers by institution, claims on a metric). Long cells are truncated
in tables (TRUNCATE_CELLS), so a search result is one short row per paper. The database is opened
and upgraded to head first, so the index exists.

Failures: ConfigError (one line) when datasette is not installed ("pip install 'ingest[browse]'")
or the database is not SQLite. Nothing is written to the database by browsing.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from ingest.config import Settings
from ingest.db import engine as db
from ingest.errors import ConfigError
from ingest.views import schema_docs


def database_path(settings: Settings) -> Path:
    url = make_url(settings.db_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise ConfigError(
            f"ingest browse needs a SQLite database file; the configured database is "
            f"{url.get_backend_name()} (use a PostgreSQL client for it)"
        )
    return Path(url.database).expanduser().resolve()


TRUNCATE_CELLS = 160  # characters of a cell in HTML tables (abstracts, evidence); the row page shows all

LATEST_OK = "(SELECT max(x.id) FROM extraction AS x WHERE x.paper_id = c.paper_id AND x.status = 'ok')"
QUERIES: dict[str, dict[str, str]] = {
    "industrial_online_ab": {
        "title": "Industrial papers with online A/B results in the last N weeks",
        "description": "Papers with a company among the authors' organisations and at least one online "
        "(A/B or production) result, announced in the last :weeks weeks (default 4) of the database.",
        "sql": "SELECT arxiv_id, short_name, institutions, online_claims, week, listing_date, arxiv_url\n"
        "FROM papers WHERE industrial = 1 AND online_claims IS NOT NULL\n"
        "AND listing_date >= date((SELECT max(listing_date) FROM papers),\n"
        "  '-' || (7 * coalesce(nullif(:weeks, ''), 4)) || ' days')\n"
        "ORDER BY listing_date DESC, arxiv_id",
    },
    "papers_by_institution": {
        "title": "Papers by institution",
        "description": "Papers whose authors' organisations include the given name (part of a canonical "
        "name, any case: Kuaishou, Alibaba, Meta).",
        "sql": "SELECT arxiv_id, short_name, institutions, industrial, online_claims, week, arxiv_url\n"
        "FROM papers AS p WHERE EXISTS (SELECT 1 FROM json_each(p.institutions) AS j\n"
        "  WHERE lower(j.value) LIKE '%' || lower(:institution) || '%')\n"
        "ORDER BY listing_date DESC, arxiv_id",
    },
    "claims_on_metric": {
        "title": "Claims on a metric",
        "description": "Result claims whose metric contains the given text (CTR, GMV, NDCG), with the "
        "setting, value as written and the paper's own sentence as evidence.",
        "sql": "SELECT p.arxiv_id, p.short_name, c.setting, c.metric, c.value, c.direction, c.location,\n"
        "  c.evidence, p.week, p.arxiv_url\n"
        "FROM claim AS c JOIN papers AS p ON p.id = c.paper_id\n"
        f"WHERE c.kind = 'result' AND c.metric LIKE '%' || :metric || '%' AND c.extraction_id = {LATEST_OK}\n"
        "ORDER BY p.listing_date DESC, p.arxiv_id, c.id",
    },
}

SETTINGS: dict[str, dict[str, Any]] = {
    "papers": {
        "fts_table": "paper_fts",
        "fts_pk": "id",
        "label_column": "short_name",
        "sort_desc": "listing_date",
        "facets": [
            "week",
            "industrial",
            "deployed_online",
            "scope",
            {"array": "topics"},
            {"array": "institutions"},
        ],
    },
    "paper": {
        "fts_table": "paper_fts",
        "fts_pk": "id",
        "label_column": "title",
        "sort_desc": "listing_date",
        "facets": ["week", "scope", "primary_category", "source"],
    },
    "extraction": {
        "label_column": "short_name",
        "sort_desc": "id",
        "facets": [
            "scope",
            "industrial",
            "deployed_online",
            {"array": "topics"},
            {"array": "institutions"},
            "backend",
            "status",
        ],
    },
    "claim": {"facets": ["kind", "setting", "metric"]},
    "report": {"sort_desc": "created_at", "facets": ["week", "status", "lang"]},
    "report_paper": {"facets": ["role", "section"]},
    "publication": {"sort_desc": "published_at", "facets": ["target", "status"]},
    "run": {"sort_desc": "started_at", "facets": ["kind", "status"]},
    "llm_call": {"sort_desc": "id", "facets": ["stage", "status", "backend", "model"]},
}


def metadata(name: str) -> dict[str, Any]:
    """Datasette metadata for the database called `name` (the file's stem): a description of every
    table, view and column (schema_docs), FTS and facets, hidden bookkeeping tables, canned queries."""
    tables: dict[str, Any] = {}
    for table, (description, columns) in schema_docs.TABLES.items():
        entry: dict[str, Any] = {"description": description, "columns": dict(columns)}
        entry.update(SETTINGS.get(table, {}))
        if table in schema_docs.HIDDEN:
            entry["hidden"] = True
        tables[table] = entry
    return {
        "title": "RecSys Weekly",
        "description": "arXiv recsys papers, verified claims with evidence, and weekly reports. "
        "Start with the papers view or a canned query.",
        "databases": {name: {"tables": tables, "queries": QUERIES}},
    }


def _require_datasette() -> None:
    try:
        import datasette  # noqa: F401
    except ImportError:
        raise ConfigError("browsing needs datasette: pip install 'ingest[browse]'") from None


def command(path: Path, metadata_file: Path, host: str, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "datasette",
        "serve",
        str(path),
        "--metadata",
        str(metadata_file),
        "--host",
        host,
        "--port",
        str(port),
        "--setting",
        "truncate_cells_html",
        str(TRUNCATE_CELLS),
    ]


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8001) -> int:
    """Run Datasette on the database until it stops; returns its exit code."""
    path = database_path(settings)
    _require_datasette()
    db.open_engine(settings)  # create/upgrade the schema so paper_fts exists
    with tempfile.TemporaryDirectory(prefix="ingest-browse-") as tmp:
        meta = Path(tmp) / "metadata.json"
        meta.write_text(json.dumps(metadata(path.stem), indent=2), encoding="utf-8")
        proc = subprocess.Popen(command(path, meta, host, port))
        previous = signal.signal(signal.SIGTERM, lambda *_: proc.terminate())  # stop datasette with us
        try:
            return proc.wait()
        except KeyboardInterrupt:
            proc.terminate()
            proc.wait(timeout=10)
            return 0
        finally:
            signal.signal(signal.SIGTERM, previous)
