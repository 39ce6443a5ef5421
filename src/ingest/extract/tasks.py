"""Extraction tasks shared by workers: this run's cache keys -> extract_task rows claimed a few at a time.

`Tasks.add(keys)` inserts one extract_task row per key that has none (idempotent: INSERT ... ON
CONFLICT DO NOTHING on the key). `claim(n)` leases up to n of this run's free tasks to this process
(db.lease: FOR UPDATE SKIP LOCKED on PostgreSQL), committed before any LLM call; the task row is
deleted in the transaction that stores the paper's outcome (`finish`), so N workers running the same
backfill on one database split it without calling the LLM twice for a paper. Tasks owned by others
(another worker, a Batch API job) are waited for; when they disappear they count as done elsewhere;
when their lease ends (killed worker) or their owner died on this host they are claimed here.
A heartbeat thread renews this process's leases; `close()` gives back whatever it still holds.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import Insert, Table, Tuple, delete, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from ingest.db import lease
from ingest.db.models import Extraction, ExtractTask, table_of, utcnow
from ingest.extract.store import CacheKey

log = logging.getLogger(__name__)
TASK = table_of(ExtractTask)
EXTRACTION = table_of(Extraction)
BATCH_OWNER = "batch:"  # owner prefix of tasks sent in a Batch API job
WINDOW = 500  # task ids looked at per claim (bound parameters per statement stay few)
CHUNK = 500  # keys per insert/select statement


def _insert(conn: Connection) -> Insert:
    dialect = conn.dialect.name
    if dialect == "postgresql":
        return postgresql.insert(TASK).on_conflict_do_nothing()
    if dialect == "sqlite":
        return sqlite.insert(TASK).on_conflict_do_nothing()
    raise NotImplementedError(f"extract tasks need SQLite or PostgreSQL, not {dialect}")


def _key_columns(table: Table) -> Tuple:
    c = table.c
    return tuple_(c.paper_id, c.prompt_hash, c.model, c.input_hash)


def _values(keys: Sequence[CacheKey]) -> list[tuple[int, str, str, str]]:
    return [(k.paper_id, k.prompt_hash, k.model, k.input_hash) for k in keys]


def add_tasks(
    conn: Connection,
    keys: Sequence[CacheKey],
    *,
    owner: str | None = None,
    seconds: float = 0,
    batch_id: int | None = None,
) -> dict[CacheKey, int]:
    """Insert a task per key that has none (pre-owned by `owner` when given); returns key -> task id
    for every key (also those that existed)."""
    now = utcnow()
    until = lease.now() + timedelta(seconds=seconds) if owner else None
    ids: dict[CacheKey, int] = {}
    for start in range(0, len(keys), CHUNK):
        part = keys[start : start + CHUNK]
        rows = [
            {
                "paper_id": k.paper_id,
                "prompt_hash": k.prompt_hash,
                "model": k.model,
                "input_hash": k.input_hash,
                "owner": owner,
                "lease_until": until,
                "batch_id": batch_id,
                "created_at": now,
            }
            for k in part
        ]
        conn.execute(_insert(conn), rows)
        found = conn.execute(
            select(TASK.c.id, TASK.c.paper_id, TASK.c.prompt_hash, TASK.c.model, TASK.c.input_hash).where(
                _key_columns(TASK).in_(_values(part))
            )
        )
        ids.update({CacheKey(p, h, m, i): tid for tid, p, h, m, i in found})
    return ids


def finish_task(task_id: int) -> Callable[[Session], None]:
    """Deletes the task inside the transaction that stores its paper's outcome."""

    def finish(session: Session) -> None:
        session.execute(delete(TASK).where(TASK.c.id == task_id))

    return finish


