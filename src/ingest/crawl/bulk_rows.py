"""Rows for a bulk load, prepared in worker processes while the loader writes.

Input: the load's batches of PaperRecords and a `paper_rows.PaperInsert` (dialect + store time). Output
(`background_rows`, a context manager): a function `prepared(i)` -> `paper_rows.Prepared` for batch i:
each record's relevance.score and the bound INSERT parameters of its paper row, or None when the
caller must do that work in-process. The values are exactly what `store.upsert_papers` computes
itself (the same pure functions, run in forked copies of this process), so a load stores the same
rows either way; only the time differs: scoring, hashing and JSON/datetime binding are most of a
bulk load's CPU time, and the loader spends its own time inside SQLite or waiting, so workers (one
per CPU but one: a second worker on two CPUs competes with the loader) prepare the load's parts in
order while the loader writes the earlier ones (bench/bulk_load.py prints the rate). Parameters
of records that turn out to be stored already are not used.

Workers are used only where it is safe and useful: a 'fork' start method (POSIX), more than one
CPU, and no other thread alive in this process (forking a multi-threaded process can deadlock)
except threads marked fork_safe (db.lock's heartbeat).
Otherwise, and whenever a worker fails (killed, broken pool, pickling error), `prepared(i)` is
None and the loader does the work in-process: nothing is lost, a load never fails here.

Forked processes die with their parent (`die_with_parent`, also used by dedup_ahead): a crawl
killed with SIGKILL leaves no worker behind holding memory and the database file open.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import BrokenExecutor, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

from ingest.crawl import relevance
from ingest.crawl.paper_rows import PaperInsert, Prepared
from ingest.records import PaperRecord

log = logging.getLogger(__name__)

MAX_WORKERS = 4  # worker processes: one per CPU but one (the loader and the dedup_ahead process share it)

# The records and the statement: set before the worker is forked, so the worker reads them from its
# copy of this process's memory and no record is ever pickled (only batch numbers go out; scores
# come back as compact codes, the parameters as tuples of plain values).
_RECORDS: list[Sequence[PaperRecord]] = []
_INSERT: list[PaperInsert] = []


Done = tuple[list[tuple[float, list[str]]], list[int], list[Any]]


def _prepare(records: Sequence[PaperRecord], statement: PaperInsert) -> Done:
    """Records -> (distinct scores, one index into them per record, one parameter row per record
    without the record's own text, see PaperInsert.params_aside)."""
    distinct: dict[tuple[float, tuple[str, ...]], int] = {}
    codes, params = [], []
    for record in records:
        score, reasons = scored = relevance.score(record)
        codes.append(distinct.setdefault((score, tuple(reasons)), len(distinct)))
        params.append(statement.params_aside(statement.params(record, scored)))
    return [(score, list(reasons)) for score, reasons in distinct], codes, params


def _prepare_batch(batch: int) -> Done:
    """_prepare of batch `batch` of _RECORDS (runs in the worker)."""
    return _prepare(_RECORDS[batch], _INSERT[0])


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent(parent_pid: int) -> None:
    """Call first thing in a forked child: the child gets SIGKILL when its parent dies (Linux
    prctl PR_SET_PDEATHSIG; elsewhere a thread checks the parent every second), exits at once if
    the parent is already gone, and takes SIGTERM with the default action (the parent's handler,
    which raises into a run, must not run in a child stopped with terminate())."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            _watch_parent(parent_pid)
    else:
        _watch_parent(parent_pid)
    if os.getppid() != parent_pid:
        os._exit(1)


def _watch_parent(parent_pid: int) -> None:
    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="ingest-parent-watch", daemon=True).start()


def can_fork() -> bool:
    """Whether a forked worker is safe and useful here (see the module doc). Threads marked
    `fork_safe` (the database lock's heartbeat, which never holds a lock across a fork) do not count."""
    others = [t for t in threading.enumerate() if t is not threading.main_thread()]
    return (
        "fork" in multiprocessing.get_all_start_methods()
        and (os.cpu_count() or 1) > 1
        and threading.current_thread() is threading.main_thread()
        and all(getattr(t, "fork_safe", False) for t in others)
    )


@contextmanager
def background_rows(
    batches: Sequence[Sequence[PaperRecord]], statement: PaperInsert | None
) -> Iterator[Callable[[int], Prepared | None]]:
    """Yields `prepared(i)` for batch i (None: do the work in-process), one worker task per batch
    (the loader hands over parts of load.UNIT records); see the module doc."""
    if not batches or statement is None or not can_fork():
        yield lambda _i: None
        return
    _RECORDS[:], _INSERT[:] = batches, [statement]
    workers = max(1, min((os.cpu_count() or 1) - 1, MAX_WORKERS))
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("fork"),
        initializer=die_with_parent,
        initargs=(os.getpid(),),
    )
    try:
        futures = [pool.submit(_prepare_batch, i) for i in range(len(batches))]

        def prepared(i: int) -> Prepared | None:
            """Batch i's rows (waits for the workers; the workers go on with the next batches)."""
            try:
                results, codes, rows = futures[i].result()
                pairs = zip(rows, batches[i], strict=True)
                params = [statement.params_with_text(row, rec) for row, rec in pairs]
                return Prepared(statement.now, [results[code] for code in codes], params)
            except (BrokenExecutor, OSError, EOFError, pickle.PickleError) as exc:  # a worker died or its
                # result did not arrive: that costs time, never the load (work in-process)
                log.warning("bulk_rows event=worker_lost part=%d error=%s (rows prepared in-process)", i, exc)
                return None

        yield prepared
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        _RECORDS.clear()
        _INSERT.clear()
