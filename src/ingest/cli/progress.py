"""Progress bars for long stages on a terminal: StageEvents (log lines) plus a rich bar per stage.

`StageProgress(enabled)` is handed to pipeline.run_week. `enabled=False` (output not a terminal, or
--quiet) draws nothing; the log lines of StageEvents are written either way (visible with -v).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ingest.progress import StageEvents


class StageProgress(StageEvents):
    """StageEvents with a progress bar per stage; `bar(stage)` gives the (done, total) callback."""

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