@dataclass
class Tasks:
    """This run's tasks (key -> task id) and this process's claims on them."""

    engine: Engine
    seconds: float  # lease length
    owner: str = field(default_factory=lease.new_owner)
    ids: dict[CacheKey, int] = field(default_factory=dict)
    pending: list[int] = field(default_factory=list)  # task ids not yet seen finished, ascending
    mine: set[int] = field(default_factory=set)  # ever claimed by this process
    force: bool = False  # --force: a key's OK extraction does not make its task done
    elsewhere: int = 0  # tasks finished by another worker or batch while this run waited
    in_batch: int = 0  # tasks sent in a Batch API job (collected there, not here)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def add(self, keys: Sequence[CacheKey]) -> None:
        with self.engine.begin() as conn:
            self.ids = add_tasks(conn, keys)
        self.pending = sorted(self.ids.values())
        self._thread = threading.Thread(target=self._beat, name="extract-lease-heartbeat", daemon=True)
        self._thread.start()

    def claim(self, n: int) -> list[int] | None:
        """Up to n task ids newly leased to us; [] when the rest is held by other workers (wait and
        ask again); None when every task of the run is finished, done elsewhere or in a batch."""
        while self.pending:
            window = self.pending[:WINDOW]
            with self.engine.begin() as conn:
                got = lease.claim(
                    conn, TASK, self.owner, self.seconds, limit=n, where=[TASK.c.id.in_(window)]
                )
                got = self._not_done(conn, got)
                if not got:
                    rows: dict[int, str | None] = dict(
                        conn.execute(select(TASK.c.id, TASK.c.owner).where(TASK.c.id.in_(window))).all()
                    )
                    dead = lease.dead_owners(conn, TASK) if rows else []
                    if dead:
                        where = [TASK.c.id.in_(window)]
                        got = lease.claim(
                            conn, TASK, self.owner, self.seconds, limit=n, where=where, dead=dead
                        )
                        got = self._not_done(conn, got)
            if got:
                self.mine.update(got)
                return got
            self._forget(window, rows)
            if any(i in rows for i in self.pending[:WINDOW]):
                return []
        return None

    def _not_done(self, conn: Connection, got: list[int]) -> list[int]:
        """Claimed tasks whose key got an OK extraction meanwhile are deleted, not run again (a
        worker may re-add a task another one finished after this run listed its cached keys)."""
        if not got or self.force:
            return got
        by_id = {tid: key for key, tid in self.ids.items()}
        keys = [by_id[t] for t in got if t in by_id]
        done = {
            CacheKey(*row)
            for row in conn.execute(
                select(
                    EXTRACTION.c.paper_id,
                    EXTRACTION.c.prompt_hash,
                    EXTRACTION.c.model,
                    EXTRACTION.c.input_hash,
                ).where(EXTRACTION.c.status == "ok", _key_columns(EXTRACTION).in_(_values(keys)))
            )
        }
        finished = [t for t in got if by_id.get(t) in done]
        if finished:
            conn.execute(delete(TASK).where(TASK.c.id.in_(finished)))
            self.elsewhere += len(finished)
        return [t for t in got if t not in finished]

    def _forget(self, window: list[int], rows: dict[int, str | None]) -> None:
        """Drop from `pending` the window's tasks that are gone (finished elsewhere) or sent in a batch."""
        drop = set()
        for tid in window:
            owner = rows.get(tid)
            if tid not in rows:
                drop.add(tid)
                self.elsewhere += tid not in self.mine
            elif owner is not None and owner.startswith(BATCH_OWNER):
                drop.add(tid)
                self.in_batch += 1
        self.pending = [i for i in self.pending if i not in drop]

    def _beat(self) -> None:
        interval = max(0.05, min(60.0, self.seconds / 4))
        while not self._stop.wait(interval):
            try:
                with self.engine.begin() as conn:
                    lease.renew(conn, TASK, self.owner, self.seconds)
            except Exception as exc:  # noqa: BLE001 - a missed renewal is retried on the next tick
                log.warning("extract event=lease_renewal_failed error=%s", type(exc).__name__)

    def close(self) -> None:
        """Stop renewing and give back the tasks this process still holds (e.g. after an interrupt)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        with self.engine.begin() as conn:
            lease.release(conn, TASK, self.owner)
