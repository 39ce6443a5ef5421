"""`ingest` in a child process for tests: its environment, its log lines as events, the run log it writes.

`ingest_env(workdir, **settings)` is the environment of a child `python -m ingest`: the test's own
environment without INGEST_*/OPENAI_* variables, no ingest.toml, reports and cache under `workdir`,
the offline backend unless told otherwise, and this checkout's src/ first on PYTHONPATH; keyword
arguments become INGEST_<NAME> variables. `Watched` starts the child, reads its stderr in a thread
and lets a test wait for a line (`wait_for`, bounded: a timeout is a failure that shows the log).
`runs(db)` reads the child's `run` rows through a read-only SQLite connection.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def ingest_env(workdir: Path, **settings: Any) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INGEST_", "OPENAI_"))}
    env.update(
        INGEST_CONFIG="",  # empty: no settings file
        INGEST_REPORTS_DIR=str(workdir / "reports"),
        INGEST_CACHE_DIR=str(workdir / "cache"),
        INGEST_BACKEND="offline",
        PYTHONPATH=os.pathsep.join([str(ROOT / "src"), *filter(None, [os.environ.get("PYTHONPATH")])]),
    )
    env.update({f"INGEST_{k.upper()}": str(v) for k, v in settings.items()})
    return env


class Watched:
    """A child `python -m ingest ARGS` whose stderr lines a test can wait for."""

    def __init__(self, args: list[str], workdir: Path, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ingest", *args],
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self._out: list[str] = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._out_reader = threading.Thread(target=self._read_stdout, daemon=True)
        self._out_reader.start()

    def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        self._out.extend(self.proc.stdout)

    @property
    def stdout(self) -> str:
        return "".join(self._out)

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    @property
    def log(self) -> str:
        with self._changed:
            return "\n".join(self.lines)

    def wait_for(self, pattern: str, timeout: float = 60.0) -> re.Match[str]:
        """The first stderr line matching `pattern`; fails after `timeout` s or when the child ends."""
        regex = re.compile(pattern)

        def found() -> re.Match[str] | None:
            return next((m for line in self.lines if (m := regex.search(line))), None)

        with self._changed:
            ok = self._changed.wait_for(lambda: found() or not self._reader.is_alive(), timeout)
            match = found()
        assert ok and match, f"no line matching {pattern!r} (exit {self.proc.poll()}); stderr:\n{self.log}"
        return match

    def stop(self, sig: int = signal.SIGINT, timeout: float = 30.0) -> int:
        """Send `sig` (default: Ctrl-C), wait for the exit; returns the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        self.proc.wait(timeout)
        self._reader.join(timeout)
        self._out_reader.join(timeout)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()
        return self.proc.returncode

    def __enter__(self) -> Watched:
        return self

    def __exit__(self, *_exc: object) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.stop()


@dataclass
class RunRow:
    id: int
    kind: str
    week: str | None
    status: str
    pid: int | None
    started_at: str
    counts: dict[str, Any]
    stages: dict[str, Any]


def runs(db: Path, kind: str = "run") -> list[RunRow]:
    """The `run` rows of `kind`, oldest first ([] while the database does not exist yet)."""
    if not db.exists():
        return []
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        rows = con.execute(
            "SELECT id, kind, week, status, pid, started_at, counts, stages FROM run "
            "WHERE kind = ? ORDER BY id",
            (kind,),
        ).fetchall()
    except sqlite3.OperationalError:  # not migrated yet
        return []
    finally:
        con.close()
    return [RunRow(*row[:6], json.loads(row[6] or "{}"), json.loads(row[7] or "{}")) for row in rows]
