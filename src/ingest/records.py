"""Papers as sources see them, and arXiv ids: the vocabulary every stage shares; imports nothing of ours.

`PaperRecord` is one version of one paper before storage (any source: the arXiv API, a JSONL or
Atom snapshot). `split_id` parses the id forms a user types ('2604.14878v2', 'arXiv:2604.14878',
an abs URL, old-style 'cs/0701001'); `ARXIV_ID` finds new-style ids inside prose (reports,
prompts, verification). `ids_in(text)` lists them in order. Pure; `split_id` raises ValueError on a
string that is not an id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

ARXIV_ID = re.compile(r"(?<![\d.])(\d{4}\.\d{4,5})(?:v\d+)?(?![\d])")

_TYPED_ID = re.compile(
    r"^(?:arxiv:)?\s*(?P<base>(?:\d{4}\.\d{4,5})|(?:[a-z\-]+(?:\.[A-Z]{2})?/\d{7}))"
    r"(?:v(?P<version>\d+))?$",
    re.IGNORECASE,
)


def split_id(text: str) -> tuple[str, int | None]:
    """'arXiv:2604.14878v2' / 'http://arxiv.org/abs/2604.14878v2' -> ('2604.14878', 2). ValueError if bad."""
    raw = text.strip()
    for prefix in ("https://arxiv.org/abs/", "http://arxiv.org/abs/", "http://export.arxiv.org/abs/"):
        if raw.startswith(prefix):
            raw = raw[len(prefix) :]
    m = _TYPED_ID.match(raw)
    if not m:
        raise ValueError(f"not an arXiv id: {text!r}")
    version = m.group("version")
    return m.group("base"), int(version) if version else None


def ids_in(text: str) -> list[str]:
    """New-style arXiv ids in `text`, in order of appearance (base ids, no version; repeats kept)."""
    return ARXIV_ID.findall(text)


@dataclass
class PaperRecord:
    """One paper as a source saw it (one version), before storage."""

    arxiv_id: str  # base id, no version
    version: int | None = None
    title: str = ""
    abstract: str = ""
    authors: list[str] = field(default_factory=list)
    affiliations: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    primary_category: str | None = None
    published: datetime | None = None  # v1 submission (aware UTC)
    updated: datetime | None = None
    listing_date: date | None = None  # arXiv announcement date
    comment: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    source: str = "arxiv"
    week: str | None = None  # assigned announcement week
