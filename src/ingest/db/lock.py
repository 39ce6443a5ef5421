"""Database lock: (engine, lock name) -> exclusive right to write that database.

Two runs (the scheduler's and a manual `ingest run`) must never work one database at once, nor may
a `crawl`, `extract` or `report` run beside them: every writing command takes the same lock
(`for_command`; `needed_for` is the one place that decides which commands need it). The lock
is a row in the `lock` table keyed by name: acquiring is an INSERT that fails on the primary key when
someone else holds it (SQLite and PostgreSQL alike), releasing is a DELETE of our own row
(owner = host:pid:token). A background thread refreshes `heartbeat_at` while we hold it.

The heartbeat thread is fork-safe (`fork_safe = True` on the thread, see crawl.bulk_rows.can_fork):
a beat runs holding _BEAT_GUARD, and every fork of this process takes that guard first
(os.register_at_fork), so a fork never copies a beat in progress; between beats the thread holds
no lock. A crawl holding the lock can therefore still fork its bulk-load workers.

Failure behaviour: while the holder is alive the second run waits up to `settings.lock_wait_seconds`,
then raises LockError naming the holder. A stale lock (holder pid dead on this host, or heartbeat
older than `settings.lock_stale_seconds`) is taken over: a conditional DELETE of exactly that owner's
row, then the INSERT again, so two processes taking over at once cannot both win.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from ingest.config import Settings
from ingest.db.models import Lock, table_of
from ingest.errors import LockError

log = logging.getLogger(__name__)
LOCK_TABLE = table_of(Lock)
PIPELINE_LOCK = "pipeline"
_BEAT_GUARD = threading.Lock()  # held during a beat and around every fork (see module doc)
os.register_at_fork(
    before=_BEAT_GUARD.acquire, after_in_parent=_BEAT_GUARD.release, after_in_child=_BEAT_GUARD.release
)
# Commands that write the database. `run` and `schedule` take the lock per week inside
# pipeline.run_week; the others through for_command.
WRITING_COMMANDS = frozenset({"run", "schedule", "crawl", "extract", "report", "publish", "db upgrade"})


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def pid_alive(pid: int) -> bool:
    """True when a process with this pid exists on this host and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    try:
        state = stat.read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")


@dataclass
class Holder:
    """Who holds a lock, as stored in its row."""

    owner: str
    pid: int
    host: str
    acquired_at: datetime
    heartbeat_at: datetime

    def describe(self) -> str:
        age = (_now() - _aware(self.heartbeat_at)).total_seconds()
        since = _aware(self.acquired_at).strftime("%Y-%m-%d %H:%M:%S UTC")
        return f"pid {self.pid} on {self.host} since {since} (last heartbeat {age:.0f}s ago)"

    def is_stale(self, stale_seconds: float) -> bool:
        if self.host == socket.gethostname() and not pid_alive(self.pid):
            return True
        return (_now() - _aware(self.heartbeat_at)).total_seconds() > stale_seconds


@dataclass
class HeldLock:
    """A lock we hold; `release()` deletes our row and stops the heartbeat thread."""

    engine: Engine
    name: str
    owner: str
    interval: float
    took_over: Holder | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start_heartbeat(self) -> None:
        self._thread = threading.Thread(target=self._beat, name=f"lock-heartbeat-{self.name}", daemon=True)
        self._thread.fork_safe = True  # type: ignore[attr-defined]  # see the module doc
        self._thread.start()

    def _beat(self) -> None:
        while not self._stop.wait(self.interval):
            with _BEAT_GUARD:
                try:
                    if not self.heartbeat():
                        log.warning("lock=%s event=lost owner=%s", self.name, self.owner)
                        return
                except Exception as exc:  # noqa: BLE001 - a missed beat is retried on the next tick
                    log.warning("lock=%s event=heartbeat_failed error=%s", self.name, type(exc).__name__)

    def heartbeat(self) -> bool:
        """Refresh our heartbeat; False when our row is gone (someone took the lock over)."""
        stmt = (
            update(LOCK_TABLE)
            .where(LOCK_TABLE.c.name == self.name, LOCK_TABLE.c.owner == self.owner)
            .values(heartbeat_at=_now())
        )
        with self.engine.begin() as conn:
            return conn.execute(stmt).rowcount == 1

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        stmt = delete(LOCK_TABLE).where(LOCK_TABLE.c.name == self.name, LOCK_TABLE.c.owner == self.owner)
        with self.engine.begin() as conn:
            conn.execute(stmt)
        log.info("lock=%s event=released owner=%s", self.name, self.owner)


