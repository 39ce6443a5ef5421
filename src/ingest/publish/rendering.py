"""Report Markdown -> safe HTML with every attributable number linked to its claim's evidence.

markdown-it-py (CommonMark, raw HTML off, so any tag in paper text is shown as text; unsafe link
schemes such as javascript: are refused by markdown-it) -> tokens -> `Linker.annotate` (numbers ->
links) and heading ids -> HTML. Attribute values and text are escaped by markdown-it's renderer.
Pure: the same Markdown and papers give the same HTML.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.token import Token

from ingest.publish.linking import Linker, LinkStats

_MD = MarkdownIt("commonmark", {"html": False, "typographer": False})


def heading_id(text: str) -> str:
    """A stable id for a heading ('Weekly Paper Digest' -> 'weekly-paper-digest'; CJK kept)."""
    slug = re.sub(r"[^\w]+", "-", text.lower(), flags=re.U).strip("-")
    return slug or "section"


def tokens(markdown: str) -> list[Token]:
    return _MD.parse(markdown)


def _heading_ids(toks: list[Token]) -> list[tuple[int, str, str]]:
    """Give h2/h3 an id; returns (level, id, text) for a table of contents."""
    seen: dict[str, int] = {}
    toc = []
    for i, tok in enumerate(toks):
        if tok.type == "heading_open" and tok.tag in ("h2", "h3") and i + 1 < len(toks):
            text = toks[i + 1].content.strip()
            base = heading_id(text)
            seen[base] = seen.get(base, 0) + 1
            hid = base if seen[base] == 1 else f"{base}-{seen[base]}"
            tok.attrSet("id", hid)
            toc.append((int(tok.tag[1]), hid, text))
    return toc


def render(markdown: str, linker: Linker) -> tuple[str, LinkStats, list[tuple[int, str, str]]]:
    """(HTML, link counts, table of contents) of a Markdown text."""
    toks = tokens(markdown)
    stats = linker.annotate(toks)
    toc = _heading_ids(toks)
    return _MD.renderer.render(toks, _MD.options, {}), stats, toc
