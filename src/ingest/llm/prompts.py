"""Prompt templates: prompts/<name>/<version>.md (Jinja) + variables -> RenderedPrompt.

A template file has a system part and a user part separated by a line `=== user ===`.
Rendering is sandboxed with StrictUndefined (a missing variable is an error, not an empty string).
Every template receives `input_json`: the `input` variable (else all variables) as JSON with '<'
escaped, to be placed inside an `<input>` fence: untrusted paper text stays data and cannot close
the fence. The prompt hash
is sha256 of the template source, so an edited template (which must get a new version) changes
every cache key that includes it. Templates load from the checkout's prompts/ or the installed
wheel's ingest/_prompts.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined, Template
from jinja2.sandbox import SandboxedEnvironment

from ingest.errors import ConfigError

SEPARATOR = "=== user ==="


@dataclass(frozen=True)
class RenderedPrompt:
    """What a backend receives: name/version/hash for provenance, texts, and the raw variables."""

    name: str
    version: str
    hash: str
    system: str
    user: str
    variables: dict[str, Any] = field(default_factory=dict)

    def messages(self) -> list[dict[str, str]]:
        return [{"role": "system", "content": self.system}, {"role": "user", "content": self.user}]


def prompts_root(override: Path | None = None) -> Path:
    if override is not None:
        return override
    checkout = Path(__file__).resolve().parents[3] / "prompts"
    if checkout.is_dir():
        return checkout
    packaged = Path(str(resources.files("ingest") / "_prompts"))
    if packaged.is_dir():
        return packaged
    raise ConfigError("prompts folder not found (neither ./prompts nor ingest/_prompts)")


def input_json(variables: dict[str, Any]) -> str:
    """What goes inside the <input> fence, as JSON safe to embed there: the `input` variable alone
    when the template's variables have one (compact: only untrusted data goes in, instructions stay
    outside), else every variable (indented; the v1 templates)."""
    if "input" in variables:
        text = json.dumps(variables["input"], ensure_ascii=False, separators=(",", ":"), default=str)
    else:
        text = json.dumps(variables, ensure_ascii=False, indent=1, default=str)
    return text.replace("<", "\\u003c").replace(">", "\\u003e")


def parse_input_json(user_text: str) -> dict[str, Any]:
    """Inverse of the fence: the JSON inside the last <input>...</input> of a rendered user message."""
    start = user_text.rfind("<input>")
    end = user_text.rfind("</input>")
    if start < 0 or end < start:
        raise ValueError("no <input> block in the prompt")
    data: dict[str, Any] = json.loads(user_text[start + len("<input>") : end])
    return data


_ENV = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)


@lru_cache(maxsize=64)
def _load(root: str, name: str, version: str) -> tuple[Template, str]:
    """(compiled template, sha256 of its source); compiled once per process."""
    path = Path(root) / name / f"{version}.md"
    if not path.is_file():
        raise ConfigError(f"prompt {name} {version} not found at {path}")
    source = path.read_text(encoding="utf-8")
    return _ENV.from_string(source), hashlib.sha256(source.encode()).hexdigest()


def render(name: str, version: str, variables: dict[str, Any], root: Path | None = None) -> RenderedPrompt:
    """Render prompts/<name>/<version>.md with `variables` (+ `input_json`)."""
    template, digest = _load(str(prompts_root(root)), name, version)
    text = template.render(**variables, input_json=input_json(variables))
    if SEPARATOR not in text:
        raise ConfigError(f"prompt {name} {version} lacks the '{SEPARATOR}' line")
    system, user = text.split(SEPARATOR, 1)
    return RenderedPrompt(name, version, digest, system.strip(), user.strip(), dict(variables))


def prompt_hash(name: str, version: str, root: Path | None = None) -> str:
    return _load(str(prompts_root(root)), name, version)[1]
