"""Command line: `ingest <command>`. Parses arguments, builds Settings, calls one function, prints.

The group `app`, the global options (AppState) and the consoles. Command modules beside this one
(ingest/cli/<name>.py, one per stage) register on `app` when imported; `ingest.cli.main` imports
them all and is the only place errors become messages and exit codes.

Every command that writes the database runs inside `writing(settings, command)`: the database lock
(db.lock.for_command decides which commands need it) and a SIGTERM handler that raises
errors.Interrupted into the work, so its run row closes failed and the lock is released. Log lines
and error messages pass through `scrub` (API key, URL userinfo, bearer tokens).
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ingest.errors import Interrupted

if TYPE_CHECKING:
    from rich.console import Console
    from sqlalchemy.engine import Engine

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
        """Settings.load with the global options (--config, --db) and `overrides`; ConfigError if invalid."""
        from ingest.config import Settings

        if self.config is not None:
            os.environ["INGEST_CONFIG"] = str(self.config)
        values = {k: v for k, v in {**self.overrides, **overrides}.items() if v is not None}
        if self.db:
            values["db_url"] = self.db  # a URL or a plain path, like INGEST_DB_URL (Settings checks it)
        settings = Settings.load(**values)
        _SECRETS[:] = settings.secrets()
        _DB_URL[:] = [settings.db_url]
        return settings


_SECRETS: list[str] = []  # of the Settings built last (scrub uses them besides the environment's)
_DB_URL: list[str] = []  # the database of the Settings built last (for error messages)


def last_db_url() -> str | None:
    """The database URL of the Settings built last in this process, if any."""
    return _DB_URL[0] if _DB_URL else None


def _raise_interrupted(signum: int, _frame: Any) -> None:
    quiet_unwinding()
    raise Interrupted(signum, signal.Signals(signum).name)


def quiet_unwinding() -> None:
    """After an interrupt, HTTP calls cut short may leave a library's coroutines never awaited, and
    Python would print a RuntimeWarning for each when it collects them: the CLI's one line says what
    happened. Only from the interrupt on; a normal run still shows such a warning."""
    warnings.filterwarnings("ignore", message=r"coroutine .* was never awaited", category=RuntimeWarning)


class _NotAnAsyncioError(logging.Filter):
    """asyncio logs 'Task exception was never retrieved' when Interrupted ended the task that
    asyncio.run was running (it re-raised it; nothing was lost): the CLI's one line says it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], Interrupted))


@contextmanager
def terminating() -> Iterator[None]:
    """SIGTERM raises errors.Interrupted in the main thread for the duration of the block, so the
    work unwinds like Ctrl-C: run rows close failed, the lock is released, the CLI prints one line."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    asyncio_log = logging.getLogger("asyncio")
    if not any(isinstance(f, _NotAnAsyncioError) for f in asyncio_log.filters):
        asyncio_log.addFilter(_NotAnAsyncioError())
    previous = signal.signal(signal.SIGTERM, _raise_interrupted)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def writing(settings: Settings, command: str) -> Iterator[Engine]:
    """The database engine for a writing `command`, holding the lock when db.lock.needed_for says so
    (waiting settings.lock_wait_seconds), with SIGTERM handled (see `terminating`). Runs of a process
    that died are closed as failed once the lock is ours."""
    from ingest.db import lock, runlog
    from ingest.db.engine import open_engine

    with terminating():
        engine = open_engine(settings)
        with lock.for_command(engine, settings, command) as held:
            if held is not None:
                runlog.close_interrupted(engine, settings)
            yield engine


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
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, ScrubFilter) for f in handler.filters):
            handler.addFilter(ScrubFilter())
    if verbose < 2:
        for noisy in ("alembic", "httpx", "httpcore", "openai", "arxiv", "apscheduler", "urllib3"):
            logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


def scrub(text: str) -> str:
    """`text` without the secrets of the environment and of the last Settings (secrets.scrub_text)."""
    from ingest.secrets import env_secrets, scrub_text

    return scrub_text(text, env_secrets() + _SECRETS)


class ScrubFilter(logging.Filter):
    """Scrubs every log record's message before a handler writes it (httpx logs URLs with userinfo)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
