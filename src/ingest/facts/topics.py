"""The topic taxonomy: package data ingest/data/topics.json -> slug -> title and keywords.

One loader for every stage (extraction prompts, the offline rules, report selection, search and
stats). `slugs()` keeps the file's order; the contracts' `Topic` literal must list exactly these
slugs (a test checks it). Read once per process; the file ships inside the package, so a missing
or malformed file is a packaging bug and raises.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import TypedDict


class TopicSpec(TypedDict):
    title: str
    keywords: list[str]


@cache
def taxonomy() -> dict[str, TopicSpec]:
    """slug -> {title, keywords}, in file order."""
    text = resources.files("ingest").joinpath("data/topics.json").read_text(encoding="utf-8")
    raw = json.loads(text)
    return {
        slug: {"title": spec["title"], "keywords": list(spec.get("keywords", []))}
        for slug, spec in raw.items()
    }


def slugs() -> tuple[str, ...]:
    return tuple(taxonomy())


def titles() -> dict[str, str]:
    """slug -> title."""
    return {slug: spec["title"] for slug, spec in taxonomy().items()}


def title_of(slug: str) -> str:
    """The title of a slug ('Other' for an unknown one)."""
    spec = taxonomy().get(slug)
    return spec["title"] if spec else "Other"
