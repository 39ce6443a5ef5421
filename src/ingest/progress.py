"""Stage events: every stage start, end and failure as a structured log line; an optional progress callback.

`StageEvents` is what pipeline.run_week (and each stage command) reports to: `started`, `finished`,
`failed` write `stage=extract event=done seconds=1.2 extracted=30` lines to the `ingest.pipeline`
logger (visible with -v); `bar(stage)` returns a `(done, total)` callback or None. The CLI's
StageProgress subclass draws a bar on a terminal. Display only: nothing here can fail a run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger("ingest.pipeline")


def kv(**fields: Any) -> str:
    """`a=1 b=x` log formatting (values without spaces)."""
    return " ".join(f"{k}={str(v).replace(' ', '_')}" for k, v in fields.items())


class StageEvents:
    """Stage-level reporting as log lines; subclasses add a display (`bar`)."""

    def __enter__(self) -> StageEvents:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def started(self, stage: str, **fields: Any) -> None:
        log.info(kv(stage=stage, event="start", **fields))

    def finished(self, stage: str, seconds: float, **fields: Any) -> None:
        log.info(kv(stage=stage, event="done", seconds=f"{seconds:.2f}", **fields))

    def failed(self, stage: str, error: str) -> None:
        log.warning(kv(stage=stage, event="failed") + f" error={error}")

    def bar(self, stage: str) -> Callable[[int, int], None] | None:
        """A `(done, total)` callback for `stage`, or None when nothing is displayed."""
        return None
