"""Dedup: stored papers -> near-duplicate links (`paper.duplicate_of` = canonical arxiv_id).

Versions and cross-lists need no pass of their own: `store.upsert_papers` keys every record by
its base arXiv id, so v2 updates the v1 row and a paper found by two category queries is one row.
This module links *different* ids whose titles are near-identical (a resubmission under a new id):
word-set Jaccard >= THRESHOLD and, when both papers list authors, at least one shared surname.

Sub-quadratic: an exact set-similarity join with prefix filtering (AllPairs, with the two-token
prefix filter of the l-prefix schemes). Title tokens are ordered by global rarity, rarest first.
Rows are visited by ascending size, so an indexed row y is never longer than the probing row x;
a partner needs |y| >= t|x| (length filter) and an overlap o >= t/(1+t) * (|x| + |y|), which is
>= t|x| seen from x and >= 2t/(1+t) * |y| seen from y. The two rarest shared tokens then lie among
the first |x| - ceil(t|x|) + 2 tokens of x and the first |y| - ceil(2t/(1+t)|y|) + 2 of y. So each
row probes the index with the former prefix (as x), then is indexed under the latter (as y), and
only the rows met through two different prefix tokens are verified (integer overlap test, then
Jaccard and surnames). A one-token title can only pair with an equal one: one shared token
suffices there.
Exact: no pair with Jaccard >= t is missed; the two-token prefix verifies far fewer candidate
pairs than a one-token prefix with PPJoin's position filter (bench/bulk_load.py prints the pass time).
One pass per load: the loader calls it once with every new/updated id of the load, never once
per batch. Clusters are closed transitively (union-find, existing links included);
the oldest id of a cluster is canonical. Idempotent: a second pass makes no new links.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import chain, compress
from operator import eq

from sqlmodel import Session

from ingest.db import store

THRESHOLD = 0.8
STOPWORDS = frozenset("a an and as at by for from in into is of on or the to towards via with".split())
_WORD = re.compile(r"[a-z0-9]+")


def title_tokens(title: str) -> frozenset[str]:
    """Lower-cased ASCII word set without stop words or plural -s ('Towards GenRecs' -> {'genrec'}).

    Accents and compatibility forms are folded by NFKD and dropped if not ASCII ('Café' -> 'cafe',
    'ﬁne' -> 'fine'); an ASCII title skips that step (NFKD leaves ASCII unchanged)."""
    if title.isascii():
        text = title.lower()
    else:
        text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    return frozenset(filter(None, map(_word_token, _WORD.findall(text))))


@lru_cache(maxsize=100_000)
def _word_token(word: str) -> str:
    """A word's token: '' for a stop word (checked before singularising), else without plural -s.
    Memoised: titles share a small vocabulary, so most words are looked up, not recomputed."""
    if word in STOPWORDS:
        return ""
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
    return frozenset(parts[-1].lower() for parts in (n.split() for n in names if n) if parts)


@dataclass(slots=True)
class TitleRow:
    arxiv_id: str
    tokens: frozenset[str]
    authors: str | list[str] | None
    duplicate_of: str | None


def _probe_len(size: int) -> int:
    """Prefix a probing row needs: partners have |y| >= t|x|, so they share >= t|x| tokens."""
    return size - math.ceil(THRESHOLD * size - 1e-9) + 1


def _index_len(size: int) -> int:
    """Prefix an indexed row needs: its partners are at least as long, so they share >= 2t/(1+t)|y|."""
    return size - math.ceil(2 * THRESHOLD / (1 + THRESHOLD) * size - 1e-9) + 1


@cache
def _shape(size: int) -> tuple[int, int, int, int]:
    """For a row of `size`: (probe prefix, index prefix, least partner size, prefix tokens to share).

    Two-token prefix filter: the second-rarest shared token of a pair with overlap o lies within
    the first |s| - o + 2 tokens of each set, so a prefix one longer than `_probe_len`/`_index_len`
    must hold two shared tokens. A one-token row only pairs with an equal one (one shared token)."""
    return _probe_len(size) + 1, _index_len(size) + 1, math.ceil(THRESHOLD * size - 1e-9), min(size, 2)


@cache
def _overlap_needed(size: int) -> tuple[int, ...]:
    """[other size] -> least overlap for which Jaccard >= t is possible with a row of `size`:
    the integer test overlap * (1 + t) >= t * (size + other), so most candidates skip jaccard."""
    return tuple(
        next(
            (n for n in range(other + 1) if n * (1 + THRESHOLD) >= THRESHOLD * (size + other) - 1e-9),
            other + 1,
        )
        for other in range(size + 1)
    )


class _Index:
    """Prefix token (as its rarity rank) -> (sizes, row numbers) of the rows holding it in their
    index prefix, in the order they were added: ascending size, so the rows too short for a probe
    are a head cut off by bisection (AllPairs length filter)."""

    def __init__(self) -> None:
        self.lists: dict[int, tuple[list[int], list[int]]] = {}

    def add(self, i: int, ordered: list[int]) -> None:
        size = len(ordered)
        for tok in ordered[: _shape(size)[1]]:
            entry = self.lists.get(tok)
            if entry is None:
                self.lists[tok] = ([size], [i])
            else:
                entry[0].append(size)
                entry[1].append(i)

    def probe(self, ordered: list[int]) -> Iterable[int]:
        """Indexed rows long enough to pair with `ordered` that share as many tokens with its probe
        prefix as `_shape` requires (a row is listed at most once per token)."""
        prefix, _, min_size, shared = _shape(len(ordered))
        hits: list[int] = []
        for sizes, rows in filter(None, map(self.lists.get, ordered[:prefix])):
            hits += rows[bisect_left(sizes, min_size) :]
        if shared == 1:
            return hits
        hits.sort()  # a row found by two tokens now sits next to itself
        return set(compress(hits, map(eq, hits, hits[1:])))


def _similar(a: TitleRow, b: TitleRow) -> bool:
    if jaccard(a.tokens, b.tokens) < THRESHOLD:
        return False
    sa, sb = surnames(a.authors), surnames(b.authors)
    return not (sa and sb) or bool(sa & sb)


def candidate_pairs(rows: Sequence[TitleRow], probes: set[str] | None = None) -> list[tuple[str, str]]:
    """Near-duplicate pairs among `rows` that involve a probe id (all rows when probes is None).

    Exact prefix-filter join (see the module docstring): rows visited by ascending title size, each
    probing the rows indexed before it, then indexed itself; a candidate met through two prefix
    tokens is verified by an integer overlap test, then `_similar`. A probe row probes every indexed
    row; any other row probes only the probe rows indexed before it. Each pair is (probing row,
    earlier indexed row)."""
    tokens = [r.tokens for r in rows]
    sizes = [len(t) for t in tokens]
    freq = Counter(chain.from_iterable(tokens))
    rank = {tok: n for n, tok in enumerate(sorted(freq, key=lambda t: (freq[t], t)))}
    if probes is not None and all(r.arxiv_id in probes for r in rows):
        probes = None  # the same pairs, without the second index
    every, probed = _Index(), _Index()
    pairs: list[tuple[str, str]] = []
    for i in sorted(range(len(rows)), key=sizes.__getitem__):
        size = sizes[i]
        if not size:
            continue
        row, own = rows[i], tokens[i]
        ordered = sorted(map(rank.__getitem__, own))
        is_probe = probes is None or row.arxiv_id in probes
        found = (every if is_probe else probed).probe(ordered)
        if found:
            needed = _overlap_needed(size)
            for j in [j for j in found if len(own & tokens[j]) >= needed[sizes[j]]]:
                if _similar(row, rows[j]):
                    pairs.append((row.arxiv_id, rows[j].arxiv_id))
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
