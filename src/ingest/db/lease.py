"""Leases: rows of a table with `owner` and `lease_until` columns -> rows claimed by one process at a time.

Several processes (or machines) sharing one database hand out work by claiming rows, committed
before the slow work starts. PostgreSQL: `SELECT id FROM t WHERE <free> ORDER BY id LIMIT n FOR
UPDATE SKIP LOCKED` hands concurrent claimers different rows without waiting for each other, then
`UPDATE t SET owner = me, lease_until = now + lease WHERE id IN (those)`; two statements, because
inside an UPDATE's IN (...) the locking subquery may be run again per row and its LIMIT then no
longer bounds the claim. SQLite (no row locks): one `UPDATE ... WHERE id IN (SELECT ... LIMIT n)
RETURNING id`, which runs under the database write lock, so two claimers never take one row.
A row is free when it has no owner, its lease ended, or its owner is a dead process on this host
(`owner` = host:pid:token).
Owners renew their leases while they work (`renew`); clocks of machines sharing a database must agree
(NTP) to well within a lease. Nothing here keeps state between calls: every function is one
statement, idempotent for its owner.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Table, or_, select, update
from sqlalchemy.engine import Connection

from ingest.db.lock import pid_alive


def now() -> datetime:
    return datetime.now(UTC)


def new_owner() -> str:
    """host:pid:token naming this process's claims (the token tells restarts of one pid apart)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def is_dead(owner: str) -> bool:
    """The owner is a process of this host that no longer runs (its claims can be taken at once)."""
    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    return host == socket.gethostname() and pid.isdigit() and not pid_alive(int(pid))


def dead_owners(conn: Connection, table: Table) -> list[str]:
    """Owners of live leases in `table` whose process is gone (this host only)."""
    live = select(table.c.owner).where(table.c.owner.is_not(None), table.c.lease_until >= now()).distinct()
    return [o for o in conn.execute(live).scalars() if is_dead(o)]


def free_clause(table: Table, dead: Sequence[str] = ()) -> Any:
    clauses = [table.c.owner.is_(None), table.c.lease_until.is_(None), table.c.lease_until < now()]
    if dead:
        clauses.append(table.c.owner.in_(list(dead)))
    return or_(*clauses)


def claim(
    conn: Connection,
    table: Table,
    owner: str,
    seconds: float,
    *,
    limit: int,
    where: Sequence[Any] = (),
    dead: Sequence[str] = (),
) -> list[int]:
    """Claim up to `limit` free rows (lowest ids first) matching `where`; returns their ids.
    The caller commits (before starting the work)."""
    free = free_clause(table, dead)
    chosen = select(table.c.id).where(free, *where).order_by(table.c.id).limit(limit)
    values = {"owner": owner, "lease_until": now() + timedelta(seconds=seconds)}
    if conn.dialect.name == "sqlite":
        stmt = update(table).where(table.c.id.in_(chosen.scalar_subquery())).values(**values)
        return sorted(conn.execute(stmt.returning(table.c.id)).scalars())
    ids = list(conn.execute(chosen.with_for_update(skip_locked=True)).scalars())
    if ids:
        conn.execute(update(table).where(table.c.id.in_(ids)).values(**values))
    return sorted(ids)


def renew(conn: Connection, table: Table, owner: str, seconds: float) -> int:
    """Extend every lease `owner` holds in `table`; returns how many rows it still holds."""
    stmt = update(table).where(table.c.owner == owner).values(lease_until=now() + timedelta(seconds=seconds))
    return int(conn.execute(stmt).rowcount or 0)


def release(conn: Connection, table: Table, owner: str) -> int:
    """Give back every row `owner` still holds (free for others at once)."""
    stmt = update(table).where(table.c.owner == owner).values(owner=None, lease_until=None)
    return int(conn.execute(stmt).rowcount or 0)
