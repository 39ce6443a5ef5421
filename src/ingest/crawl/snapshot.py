"""Snapshot readers: a file (JSON Lines in the data/arxiv schema, or arXiv API Atom XML) -> PaperRecords.

The format is detected by content (a file starting with '<' is Atom). Reading is pure: nothing is
stored here. A missing, unreadable, empty or directory path, an Atom file over MAX_ATOM_BYTES, or
unparseable XML raises SourceFileError (one line naming the file, and the line for XML); a bad JSONL
line or Atom entry is skipped and reported as "line N: reason" / "entry N: reason" while every other
record still loads. Bad lines: invalid JSON or UTF-8, text that is not valid Unicode (a lone
surrogate such as "\ud800"), a line over MAX_LINE_BYTES (skipped without being held in memory), a
field of the wrong type, an id or date outside arXiv's history (records.check_record). Fields over
records.FIELD_LIMITS are cut and the record kept, with a note on the record ("line N: abstract cut
to ...").
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

from lxml import etree

from ingest.errors import SourceFileError
from ingest.records import PaperRecord, bound_record, check_record, split_id

NS = {"atom": "http://www.w3.org/2005/Atom", "arxiv": "http://arxiv.org/schemas/atom"}
_SPACE = re.compile(r"\s+")
MAX_LINE_BYTES = 1 << 20  # one JSONL record; a longer line is rejected unread
MAX_ATOM_BYTES = 256 << 20  # an Atom file is parsed whole; split a larger one
TEXT_FIELDS = ("title", "abstract", "comment", "journal_ref", "doi", "primary_category")


def read_snapshot(path: Path, today: date | None = None) -> tuple[list[PaperRecord], list[str]]:
    """(records, per-record errors) of a snapshot file; SourceFileError if it cannot be read at all
    or holds no line at all. `today` bounds the dates (default: today, UTC)."""
    today = today or datetime.now(UTC).date()
    if path.is_dir():
        raise SourceFileError(
            f"source {path} is a directory; name a snapshot file (JSON Lines or Atom XML)", path=str(path)
        )
    if not path.is_file():
        raise SourceFileError(f"source file not found: {path}", path=str(path))
    source = f"snapshot:{path.name}"
    try:
        with path.open("rb") as handle:
            head = handle.read(4096).lstrip()
            handle.seek(0)
            if head[:1] == b"<":
                size = path.stat().st_size
                if size > MAX_ATOM_BYTES:
                    raise SourceFileError(
                        f"{path}: Atom file of {size:,} bytes is over the {MAX_ATOM_BYTES:,}-byte limit; "
                        "split it into smaller files",
                        path=str(path),
                    )
                records, errors = read_atom(handle.read(), path, source, today)
            else:
                records, errors = read_jsonl_stream(handle, source, today)
    except OSError as exc:
        raise SourceFileError(f"cannot read source file {path}: {exc.strerror}", path=str(path)) from None
    if not records and not errors:
        raise SourceFileError(f"source file {path} holds no records (it is empty)", path=str(path))
    return records, errors


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


def _unicode_problem(value: Any, where: str = "") -> str | None:
    """Where `value` (parsed JSON) holds text that cannot be stored as UTF-8 (a lone surrogate)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            code = ord(value[exc.start])
            return f"{where or 'value'}: text is not valid Unicode (lone surrogate \\u{code:04x})"
    elif isinstance(value, dict):
        for key, item in value.items():
            found = _unicode_problem(key, where) or _unicode_problem(item, f"'{key}'" if not where else where)
            if found:
                return found
    elif isinstance(value, list):
        for item in value:
            found = _unicode_problem(item, where)
            if found:
                return found
    return None


