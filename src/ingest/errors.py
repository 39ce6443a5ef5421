"""Typed failures: every error this tool raises on purpose has a `kind`; only the CLI turns kinds into
exit codes (ingest.cli.EXIT_CODES, one table).

    IngestError                      base; `retryable` says whether the next run may succeed
    ├── ConfigError                  kind config: a setting is missing or invalid
    │   └── DatabaseError            the database cannot be used as is (corrupt, read-only, newer schema)
    ├── InputError                   kind input: bad user input
    │   ├── WeekError                unknown or malformed ISO week, e.g. 2026-W60
    │   └── SourceFileError          missing/unreadable/malformed snapshot file (line number when known)
    ├── NotFoundError                kind not_found: an id, week or report that is not in the database
    ├── FetchError                   kind fetch: arXiv or another HTTP source failed after retries
    │   └── PublishError             a publish destination (Notion) failed after retries
    ├── LLMError                     carries attempts and token usage
    │   ├── LLMTransportError        kind llm_transport: 429/5xx/timeout/connection after retries
    │   ├── LLMAuthError             kind llm_auth: 401/403, a wrong or missing key
    │   └── LLMOutputError           kind llm_output: invalid JSON/schema after re-asks, truncation, refusal
    ├── LockError                    kind lock: another run holds the database lock
    ├── VerificationError            kind verification: a report failed verification (stored as Draft)
    └── StageFailures                kind partial: a run finished but some items or stages failed

    Interrupted (a SystemExit)       kind interrupted: SIGTERM; unwinds past per-item handlers (and
                                     asyncio's, which re-raise only SystemExit and KeyboardInterrupt)
                                     so the run row closes failed and the lock is released

Items that fail inside a stage (one paper, one snapshot line) become `Failure` values: the item,
its kind and a message. Code decides on kinds, never on message text. `listed(items)` shows a
list of problems as one line ending "and N more".
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar


class Kind(StrEnum):
    CONFIG = "config"
    INPUT = "input"
    NOT_FOUND = "not_found"
    FETCH = "fetch"
    LLM = "llm"
    LLM_TRANSPORT = "llm_transport"
    LLM_AUTH = "llm_auth"
    LLM_OUTPUT = "llm_output"
    LOCK = "lock"
    VERIFICATION = "verification"
    PARTIAL = "partial"
    INTERRUPTED = "interrupted"
    INTERNAL = "internal"  # an unexpected exception (a bug)


class IngestError(Exception):
    """Base of every error this tool raises on purpose."""

    kind: ClassVar[Kind] = Kind.INTERNAL
    retryable: ClassVar[bool] = False


class ConfigError(IngestError):
    kind = Kind.CONFIG


class DatabaseError(ConfigError):
    """The database exists but cannot be used as is: not a database, read-only, a schema revision this
    version does not know, a missing driver."""


class InputError(IngestError):
    kind = Kind.INPUT


class WeekError(InputError):
    pass


class SourceFileError(InputError):
    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.line = line


class NotFoundError(IngestError):
    kind = Kind.NOT_FOUND


class FetchError(IngestError):
    kind = Kind.FETCH
    retryable = True


class PublishError(FetchError):
    """A publish destination (the Notion API) failed after retries; the next run publishes again."""


class LLMError(IngestError):
    kind = Kind.LLM

    def __init__(
        self,
        message: str,
        *,
        attempts: int = 0,
        prompt_tokens: int = 0,
        completion_tokens: int = 0,
        raw: str | None = None,
    ) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.prompt_tokens = prompt_tokens
        self.completion_tokens = completion_tokens
        self.raw = raw


class LLMTransportError(LLMError):
    kind = Kind.LLM_TRANSPORT
    retryable = True


class LLMAuthError(LLMError):
    kind = Kind.LLM_AUTH


class LLMOutputError(LLMError):
    kind = Kind.LLM_OUTPUT
    retryable = True


class LockError(IngestError):
    kind = Kind.LOCK


class VerificationError(IngestError):
    kind = Kind.VERIFICATION

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class Interrupted(SystemExit):  # noqa: N818 - a signal, not an error of ours
    """A termination signal arrived (see cli: SIGTERM handler). A SystemExit, so that per-paper
    `except Exception` handlers, and asyncio (which swallows other BaseExceptions raised inside a
    transport or callback), let it through and the run unwinds, closing its run row and lock;
    uncaught, the process exits 128 + signal number."""

    kind: ClassVar[Kind] = Kind.INTERRUPTED

    def __init__(self, signum: int, name: str) -> None:
        super().__init__(128 + signum)
        self.signum, self.name = signum, name

    def __str__(self) -> str:
        return f"interrupted by {self.name}"


def listed(items: list[str] | list[Failure], shown: int = 3, sep: str = "; ") -> str:
    """The first `shown` items joined by `sep`, then '; and N more' when there are more."""
    head = sep.join(str(i) for i in items[:shown])
    more = len(items) - shown
    return head + (f"{sep}and {more} more" if more > 0 else "")


@dataclass(frozen=True)
class Failure:
    """One item (a paper id, a stage, a file line) that did not succeed: its kind and a message."""

    item: str
    kind: Kind
    message: str

    def __str__(self) -> str:
        return f"{self.item}: {self.message}"

    @classmethod
    def of(cls, item: str, exc: BaseException, message: str | None = None) -> Failure:
        """The failure of `item` caused by `exc` (message: given, else 'ErrorType: text')."""
        kind = exc.kind if isinstance(exc, IngestError) else Kind.INTERNAL
        return cls(item, kind, message if message is not None else f"{type(exc).__name__}: {exc}")


class StageFailures(IngestError):
    """A run completed what it could; `failures` names what did not succeed. When a whole stage failed,
    `cause` is that stage's kind (the exit code follows it)."""

    kind = Kind.PARTIAL

    def __init__(
        self, message: str, failures: list[Failure] | None = None, cause: Kind | None = None
    ) -> None:
        super().__init__(message)
        self.failures = failures or []
        self.cause = cause


def exit_kind(exc: BaseException) -> Kind:
    """The kind that decides the exit code: a stage failure's cause, else the error's own kind."""
    if isinstance(exc, StageFailures) and exc.cause is not None:
        return exc.cause
    return exc.kind if isinstance(exc, IngestError | Interrupted) else Kind.INTERNAL
