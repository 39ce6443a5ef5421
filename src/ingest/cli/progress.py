"""Progress bars for long stages on a terminal: StageEvents (log lines) plus a rich bar per stage.

`StageProgress(enabled)` is handed to pipeline.run_week; `stage_events` wraps one stage command
(crawl, extract, report) the same way. `enabled=False` (output not a terminal, or --quiet) draws
nothing; the log lines of StageEvents are written either way (visible with -v).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ingest.progress import StageEvents, kv, log


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


@contextmanager
def stage_events(
    name: str, *, enabled: bool, **fields: Any
) -> Iterator[tuple[StageProgress, dict[str, Any]]]:
    """One stage run by a stage command (crawl, extract, report), reported like a pipeline stage:
    `stage=<name> event=start ...`, then `event=done seconds=.. <counts>` with the counts the block
    put into the yielded dict, or `event=failed error=..` (lines visible with -v), and a bar."""
    from ingest.cli.app import scrub

    events = StageProgress(enabled=enabled)
    counts: dict[str, Any] = {}
    events.started(name, **fields)
    t0 = time.perf_counter()
    try:
        with events:
            yield events, counts
    except BaseException as exc:  # at INFO (-v): without -v the CLI's one error line says it
        log.info(kv(stage=name, event="failed") + f" error={scrub(f'{type(exc).__name__}: {exc}')}")
        raise
    events.finished(name, time.perf_counter() - t0, **{k: v for k, v in counts.items() if isinstance(v, int)})
