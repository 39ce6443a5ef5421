"""Exception tree. Only `cli.py` turns these into one-line messages and exit codes.

IngestError                      base; `retryable` says whether the next run may succeed
├── ConfigError                  a setting is missing or invalid (exit 2)
├── InputError                   bad user input (exit 2)
│   ├── WeekError                unknown or malformed ISO week, e.g. 2026-W60
│   └── SourceFileError          missing/unreadable/malformed snapshot file (line number when known)
├── NotFoundError                an id, week or report that is not in the database (exit 2)
├── FetchError                   arXiv or another HTTP source failed after retries (retryable)
├── LLMError                     carries attempts and token usage
│   ├── LLMTransportError        429/5xx/timeout/connection after retries (retryable)
│   ├── LLMAuthError             401/403: wrong or missing key
│   └── LLMOutputError           invalid JSON/schema after re-asks, truncation, refusal
├── LockError                    another run holds the database lock
├── VerificationError            a report failed verification (stored as Draft)
└── StageFailures                a run finished but some items or stages failed (exit 1)
"""

from __future__ import annotations


class IngestError(Exception):
    """Base of every error this tool raises on purpose."""

    retryable = False
    exit_code = 1


class ConfigError(IngestError):
    exit_code = 2


class InputError(IngestError):
    exit_code = 2


class WeekError(InputError):
    pass


class SourceFileError(InputError):
    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.line = line


class NotFoundError(IngestError):
    exit_code = 2


class FetchError(IngestError):
    retryable = True


class LLMError(IngestError):
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
    retryable = True


class LLMAuthError(LLMError):
    exit_code = 2


class LLMOutputError(LLMError):
    retryable = True


class LockError(IngestError):
    exit_code = 3


class VerificationError(IngestError):
    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class StageFailures(IngestError):
    """A run completed what it could; `failures` names what did not succeed."""

    def __init__(self, message: str, failures: list[str] | None = None) -> None:
        super().__init__(message)
        self.failures = failures or []
