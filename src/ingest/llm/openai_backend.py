"""OpenAICompatibleLLM: the LLM seam over any OpenAI-compatible endpoint (the only importer of `openai`).

Input: a RenderedPrompt and a pydantic schema. Output: an LLMResult with the validated object, or an
LLMError subclass carrying attempts and token usage. Structured output (json_schema, or json_object
for servers without it), bounded re-asks with the validation error, transport retries with backoff
honouring Retry-After, a concurrency cap. `openai` is imported when the first request is sent, so
importing this module stays cheap. Secrets: every reply text (stored as llm_call.raw_output) and
every error message is scrubbed (Settings.scrub: the key, URL userinfo, bearer tokens), and the
base URL is shown with its userinfo masked; a provider answering 200 with an error page that quotes
the key stores '***'.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import random
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from ingest.config import Settings
from ingest.errors import LLMAuthError, LLMError, LLMOutputError, LLMTransportError
from ingest.llm.prompts import RenderedPrompt
from ingest.llm.seam import LLMResult
from ingest.llm.structured import response_format
from ingest.secrets import mask_url

T = TypeVar("T", bound=BaseModel)
log = logging.getLogger(__name__)


RETRYABLE_STATUS = frozenset({408, 409, 429}) | frozenset(range(500, 600))
MAX_RETRY_AFTER = 60.0
FENCE = re.compile(r"^\s*```(?:json|JSON)?\s*\n?(.*?)\n?\s*```\s*$", re.DOTALL)
JSON_ONLY = "Answer with JSON only: one JSON object valid against this JSON schema (title {title}):\n"


@dataclass
class _Tally:
    """Requests sent and tokens used by one `complete` call, across transport retries and re-asks."""

    attempts: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    raw: str | None = None

    def error(self, cls: type[LLMError], message: str) -> LLMError:
        return cls(
            message,
            attempts=self.attempts,
            prompt_tokens=self.prompt_tokens,
            completion_tokens=self.completion_tokens,
            raw=self.raw,
        )


@dataclass
class _Reply(Generic[T]):
    """One HTTP answer: its text, why it stopped, and the validated object or the validation error."""

    content: str | None
    finish_reason: str | None
    refusal: str | None
    parsed: T | None = None
    invalid: str | None = None


class OpenAICompatibleLLM:
    """Any OpenAI-compatible endpoint: structured output, re-asks, retries with backoff, a concurrency cap.

    The client and the semaphore are created lazily inside the running event loop (and again if a later
    `asyncio.run` brings a new loop); `aclose()` closes the client. `max_retries=0` on the SDK: the loop
    here retries, so every request is counted in `attempts`. The API key never appears in any message.
    """

    backend = "openai"

    def __init__(self, settings: Settings, *, backoff_base: float = 0.5, backoff_cap: float = 8.0) -> None:
        self.settings = settings
        self.model = settings.model
        self.base_url = settings.openai_base_url or "https://api.openai.com/v1"
        self.shown_url = mask_url(self.base_url)  # for messages: never the userinfo
        self.backoff_base, self.backoff_cap = backoff_base, backoff_cap
        self._client: Any = None
        self._semaphore: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _ensure(self) -> tuple[Any, asyncio.Semaphore]:
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            import openai

            self._client = openai.AsyncOpenAI(
                base_url=self.base_url,
                api_key=self.settings.api_key(),
                timeout=self.settings.llm_timeout,
                max_retries=0,
            )
            self._semaphore = asyncio.Semaphore(max(1, self.settings.llm_concurrency))
            self._loop = loop
        assert self._semaphore is not None
        return self._client, self._semaphore

    async def aclose(self) -> None:
        client, self._client, self._loop = self._client, None, None
        if client is not None:
            await client.close()

    async def complete(self, prompt: RenderedPrompt, schema: type[T]) -> LLMResult[T]:
        """Ask until the answer validates (1 + llm_reasks asks); each ask retries transport failures."""
        started = time.perf_counter()
        tally = _Tally()
        messages = self._messages(prompt, schema)
        for ask in range(self.settings.llm_reasks + 1):
            reply = await self._send_with_retries(messages, schema, tally)
            tally.raw = reply.content
            self._check_stop(reply, tally)
            if reply.parsed is not None:
                return LLMResult(
                    parsed=reply.parsed,
                    raw=reply.content or "",
                    backend=self.backend,
                    model=self.model,
                    prompt_tokens=tally.prompt_tokens,
                    completion_tokens=tally.completion_tokens,
                    attempts=tally.attempts,
                    latency_ms=(time.perf_counter() - started) * 1000,
                )
            log.info("invalid %s output (ask %d): %s", schema.__name__, ask + 1, reply.invalid)
            messages = [
                *messages,
                {"role": "assistant", "content": reply.content or ""},
                {"role": "user", "content": _reask_text(reply.invalid or "")},
            ]
        raise tally.error(
            LLMOutputError,
            f"invalid {schema.__name__} after {self.settings.llm_reasks + 1} asks: {reply.invalid}",
        )

    def _messages(self, prompt: RenderedPrompt, schema: type[BaseModel]) -> list[dict[str, str]]:
        if self.settings.llm_response_format == "json_schema":
            return prompt.messages()
        spec = json.dumps(schema.model_json_schema(), ensure_ascii=False)
        system = f"{prompt.system}\n\n{JSON_ONLY.format(title=schema.__name__)}{spec}"
        return [{"role": "system", "content": system}, {"role": "user", "content": prompt.user}]

    def _check_stop(self, reply: _Reply[Any], tally: _Tally) -> None:
        if reply.finish_reason == "length":
            raise tally.error(LLMOutputError, "truncated (finish_reason=length)")
        if reply.refusal:
            raise tally.error(LLMOutputError, f"refused: {self.settings.scrub(reply.refusal)[:300]}")
        if reply.finish_reason == "content_filter":
            raise tally.error(LLMOutputError, "refused: content filter")

    async def _send_with_retries(
        self, messages: list[dict[str, str]], schema: type[T], tally: _Tally
    ) -> _Reply[T]:
        import openai

        client, semaphore = self._ensure()
        for retry in range(self.settings.llm_max_retries + 1):
            try:
                async with semaphore:
                    tally.attempts += 1
                    return await self._send(client, messages, schema, tally)
            except (openai.AuthenticationError, openai.PermissionDeniedError):
                raise tally.error(
                    LLMAuthError, f"authentication failed at {self.shown_url}: check OPENAI_API_KEY"
                ) from None
            except (openai.APIConnectionError, openai.APIStatusError) as exc:
                status = getattr(exc, "status_code", None)
                reason = self._describe(exc)
                if status is not None and status not in RETRYABLE_STATUS:
                    raise tally.error(LLMTransportError, reason) from None
                if retry == self.settings.llm_max_retries:
                    message = f"{reason} (after {tally.attempts} attempts)"
                    raise tally.error(LLMTransportError, message) from None
                delay = self._delay(exc, retry)
                log.warning("%s; retrying in %.2fs", reason, delay)
                await asyncio.sleep(delay)
            except openai.OpenAIError as exc:  # e.g. a response the SDK cannot read
                message = self.settings.scrub(f"{type(exc).__name__} from {self.shown_url}: {exc}")[:400]
                raise tally.error(LLMTransportError, message) from None
        raise AssertionError("unreachable")

    def _describe(self, exc: Exception) -> str:
        status = getattr(exc, "status_code", None)
        if status is None:
            kind = "timeout" if "Timeout" in type(exc).__name__ else "connection error"
            return f"{kind} at {self.shown_url}"
        return self.settings.scrub(f"HTTP {status} from {self.shown_url}: {getattr(exc, 'message', '')}")[
            :400
        ]

    def _delay(self, exc: Exception, retry: int) -> float:
        response = getattr(exc, "response", None)
        hinted = _retry_after(response.headers) if response is not None else None
        if hinted is not None:
            return min(hinted, MAX_RETRY_AFTER)
        return min(self.backoff_cap, self.backoff_base * 2**retry) * random.uniform(0.8, 1.0)

    async def _send(
        self, client: Any, messages: list[dict[str, str]], schema: type[T], tally: _Tally
    ) -> _Reply[T]:
        """One request. json_schema mode sends the strict `response_format` of llm.structured (built once
        per schema) as extra_body and validates the reply here, instead of `chat.completions.parse`,
        which rebuilds the schema on every call and keeps the event loop busy at high concurrency.
        The body is `chat_body`'s, the one a Batch API line carries too."""
        body = self.chat_body(messages, schema)
        options = {k: body[k] for k in ("model", "messages", "max_tokens")}
        options["extra_body"] = {"response_format": body["response_format"]}
        raw = await client.chat.completions.with_raw_response.create(**options)
        try:
            body = raw.http_response.json()
        except ValueError:
            return _Reply(
                content=self.settings.scrub(raw.http_response.text[:2000]),
                finish_reason=None,
                refusal=None,
                invalid="response body is not JSON",
            )
        return self._reply(body, schema, tally)

    def _reply(self, body: Any, schema: type[T], tally: _Tally) -> _Reply[T]:
        reply: _Reply[T] = _read_body(body, tally)
        if reply.content:
            reply.content = self.settings.scrub(reply.content)
        stopped = reply.finish_reason in ("length", "content_filter") or reply.refusal
        if not stopped and not reply.invalid:
            self._validate(reply, schema)
        return reply

    # ---- the Batch API's half: the same request body, the same reading of an answer ----
    def chat_body(self, messages: list[dict[str, str]], schema: type[BaseModel]) -> dict[str, Any]:
        """The JSON body of one chat completion request: what `complete` sends and what a Batch API
        line carries (json_schema mode: the strict `response_format` of llm.structured)."""
        strict = self.settings.llm_response_format == "json_schema"
        return {
            "model": self.model,
            "messages": messages,
            "max_tokens": self.settings.llm_max_tokens,
            "response_format": response_format(schema) if strict else {"type": "json_object"},
        }

    def request_body(self, prompt: RenderedPrompt, schema: type[BaseModel]) -> dict[str, Any]:
        """The body of the first request `complete(prompt, schema)` sends."""
        return self.chat_body(self._messages(prompt, schema), schema)

    def answer(self, body: Any, schema: type[T], latency_ms: float = 0.0) -> LLMResult[T]:
        """A chat completion body (e.g. one Batch API output line) -> validated LLMResult, or the
        LLMOutputError `complete` would raise (no re-ask: the batch has ended)."""
        tally = _Tally(attempts=1)
        reply = self._reply(body, schema, tally)
        tally.raw = reply.content
        self._check_stop(reply, tally)
        if reply.parsed is None:
            raise tally.error(LLMOutputError, f"invalid {schema.__name__}: {reply.invalid}")
        return LLMResult(
            parsed=reply.parsed,
            raw=reply.content or "",
            backend=self.backend,
            model=self.model,
            prompt_tokens=tally.prompt_tokens,
            completion_tokens=tally.completion_tokens,
            attempts=1,
            latency_ms=latency_ms,
        )

    def sync_client(self) -> Any:
        """A synchronous openai client for the Batch and Files endpoints (SDK retries on)."""
        import openai

        return openai.OpenAI(
            base_url=self.base_url,
            api_key=self.settings.api_key(),
            timeout=self.settings.llm_timeout,
            max_retries=self.settings.llm_max_retries,
        )

    @contextmanager
    def api_errors(self, action: str) -> Iterator[None]:
        """openai errors of a Files/Batch call -> LLMAuthError / LLMTransportError (scrubbed, one line)."""
        import openai

        try:
            yield
        except (openai.AuthenticationError, openai.PermissionDeniedError):
            raise LLMAuthError(
                f"{action}: authentication failed at {self.base_url}: check OPENAI_API_KEY"
            ) from None
        except (openai.APIConnectionError, openai.APIStatusError) as exc:
            raise LLMTransportError(f"{action}: {self._describe(exc)}") from None
        except openai.OpenAIError as exc:
            message = self.settings.scrub(f"{action}: {type(exc).__name__} from {self.base_url}: {exc}")
            raise LLMTransportError(message[:400]) from None

    def _validate(self, reply: _Reply[T], schema: type[T]) -> None:
        text = reply.content or ""
        if self.settings.llm_response_format == "json_object":
            text = _strip_fence(text)
        try:
            reply.parsed = schema.model_validate_json(text)
        except ValidationError as exc:
            reply.invalid = _summarise(exc)


