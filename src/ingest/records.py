"""Papers as sources see them, and arXiv ids: the vocabulary every stage shares; imports nothing of ours.

`PaperRecord` is one version of one paper before storage (any source: the arXiv API, a JSONL or
Atom snapshot). `split_id` parses the id forms a user types ('2604.14878v2', 'arXiv:2604.14878',
an abs URL, old-style 'cs/0701001'); `ARXIV_ID` finds new-style ids inside prose (reports,
prompts, verification). `ids_in(text)` lists them in order. Pure; `split_id` raises ValueError on a
string that is not an id.

Bounds (hostile or broken sources): `bound_record` cuts text fields to FIELD_LIMITS and lists to
LIST_LIMITS, returning one note per cut (the record is kept); `check_record` rejects (ValueError
with the reason) an id or a date outside arXiv's history: before ARXIV_START or after `today`,
a new-style id of a month that has not come yet, or a number of the wrong width for its month.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

ARXIV_ID = re.compile(r"(?<![\d.])(\d{4}\.\d{4,5})(?:v\d+)?(?![\d])")

_TYPED_ID = re.compile(
    r"^(?:arxiv:)?\s*(?P<base>(?:\d{4}\.\d{4,5})|(?:[a-z\-]+(?:\.[A-Z]{2})?/\d{7}))"
    r"(?:v(?P<version>\d+))?$",
    re.IGNORECASE,
)


ARXIV_START = date(1991, 8, 1)  # the first arXiv submissions (hep-th/9108001)
NEW_STYLE_START = (2007, 4)  # ids YYMM.NNNN from April 2007; five-digit numbers from January 2015

# Text fields over these lengths (characters) are cut with a note; the longest real arXiv values are
# far below them (arXiv caps abstracts at 1,920 characters).
FIELD_LIMITS: dict[str, int] = {
    "title": 1_000,
    "abstract": 20_000,
    "comment": 2_000,
    "journal_ref": 1_000,
    "doi": 300,
}
# Lists: (most items kept, characters per item).
LIST_LIMITS: dict[str, tuple[int, int]] = {
    "authors": (500, 300),
    "affiliations": (500, 500),
    "categories": (50, 40),
}
CUT = "…"


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
    notes: list[str] = field(default_factory=list)  # fields cut to the limits (bound_record)


def clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters (ending in CUT when cut)."""
    return text if len(text) <= limit else text[: limit - len(CUT)].rstrip() + CUT


def bound_record(rec: PaperRecord) -> list[str]:
    """Cut `rec`'s fields to FIELD_LIMITS / LIST_LIMITS in place; one note per field cut."""
    notes = []
    for name, limit in FIELD_LIMITS.items():
        value = getattr(rec, name)
        if value is not None and len(value) > limit:
            setattr(rec, name, clip(value, limit))
            notes.append(f"{name} cut to {limit:,} of {len(value):,} characters")
    for name, (most, chars) in LIST_LIMITS.items():
        items: list[str] = getattr(rec, name)
        long_items = sum(1 for item in items if len(item) > chars)
        if len(items) > most or long_items:
            setattr(rec, name, [clip(item, chars) for item in items[:most]])
            what = f"{len(items):,} {name} cut to {most:,}" if len(items) > most else name
            extra = f" ({long_items} over {chars} characters cut)" if long_items else ""
            notes.append(f"{what}{extra}")
    rec.notes += notes
    return notes


def _id_month(arxiv_id: str) -> tuple[int, int]:
    digits = arxiv_id.split("/")[-1]
    yy, mm = int(digits[:2]), int(digits[2:4])
    if "/" in arxiv_id:
        return (1900 + yy if yy >= 91 else 2000 + yy), mm
    return 2000 + yy, mm


def check_id(arxiv_id: str, today: date) -> None:
    """ValueError when a (split) id cannot exist: its month is in the future or outside its scheme's
    years, or its number has the wrong width for the month."""
    year, month = _id_month(arxiv_id)
    if not 1 <= month <= 12:
        raise ValueError(f"{arxiv_id}: no month {month:02d} (ids begin YYMM)")
    if (year, month) > (today.year, today.month):
        raise ValueError(f"{arxiv_id}: id of {year}-{month:02d}, a month that has not come yet")
    if "/" in arxiv_id:
        if not (1991, 8) <= (year, month) < NEW_STYLE_START:
            raise ValueError(f"{arxiv_id}: old-style ids run from 1991-08 to 2007-03, not {year}-{month:02d}")
        return
    if (year, month) < NEW_STYLE_START:
        raise ValueError(f"{arxiv_id}: new-style ids start in 2007-04, not {year}-{month:02d}")
    width = len(arxiv_id.split(".")[1])
    if width != (5 if year >= 2015 else 4):
        raise ValueError(
            f"{arxiv_id}: ids of {year}-{month:02d} have {5 if year >= 2015 else 4}-digit numbers"
        )


def check_record(rec: PaperRecord, today: date) -> None:
    """ValueError (the reason) when `rec`'s id or dates lie outside arXiv's history up to `today`
    (a day of slack for time zones)."""
    check_id(rec.arxiv_id, today)
    latest = today + timedelta(days=1)
    for name in ("published", "updated", "listing_date"):
        value = getattr(rec, name)
        if value is None:
            continue
        day = value.date() if isinstance(value, datetime) else value
        if day < ARXIV_START:
            raise ValueError(f"{rec.arxiv_id}: {name} {day} is before arXiv began ({ARXIV_START})")
        if day > latest:
            raise ValueError(f"{rec.arxiv_id}: {name} {day} is in the future")