def record_from_json(obj: Any, source: str, today: date | None = None) -> PaperRecord:
    """One JSONL object in the data/arxiv schema -> PaperRecord (fields cut to the limits, notes on
    the record); ValueError names what is wrong."""
    if not isinstance(obj, dict):
        raise ValueError("not a JSON object")
    problem = _unicode_problem(obj)
    if problem:
        raise ValueError(problem)
    if not obj.get("id"):
        raise ValueError("missing 'id'")
    if not isinstance(obj["id"], str):
        raise ValueError("'id' must be a string")
    for name in TEXT_FIELDS:
        if obj.get(name) is not None and not isinstance(obj[name], str):
            raise ValueError(f"'{name}' must be a string")
    arxiv_id, id_version = split_id(str(obj["id"]))
    title = clean_title(obj.get("title"))
    if not title:
        raise ValueError(f"{arxiv_id}: missing 'title'")
    categories = _str_list(obj.get("categories"), "categories")
    version = obj.get("version") if obj.get("version") is not None else id_version
    if version is not None and (not isinstance(version, int) or version < 1):
        raise ValueError(f"{arxiv_id}: 'version' must be a positive integer")
    listing = obj.get("listing_date")
    if listing is not None and not isinstance(listing, str):
        raise ValueError(f"{arxiv_id}: 'listing_date' must be a date YYYY-MM-DD")
    rec = PaperRecord(
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
    check_record(rec, today or datetime.now(UTC).date())
    bound_record(rec)
    return rec


def _lines(handle: IO[bytes]) -> Iterator[tuple[int, bytes | None, int]]:
    """(line number, the line or None when over MAX_LINE_BYTES, its size) without holding a long line."""
    number = 0
    while line := handle.readline(MAX_LINE_BYTES + 1):
        number += 1
        if len(line) <= MAX_LINE_BYTES or line.endswith(b"\n"):
            yield number, line, len(line)
            continue
        size = len(line)
        while chunk := handle.readline(MAX_LINE_BYTES):
            size += len(chunk)
            if chunk.endswith(b"\n"):
                break
        yield number, None, size


def _jsonl_record(number: int, line: bytes, source: str, today: date) -> PaperRecord:
    """One line -> record; ValueError with the reason (line number added by the caller)."""
    if number == 1:
        line = line.removeprefix(b"\xef\xbb\xbf")  # a UTF-8 byte order mark
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"invalid UTF-8 (byte 0x{line[exc.start]:02x} at column {exc.start + 1})") from None
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON ({exc.msg} at column {exc.colno})") from None
    except RecursionError:
        raise ValueError("invalid JSON (nested too deeply)") from None
    rec = record_from_json(obj, source, today)
    rec.notes[:] = [f"line {number}: {rec.arxiv_id}: {note}" for note in rec.notes]
    return rec


def read_jsonl_stream(
    handle: IO[bytes], source: str, today: date | None = None
) -> tuple[list[PaperRecord], list[str]]:
    """Records of a JSON Lines stream read line by line, and "line N: reason" for each bad line."""
    today = today or datetime.now(UTC).date()
    records, errors = [], []
    for number, line, size in _lines(handle):
        if line is None:
            errors.append(
                f"line {number}: record of {size:,} bytes is over the {MAX_LINE_BYTES:,}-byte limit"
            )
            continue
        if not line.strip():
            continue
        try:
            records.append(_jsonl_record(number, line, source, today))
        except (ValueError, TypeError) as exc:
            errors.append(f"line {number}: {exc}")
    return records, errors


def read_jsonl(
    data: bytes, path: Path, source: str, today: date | None = None
) -> tuple[list[PaperRecord], list[str]]:
    """read_jsonl_stream over bytes already in memory."""
    return read_jsonl_stream(io.BytesIO(data), source, today)


def _text(elem: Any, path: str) -> str | None:
    found = elem.find(path, NS)
    return found.text if found is not None and found.text is not None else None


def record_from_entry(entry: Any, source: str, today: date | None = None) -> PaperRecord:
    """One Atom <entry> of the arXiv API -> PaperRecord (fields cut to the limits, notes on the
    record); ValueError names what is wrong."""
    entry_id = _text(entry, "atom:id")
    if not entry_id:
        raise ValueError("missing <id>")
    arxiv_id, version = split_id(entry_id)
    authors = entry.findall("atom:author", NS)
    affiliations = [a.text.strip() for au in authors for a in au.findall("arxiv:affiliation", NS) if a.text]
    categories = [c.get("term") for c in entry.findall("atom:category", NS) if c.get("term")]
    primary = entry.find("arxiv:primary_category", NS)
    rec = PaperRecord(
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
    check_record(rec, today or datetime.now(UTC).date())
    bound_record(rec)
    return rec


def read_atom(
    data: bytes, path: Path, source: str, today: date | None = None
) -> tuple[list[PaperRecord], list[str]]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise SourceFileError(
            f"{path}: malformed Atom XML at line {exc.lineno}: {exc.msg}", path=str(path), line=exc.lineno
        ) from None
    if root.tag != f"{{{NS['atom']}}}feed":
        raise SourceFileError(f"{path}: not an Atom feed (root element {root.tag!s})", path=str(path))
    records, errors = [], []
    for number, entry in enumerate(root.findall("atom:entry", NS), start=1):
        try:
            rec = record_from_entry(entry, source, today)
            rec.notes[:] = [f"entry {number}: {rec.arxiv_id}: {note}" for note in rec.notes]
            records.append(rec)
        except ValueError as exc:
            errors.append(f"entry {number} (line {entry.sourceline}): {exc}")
    return records, errors
