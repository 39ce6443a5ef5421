"""Snapshot readers: a file (JSON Lines in the data/arxiv schema, or arXiv API Atom XML) -> PaperRecords.

The format is detected by content (a file starting with '<' is Atom). Reading is pure: nothing is
stored here. A missing/unreadable file or unparseable XML raises SourceFileError (one line naming
the file, and the line for XML); a bad JSONL line or Atom entry is skipped and reported as
"line N: reason" / "entry N: reason" while every other record still loads.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from lxml import etree

from ingest.errors import SourceFileError
from ingest.records import PaperRecord, split_id

NS = {"atom": "http://www.w3.org/2005/Atom", "arxiv": "http://arxiv.org/schemas/atom"}
_SPACE = re.compile(r"\s+")


def read_snapshot(path: Path) -> tuple[list[PaperRecord], list[str]]:
    """(records, per-record errors) of a snapshot file; SourceFileError if it cannot be read at all."""
    if not path.is_file():
        raise SourceFileError(f"source file not found: {path}", path=str(path))
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceFileError(f"cannot read source file {path}: {exc.strerror}", path=str(path)) from None
    source = f"snapshot:{path.name}"
    if data.lstrip()[:1] == b"<":
        return read_atom(data, path, source)
    return read_jsonl(data, path, source)


def clean_title(text: Any) -> str:
    return _SPACE.sub(" ", str(text or "")).strip()


def parse_datetime(value: Any) -> datetime | None:
    """ISO/RFC 3339 text -> aware UTC datetime (naive values are taken as UTC); None stays None."""
    if value in (None, ""):
        return None
    parsed = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _str_list(value: Any, name: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [v.strip() for v in value if v.strip()]
    raise ValueError(f"'{name}' must be a list of strings")


def record_from_json(obj: Any, source: str) -> PaperRecord:
    """One JSONL object in the data/arxiv schema -> PaperRecord; ValueError names what is wrong."""
    if not isinstance(obj, dict):
        raise ValueError("not a JSON object")
    if not obj.get("id"):
        raise ValueError("missing 'id'")
    arxiv_id, id_version = split_id(str(obj["id"]))
    title = clean_title(obj.get("title"))
    if not title:
        raise ValueError(f"{arxiv_id}: missing 'title'")
    categories = _str_list(obj.get("categories"), "categories")
    version = obj.get("version") if obj.get("version") is not None else id_version
    if version is not None and (not isinstance(version, int) or version < 1):
        raise ValueError(f"{arxiv_id}: 'version' must be a positive integer")
    listing = obj.get("listing_date")
    return PaperRecord(
        arxiv_id=arxiv_id,
        version=version,
        title=title,
        abstract=str(obj.get("abstract") or "").strip(),
        authors=_str_list(obj.get("authors"), "authors"),
        affiliations=_str_list(obj.get("affiliations"), "affiliations"),
        categories=categories,
        primary_category=obj.get("primary_category") or (categories[0] if categories else None),
        published=parse_datetime(obj.get("published")),
        updated=parse_datetime(obj.get("updated")),
        listing_date=date.fromisoformat(listing) if listing else None,
        comment=obj.get("comment") or None,
        journal_ref=obj.get("journal_ref") or None,
        doi=obj.get("doi") or None,
        source=source,
    )


def read_jsonl(data: bytes, path: Path, source: str) -> tuple[list[PaperRecord], list[str]]:
    records, errors = [], []
    for number, line in enumerate(data.decode("utf-8", errors="replace").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(record_from_json(json.loads(line), source))
        except json.JSONDecodeError as exc:
            errors.append(f"line {number}: invalid JSON ({exc.msg} at column {exc.colno})")
        except (ValueError, TypeError) as exc:
            errors.append(f"line {number}: {exc}")
    return records, errors


def _text(elem: Any, path: str) -> str | None:
    found = elem.find(path, NS)
    return found.text if found is not None and found.text is not None else None


def record_from_entry(entry: Any, source: str) -> PaperRecord:
    """One Atom <entry> of the arXiv API -> PaperRecord."""
    entry_id = _text(entry, "atom:id")
    if not entry_id:
        raise ValueError("missing <id>")
    arxiv_id, version = split_id(entry_id)
    authors = entry.findall("atom:author", NS)
    affiliations = [a.text.strip() for au in authors for a in au.findall("arxiv:affiliation", NS) if a.text]
    categories = [c.get("term") for c in entry.findall("atom:category", NS) if c.get("term")]
    primary = entry.find("arxiv:primary_category", NS)
    return PaperRecord(
        arxiv_id=arxiv_id,
        version=version,
        title=clean_title(_text(entry, "atom:title")),
        abstract=(_text(entry, "atom:summary") or "").strip(),
        authors=[clean_title(_text(a, "atom:name")) for a in authors if _text(a, "atom:name")],
        affiliations=list(dict.fromkeys(affiliations)),
        categories=categories,
        primary_category=primary.get("term")
        if primary is not None
        else (categories[0] if categories else None),
        published=parse_datetime(_text(entry, "atom:published")),
        updated=parse_datetime(_text(entry, "atom:updated")),
        listing_date=None,
        comment=_text(entry, "arxiv:comment"),
        journal_ref=_text(entry, "arxiv:journal_ref"),
        doi=_text(entry, "arxiv:doi"),
        source=source,
    )


def read_atom(data: bytes, path: Path, source: str) -> tuple[list[PaperRecord], list[str]]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise SourceFileError(
            f"{path}: malformed Atom XML at line {exc.lineno}: {exc.msg}", path=str(path), line=exc.lineno
        ) from None
    if root.tag != f"{{{NS['atom']}}}feed":
        raise SourceFileError(f"{path}: not an Atom feed (root element {root.tag})", path=str(path))
    records, errors = [], []
    for number, entry in enumerate(root.findall("atom:entry", NS), start=1):
        try:
            records.append(record_from_entry(entry, source))
        except ValueError as exc:
            errors.append(f"entry {number} (line {entry.sourceline}): {exc}")
    return records, errors
