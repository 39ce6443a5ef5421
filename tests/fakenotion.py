"""A local fake of the Notion API (version 2025-09-03) on 127.0.0.1 that checks request shapes.

Documented endpoints it serves: GET /v1/databases/{id} (with its data_sources), GET
/v1/data_sources/{id} (properties schema), POST /v1/data_sources/{id}/query (property filter),
POST /v1/pages, PATCH /v1/pages/{id} (properties, icon, erase_content), PATCH and GET
/v1/blocks/{id}/children. Every request must carry `Authorization: Bearer <token>` and
`Notion-Version: 2025-09-03`; bodies are checked against the documented limits (rich text content
<= 2,000 characters, <= 100 rich text objects per array, <= 100 children per request, payload <= 500 KB,
property values shaped for the property's type, parent data_source_id). A violation answers 400
`validation_error` and is kept in `errors` (tests assert it stays empty). `fail(...)` scripts faults
(429 with Retry-After, 500) for the n-th matching request. State is in memory.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

VERSION = "2025-09-03"
BLOCK_TYPES = {
    "paragraph",
    "heading_1",
    "heading_2",
    "heading_3",
    "bulleted_list_item",
    "numbered_list_item",
    "quote",
    "divider",
    "code",
}
SCHEMA = {
    "Name": {"id": "title", "name": "Name", "type": "title", "title": {}},
    "type": {"id": "t1", "name": "type", "type": "select", "select": {"options": []}},
    "status": {"id": "t2", "name": "status", "type": "select", "select": {"options": []}},
    "date": {"id": "t3", "name": "date", "type": "date", "date": {}},
    "slug": {"id": "t4", "name": "slug", "type": "rich_text", "rich_text": {}},
    "summary": {"id": "t5", "name": "summary", "type": "rich_text", "rich_text": {}},
    "tags": {"id": "t6", "name": "tags", "type": "multi_select", "multi_select": {"options": []}},
    "category": {"id": "t7", "name": "category", "type": "select", "select": {"options": []}},
    "icon": {"id": "t8", "name": "icon", "type": "rich_text", "rich_text": {}},
    "password": {"id": "t9", "name": "password", "type": "rich_text", "rich_text": {}},
    "priority": {"id": "t10", "name": "priority", "type": "number", "number": {}},
}


class Invalid(Exception):
    pass


@dataclass
class Fault:
    method: str
    pattern: re.Pattern[str]
    status: int
    skip: int
    times: int
    retry_after: int | None


@dataclass
class Call:
    method: str
    path: str
    status: int
    at: float
    body: Any = None


@dataclass
class State:
    token: str
    database_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    source_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    schema: dict[str, Any] = field(default_factory=lambda: json.loads(json.dumps(SCHEMA)))
    pages: dict[str, dict[str, Any]] = field(default_factory=dict)
    children: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _rich_text(items: Any, where: str) -> None:
    if not isinstance(items, list) or len(items) > 100:
        raise Invalid(f"{where}: rich_text must be an array of at most 100 objects")
    for item in items:
        text = item.get("text") if isinstance(item, dict) else None
        if item.get("type", "text") != "text" or not isinstance(text, dict):
            raise Invalid(f"{where}: rich text object needs type text and a text object")
        content = text.get("content")
        if not isinstance(content, str) or len(content) > 2000:
            raise Invalid(f"{where}: text.content must be a string of at most 2000 characters")
        link = text.get("link")
        if link is not None and not re.match(r"https?://", str(link.get("url", ""))):
            raise Invalid(f"{where}: link.url must be an absolute http(s) URL")


def _blocks(children: Any) -> None:
    if not isinstance(children, list) or len(children) > 100:
        raise Invalid("children: at most 100 blocks per request")
    for i, block in enumerate(children):
        kind = block.get("type")
        if kind not in BLOCK_TYPES or not isinstance(block.get(kind), dict):
            raise Invalid(f"children[{i}]: unknown block type {kind!r}")
        if kind != "divider":
            _rich_text(block[kind].get("rich_text"), f"children[{i}].{kind}")


def _properties(props: Any, schema: dict[str, Any]) -> None:
    if not isinstance(props, dict):
        raise Invalid("properties must be an object")
    for name, value in props.items():
        if name not in schema:
            raise Invalid(f"{name} is not a property that exists")
        kind = schema[name]["type"]
        if set(value) - {"type"} != {kind}:
            raise Invalid(f"{name} is expected to be {kind}")
        inner = value[kind]
        if kind in ("title", "rich_text"):
            _rich_text(inner, name)
        elif kind == "select" and inner is not None and not isinstance(inner.get("name"), str):
            raise Invalid(f"{name}.select.name should be a string")
        elif kind == "multi_select" and not all(
            isinstance(o.get("name"), str) and "," not in o["name"] for o in inner
        ):
            raise Invalid(f"{name}.multi_select: names are strings without commas")
        elif kind == "date" and not isinstance(inner.get("start"), str):
            raise Invalid(f"{name}.date.start should be an ISO 8601 string")
        elif kind == "number" and not isinstance(inner, int | float):
            raise Invalid(f"{name}.number should be a number")


def _plain(prop: dict[str, Any]) -> str:
    kind = next(k for k in prop if k != "type")
    return "".join(t["text"]["content"] for t in prop[kind]) if isinstance(prop[kind], list) else ""


class Handler(BaseHTTPRequestHandler):
    server: FakeNotionServer

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def _reply(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        self._reply(status, {"object": "error", "status": status, "code": code, "message": message}, headers)

    def _handle(self, method: str) -> None:
        st = self.server.state
        path = self.path.split("?")[0]
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = json.loads(raw) if raw else None
        arrived = time.monotonic()  # on arrival: a retry's gap is measured from request to request
        with st.lock:
            status = self._dispatch(st, method, path, raw, body)
            st.calls.append(Call(method, path, status, arrived, body))

    def _fault(self, st: State, method: str, path: str) -> Fault | None:
        for fault in st.faults:
            if fault.method == method and fault.pattern.search(path) and fault.times > 0:
                if fault.skip > 0:
                    fault.skip -= 1
                    return None
                fault.times -= 1
                return fault
        return None

    def _dispatch(self, st: State, method: str, path: str, raw: bytes, body: Any) -> int:
        if self.headers.get("Authorization") != f"Bearer {st.token}":
            self._error(401, "unauthorized", "API token is invalid.")
            return 401
        if self.headers.get("Notion-Version") != VERSION:
            st.errors.append(f"{method} {path}: Notion-Version {self.headers.get('Notion-Version')!r}")
            self._error(400, "missing_version", "Notion-Version header missing or unsupported")
            return 400
        fault = self._fault(st, method, path)
        if fault is not None:
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else None
            code = "rate_limited" if fault.status == 429 else "internal_server_error"
            self._error(fault.status, code, "injected fault", headers)
            return fault.status
        try:
            if len(raw) > 500_000:
                raise Invalid("payload larger than 500KB")
            status, reply = self._route(st, method, path, body)
        except Invalid as exc:
            st.errors.append(f"{method} {path}: {exc}")
            self._error(400, "validation_error", str(exc))
            return 400
        if status != 200:
            self._error(status, "object_not_found", reply)
            return status
        self._reply(200, reply)
        return 200

    def _route(self, st: State, method: str, path: str, body: Any) -> tuple[int, Any]:
        if m := re.fullmatch(r"/v1/databases/([\w-]+)", path):
            if method != "GET" or m[1] != st.database_id:
                return 404, f"Could not find database with ID: {m[1]}."
            return 200, {
                "object": "database",
                "id": st.database_id,
                "data_sources": [{"id": st.source_id, "name": "Reports"}],
            }
        if m := re.fullmatch(r"/v1/data_sources/([\w-]+)(/query)?", path):
            if m[1] != st.source_id:
                return 404, f"Could not find data source with ID: {m[1]}."
            if not m[2]:
                return 200, {"object": "data_source", "id": st.source_id, "properties": st.schema}
            return 200, self._query(st, body or {})
        if path == "/v1/pages" and method == "POST":
            return 200, self._create(st, body or {})
        if (m := re.fullmatch(r"/v1/pages/([\w-]+)", path)) and method == "PATCH":
            if m[1] not in st.pages:
                return 404, f"Could not find page with ID: {m[1]}."
            return 200, self._update(st, m[1], body or {})
        if m := re.fullmatch(r"/v1/blocks/([\w-]+)/children", path):
            if m[1] not in st.pages:
                return 404, f"Could not find block with ID: {m[1]}."
            if method == "GET":
                return 200, {
                    "object": "list",
                    "results": st.children[m[1]],
                    "has_more": False,
                    "next_cursor": None,
                }
            _blocks((body or {}).get("children"))
            added = [{**b, "object": "block", "id": str(uuid.uuid4())} for b in body["children"]]
            st.children[m[1]] += added
            return 200, {"object": "list", "results": added, "has_more": False, "next_cursor": None}
        raise Invalid(f"no such endpoint: {method} {path}")

    def _query(self, st: State, body: dict[str, Any]) -> dict[str, Any]:
        flt = body.get("filter") or {}
        name = flt.get("property")
        if name not in st.schema:
            raise Invalid(f"filter: property {name!r} does not exist")
        kind = st.schema[name]["type"]
        condition = flt.get(kind)
        if set(flt) != {"property", kind} or not isinstance(condition, dict) or "equals" not in condition:
            raise Invalid(f"filter: a {kind} filter needs {{'property', '{kind}': {{'equals': ...}}}}")
        hits = [
            p
            for p in st.pages.values()
            if not p["in_trash"] and _plain(p["properties"].get(name, {kind: []})) == condition["equals"]
        ]
        return {
            "object": "list",
            "results": hits,
            "has_more": False,
            "next_cursor": None,
            "type": "page_or_data_source",
        }

    def _create(self, st: State, body: dict[str, Any]) -> dict[str, Any]:
        parent = body.get("parent") or {}
        if (
            parent.get("data_source_id") != st.source_id
            or parent.get("type", "data_source_id") != "data_source_id"
        ):
            raise Invalid("parent must be {'type': 'data_source_id', 'data_source_id': <this data source>}")
        _properties(body.get("properties"), st.schema)
        if not any(st.schema[n]["type"] == "title" for n in body["properties"]):
            raise Invalid("a page in a data source needs its title property")
        _blocks(body.get("children", []))
        page_id = str(uuid.uuid4())
        st.pages[page_id] = {
            "object": "page",
            "id": page_id,
            "url": f"https://www.notion.so/{page_id.replace('-', '')}",
            "parent": parent,
            "properties": body["properties"],
            "icon": body.get("icon"),
            "in_trash": False,
        }
        st.children[page_id] = [
            {**b, "object": "block", "id": str(uuid.uuid4())} for b in body.get("children", [])
        ]
        return st.pages[page_id]

    def _update(self, st: State, page_id: str, body: dict[str, Any]) -> dict[str, Any]:
        allowed = {"properties", "icon", "cover", "erase_content", "in_trash", "is_locked", "template"}
        if set(body) - allowed:
            raise Invalid(f"unknown body parameters {sorted(set(body) - allowed)}")
        if "properties" in body:
            _properties(body["properties"], st.schema)
            st.pages[page_id]["properties"] = {**st.pages[page_id]["properties"], **body["properties"]}
        if "icon" in body:
            st.pages[page_id]["icon"] = body["icon"]
        if body.get("erase_content"):
            st.children[page_id] = []
        return st.pages[page_id]


class FakeNotionServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, token: str) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.state = State(token=token)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def fail(
        self,
        method: str,
        pattern: str,
        status: int,
        *,
        skip: int = 0,
        times: int = 1,
        retry_after: int | None = None,
    ) -> None:
        """Answer the (skip+1)-th .. (skip+times)-th `method` request whose path matches with `status`."""
        self.state.faults.append(Fault(method, re.compile(pattern), status, skip, times, retry_after))

    def page_by_slug(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for page in self.state.pages.values():
            out.setdefault(_plain(page["properties"]["slug"]), []).append(page["id"])
        return out

    @staticmethod
    def text_of_block(block: dict[str, Any]) -> str:
        return "".join(t["text"]["content"] for t in block[block["type"]].get("rich_text", []))

    def text_of(self, page_id: str) -> str:
        """The page's blocks as plain text, one block a line."""
        return "\n".join(self.text_of_block(b) for b in self.state.children[page_id])

    def __enter__(self) -> FakeNotionServer:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()
