"""Report Markdown -> Notion block objects (headings, paragraphs, bulleted lists, links), within limits.

Input: the report body and a Linker whose href gives absolute URLs (numbers then link to their
evidence on the published site) or None (numbers stay text). Output: a list of block dicts in the
shape of Notion's documented block objects: `heading_1|2|3`, `paragraph`, `bulleted_list_item`,
`numbered_list_item`, `quote`, `divider`, `code`, each with `rich_text` items
`{"type": "text", "text": {"content", "link"?}, "annotations"?}`.

Limits (developers.notion.com request limits): a text object holds at most 2,000 characters (longer
text is split into several objects), a rich_text array at most 100 objects (a longer paragraph
continues in the next block), and callers send at most 100 blocks per request (`chunks`). Nested
lists are flattened to one level. Only http(s) links are kept (Notion rejects relative URLs).
Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from markdown_it.token import Token

from ingest.publish.linking import Linker
from ingest.publish.rendering import tokens

TEXT_MAX = 2000
RICH_TEXT_MAX = 100
BLOCKS_PER_REQUEST = 100
Block = dict[str, Any]

_BLOCK_OF = {"h1": "heading_1", "h2": "heading_2", "h3": "heading_3", "h4": "heading_3"}


def _text(content: str, link: str | None, bold: bool, italic: bool, code: bool) -> list[dict[str, Any]]:
    out = []
    for i in range(0, len(content), TEXT_MAX):
        item: dict[str, Any] = {"type": "text", "text": {"content": content[i : i + TEXT_MAX]}}
        if link:
            item["text"]["link"] = {"url": link}
        if bold or italic or code:
            item["annotations"] = {"bold": bold, "italic": italic, "code": code}
        out.append(item)
    return out


def rich_text(inline: Token) -> list[dict[str, Any]]:
    """One inline token's children -> rich text objects (each <= 2,000 characters)."""
    out: list[dict[str, Any]] = []
    bold = italic = 0
    link: str | None = None
    for child in inline.children or []:
        kind = child.type
        if kind == "strong_open":
            bold += 1
        elif kind == "strong_close":
            bold -= 1
        elif kind == "em_open":
            italic += 1
        elif kind == "em_close":
            italic -= 1
        elif kind == "link_open":
            href = str(child.attrGet("href") or "")
            link = href if href.startswith(("http://", "https://")) else None
        elif kind == "link_close":
            link = None
        elif kind in ("text", "code_inline") and child.content:
            out += _text(child.content, link, bool(bold), bool(italic), kind == "code_inline")
        elif kind in ("softbreak", "hardbreak"):
            out += _text(" " if kind == "softbreak" else "\n", link, False, False, False)
    return _merge(out)


def _merge(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Adjacent objects with the same link and annotations become one (fewer objects, same text)."""
    merged: list[dict[str, Any]] = []
    for item in items:
        prev = merged[-1] if merged else None
        if (
            prev is not None
            and prev["text"].get("link") == item["text"].get("link")
            and prev.get("annotations") == item.get("annotations")
            and len(prev["text"]["content"]) + len(item["text"]["content"]) <= TEXT_MAX
        ):
            prev["text"]["content"] += item["text"]["content"]
        else:
            merged.append({**item, "text": dict(item["text"])})
    return merged


def _blocks(kind: str, texts: list[dict[str, Any]]) -> Iterator[Block]:
    """A block of `kind`; more than 100 rich text objects continue in further blocks of that kind."""
    for i in range(0, max(len(texts), 1), RICH_TEXT_MAX):
        yield {"object": "block", "type": kind, kind: {"rich_text": texts[i : i + RICH_TEXT_MAX]}}


def to_blocks(markdown: str, linker: Linker) -> list[Block]:
    """Notion blocks for a Markdown body, numbers linked through `linker` when it gives URLs."""
    toks = tokens(markdown)
    linker.annotate(toks)
    out: list[Block] = []
    lists: list[str] = []  # open list kinds, innermost last
    quote = 0
    for i, tok in enumerate(toks):
        kind = tok.type
        if kind == "bullet_list_open":
            lists.append("bulleted_list_item")
        elif kind == "ordered_list_open":
            lists.append("numbered_list_item")
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "blockquote_open":
            quote += 1
        elif kind == "blockquote_close":
            quote -= 1
        elif kind == "hr":
            out.append({"object": "block", "type": "divider", "divider": {}})
        elif kind in ("fence", "code_block"):
            code = _text(tok.content.rstrip("\n"), None, False, False, False)
            for block in _blocks("code", code):
                block["code"]["language"] = "plain text"
                out.append(block)
        elif kind == "inline":
            opener = toks[i - 1]
            if opener.type == "heading_open":
                block_kind = _BLOCK_OF.get(opener.tag, "heading_3")
            elif lists:
                block_kind = lists[-1]
            elif quote:
                block_kind = "quote"
            else:
                block_kind = "paragraph"
            out += _blocks(block_kind, rich_text(tok))
    return out


def chunks(blocks: list[Block], size: int = BLOCKS_PER_REQUEST) -> Iterator[list[Block]]:
    for i in range(0, len(blocks), size):
        yield blocks[i : i + size]
