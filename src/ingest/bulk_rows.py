"""Rows for a bulk load, prepared in a worker process while the loader writes.

Input: the load's batches of PaperRecords and a `store.PaperInsert` (dialect + store time). Output
(`background_rows`, a context manager): a function `prepared(i)` -> `store.Prepared` for batch i:
each record's relevance.score and the bound INSERT parameters of its paper row, or None when the
caller must do that work in-process. The values are exactly what `store.upsert_papers` computes
itself (the same pure functions, run in a forked copy of this process), so a load stores the same
rows either way; only the time differs: scoring, hashing and JSON/datetime binding are most of a
bulk load's Python time, and the loader's own time is spent largely inside SQLite, so a second
core does them meanwhile. Parameters of records that turn out to be stored already are not used.

The worker is used only where it is safe and useful: a 'fork' start method (POSIX), more than one
CPU, and no other thread alive in this process (forking a multi-threaded process can deadlock).
Otherwise, and whenever the worker fails (killed, broken pool, pickling error), `prepared(i)` is
None and the loader does the work in-process: nothing is lost, a load never fails here.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from . import relevance
from .store import PaperInsert, Prepared

if TYPE_CHECKING:
    from .crawl import PaperRecord


CHUNK = 2500  # records per task: the first rows arrive while the loader still reads batch 0

# The records and the statement: set before the worker is forked, so the worker reads them from its
# copy of this process's memory and no record is ever pickled (only chunk numbers go out; scores
# come back as compact codes, the parameters as tuples of plain values).
_RECORDS: list[Sequence[PaperRecord]] = []
_INSERT: list[PaperInsert] = []


def _prepare_chunk(batch: int, start: int) -> tuple[list[tuple[float, list[str]]], list[int], list[Any]]:
    """(distinct scores, one index into them per record, one parameter row per record) for records
    [start, start + CHUNK) of batch `batch` of _RECORDS (runs in the worker)."""
    distinct: dict[tuple[float, tuple[str, ...]], int] = {}
    codes, params = [], []
    statement = _INSERT[0]
    for record in _RECORDS[batch][start : start + CHUNK]:
        score, reasons = scored = relevance.score(record)
        codes.append(distinct.setdefault((score, tuple(reasons)), len(distinct)))
        params.append(statement.params(record, scored))
    return [(score, list(reasons)) for score, reasons in distinct], codes, params


def can_fork() -> bool:
    """Whether a forked worker is safe and useful here (see the module doc)."""
    return (
        "fork" in multiprocessing.get_all_start_methods()
        and (os.cpu_count() or 1) > 1
        and threading.active_count() == 1
    )


@contextmanager
def background_rows(
    batches: Sequence[Sequence[PaperRecord]], statement: PaperInsert | None
) -> Iterator[Callable[[int], Prepared | None]]:
    """Yields `prepared(i)` for batch i (None: do the work in-process); see the module doc."""
    if not batches or statement is None or not can_fork():
        yield lambda _i: None
        return
    _RECORDS[:], _INSERT[:] = batches, [statement]
    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"))
    try:
        futures = [
            [pool.submit(_prepare_chunk, i, start) for start in range(0, len(batch), CHUNK)]
            for i, batch in enumerate(batches)
        ]

        def prepared(i: int) -> Prepared | None:
            """Batch i's rows: chunks the worker has not started are prepared here meanwhile (from the
            back; the worker goes from the front), the others are waited for."""
            try:
                parts: list[tuple[list[tuple[float, list[str]]], list[Any]]] = []
                for n in reversed(range(len(futures[i]))):
                    chunk = batches[i][n * CHUNK : (n + 1) * CHUNK]
                    if futures[i][n].cancel():
                        scores = [relevance.score(record) for record in chunk]
                        rows = [statement.params(r, s) for r, s in zip(chunk, scores, strict=True)]
                        parts.append((scores, rows))
                        continue
                    results, codes, params = futures[i][n].result()
                    parts.append(([results[code] for code in codes], params))
                parts.reverse()
                scores_in_order = [s for part in parts for s in part[0]]
                return Prepared(statement.now, scores_in_order, [row for part in parts for row in part[1]])
            except Exception:  # a failed worker costs time, never the load: work in-process
                return None

        yield prepared
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        _RECORDS.clear()
        _INSERT.clear()
