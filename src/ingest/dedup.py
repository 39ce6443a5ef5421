"""Dedup: stored papers -> near-duplicate links (`paper.duplicate_of` = canonical arxiv_id).

Versions and cross-lists need no pass of their own: `store.upsert_papers` keys every record by
its base arXiv id, so v2 updates the v1 row and a paper found by two category queries is one row.
This module links *different* ids whose titles are near-identical (a resubmission under a new id):
word-set Jaccard >= THRESHOLD and, when both papers list authors, at least one shared surname.

Sub-quadratic: an exact set-similarity join with prefix filtering (AllPairs/PPJoin). Title tokens
are ordered by global rarity; two sets with Jaccard >= t must share a token among their first
|s| - ceil(t*|s|) + 1 rarest tokens, so only pairs sharing a rare prefix token are compared
(plus length and position filters, see candidate_pairs). One pass per load: the loader calls it
once with every new/updated id of the load, never once per batch.
Clusters are closed transitively (union-find, existing links included);
the oldest id of a cluster is canonical. Idempotent: a second pass makes no new links.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import Counter
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


def _ordered(tokens: frozenset[str], rank: dict[str, int]) -> list[str]:
    """Tokens rarest first (global order: frequency, then the token itself)."""
    return sorted(tokens, key=rank.__getitem__)


def _probe_len(size: int) -> int:
    """Prefix a probing row needs: partners have |y| >= t|x|, so they share >= t|x| tokens."""
    return size - math.ceil(THRESHOLD * size - 1e-9) + 1


def _index_len(size: int) -> int:
    """Prefix an indexed row needs: its partners are at least as long, so they share >= 2t/(1+t)|y|."""
    return size - math.ceil(2 * THRESHOLD / (1 + THRESHOLD) * size - 1e-9) + 1


def _similar(a: TitleRow, b: TitleRow) -> bool:
    if jaccard(a.tokens, b.tokens) < THRESHOLD:
        return False
    sa, sb = surnames(a.authors), surnames(b.authors)
    return not (sa and sb) or bool(sa & sb)


class _Index:
    """Prefix token -> [(row, its size, token position in it)], filled in ascending size order, so each
    list is sorted by size and entries too short for the current (never shorter) probe are skipped
    for good by advancing a start pointer (AllPairs length filter)."""

    def __init__(self) -> None:
        self.lists: dict[str, list[tuple[int, int, int]]] = {}
        self.starts: dict[str, int] = {}

    def add(self, i: int, ordered: list[str]) -> None:
        size = len(ordered)
        for pos in range(_index_len(size)):
            tok = ordered[pos]
            if tok in self.lists:
                self.lists[tok].append((i, size, pos))
            else:
                self.lists[tok], self.starts[tok] = [(i, size, pos)], 0

    def probe(self, ordered: list[str]) -> set[int]:
        """Indexed rows sharing a prefix token whose first shared token's positions still allow the
        overlap Jaccard >= t needs (PPJoin positional filter); later shared tokens only re-add."""
        size, found = len(ordered), set()
        min_size = math.ceil(THRESHOLD * size - 1e-9)
        need = [THRESHOLD / (1 + THRESHOLD) * (size + other) - 1e-9 for other in range(size + 1)]
        for pos in range(_probe_len(size)):
            tok = ordered[pos]
            entries = self.lists.get(tok)
            if not entries:
                continue
            start = self.starts[tok]
            while start < len(entries) and entries[start][1] < min_size:
                start += 1
            self.starts[tok] = start
            rest = size - pos - 1
            for j, other, jpos in entries[start:]:
                if 1 + min(rest, other - jpos - 1) >= need[other]:
                    found.add(j)
        return found


def _verified(rows: Sequence[TitleRow], row: TitleRow, found: Iterable[int]) -> list[tuple[str, str]]:
    """Pairs (row, candidate) that really are similar; an integer overlap test skips most jaccard calls."""
    tokens, size, pairs = row.tokens, len(row.tokens), []
    for j in found:
        other = rows[j]
        if len(tokens & other.tokens) * (1 + THRESHOLD) >= THRESHOLD * (size + len(other.tokens)) - 1e-9:
            if _similar(row, other):
                pairs.append((row.arxiv_id, other.arxiv_id))
    return pairs


def candidate_pairs(rows: Sequence[TitleRow], probes: set[str] | None = None) -> list[tuple[str, str]]:
    """Near-duplicate pairs among `rows` that involve a probe id (all rows when probes is None).

    Exact AllPairs/PPJoin: rows visited by ascending title size, so every indexed row is at most as
    long as the probing one (length filter: |y| >= t|x|); a candidate is verified only when the
    positions of its first shared token still allow the overlap Jaccard >= t needs. A probe row
    probes every indexed row; any other row probes only the probe rows indexed before it."""
    freq: Counter[str] = Counter(t for r in rows for t in r.tokens)
    rank = {tok: n for n, tok in enumerate(sorted(freq, key=lambda t: (freq[t], t)))}
    every, probed = _Index(), _Index()
    pairs: list[tuple[str, str]] = []
    for i in sorted(range(len(rows)), key=lambda k: len(rows[k].tokens)):
        row = rows[i]
        if not row.tokens:
            continue
        ordered = _ordered(row.tokens, rank)
        is_probe = probes is None or row.arxiv_id in probes
        pairs += _verified(rows, row, (every if is_probe else probed).probe(ordered))
        every.add(i, ordered)
        if is_probe and probes is not None:
            probed.add(i, ordered)
    return pairs


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


def stored_rows(session: Session) -> list[TitleRow]:
    """Every stored paper as a TitleRow (tokens memoised), for plan_links."""
    return [TitleRow(a, cached_tokens(t), au, d) for a, t, au, d in store.title_rows(session)]


def overlay(rows: Sequence[TitleRow], records: Iterable[tuple[str, str, list[str]]]) -> list[TitleRow]:
    """`rows` (the stored papers before a load) with (arxiv_id, title, authors) of the papers the load
    inserted or updated put over them: the rows the database holds after the load, without reading
    them back. A new id gets duplicate_of None; an updated one keeps its stored link."""
    merged = {r.arxiv_id: r for r in rows}
    for arxiv_id, title, authors in records:
        old = merged.get(arxiv_id)
        link = old.duplicate_of if old else None
        merged[arxiv_id] = TitleRow(arxiv_id, cached_tokens(title), authors, link)
    return list(merged.values())


def plan_links(rows: Sequence[TitleRow], probes: Iterable[str] | None = None) -> dict[str, str | None]:
    """The links one near-duplicate pass over `rows` sets or changes for `probes` (default: all rows):
    arxiv_id -> canonical id (None: the link is removed). Pure (no database): safe to run in a
    thread while the loader's connection works (see load.py)."""
    probe_set = None if probes is None else set(probes)
    if probe_set is not None and not probe_set:
        return {}
    mapping = canonical_map(rows, candidate_pairs(rows, probe_set))
    current = {r.arxiv_id: r.duplicate_of for r in rows}
    return {a: c for a, c in mapping.items() if current.get(a) != c}


def near_duplicate_links(session: Session, probes: Iterable[str] | None = None) -> dict[str, str | None]:
    """Link near-duplicate titles of `probes` (default: all papers) to their canonical paper, in ONE
    pass over the stored titles (plan_links over stored_rows, then stored).

    Returns the links it set or changed: arxiv_id -> canonical id (None: the link was removed)."""
    probe_list = None if probes is None else list(probes)
    if probe_list is not None and not probe_list:
        return {}
    changes = plan_links(stored_rows(session), probe_list)
    store.set_duplicate_of(session, changes)
    return changes


def link_near_duplicates(session: Session, probes: Iterable[str] | None = None) -> int:
    """near_duplicate_links, counted: how many papers got a new or changed duplicate_of link."""
    return sum(1 for c in near_duplicate_links(session, probes).values() if c is not None)
