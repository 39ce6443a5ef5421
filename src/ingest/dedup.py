"""Dedup: stored papers -> near-duplicate links (`paper.duplicate_of` = canonical arxiv_id).

Versions and cross-lists need no pass of their own: `store.upsert_papers` keys every record by
its base arXiv id, so v2 updates the v1 row and a paper found by two category queries is one row.
This module links *different* ids whose titles are near-identical (a resubmission under a new id):
word-set Jaccard >= THRESHOLD and, when both papers list authors, at least one shared surname.

Sub-quadratic: an exact set-similarity join with prefix filtering (AllPairs). Title tokens are
ordered by global rarity; two sets with Jaccard >= t must share a token among their first
|s| - ceil(t*|s|) + 1 rarest tokens, so only pairs sharing a rare prefix token are compared
(plus a length filter). Clusters are closed transitively (union-find, existing links included);
the oldest id of a cluster is canonical. Idempotent: a second pass makes no new links.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from sqlmodel import Session

from . import store

THRESHOLD = 0.8
STOPWORDS = frozenset("a an and as at by for from in into is of on or the to towards via with".split())
_WORD = re.compile(r"[a-z0-9]+")


def title_tokens(title: str) -> frozenset[str]:
    """Lower-cased ASCII word set without stop words or plural -s ('Towards GenRecs' -> {'genrec'})."""
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    return frozenset(_singular(w) for w in _WORD.findall(text) if w not in STOPWORDS)


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter) if a or b else 0.0


@lru_cache(maxsize=250_000)
def cached_tokens(title: str) -> frozenset[str]:
    """title_tokens, memoised per process (a backfill re-reads every stored title once per week)."""
    return title_tokens(title)


def age_key(arxiv_id: str) -> tuple[int, int, str]:
    """Sort key: older arXiv ids first ('cs/0601001' < '0704.0001' < '2604.14878')."""
    if "/" in arxiv_id:
        archive, num = arxiv_id.split("/", 1)
        return (0, int(num) if num.isdigit() else 0, arxiv_id)
    yymm, _, num = arxiv_id.partition(".")
    return (1, int(yymm) * 100000 + (int(num) if num.isdigit() else 0), arxiv_id)


def surnames(authors_json: str | list[str] | None) -> frozenset[str]:
    names = json.loads(authors_json) if isinstance(authors_json, str) else (authors_json or [])
    return frozenset(n.split()[-1].lower() for n in names if n and n.split())


@dataclass
class TitleRow:
    arxiv_id: str
    tokens: frozenset[str]
    authors: str | list[str] | None
    duplicate_of: str | None


def _prefix(tokens: frozenset[str], freq: Counter[str]) -> list[str]:
    ordered = sorted(tokens, key=lambda t: (freq[t], t))
    return ordered[: len(ordered) - math.ceil(THRESHOLD * len(ordered)) + 1]


def _similar(a: TitleRow, b: TitleRow) -> bool:
    if jaccard(a.tokens, b.tokens) < THRESHOLD:
        return False
    sa, sb = surnames(a.authors), surnames(b.authors)
    return not (sa and sb) or bool(sa & sb)


def candidate_pairs(rows: Sequence[TitleRow], probes: set[str] | None = None) -> list[tuple[str, str]]:
    """Near-duplicate pairs among `rows` that involve a probe id (all rows when probes is None)."""
    freq: Counter[str] = Counter(t for r in rows for t in r.tokens)
    index: dict[str, list[int]] = defaultdict(list)
    order = sorted(range(len(rows)), key=lambda i: probes is not None and rows[i].arxiv_id in probes)
    pairs: list[tuple[str, str]] = []
    for i in order:
        row = rows[i]
        if not row.tokens:
            continue
        prefix = _prefix(row.tokens, freq)
        if probes is None or row.arxiv_id in probes:
            pairs += _probe(rows, index, i, prefix)
        for tok in prefix:
            index[tok].append(i)
    return pairs


def _probe(
    rows: Sequence[TitleRow], index: dict[str, list[int]], i: int, prefix: list[str]
) -> list[tuple[str, str]]:
    row, size, seen, found = rows[i], len(rows[i].tokens), set(), []
    for tok in prefix:
        for j in index.get(tok, ()):
            if j in seen:
                continue
            seen.add(j)
            other = len(rows[j].tokens)
            if THRESHOLD * size <= other <= size / THRESHOLD and _similar(row, rows[j]):
                found.append((row.arxiv_id, rows[j].arxiv_id))
    return found


def canonical_map(rows: Sequence[TitleRow], pairs: Iterable[tuple[str, str]]) -> dict[str, str | None]:
    """arxiv_id -> canonical id (oldest of its cluster) or None for the canonical/singletons."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            keep, drop = sorted((ra, rb), key=age_key)
            parent[drop] = keep

    for row in rows:
        if row.duplicate_of:
            union(row.arxiv_id, row.duplicate_of)
    for a, b in pairs:
        union(a, b)
    return {x: (None if find(x) == x else find(x)) for x in list(parent)}


def link_near_duplicates(session: Session, probes: Iterable[str] | None = None) -> int:
    """Link near-duplicate titles of `probes` (default: all papers) to their canonical paper.

    Returns how many papers got a new or changed duplicate_of link."""
    rows = [TitleRow(a, cached_tokens(t), au, d) for a, t, au, d in store.title_rows(session)]
    probe_set = None if probes is None else set(probes)
    if probe_set is not None and not probe_set:
        return 0
    mapping = canonical_map(rows, candidate_pairs(rows, probe_set))
    current = {r.arxiv_id: r.duplicate_of for r in rows}
    changes = {a: c for a, c in mapping.items() if current.get(a) != c}
    store.set_duplicate_of(session, changes)
    return sum(1 for c in changes.values() if c is not None)
