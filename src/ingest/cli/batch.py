"""`ingest batch status|collect|cancel`: the Batch API jobs of `ingest extract --batch`."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from ingest.cli.app import app, out, state, writing

if TYPE_CHECKING:
    from ingest.config import Settings

COLUMNS = (
    "id",
    "provider_id",
    "status",
    "requests",
    "completed",
    "failed",
    "stored_ok",
    "stored_failed",
    "unprocessed",
    "created_at",
)


@app.group("batch")
def batch() -> None:
    """Batch API jobs sent by `ingest extract --batch`: their state, collecting answers, cancelling."""


@batch.command("status")
@click.option("--all", "show_all", is_flag=True, help="Also batches already collected.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def status(ctx: click.Context, show_all: bool, as_json: bool) -> None:
    """Ask the provider about every open batch and list the batches with their counts."""
    from rich.table import Table

    from ingest.db.engine import open_engine
    from ingest.extract import batch as batches
    from ingest.llm import make_llm

    settings = state(ctx).settings(backend="openai")
    engine = open_engine(settings)
    if batches.open_batches(engine):
        batches.refresh(engine, make_llm(settings))
    rows = batches.all_batches(engine, include_collected=show_all)
    if as_json:
        click.echo(
            json.dumps(
                [{k: _json(r[k]) for k in (*COLUMNS, "collected_at", "error")} for r in rows], indent=2
            )
        )
        return
    if not rows:
        out.print("no batches" + ("" if show_all else " open (--all lists collected ones)"))
        return
    table = Table(*COLUMNS, "collected")
    for r in rows:
        table.add_row(*(_text(r[k]) or "" for k in COLUMNS), _text(r["collected_at"]) or "")
    out.print(table)


def _none_open(settings: Settings, verb: str) -> bool:
    """True (and says so) when no batch is open: nothing to ask the provider, so no API key needed."""
    from ingest.db.engine import open_engine
    from ingest.extract import batch as batches

    if batches.open_batches(open_engine(settings)):
        return False
    out.print(f"no batches open; nothing to {verb}", markup=False, highlight=False)
    return True


def _json(value: object) -> object:
    return value if value is None or isinstance(value, (int, str)) else str(value)


def _text(value: object) -> str | None:
    return None if value is None else str(value)[:19]


@batch.command("collect")
@click.option("--wait", is_flag=True, help="Poll until every open batch ended, collecting as they end.")
@click.pass_context
def collect(ctx: click.Context, wait: bool) -> None:
    """Store the answers of every ended batch (failed lines become failed rows, retried next run)."""
    from ingest.cli.extract import print_batch_run, raise_failures
    from ingest.db import runlog
    from ingest.extract import collect as collecting
    from ingest.llm import make_llm

    settings = state(ctx).settings(backend="openai")
    if _none_open(settings, "collect"):
        return
    llm = make_llm(settings)
    with writing(settings, "extract") as engine:  # stores extractions: the extract command's lock rule
        run_id = runlog.start_run(engine, "extract", None)
        try:
            res = (collecting.wait if wait else collecting.collect)(settings, engine, llm, run_id=run_id)
        except BaseException as exc:
            error = f"{type(exc).__name__}: {exc}"
            runlog.finish_run(engine, settings, run_id, status="failed", counts={}, error=error)
            raise
        runlog.finish_run(
            engine,
            settings,
            run_id,
            status="partial" if res.stored_failed else "ok",
            counts=res.counts(),
            error="; ".join(str(f) for f in res.failures)[:4000] or None,
        )
    print_batch_run("batches", res, run_id)
    raise_failures(res.stored_failed, res.failures)


@batch.command("cancel")
@click.argument("ids", nargs=-1, type=int)
@click.pass_context
def cancel(ctx: click.Context, ids: tuple[int, ...]) -> None:
    """Cancel open batches (IDS: llm_batch ids from `ingest batch status`; default: every open one)."""
    from ingest.db.engine import open_engine
    from ingest.extract import batch as batches
    from ingest.llm import make_llm

    settings = state(ctx).settings(backend="openai")
    if _none_open(settings, "cancel"):
        return
    done = batches.cancel(open_engine(settings), make_llm(settings), ids)
    out.print(
        f"cancelling {len(done)} batch(es) {done}; `ingest batch collect` stores what they answered",
        markup=False,
        highlight=False,
    )
