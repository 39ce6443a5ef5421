"""Near-duplicate links of a bulk load planned ahead, in a forked process, while the load is written.

Input: the load's batches of PaperRecords (inherited by the fork, never pickled) and, once the
loader has read them, the stored TitleRows of before the load (sent through a pipe). Output
(`planned_ahead`, a context manager): a `Plan` whose
- `start(before)` sends those rows; the process computes `dedup.plan_links` over them overlaid
  with each batch's winning records (`store.latest_per_id`) in order, probing all of them: exactly
  the near-duplicate pass of a load that writes (inserts or updates) every one of its records;
- `matches(written)` says whether the load wrote exactly those records (per batch the same ids in
  the same order: then the titles and authors are the same too), and `links()` then returns the
  plan; otherwise (or None from links(): the process failed) the caller runs `plan` itself. Rows,
  probes and code are the same either way, so the links are too.

Why: the pass otherwise starts after the last batch is stored and
ends the load late; here it runs while the loader writes. Used only where forking is safe (see
bulk_rows.can_fork); otherwise, and when the process fails, `links()` is None. On leaving, a
process whose plan was not taken is terminated. Read-only: the process touches no database.
The process dies with the loader (bulk_rows.die_with_parent) and closes its copy of the loader's
pipe end, so a loader killed even with SIGKILL leaves it no pipe to wait on.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from multiprocessing.connection import Connection
from typing import Any

from ingest import dedup
from ingest.crawl import bulk_rows, upsert
from ingest.records import PaperRecord

log = logging.getLogger(__name__)

Written = dict[str, tuple[str, list[str]]]  # arxiv_id -> (title, authors) of what a batch wrote

_BATCHES: list[Sequence[PaperRecord]] = []  # set before the fork (see module doc)


def expected_writes(batches: Sequence[Sequence[PaperRecord]]) -> list[Written]:
    """What each batch writes if every record is written: its winning records' titles and authors."""
    return [
        {a: (rec.title, list(rec.authors)) for a, (_n, rec) in upsert.latest_per_id(batch).items()}
        for batch in batches
    ]


def plan(before: list[dedup.TitleRow], written: list[Written]) -> dict[str, str | None]:
    """The load's near-duplicate pass: `before` overlaid with what it wrote, probing what it wrote."""
    rows = dedup.overlay(before, ((a, t, au) for part in written for a, (t, au) in part.items()))
    return dedup.plan_links(rows, [a for part in written for a in part])


def timed_plan(before: list[dedup.TitleRow], written: list[Written]) -> tuple[dict[str, str | None], float]:
    """plan() and the seconds it took."""
    began = time.perf_counter()
    found = plan(before, written)
    return found, time.perf_counter() - began


def _serve(conn: Connection, parents_end: Connection, parent_pid: int) -> None:
    """The forked process: wait for the stored rows, send back the plan and its seconds. It closes its
    inherited copy of the parent's end first (else a dead parent never gives it EOF) and dies with the
    parent."""
    parents_end.close()
    bulk_rows.die_with_parent(parent_pid)
    try:
        before = conn.recv()
        conn.send(timed_plan(before, expected_writes(_BATCHES)))
    except (EOFError, OSError):  # the loader is gone or gave up: nothing to answer
        return
    finally:
        conn.close()


class Plan:
    """The handle of the planning process (see module doc); a no-op without one."""

    def __init__(
        self,
        process: Any = None,
        conn: Connection | None = None,
        batches: Sequence[Sequence[PaperRecord]] = (),
    ) -> None:
        self.process, self.conn, self.batches, self.started = process, conn, batches, False
        self.seconds = 0.0  # how long the process took to plan (after links())

    def start(self, before: list[dedup.TitleRow]) -> None:
        if self.conn is not None:
            try:
                self.conn.send(before)
                self.started = True
            except (OSError, ValueError) as exc:  # the process is gone: the caller plans itself
                log.warning("dedup_ahead event=process_lost error=%r (planned in-process)", exc)
                self.conn = None

    def matches(self, written: list[Written]) -> bool:
        """Whether the plan under way is the pass for what the load `written` (cheap; no waiting)."""
        return (
            self.conn is not None
            and self.started
            and [list(part) for part in written] == [list(upsert.latest_per_id(b)) for b in self.batches]
        )

    def links(self) -> dict[str, str | None] | None:
        """The plan (waits for it); None when the process failed. Call only after matches()."""
        if self.conn is None:
            return None
        try:
            found: dict[str, str | None]
            found, self.seconds = self.conn.recv()
        except (EOFError, OSError) as exc:
            log.warning("dedup_ahead event=process_lost error=%r (planned in-process)", exc)
            return None
        self.conn = None  # taken: the process ends by itself
        return found


@contextmanager
def planned_ahead(batches: Sequence[Sequence[PaperRecord]]) -> Iterator[Plan]:
    """Yields a Plan (see module doc); fork it before any other worker or thread exists."""
    if not batches or not bulk_rows.can_fork():
        yield Plan()
        return
    _BATCHES[:] = batches
    ours, theirs = multiprocessing.get_context("fork").Pipe()
    process = multiprocessing.get_context("fork").Process(
        target=_serve, args=(theirs, ours, os.getpid()), name="ingest-dedup-ahead", daemon=True
    )
    process.start()
    theirs.close()
    _BATCHES.clear()  # the fork has its copy
    handle = Plan(process, ours, batches)
    try:
        yield handle
    finally:
        if handle.conn is not None:  # not taken: never started, or the load wrote something else
            process.terminate()
        process.join()
        ours.close()
