"""Command line: `ingest <command>`. Each command parses, builds Settings, calls one function, prints.

`main()` is the console script. It imports every command module (importing one registers its
commands on `app`; each imports the stage it runs inside the command, so `ingest --help` loads no
database, LLM or arXiv code) and is the only place errors become messages and exit codes: an
IngestError prints one line `error: ...` (secrets scrubbed) and exits with its kind's code; a
database or migration error that is the environment's (read-only, damaged, newer schema) is first
translated by db.engine.explain; SIGTERM (errors.Interrupted) prints one line and exits 128+signal;
anything unexpected prints one line too (the traceback only with -v).
"""

from __future__ import annotations

import sys

import click

from ingest.cli import (  # noqa: F401  importing a command module registers its commands
    batch,
    browse,
    config,
    crawl,
    db,
    extract,
    papers,
    publish,
    report,
    run,
    schedule,
    search,
    stats,
    status,
)
from ingest.cli.app import app, err, quiet_unwinding, scrub
from ingest.errors import IngestError, Interrupted, Kind, exit_kind

__all__ = ["EXIT_CODES", "app", "main"]

# The one table from failure kinds to exit codes (0 success, 1 partly failed, 2 the user's input or
# setup, 3 another run holds the lock, 70 a bug, 130 interrupted).
EXIT_CODES: dict[Kind, int] = {
    Kind.CONFIG: 2,
    Kind.INPUT: 2,
    Kind.NOT_FOUND: 2,
    Kind.LLM_AUTH: 2,
    Kind.FETCH: 1,
    Kind.LLM: 1,
    Kind.LLM_TRANSPORT: 1,
    Kind.LLM_OUTPUT: 1,
    Kind.VERIFICATION: 1,
    Kind.PARTIAL: 1,
    Kind.LOCK: 3,
    Kind.INTERRUPTED: 130,  # SIGINT; another signal exits 128 + its number (SIGTERM: 143)
    Kind.INTERNAL: 70,
}


def _environment_error(exc: Exception) -> IngestError | None:
    """A database driver or migration error that is the environment's, as a DatabaseError; else None."""
    if not any(m in sys.modules for m in ("sqlalchemy", "alembic", "sqlite3")):
        return None
    from ingest.cli.app import last_db_url
    from ingest.db.engine import explain

    return explain(exc, last_db_url())


def _fail(exc: IngestError) -> None:
    err.print(f"error: {scrub(str(exc))}", markup=False, highlight=False)
    sys.exit(EXIT_CODES[exit_kind(exc)])


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `ingest` console script."""
    verbose = any(a in ("-v", "-vv", "--verbose") for a in (argv or sys.argv[1:]))
    try:
        result = app.main(args=argv, standalone_mode=False, prog_name="ingest")
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except (click.exceptions.Abort, KeyboardInterrupt):
        quiet_unwinding()
        err.print("error: interrupted")
        sys.exit(EXIT_CODES[Kind.INTERRUPTED])
    except Interrupted as exc:
        err.print(
            f"error: {exc}: stopped cleanly (unfinished work is recorded as failed and the next run "
            "retries it; the database lock is released)",
            markup=False,
            highlight=False,
        )
        sys.exit(128 + exc.signum)
    except IngestError as exc:
        _fail(exc)
    except Exception as exc:  # noqa: BLE001 - last line of defence: one line, no traceback
        explained = _environment_error(exc)
        if explained is not None:
            _fail(explained)
        if verbose:
            err.print_exception()
        err.print(f"error: internal error: {type(exc).__name__}: {scrub(str(exc))}", markup=False)
        sys.exit(EXIT_CODES[Kind.INTERNAL])
    sys.exit(result if isinstance(result, int) else 0)
