"""Browse the SQLite database in Datasette: settings -> a `datasette serve` process with our metadata.

Input: Settings (a SQLite db_url), host and port. Output: runs Datasette in the foreground until it
exits or the user presses Ctrl-C (SIGTERM is forwarded); returns its exit code. The metadata turns
on full-text search on
`paper` through the paper_fts index (fts_table/fts_pk, migration 0004), sets facets (week,
category, scope, industrial, online A/B, topics, institutions, claim kinds and settings) and hides bookkeeping
tables. The database is opened and upgraded to head first, so the index exists.

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


def database_path(settings: Settings) -> Path:
    url = make_url(settings.db_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise ConfigError(
            f"ingest browse needs a SQLite database file; the configured database is "
            f"{url.get_backend_name()} (use a PostgreSQL client for it)"
        )
    return Path(url.database).expanduser().resolve()


def metadata(name: str) -> dict[str, Any]:
    """Datasette metadata for the database called `name` (the file's stem)."""
    tables: dict[str, Any] = {
        "paper": {
            "fts_table": "paper_fts",
            "fts_pk": "id",
            "label_column": "title",
            "sort_desc": "listing_date",
            "facets": ["week", "primary_category", "source"],
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
        "run": {"sort_desc": "started_at", "facets": ["kind", "status"]},
        "llm_call": {"sort_desc": "id", "facets": ["stage", "status", "backend", "model"]},
        "lock": {"hidden": True},
        "alembic_version": {"hidden": True},
    }
    return {
        "title": "RecSys Weekly",
        "description": "arXiv recsys papers, grounded extractions and reports",
        "databases": {name: {"tables": tables}},
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