def current_holder(engine: Engine, name: str = PIPELINE_LOCK) -> Holder | None:
    """The holder of lock `name`, or None when it is free."""
    with engine.connect() as conn:
        row = conn.execute(select(LOCK_TABLE).where(LOCK_TABLE.c.name == name)).mappings().first()
    if row is None:
        return None
    return Holder(
        owner=row["owner"],
        pid=row["pid"],
        host=row["host"],
        acquired_at=row["acquired_at"],
        heartbeat_at=row["heartbeat_at"],
    )


def _try_insert(engine: Engine, name: str, owner: str) -> bool:
    now = _now()
    values = dict(
        name=name, owner=owner, pid=os.getpid(), host=socket.gethostname(), acquired_at=now, heartbeat_at=now
    )
    try:
        with engine.begin() as conn:
            conn.execute(insert(LOCK_TABLE).values(**values))
    except IntegrityError:
        return False
    return True


def _take_over(engine: Engine, name: str, holder: Holder) -> None:
    stmt = delete(LOCK_TABLE).where(LOCK_TABLE.c.name == name, LOCK_TABLE.c.owner == holder.owner)
    with engine.begin() as conn:
        conn.execute(stmt)
    log.warning("lock=%s event=stale_taken_over holder=%s", name, holder.owner)


def heartbeat_interval(settings: Settings) -> float:
    """Beat often enough that a live holder never looks stale: a quarter of the staleness, at most 30 s
    (Settings rejects a staleness of 0 or less: every live lock would look stale)."""
    return min(30.0, settings.lock_stale_seconds / 4)


def acquire(engine: Engine, settings: Settings, name: str = PIPELINE_LOCK) -> HeldLock:
    """Take lock `name`, waiting up to settings.lock_wait_seconds; raises LockError naming the holder."""
    owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
    deadline = time.monotonic() + settings.lock_wait_seconds
    took_over: Holder | None = None
    waited = False
    while True:
        if _try_insert(engine, name, owner):
            held = HeldLock(engine, name, owner, heartbeat_interval(settings), took_over=took_over)
            held.start_heartbeat()
            log.info("lock=%s event=acquired owner=%s", name, owner)
            return held
        holder = current_holder(engine, name)
        if holder is None:
            continue
        if holder.is_stale(settings.lock_stale_seconds):
            _take_over(engine, name, holder)
            took_over = holder
            continue
        remaining = deadline - time.monotonic()
        if remaining > 0 and not waited:
            log.info(
                "lock=%s event=waiting holder=%s seconds=%g", name, holder.owner, settings.lock_wait_seconds
            )
            waited = True
        if remaining <= 0:
            raise LockError(
                f"another run holds the database lock {name!r}: {holder.describe()}; "
                f"waited {settings.lock_wait_seconds:g}s (raise INGEST_LOCK_WAIT_SECONDS to wait longer)"
            )
        time.sleep(min(1.0, remaining))


@contextmanager
def hold(engine: Engine, settings: Settings, name: str = PIPELINE_LOCK) -> Iterator[HeldLock]:
    """`with hold(engine, settings): ...` runs the block holding the lock, releasing it on any exit."""
    held = acquire(engine, settings, name)
    try:
        yield held
    finally:
        held.release()


def needed_for(command: str, engine: Engine) -> bool:
    """Whether `command` must hold the lock on this database: every writing command, except `extract`
    on PostgreSQL, whose workers share a week through row leases and may run side by side."""
    if command not in WRITING_COMMANDS:
        return False
    return not (command == "extract" and engine.dialect.name == "postgresql")


def for_command(engine: Engine, settings: Settings, command: str) -> Any:
    """`with for_command(engine, settings, "report") as held:` holds the lock when needed_for says so
    (`held` is the HeldLock, else None); LockError naming the holder after lock_wait_seconds."""
    return hold(engine, settings) if needed_for(command, engine) else nullcontext(None)


def for_command_if_present(engine: Engine, settings: Settings, command: str) -> Any:
    """for_command on a database that already has the lock table; nothing on a new one (`db upgrade`
    creates the table, and nothing can be running on a database without it)."""
    from sqlalchemy import inspect

    if LOCK_TABLE.name not in inspect(engine).get_table_names():
        return nullcontext(None)
    return for_command(engine, settings, command)
