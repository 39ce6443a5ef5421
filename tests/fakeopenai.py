"""A fake OpenAI-compatible server for tests and benches: POST /v1/chat/completions -> a chat completion.

Stdlib `ThreadingHTTPServer` in a daemon thread on 127.0.0.1 (free port); use as a context manager:

    with FakeOpenAI() as fake:
        settings = Settings(backend="openai", openai_base_url=fake.base_url, ...)
        fake.inject("rate_limit", retry_after=0.2)   # the next request gets a 429

Default answer: the offline `RuleBasedLLM` run on the request (the prompt name comes from the schema
name: `response_format.json_schema.name`, or in json_object mode the schema title in the system
message; the variables from the user message's <input> fence). Faults (`inject`, FIFO, one per
request): rate_limit (429 + retry-after / retry-after-ms), error (status), hang (sleep past the
client timeout), malformed (truncated JSON), fenced (```json fence), length (finish_reason=length),
refusal. `latency` is each answer's minimum response time (computing it included);
`responder(request)` may answer instead of the default (a content string, a `Fault`, or None);
default answers are remembered per request text.
`requests` logs every request; GET /v1/fake/stats returns `stats()`: count, max_in_flight,
first_at and last_done_at (time.monotonic()); GET /v1/fake/papers returns how many chat requests
each arXiv id got (from the prompt's input fence). `batches` (tests/fakebatch.py) serves the Files and
Batches endpoints: /v1/files, /v1/files/{id}/content, /v1/batches[/{id}[/cancel]].
POST /v1/fake/noop answers {} after `latency`, doing no work and counting nothing (a benches'
baseline). `hold_when(predicate)` makes the first request the
predicate accepts, and every later one, wait unanswered until `release()` (they then get a 503) and
returns an Event set when that first one arrives: a test kills its client at a known point.

As a separate process (benches: the offline answers cost CPU that must not compete with the client
under one GIL): `python tests/fakeopenai.py --latency 0.3` prints the base URL on its first stdout
line and serves until stdin closes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from fakebatch import FakeBatches

PROMPT_OF_SCHEMA = {
    "PaperExtraction": "extract_paper",
    "PaperFacts": "extract_paper",
    "ReportPlan": "plan_report",
    "StorylineList": "plan_report",
    "SectionText": "write_section",
    "OverviewText": "write_overview",
    "Overview": "write_overview",
}
TITLE = re.compile(r'"title":\s*"(\w+)"')
ARXIV_ID = re.compile(r'"arxiv_id":\s*"([^"]+)"|arXiv paper (\d{4}\.\d{4,5})')  # v1 fence / v2 heading


@dataclass
class Fault:
    """One injected misbehaviour: kind in rate_limit|error|hang|malformed|fenced|length|refusal."""

    kind: str
    status: int = 500
    retry_after: float | None = None
    retry_after_ms: int | None = None
    seconds: float = 5.0
    text: str = "I can't help with that."


@dataclass
class FakeRequest:
    """What the server received (kept in `FakeOpenAI.requests`)."""

    body: dict[str, Any]
    authorization: str
    received_at: float
    schema_name: str | None = None
    status: int = 200
    fault: str | None = None
    usage: dict[str, int] | None = None  # the usage block of the answer sent

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages") or [])

    @property
    def user(self) -> str:
        return next((m["content"] for m in reversed(self.messages) if m.get("role") == "user"), "")

    @property
    def first_user(self) -> str:
        return next((m["content"] for m in self.messages if m.get("role") == "user"), "")

    @property
    def system(self) -> str:
        return next((m["content"] for m in self.messages if m.get("role") == "system"), "")


@dataclass
class _State:
    faults: deque[Fault] = field(default_factory=deque)
    requests: list[FakeRequest] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    last_done_at: float = 0.0  # time.monotonic() (system-wide on Linux) when the last answer was ready
    lock: threading.Lock = field(default_factory=threading.Lock)


class FakeOpenAI:
    """The server; `base_url` ends in /v1. `api_key` (optional) is the only accepted bearer token."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        latency: float = 0.0,
        responder: Callable[[FakeRequest], str | Fault | None] | None = None,
    ) -> None:
        self.api_key = api_key
        self.latency = latency
        self.responder = responder
        self.state = _State()
        self.batches = FakeBatches(
            answer=lambda body: _completion(_request_of(body), default_answer(_request_of(body)))
        )
        self.stopping = threading.Event()
        self._hold: tuple[Callable[[FakeRequest], bool], threading.Event, threading.Event] | None = None
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ---- lifecycle ----
    def __enter__(self) -> FakeOpenAI:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = _Server(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stopping.set()
        self.release()
        assert self._server is not None and self._thread is not None
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    @property
    def base_url(self) -> str:
        assert self._server is not None, "use FakeOpenAI as a context manager"
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    # ---- control and inspection ----
    def inject(self, kind: str, *, times: int = 1, **params: Any) -> None:
        with self.state.lock:
            self.state.faults.extend(Fault(kind, **params) for _ in range(times))

    def hold_when(self, predicate: Callable[[FakeRequest], bool]) -> threading.Event:
        arrived = threading.Event()
        with self.state.lock:
            self._hold = (predicate, arrived, threading.Event())
        return arrived

    def release(self) -> None:
        """Answer the held requests (503) and hold no more."""
        with self.state.lock:
            hold, self._hold = self._hold, None
        if hold is not None:
            hold[2].set()

    def _held(self, request: FakeRequest) -> bool:
        """Waits while `request` is held; whether it was."""
        with self.state.lock:
            hold = self._hold
            if hold is None or not (hold[1].is_set() or hold[0](request)):
                return False
            hold[1].set()
        hold[2].wait()
        return True

    @property
    def requests(self) -> list[FakeRequest]:
        with self.state.lock:
            return list(self.state.requests)

    @property
    def count(self) -> int:
        with self.state.lock:
            return len(self.state.requests)

    @property
    def max_in_flight(self) -> int:
        return self.state.max_in_flight

    def _next_fault(self) -> Fault | None:
        with self.state.lock:
            return self.state.faults.popleft() if self.state.faults else None

    def _enter(self, request: FakeRequest) -> None:
        with self.state.lock:
            self.state.requests.append(request)
            self.state.in_flight += 1
            self.state.max_in_flight = max(self.state.max_in_flight, self.state.in_flight)

    def _leave(self) -> None:
        with self.state.lock:
            self.state.in_flight -= 1
            self.state.last_done_at = time.monotonic()

    def papers(self) -> dict[str, int]:
        """arXiv id -> chat requests that carried it (duplicate calls show as counts above 1)."""
        counts: dict[str, int] = {}
        for request in self.requests:
            found = ARXIV_ID.search(request.first_user)
            if found:
                arxiv_id = found.group(1) or found.group(2)
                counts[arxiv_id] = counts.get(arxiv_id, 0) + 1
        return counts

    def stats(self) -> dict[str, Any]:
        with self.state.lock:
            first = self.state.requests[0].received_at if self.state.requests else 0.0
            return {
                "count": len(self.state.requests),
                "max_in_flight": self.state.max_in_flight,
                "first_at": first,
                "last_done_at": self.state.last_done_at,
            }


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that gave up (timeouts) close their sockets; that is expected, not an error."""


class _Handler(BaseHTTPRequestHandler):
    fake: FakeOpenAI
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are separate writes: no 40 ms delayed-ACK stalls

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        path = self.path.split("?", 1)[0].rstrip("/")
        batches = self.fake.batches
        if path.endswith("/fake/stats"):
            self._send(200, self.fake.stats())
        elif path.endswith("/fake/papers"):
            self._send(200, self.fake.papers())
        elif path.startswith("/v1/files/") and path.endswith("/content"):
            text = batches.files.get(path.split("/")[3])
            self._send_text(200, text) if text is not None else self._send(404, _error("no file", "x"))
        elif path == "/v1/batches":
            self._send(200, batches.listing())
        elif path.startswith("/v1/batches/"):
            self._send(*batches.read(path.split("/")[3]))
        else:
            self._send(404, _error("not found", "invalid_request_error"))

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length)
        path = self.path.split("?", 1)[0].rstrip("/")
        if path == "/v1/files":
            self._send(200, self.fake.batches.upload(self.headers.get("content-type", ""), raw))
            return
        if path == "/v1/batches":
            self._send(*self.fake.batches.create(json.loads(raw or b"{}")))
            return
        if path.startswith("/v1/batches/") and path.endswith("/cancel"):
            self._send(*self.fake.batches.cancel(path.split("/")[3]))
            return
        if path.endswith("/fake/noop"):  # a benches' baseline: the latency, no work
            self.fake.stopping.wait(self.fake.latency)
            self._send(200, {})
            return
        if not path.endswith("/chat/completions"):
            self._send(404, _error("not found", "invalid_request_error"))
            return
        body = json.loads(raw or b"{}")
        request = FakeRequest(body, self.headers.get("authorization", ""), time.monotonic())
        request.schema_name = _schema_name(body)
        self.fake._enter(request)
        try:
            if self.fake._held(request):
                status, payload, headers = 503, _error("held, then released", "server_error"), {}
            else:
                status, payload, headers = self._answer(request)
            remaining = self.fake.latency - (time.monotonic() - request.received_at)
            if remaining > 0:  # latency = time to answer, including the time spent computing it
                self.fake.stopping.wait(remaining)
        finally:
            self.fake._leave()
        request.status, request.usage = status, payload.get("usage")
        self._send(status, payload, headers)

    def _answer(self, request: FakeRequest) -> tuple[int, dict[str, Any], dict[str, str]]:
        fake = self.fake
        if fake.api_key is not None and request.authorization != f"Bearer {fake.api_key}":
            given = request.authorization.removeprefix("Bearer ")
            return 401, _error(f"Incorrect API key provided: {given}", "invalid_request_error"), {}
        fault = fake._next_fault()
        if fault is None and fake.responder is not None:
            answer = fake.responder(request)
            fault = answer if isinstance(answer, Fault) else None
            if isinstance(answer, str):
                return 200, _completion(request, answer), {}
        if fault is not None:
            request.fault = fault.kind
            return self._fault(request, fault)
        try:
            content = default_answer(request)
        except (LookupError, ValueError) as exc:
            return 400, _error(f"fake server cannot answer: {exc}", "invalid_request_error"), {}
        return 200, _completion(request, content), {}

    def _content(self, request: FakeRequest) -> str:
        """The good answer a content fault distorts: the responder's string, else the default."""
        answer = self.fake.responder(request) if self.fake.responder is not None else None
        return answer if isinstance(answer, str) else default_answer(request)

    def _fault(self, request: FakeRequest, fault: Fault) -> tuple[int, dict[str, Any], dict[str, str]]:
        if fault.kind == "rate_limit":
            headers = {}
            if fault.retry_after is not None:
                headers["retry-after"] = f"{fault.retry_after:g}"
            if fault.retry_after_ms is not None:
                headers["retry-after-ms"] = str(fault.retry_after_ms)
            return 429, _error("Rate limit reached", "rate_limit_error"), headers
        if fault.kind == "error":
            return fault.status, _error(f"injected {fault.status}", "server_error"), {}
        if fault.kind == "hang":
            self.fake.stopping.wait(fault.seconds)
            return 200, _completion(request, "{}"), {}
        if fault.kind == "refusal":
            return 200, _completion(request, None, refusal=fault.text), {}
        content = self._content(request)
        if fault.kind == "malformed":
            return 200, _completion(request, content[: len(content) // 2]), {}
        if fault.kind == "fenced":
            return 200, _completion(request, f"```json\n{content}\n```"), {}
        if fault.kind == "length":
            return 200, _completion(request, content[: len(content) // 3], finish_reason="length"), {}
        raise ValueError(f"unknown fault {fault.kind}")

    def _send_text(self, status: int, text: str) -> None:
        self._send(status, {}, content=text.encode(), content_type="application/jsonl")

    def _send(
        self,
        status: int,
        payload: dict[str, Any],
        headers: dict[str, str] | None = None,
        *,
        content: bytes | None = None,
        content_type: str = "application/json",
    ) -> None:
        data = content if content is not None else json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("content-type", content_type)
            self.send_header("content-length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


def _schema_name(body: dict[str, Any]) -> str | None:
    response_format = body.get("response_format") or {}
    if response_format.get("type") == "json_schema":
        return (response_format.get("json_schema") or {}).get("name")
    system = next((m.get("content", "") for m in body.get("messages") or [] if m.get("role") == "system"), "")
    titles = TITLE.findall(system or "")
    known = [t for t in titles if t in PROMPT_OF_SCHEMA]
    return known[-1] if known else (titles[-1] if titles else None)


def _request_of(body: dict[str, Any]) -> FakeRequest:
    """A batch line's body seen as a chat request (for the default answer)."""
    request = FakeRequest(body, "", time.monotonic())
    request.schema_name = _schema_name(body)
    return request


_ANSWERS: dict[tuple[str | None, str, str], str] = {}  # the same request is answered once (deterministic)


def default_answer(request: FakeRequest) -> str:
    """RuleBasedLLM's answer for the request's prompt (found from the schema name), as JSON text;
    remembered, so a request made again costs the server no work."""
    key = (request.schema_name, request.system, request.first_user)
    if key not in _ANSWERS:
        _ANSWERS[key] = _rule_answer(request)
    return _ANSWERS[key]


def _rule_answer(request: FakeRequest) -> str:
    from ingest.facts import sheet
    from ingest.llm import RuleBasedLLM, contracts
    from ingest.llm.prompts import RenderedPrompt, parse_input_json

    name = request.schema_name or ""
    if name not in PROMPT_OF_SCHEMA:
        raise LookupError(f"no offline answer for schema {name!r}")
    schema = getattr(sheet, name, None) or getattr(contracts, name)
    variables = parse_input_json(request.first_user)
    prompt = RenderedPrompt(PROMPT_OF_SCHEMA[name], "v1", "x", request.system, request.first_user, variables)
    result = asyncio.run(RuleBasedLLM().complete(prompt, schema))
    return result.parsed.model_dump_json()


def _completion(
    request: FakeRequest, content: str | None, *, refusal: str | None = None, finish_reason: str = "stop"
) -> dict[str, Any]:
    prompt_chars = sum(len(str(m.get("content") or "")) for m in request.messages)
    completion_chars = len(content or refusal or "")
    return {
        "id": f"chatcmpl-fake-{len(request.body)}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.body.get("model", "fake"),
        "choices": [
            {
                "index": 0,
                "finish_reason": finish_reason,
                "message": {"role": "assistant", "content": content, "refusal": refusal},
            }
        ],
        "usage": {
            "prompt_tokens": prompt_chars // 4,
            "completion_tokens": completion_chars // 4,
            "total_tokens": (prompt_chars + completion_chars) // 4,
        },
    }


def _error(message: str, kind: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind}}


def serve_main() -> None:
    """Run the fake server in this process until stdin closes (first stdout line: the base URL)."""
    parser = argparse.ArgumentParser(description="fake OpenAI-compatible server")
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--api-key", default=None)
    args = parser.parse_args()
    with FakeOpenAI(latency=args.latency, api_key=args.api_key) as fake:
        print(fake.base_url, flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    serve_main()
