"""A paper's source text: the text every claim about it must occur in.

Input: a Paper row or a dict with its fields. Output: title, abstract, comment, fetched full text
and affiliations joined by newlines (empty parts left out). Extraction verifies claims against it,
the report verifier checks numbers against it. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _field(paper: Any, name: str) -> Any:
    if isinstance(paper, Mapping):
        return paper.get(name)
    return getattr(paper, name, None)


def source_text(paper: Any) -> str:
    """Title, abstract, comment, fetched full text and affiliations of a Paper (or a dict of them)."""
    parts = [_field(paper, k) or "" for k in ("title", "abstract", "comment", "fulltext")]
    affiliations = _field(paper, "affiliations") or []
    if isinstance(affiliations, str):
        affiliations = [affiliations]
    parts.append("; ".join(str(a) for a in affiliations))
    return "\n".join(str(p) for p in parts if p)


def affiliation_text(paper: Any) -> str:
    """The paper's affiliation lines and comment: where a named organisation is the authors' own."""
    affiliations = _field(paper, "affiliations") or []
    if isinstance(affiliations, str):
        affiliations = [affiliations]
    parts = [*(str(a) for a in affiliations), str(_field(paper, "comment") or "")]
    return "\n".join(p for p in parts if p)
