"""Search hits' text + the parsed query -> a short snippet with the words the index matched marked.

Input: the text fields of one hit (abstract first, then extracted text, then title) and the query's
`Term`s. Output: a window of about WIDTH characters around the densest cluster of matches, each match
wrapped in `**`, with `…` where text was cut; the first field that matches is used (the abstract's
beginning, unmarked, when none does).

Matching follows the paper_fts tokenizer (`porter unicode61 remove_diacritics 2`) so the marked
words are the ones FTS5 matched: tokens are runs of letters/digits, lower-cased, diacritics
removed, then Porter-stemmed (tokens of 3-64 UTF-8 bytes, like FTS5's porter tokenizer); the query's
words are stemmed the same way, so 'recommendations' marks 'recommendation' and 'recommender'.
A phrase ('"semantic ID"', 'multi-task') marks consecutive tokens; a prefix term ('gener*') marks
tokens whose stem starts with the stemmed prefix. Stemming uses snowballstemmer's 'porter' (the
original algorithm) plus FTS5's two departures from it (step 2 'bli' -> 'ble', 'logi' -> 'log').
Only tokens that could match a query stem (same first two letters, found by one regex) are stemmed;
stems are cached.
Pure functions, no I/O; never raises on any text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

from ingest.search.query import ELLIPSIS, HL_CLOSE, HL_OPEN, WORD, Term, words

WIDTH = 200  # characters in a snippet (about 30 tokens), cut at token boundaries
LEAD = 60  # characters shown before the first match of the chosen window
_PORTER = snowballstemmer.stemmer("porter")
_VOWELS = frozenset("aeiou")


def normalize(token: str) -> str:
    """Lower case without diacritics (unicode61 with remove_diacritics 2)."""
    token = token.lower()
    if token.isascii():
        return token
    return "".join(c for c in unicodedata.normalize("NFD", token) if not unicodedata.combining(c))


class _Fold(dict[int, str]):
    """str.translate table: a character -> its lower-case base letter, when that is one character
    (so folding keeps every offset); filled on first use of each character."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        folded = normalize(char)
        self[code] = folded if len(folded) == 1 else char
        return self[code]


_FOLD = _Fold()


def fold(text: str) -> str:
    """`text` lower-cased without diacritics, character for character (same length and offsets)."""
    return text.lower() if text.isascii() else text.translate(_FOLD)


def _consonant(word: str, i: int) -> bool:
    if word[i] in _VOWELS:
        return False
    return word[i] != "y" or i == 0 or not _consonant(word, i - 1)


def _measure(word: str) -> int:
    """Porter's m: the number of vowel-consonant sequences in `word`."""
    kinds = "".join("c" if _consonant(word, i) else "v" for i in range(len(word)))
    return kinds.lstrip("c").count("vc")


def _fts5_step2(stem: str) -> str:
    """Apply FTS5's step-2 rules that the original Porter algorithm lacks to snowball's result."""
    if stem.endswith("logi") and _measure(stem[:-4]) > 0:
        return stem[:-1]  # 'logi' -> 'log'; nothing later in the algorithm applies to 'log'
    if stem.endswith("bli") and not stem.endswith("abli") and _measure(stem[:-3]) > 0:
        stem = stem[:-1] + "e"  # 'bli' -> 'ble', then step 4 ('ible') and step 5 ('e', 'll')
        if stem.endswith("ible") and _measure(stem[:-4]) > 1:
            return stem[:-4]
        body, n = stem[:-1], len(stem) - 1
        short = (
            n >= 3
            and _consonant(body, n - 3)
            and not _consonant(body, n - 2)
            and _consonant(body, n - 1)
            and body[-1] not in "wxy"
        )
        if _measure(body) > 1 or (_measure(body) == 1 and not short):
            return body
    return stem


@lru_cache(maxsize=65536)
def stem(token: str) -> str:
    """The index term FTS5's porter tokenizer makes of one normalized token."""
    if not 3 <= len(token.encode()) <= 64:  # FTS5 counts UTF-8 bytes
        return token
    stemmed = _PORTER.stemWord(token)
    return stemmed if token.endswith("e") else _fts5_step2(stemmed)  # a final 'e' hid the suffix in step 2


def _candidates(query_stems: set[str]) -> re.Pattern[str]:
    """Regex for the folded tokens that may stem to (or extend) one of `query_stems`: stemming never
    changes a token's first letter and changes its second only from 'y' to 'i'. The first letter
    comes first in the pattern (a fast scan); a lookbehind then requires it to start a token."""
    if not query_stems:
        return re.compile("(?!)")
    firsts = "".join(sorted({re.escape(s[0]) for s in query_stems}))
    seconds = sorted(
        {f"(?<={re.escape(s[0])})" + ("[iy]" if s[1:2] == "i" else re.escape(s[1:2])) for s in query_stems}
    )
    return re.compile(rf"[{firsts}](?<![^\W_].)(?:{'|'.join(seconds)})[^\W_]*")


