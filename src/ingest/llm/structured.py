"""Structured output: a pydantic contract -> the public `response_format` of OpenAI's json_schema mode.

`response_format(Schema)` is `{"type": "json_schema", "json_schema": {"name", "schema", "strict": True}}`
built from pydantic's `model_json_schema()` and made strict the way the API documents it: every
object closes (`additionalProperties: false`) and requires all its properties (optional fields are
nullable, never absent), and `None` defaults are dropped. The same dict goes into synchronous requests
and Batch API lines. Built once per schema (cached); pure.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

from pydantic import BaseModel


def _strict(node: Any) -> Any:
    if isinstance(node, dict):
        out = {k: _strict(v) for k, v in node.items() if not (k == "default" and v is None)}
        if out.get("type") == "object" and "properties" in out:
            out["additionalProperties"] = False
            out["required"] = list(out["properties"])
        return out
    if isinstance(node, list):
        return [_strict(v) for v in node]
    return node


def strict_schema(schema: type[BaseModel]) -> dict[str, Any]:
    """The strict JSON schema of a contract (see module doc)."""
    result: dict[str, Any] = _strict(copy.deepcopy(schema.model_json_schema()))
    return result


@functools.lru_cache(maxsize=64)
def _format(schema: type[BaseModel]) -> dict[str, Any]:
    return {
        "type": "json_schema",
        "json_schema": {"name": schema.__name__, "schema": strict_schema(schema), "strict": True},
    }


def response_format(schema: type[BaseModel]) -> dict[str, Any]:
    """The json_schema `response_format` for `schema` (a fresh copy: callers may change it)."""
    return copy.deepcopy(_format(schema))
