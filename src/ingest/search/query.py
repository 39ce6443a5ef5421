"""User search text -> a safe FTS5 MATCH expression (or LIKE terms); topic names -> taxonomy slugs.

Input: whatever a user typed ('GPT-4', 'cs.IR', '"semantic ID" OR tokenizer', unbalanced quotes and
parentheses, FTS operators, column filters like 'title:', SQL fragments, 10 kB strings).
Output: a `ParsedQuery` whose `fts()` never raises an FTS5 syntax error, because every term is
emitted as a double-quoted FTS5 string: the tokenizer sees only its words.

Rules (documented in the README):
- words are ANDed (a bare upper-case `AND` is accepted and ignored); "double-quoted text" is a
  phrase; `OR` (upper case) between two terms makes them alternatives (binding tighter than the
  implicit AND, as in web search engines);
- a trailing `*` makes a prefix search (`gener*`); every other character is literal text, so
  `NOT`, `NEAR(...)`, `title:` and `--` only search for the words they contain;
- terms without a letter or digit are dropped; an empty result with no filters is an InputError;
- more than MAX_QUERY_CHARS characters or MAX_TERMS terms is an InputError (one clear line).
Pure functions, no I/O except reading the packaged topic taxonomy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.errors import InputError
from ingest.facts.topics import titles

MAX_QUERY_CHARS = 2000
MAX_TERMS = 32
HL_OPEN, HL_CLOSE, ELLIPSIS = "**", "**", "…"
_TOKEN = re.compile(r'"([^"]*)"|(\S+)')
WORD = re.compile(r"[^\W_]+")  # a token of the index's unicode61 tokenizer: a run of letters/digits


def words(text: str) -> list[str]:
    """The tokens the index's tokenizer sees in `text` (original case and accents)."""
    return WORD.findall(text)


@dataclass(frozen=True)
class Term:
    text: str
    prefix: bool = False

    @property
    def size(self) -> int:
        """Number of index tokens in the term ('multi-task' and '"semantic ID"' count 2)."""
        return len(words(self.text))

    def fts(self) -> str:
        return '"' + self.text.replace('"', '""') + '"' + ("*" if self.prefix else "")


@dataclass(frozen=True)
class ParsedQuery:
    """AND of groups; each group is an OR of terms."""

    groups: list[list[Term]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.groups

    @property
    def terms(self) -> list[Term]:
        return [t for g in self.groups for t in g]

    @property
    def size(self) -> int:
        """Index tokens over all terms: what ranking one match costs, roughly (bm25 per term-row)."""
        return sum(t.size for t in self.terms)

    def fts(self) -> str:
        parts = [
            g[0].fts() if len(g) == 1 else "(" + " OR ".join(t.fts() for t in g) + ")" for g in self.groups
        ]
        return " AND ".join(parts)


def _clean(raw: str) -> Term | None:
    """One raw token -> a Term, or None when it holds no letter or digit."""
    text = raw.strip().replace('"', " ")
    prefix = text.endswith("*")
    text = text.strip("*()").strip()
    text = " ".join(text.split())
    if not any(ch.isalnum() for ch in text):
        return None
    return Term(text, prefix=prefix)


def _tokens(query: str) -> list[tuple[str, bool]]:
    """(text, quoted) pairs; an unbalanced quote is treated as an ordinary character."""
    return [
        (m.group(1), True) if m.group(1) is not None else (m.group(2), False) for m in _TOKEN.finditer(query)
    ]


def parse(query: str | None) -> ParsedQuery:
    """Parse user text (see the module docstring). Raises InputError for oversized queries."""
    query = (query or "").replace("\x00", " ")
    if len(query) > MAX_QUERY_CHARS:
        raise InputError(f"query too long: {len(query)} characters (at most {MAX_QUERY_CHARS})")
    groups: list[list[Term]] = []
    join_next = False
    for raw, quoted in _tokens(query):
        if raw == "OR" and not quoted:
            join_next = bool(groups)
            continue
        if raw == "AND" and not quoted:  # implicit anyway
            continue
        term = _clean(raw)
        if term is None:
            continue
        if join_next:
            groups[-1].append(term)
        else:
            groups.append([term])
        join_next = False
    if sum(len(g) for g in groups) > MAX_TERMS:
        raise InputError(f"query has too many terms: {sum(len(g) for g in groups)} (at most {MAX_TERMS})")
    return ParsedQuery(groups)


def highlight(text: str, terms: list[Term], width: int = 200) -> str:
    """A window of `text` around the first match of any term, matches wrapped in HL_OPEN/HL_CLOSE."""
    words = sorted({t.text for t in terms}, key=len, reverse=True)
    if not words:
        return text[:width] + (ELLIPSIS if len(text) > width else "")
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    first = pattern.search(text)
    start = max(0, (first.start() if first else 0) - width // 3)
    window = text[start : start + width]
    marked = pattern.sub(lambda m: f"{HL_OPEN}{m.group(0)}{HL_CLOSE}", window)
    return (ELLIPSIS if start else "") + marked + (ELLIPSIS if start + width < len(text) else "")


def resolve_topic(name: str) -> str:
    """A taxonomy slug or title (any case, '-' or '_') -> the slug; InputError when unknown."""
    wanted = name.strip().lower().replace("-", "_")
    for slug, title in titles().items():
        if wanted in (slug, title.lower().replace("-", "_")):
            return slug
    raise InputError(f"unknown topic {name!r}; known topics: {', '.join(titles())}")