Pattern = tuple[tuple[str, ...], bool]  # a term's stems, and whether the last one is a prefix


@dataclass(frozen=True)
class Matcher:
    """The query's terms as stem sequences, and a regex for the tokens worth stemming."""

    patterns: tuple[Pattern, ...]
    candidates: re.Pattern[str]
    firsts: frozenset[str]  # first stems that must match exactly
    prefixes: tuple[str, ...]  # stems of one-word prefix terms

    @classmethod
    def of(cls, terms: Sequence[Term]) -> Matcher:
        patterns = tuple((tuple(stem(normalize(w)) for w in words(t.text)), t.prefix) for t in terms)
        patterns = tuple(p for p in patterns if p[0])
        prefixes = tuple(stems[0] for stems, prefix in patterns if prefix and len(stems) == 1)
        return cls(
            patterns,
            _candidates({s for stems, _ in patterns for s in stems}),
            frozenset(stems[0] for stems, _ in patterns),
            prefixes,
        )

    def matches(self, text: str) -> list[tuple[int, int, int]]:
        """(start, end, term index) character spans of the terms' matches, in order, not overlapping."""
        folded = fold(text)
        tokens = [(m.start(), m.end(), stem(m.group())) for m in self.candidates.finditer(folded)]
        found: list[tuple[int, int, int]] = []
        i = 0
        while i < len(tokens):
            got = tokens[i][2]
            could = got in self.firsts or (self.prefixes and got.startswith(self.prefixes))
            k = (
                next((k for k, p in enumerate(self.patterns) if _matches_at(folded, tokens, i, p)), None)
                if could
                else None
            )
            if k is None:
                i += 1
                continue
            last = i + len(self.patterns[k][0]) - 1
            found.append((tokens[i][0], tokens[last][1], k))
            i = last + 1
        return found


def _matches_at(text: str, tokens: list[tuple[int, int, str]], i: int, pattern: Pattern) -> bool:
    """The pattern's stems match tokens[i:] and those tokens are consecutive in `text`."""
    stems, prefix = pattern
    if i + len(stems) > len(tokens):
        return False
    last = len(stems) - 1
    for j, want in enumerate(stems):
        start, _, got = tokens[i + j]
        if not (got == want or (prefix and j == last and got.startswith(want))):
            return False
        if j and WORD.search(text, tokens[i + j - 1][1], start):
            return False  # another token lies between: not a phrase
    return True


def _window(text: str, matches: list[tuple[int, int, int]]) -> tuple[int, int]:
    """Character range of about WIDTH characters, cut at token boundaries, holding the most distinct
    query terms (the earliest such cluster)."""
    best, anchor = -1, 0
    for first, _, _ in matches:
        kinds = {k for s, _, k in matches if first <= s < first + WIDTH - LEAD}
        if len(kinds) > best:
            best, anchor = len(kinds), first
    start = 0 if anchor <= LEAD else _token_start(text, anchor - LEAD, anchor)
    end = start + WIDTH
    end = max([end] + [e for s, e, _ in matches if start <= s < end])
    if end >= len(text):
        return start, len(text)
    while end < len(text) and text[end].isalnum():
        end += 1
    return start, end


def _token_start(text: str, pos: int, limit: int) -> int:
    """The start of the first token beginning at or after `pos` (at most `limit`)."""
    if pos > 0 and text[pos - 1].isalnum():
        found = re.compile(r"(?<![^\W_])[^\W_]").search(text, pos, limit + 1)
        return found.start() if found else limit
    return pos


def _render(text: str, spans: list[tuple[int, int]], cut: tuple[int, int]) -> str:
    """text[cut] with each (start, end) character span wrapped in HL_OPEN/HL_CLOSE."""
    parts, pos = [], cut[0]
    for start, end in spans:
        parts += [text[pos:start], HL_OPEN, text[start:end], HL_CLOSE]
        pos = end
    parts.append(text[pos : cut[1]])
    return " ".join("".join(parts).split())


def highlight_field(text: str, matcher: Matcher) -> str | None:
    """The snippet of one text field, or None when no query term matches in it."""
    found = matcher.matches(text)
    if not found:
        return None
    start, end = _window(text, found)
    body = _render(text, [(s, e) for s, e, _ in found if start <= s < end], (start, end))
    return (ELLIPSIS if start else "") + body + (ELLIPSIS if end < len(text) else "")


def snippet(fields: Iterable[str | None], terms: Sequence[Term] | Matcher) -> str:
    """The first field with a match, highlighted; else the first field's beginning (unmarked)."""
    matcher = terms if isinstance(terms, Matcher) else Matcher.of(terms)
    texts = [f for f in fields if f]
    for text in texts:
        found = highlight_field(text, matcher)
        if found is not None:
            return found
    head = texts[0] if texts else ""
    end = min(len(head), WIDTH)
    while end < len(head) and head[end].isalnum():
        end += 1
    return " ".join(head[:end].split()) + (ELLIPSIS if end < len(head) else "")
