"""Relevance scores for a bulk load, computed in a worker process while the loader writes.

Input: the load's batches of PaperRecords. Output (`background_scores`, a context manager): a
function `scores(i)` -> {arxiv_id: (score, reasons)} for batch i, or None when the caller must
score in-process. The values are exactly `relevance.score(record)` (a pure function of the
record's text), computed by the same code in a forked worker, so a load stores the same scores
either way; only the time differs (relevance rules are the largest Python cost of a bulk load,
and the loader's own time is spent largely inside SQLite, so a second core does them meanwhile).

The worker is used only where it is safe and useful: a 'fork' start method (POSIX), more than one
CPU, and no other thread alive in this process (forking a multi-threaded process can deadlock).
Otherwise, and whenever the worker fails (killed, broken pool, pickling error), `scores(i)` is
None and the loader falls back to scoring in-process: nothing is lost, a load never fails here.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import TYPE_CHECKING

from . import relevance

if TYPE_CHECKING:
    from .crawl import PaperRecord

Scores = dict[str, tuple[float, list[str]]]


CHUNK = 2500  # records per task: the first scores arrive while the loader still prepares batch 0

# The records being scored: set before the worker is forked, so the worker reads them from its copy
# of this process's memory and no record is ever pickled (only chunk numbers go out and compact
# codes come back; pickling the text cost the loader more than half of what the worker saved).
_RECORDS: list[Sequence[PaperRecord]] = []


def _score_chunk(batch: int, start: int) -> tuple[list[tuple[float, list[str]]], list[int]]:
    """(distinct results, one index into them per record) for records [start, start + CHUNK) of batch
    `batch` of _RECORDS (runs in the worker)."""
    distinct: dict[tuple[float, tuple[str, ...]], int] = {}
    codes = []
    for record in _RECORDS[batch][start : start + CHUNK]:
        score, reasons = relevance.score(record)
        codes.append(distinct.setdefault((score, tuple(reasons)), len(distinct)))
    return [(score, list(reasons)) for score, reasons in distinct], codes


def can_fork() -> bool:
    """Whether a forked worker is safe and useful here (see the module doc)."""
    return (
        "fork" in multiprocessing.get_all_start_methods()
        and (os.cpu_count() or 1) > 1
        and threading.active_count() == 1
    )


@contextmanager
def background_scores(batches: Sequence[Sequence[PaperRecord]]) -> Iterator[Callable[[int], Scores | None]]:
    """Yields `scores(i)` for batch i (None: score in-process); see the module doc."""
    if not batches or not can_fork():
        yield lambda _i: None
        return
    _RECORDS[:] = batches
    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"))
    try:
        futures = [
            [pool.submit(_score_chunk, i, start) for start in range(0, len(batch), CHUNK)]
            for i, batch in enumerate(batches)
        ]

        def scores(i: int) -> Scores | None:
            """Batch i's scores: chunks the worker has not started are scored here meanwhile (from the
            back; the worker goes from the front), the others are waited for."""
            try:
                found: Scores = {}
                for n in reversed(range(len(futures[i]))):
                    chunk = batches[i][n * CHUNK : (n + 1) * CHUNK]
                    if futures[i][n].cancel():
                        found.update((r.arxiv_id, relevance.score(r)) for r in chunk)
                        continue
                    results, codes = futures[i][n].result()
                    found.update((r.arxiv_id, results[code]) for r, code in zip(chunk, codes, strict=True))
                return found
            except Exception:  # a failed worker costs time, never the load: score in-process
                return None

        yield scores
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        _RECORDS.clear()
