"""Command line: `ingest <command>`. Parses arguments, builds Settings, calls one function, prints.

Commands live in ingest/commands/<name>.py (one per stage) and register on `app` when imported.
`main()` is the only place errors become messages and exit codes: an IngestError prints one line
`error: ...` (secrets scrubbed) and exits with its code; anything unexpected prints one line too
(the traceback only with -v).
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from .config import Settings
from .errors import IngestError

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


@dataclass
class AppState:
    """Global options, turned into Settings on demand by `settings()`."""

    db: str | None = None
    config: Path | None = None
    verbose: int = 0
    quiet: bool = False
    overrides: dict[str, Any] = field(default_factory=dict)

    def settings(self, **overrides: Any) -> Settings:
        if self.config is not None:
            os.environ["INGEST_CONFIG"] = str(self.config)
        values = {k: v for k, v in {**self.overrides, **overrides}.items() if v is not None}
        if self.db:
            values["db_url"] = db_url_from_option(self.db)
        return Settings(**values)


def db_url_from_option(value: str) -> str:
    """`--db` accepts a SQLAlchemy URL or a plain file path."""
    return value if "://" in value else f"sqlite:///{Path(value).expanduser()}"


def state(ctx: click.Context) -> AppState:
    root = ctx.find_root()
    if not isinstance(root.obj, AppState):
        root.obj = AppState()
    return root.obj


def progress_enabled(ctx: click.Context) -> bool:
    """Progress bars only on a terminal and without --quiet."""
    return not state(ctx).quiet and sys.stderr.isatty()


@click.group(name="ingest", context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", default=None, help="Database URL or SQLite file (default db/ingest.sqlite3).")
@click.option(
    "--config", type=click.Path(path_type=Path), default=None, help="Settings file (default ./ingest.toml)."
)
@click.option("-v", "--verbose", count=True, help="Structured log lines (-vv: debug).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bars or chatter.")
@click.version_option(package_name="ingest")
@click.pass_context
def app(ctx: click.Context, db: str | None, config: Path | None, verbose: int, quiet: bool) -> None:
    """RecSys Weekly: crawl arXiv recsys papers, extract grounded facts, write the weekly report."""
    ctx.obj = AppState(db=db, config=config, verbose=verbose, quiet=quiet)
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    fmt = "%(asctime)s %(levelname)s %(name)s %(message)s"
    logging.basicConfig(level=level, format=fmt, stream=sys.stderr)
    if verbose < 2:
        for noisy in ("alembic", "httpx", "httpcore", "openai", "arxiv", "apscheduler", "urllib3"):
            logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


def _scrub(text: str) -> str:
    for name in ("OPENAI_API_KEY", "INGEST_OPENAI_API_KEY"):
        secret = os.environ.get(name)
        if secret:
            text = text.replace(secret, "***")
    return text


def _register_commands() -> None:
    from .commands import COMMAND_MODULES  # noqa: F401  importing registers the commands


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `ingest` console script."""
    _register_commands()
    verbose = any(a in ("-v", "-vv", "--verbose") for a in (argv or sys.argv[1:]))
    try:
        result = app.main(args=argv, standalone_mode=False, prog_name="ingest")
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except (click.exceptions.Abort, KeyboardInterrupt):
        err.print("error: interrupted")
        sys.exit(130)
    except IngestError as exc:
        err.print(f"error: {_scrub(str(exc))}", markup=False, highlight=False)
        sys.exit(exc.exit_code)
    except Exception as exc:  # noqa: BLE001 - last line of defence: one line, no traceback
        if verbose:
            err.print_exception()
        err.print(f"error: internal error: {type(exc).__name__}: {_scrub(str(exc))}", markup=False)
        sys.exit(70)
    sys.exit(result if isinstance(result, int) else 0)
