"""Command line: `ingest <command>`. Parses arguments, builds Settings, calls one function, prints.

The group `app`, the global options (AppState) and the consoles. Command modules beside this one
(ingest/cli/<name>.py, one per stage) register on `app` when imported; `ingest.cli.main` imports
them all and is the only place errors become messages and exit codes.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from rich.console import Console

    from ingest.config import Settings


class LazyConsole:
    """A rich Console created on first use: `ingest --help` never imports rich."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: Console | None = None

    def unwrap(self) -> Console:
        """The rich Console itself (where one is needed, e.g. as a Progress's console: dunder methods
        such as __enter__ are not looked up through __getattr__)."""
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.unwrap(), name)


out = LazyConsole(soft_wrap=True)
err = LazyConsole(stderr=True, soft_wrap=True)


@dataclass
class AppState:
    """Global options, turned into Settings on demand by `settings()`."""

    db: str | None = None
    config: Path | None = None
    verbose: int = 0
    quiet: bool = False
    overrides: dict[str, Any] = field(default_factory=dict)

    def settings(self, **overrides: Any) -> Settings:
        from ingest.config import Settings

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


def scrub(text: str) -> str:
    for name in ("OPENAI_API_KEY", "INGEST_OPENAI_API_KEY"):
        secret = os.environ.get(name)
        if secret:
            text = text.replace(secret, "***")
    return text