def _read_body(body: Any, tally: _Tally) -> _Reply[Any]:
    """Usage goes into the tally; the first choice becomes a _Reply (a malformed body is invalid output)."""
    usage = (body.get("usage") if isinstance(body, dict) else None) or {}
    tally.prompt_tokens += int(usage.get("prompt_tokens") or 0)
    tally.completion_tokens += int(usage.get("completion_tokens") or 0)
    try:
        choice = body["choices"][0]
        message = choice.get("message") or {}
    except (KeyError, IndexError, TypeError, AttributeError):
        return _Reply(
            content=json.dumps(body)[:2000],
            finish_reason=None,
            refusal=None,
            invalid="response has no choices",
        )
    return _Reply(
        content=message.get("content"),
        finish_reason=choice.get("finish_reason"),
        refusal=message.get("refusal"),
    )


def _strip_fence(text: str) -> str:
    match = FENCE.match(text)
    return match.group(1) if match else text


def _summarise(exc: ValidationError, limit: int = 8) -> str:
    parts = []
    for error in exc.errors(include_url=False, include_input=False)[:limit]:
        where = ".".join(str(p) for p in error.get("loc", ())) or "(root)"
        parts.append(f"{where}: {error.get('msg', '')}")
    more = exc.error_count() - limit
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


def _reask_text(problem: str) -> str:
    return (
        f"Your previous answer did not validate against the schema: {problem}\n"
        "Answer again with the complete corrected JSON object only."
    )


def _retry_after(headers: Any) -> float | None:
    """Seconds to wait from `retry-after-ms` or `retry-after` (seconds or an HTTP date), else None."""
    for name, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return max(0.0, float(value) / divisor)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, when.timestamp() - time.time())
    return None
