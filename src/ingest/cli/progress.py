"""Progress display for long stages: stage events -> a rich progress bar on a terminal, log lines always.

`StageProgress(enabled)` is handed to pipeline.run_week. `enabled=False` (output not a terminal, or
--quiet) draws nothing. Independently, every stage start/end is a structured `logging` line
(`stage=extract event=done seconds=1.2 extracted=30`), visible with -v. Display only: no state,
nothing here can fail a run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

log = logging.getLogger("ingest.pipeline")


def kv(**fields: Any) -> str:
    """`a=1 b=x` log formatting (values without spaces)."""
    return " ".join(f"{k}={str(v).replace(' ', '_')}" for k, v in fields.items())


class StageProgress:
    """Stage-level reporting; `bar(stage)` gives the (done, total) callback stages accept."""

    def __init__(self, enabled: bool = False, console: Console | None = None) -> None:
        self.enabled = enabled
        self._progress: Progress | None = None
        self._tasks: dict[str, Any] = {}
        if enabled:
            self._progress = Progress(
                TextColumn("{task.description:<8}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console or Console(stderr=True),
                transient=True,
            )

    def __enter__(self) -> StageProgress:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    def started(self, stage: str, **fields: Any) -> None:
        log.info(kv(stage=stage, event="start", **fields))

    def finished(self, stage: str, seconds: float, **fields: Any) -> None:
        log.info(kv(stage=stage, event="done", seconds=f"{seconds:.2f}", **fields))

    def failed(self, stage: str, error: str) -> None:
        log.warning(kv(stage=stage, event="failed") + f" error={error}")

    def bar(self, stage: str) -> Callable[[int, int], None] | None:
        """A callback `(done, total)` drawing a bar for `stage`, or None when display is off."""
        if self._progress is None:
            return None
        progress = self._progress

        def update(done: int, total: int) -> None:
            if stage not in self._tasks:
                self._tasks[stage] = progress.add_task(stage, total=total)
            progress.update(self._tasks[stage], completed=done, total=total)

        return update
