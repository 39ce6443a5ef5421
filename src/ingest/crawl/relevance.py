"""Crawl-time relevance pre-score: a paper (or PaperRecord) -> (score, reasons). Rules only, no LLM.

Pure and deterministic: the same title/abstract/categories always give the same score, so a
re-crawl never changes it unless the text changed. The reasons are short human-readable strings
('cs.IR primary', 'title: recommender', 'abstract: click-through rate') stored in
`paper.relevance_reasons`; `settings.relevance_threshold` later decides which papers the LLM sees.
Never raises on odd input: missing fields count as empty.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

# (label, alternatives): recommendation vocabulary, matched on lower-cased text. A title hit
# weighs 2.0, an abstract hit 1.0. Every alternative must match at the start of a word (an implied
# \b before it, as _word_start checks). How to search is derived from these regexes at import
# time (compile_rules): each alternative gets a "needle", plain text every match of it contains at a
# fixed offset ('recommend'; 'rank' for all four learning-to-rank alternatives), and the regex only
# runs where its needle was found at a word start; an alternative without plain text uses re.search.
VOCABULARY: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("recommender", (r"recommender",)),
    ("recommendation", (r"recommend(?:ation|ations|ing|ed|s)?\b",)),
    ("click-through rate", (r"click[- ]?through(?:[- ]rate)?\b",)),
    ("CTR prediction", (r"ctr\b",)),
    ("conversion rate", (r"cvr\b", r"conversion[- ]rate\b")),
    ("collaborative filtering", (r"collaborative[- ]filtering\b",)),
    ("user modeling", (r"user(?:[- ]model(?:l)?ing| (?:interest|preference)s?)\b",)),
    ("sequential recommendation", (r"sequential rec\w*\b", r"next[- ]item\b")),
    ("learning to rank", (r"learning[- ]to[- ]rank\b", r"ranking model\b", r"reranking\b", r"re-ranking\b")),
    ("retrieval/matching", (r"candidate (?:retrieval|generation)\b", r"two[- ]tower\b")),
    ("advertising", (r"ads\b", r"advertis\w+\b", r"sponsored search\b", r"bidding\b")),
    ("e-commerce", (r"ecommerce\b", r"e-commerce\b")),
    ("personalization", (r"personali[sz]\w*\b",)),
    ("semantic IDs", (r"semantic (?:id|ids|identifiers?)\b",)),
)
INDUSTRY: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("online A/B test", (r"a/b\b", r"online (?:experiment|test)s?\b")),
    ("deployed", (r"deployed\b", r"in production\b")),
)
ABSTRACT_CAP = 3  # at most this many abstract terms count

_PLAIN = frozenset("abcdefghijklmnopqrstuvwxyz0123456789 -/")  # characters that match themselves
_QUANTIFIERS = frozenset("?*+{")
_MIN_SHARED = 4  # one needle for all of a rule's alternatives when they share this many characters
# Needles sharing a character that is not among the commonest of English text ('c' is in 13 of
# them, 'd' in 4) are found together by one regex with that character as its literal prefix: re
# only stops where the character occurs, which costs less than one str.find scan per needle (a
# character class prefix such as [cd] is slower). Speed only: the results never depend on it.
_COMMON = frozenset(" etaoinshrl")
_MIN_GROUP = 4  # an anchor regex pays off once it replaces about this many str.find scans


def _class_end(alternative: str, i: int) -> int:
    """A regex and the index of a '[' in it -> the index just past that class ('[]x]': ']' is literal)."""
    i += 1
    if alternative[i : i + 1] == "^":
        i += 1
    if alternative[i : i + 1] == "]":
        i += 1
    while i < len(alternative) and alternative[i] != "]":
        i += 2 if alternative[i] == "\\" else 1
    return i + 1


def _top_level_bar(alternative: str) -> bool:
    """A regex -> whether it has a '|' outside every group and class ('ab|cd': True, 'a(b|c)': False)."""
    depth, i = 0, 0
    while i < len(alternative):
        c = alternative[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":
            i = _class_end(alternative, i)
            continue
        if alternative.startswith("(?#", i):  # a comment: its text is not regex
            i = alternative.find(")", i)
            if i < 0:
                return True  # unterminated (re.compile rejects it): claim nothing
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            return True
        i += 1
    return False


def _literal_runs(alternative: str) -> list[tuple[int, str]]:
    """A regex alternative -> [(offset, text)]: plain text that every match has at that offset.

    Reads up to the first group, quantified item or other variable-width part:
    'two[- ]tower\\b' -> [(0, 'two'), (4, 'tower')], 'click[- ]?through' -> [(0, 'click')],
    'modell?ing' -> [(0, 'model')] (a quantifier takes the character before it), and
    'ab|cd', '(?:ab)', '[a-z]+', '(?i)ab' -> [] (no plain text: such an alternative uses re.search).
    """
    if _top_level_bar(alternative):
        return []
    runs: list[tuple[int, str]] = []
    i, width, start = 0, 0, 0  # width: characters every match has consumed so far
    while i < len(alternative):
        c, following = alternative[i], alternative[i + 1 : i + 2]
        if c in _PLAIN:
            step, size = 1, 1
        elif c == "[":
            step, size = _class_end(alternative, i) - i, 1
        elif c == "\\" and following in ("b", "B"):
            step, size = 2, 0
        elif c == "\\" and following and (following in "wWdDsS" or not following.isalnum()):
            step, size = 2, 1
        else:
            break  # a group, '.', '^', '$', a back-reference, ...: offsets after it are unknown
        if alternative[i + step : i + step + 1] in _QUANTIFIERS:
            break
        if c not in _PLAIN:
            if width > start:
                runs.append((start, alternative[i - (width - start) : i]))
            start = width + size
        i, width = i + step, width + size
    if width > start:
        runs.append((start, alternative[i - (width - start) : i]))
    return runs


def _needles(alternatives: tuple[str, ...]) -> list[tuple[str, tuple[int, ...], tuple[int, ...]]]:
    """A rule's regex alternatives -> [(needle, indexes of the alternatives it serves, its offset in each)].

    One needle for all alternatives when they share at least _MIN_SHARED plain characters (the
    longest such text), else each alternative's longest plain run; '' for an alternative without one.
    """
    runs = [_literal_runs(alt) for alt in alternatives]
    shared = sorted(
        {
            text[at : at + size]
            for _, text in runs[0]
            for size in range(_MIN_SHARED, len(text) + 1)
            for at in range(len(text) - size + 1)
        },
        key=lambda t: (-len(t), t),
    )
    for candidate in shared:
        offsets = [next((o + text.find(candidate) for o, text in rs if candidate in text), -1) for rs in runs]
        if -1 not in offsets:
            return [(candidate, tuple(range(len(alternatives))), tuple(offsets))]
    needles: list[tuple[str, tuple[int, ...], tuple[int, ...]]] = []
    for index, rs in enumerate(runs):
        offset, text = max(rs, key=lambda run: len(run[1]), default=(0, ""))
        needles.append((text, (index,), (offset,)))
    return needles


def _anchors(needles: set[str]) -> tuple[list[tuple[str, list[str]]], list[str]]:
    """Needles -> ([(anchor character, the needles it finds)], the needles left to str.find).

    Greedy: the uncommon character in most of the needles still left becomes an anchor while it is
    in at least _MIN_GROUP of them.
    """
    left, groups = sorted(needles - {""}), []  # type: list[str], list[tuple[str, list[str]]]
    while True:
        counts = {c: sum(c in n for n in left) for c in sorted({c for n in left for c in n} - _COMMON)}
        anchor = max(counts, key=counts.__getitem__, default="")
        if not anchor or counts[anchor] < _MIN_GROUP:
            return groups, left
        groups.append((anchor, [n for n in left if anchor in n]))
        left = [n for n in left if anchor not in n]


def _aligned(needle: str, offset: int, other: str, other_offset: int) -> bool:
    """Two needles and the offset of the anchor in each -> whether both can surround the same anchor."""
    shift = other_offset - offset
    return all(c == other[i + shift] for i, c in enumerate(needle) if 0 <= i + shift < len(other))


def _anchored(anchor: str, needles: list[str]) -> tuple[Any, tuple[tuple[tuple[str, int], ...], ...]]:
    """An anchor character and needles containing it -> (finditer of one regex that matches the anchor
    wherever a needle surrounds it, per regex group number: the (needle, anchor offset) pairs to check).

    'c', ['click', 'recommend'] -> r'c(?=lick()|ommend(?<=recommend)())'. Each alternative ends in an
    empty group, so m.lastindex names the needle found; needles that can surround the same anchor
    ('recommend' and 'recommender') are checked together, as re reports only the first of them.
    """
    needles = sorted(needles, key=lambda n: n.index(anchor) == len(n) - 1)  # literal-first alternatives first
    offsets = [n.index(anchor) for n in needles]
    alternatives = [
        re.escape(n[k + 1 :]) + (f"(?<={re.escape(n)})" if k else "") + "()"
        for n, k in zip(needles, offsets, strict=True)
    ]
    pattern = re.compile(re.escape(anchor) + "(?=" + "|".join(alternatives) + ")")
    checks = tuple(
        tuple((m, j) for m, j in zip(needles, offsets, strict=True) if _aligned(n, k, m, j))
        for n, k in zip(needles, offsets, strict=True)
    )
    return pattern.finditer, ((), *checks)  # group numbers start at 1


# (offset of the needle in a match or -1 when there is no needle, pattern.match, pattern.search)
_Check = tuple[int, Any, Any]
_Needles = tuple[tuple[str, tuple[_Check, ...]], ...]
_Rule = tuple[str, _Needles, frozenset[str]]  # (label, needles with what each gates, the needle set)


class Plan(NamedTuple):
    """Rules compiled for searching (`compile_rules`); `score` uses the module's own by default."""

    rules: tuple[_Rule, ...]  # the vocabulary rules, then the industry rules
    vocabulary: int  # how many of `rules` are vocabulary
    anchored: tuple[tuple[Any, tuple[tuple[tuple[str, int], ...], ...]], ...]  # see _anchored
    finds: tuple[str, ...]  # needles found with str.find
    rules_of: dict[str, tuple[int, ...]]  # needle -> indexes of the rules that use it


def _rule(label: str, alternatives: tuple[str, ...]) -> _Rule:
    """(label, regex alternatives) -> (label, ((needle, (offset, match, search) it gates), ...), needles)."""
    patterns = [re.compile(alt) for alt in alternatives]
    needles = tuple(
        (
            needle,
            tuple(
                (offset if needle else -1, patterns[i].match, patterns[i].search)
                for i, offset in zip(indexes, offsets, strict=True)
            ),
        )
        for needle, indexes, offsets in _needles(alternatives)
    )
    return label, needles, frozenset(needle for needle, _ in needles)


def compile_rules(
    vocabulary: tuple[tuple[str, tuple[str, ...]], ...], industry: tuple[tuple[str, tuple[str, ...]], ...]
) -> Plan:
    """VOCABULARY and INDUSTRY style rules -> the Plan that score() searches with (rules other than the
    module's own: for tests of the search itself)."""
    rules = tuple(_rule(label, alts) for label, alts in vocabulary + industry)
    needles = {needle for _, _, names in rules for needle in names}
    groups, finds = _anchors(needles)
    rules_of = {n: tuple(i for i, (_, _, names) in enumerate(rules) if n in names) for n in needles}
    anchored = tuple(_anchored(anchor, group) for anchor, group in groups)
    return Plan(rules, len(vocabulary), anchored, tuple(finds), rules_of)


_PLAN = compile_rules(VOCABULARY, INDUSTRY)


def _occurrences(plan: Plan, text: str) -> dict[str, list[int]]:
    """A plan and lower-cased text -> {needle: every index it starts at, ascending} for needles in it.

    '' (the needle of alternatives without plain text) is always there: their rules are always tried.
    """
    found: dict[str, list[int]] = {"": []}
    for finditer, checks in plan.anchored:
        for m in finditer(text):
            anchor = m.start()
            for needle, offset in checks[m.lastindex]:
                if (at := anchor - offset) >= 0 and text.startswith(needle, at):
                    found.setdefault(needle, []).append(at)
    for needle in plan.finds:
        at = text.find(needle)
        while at >= 0:
            found.setdefault(needle, []).append(at)
            at = text.find(needle, at + 1)
    return found


def _word_start(text: str, at: int) -> bool:
    """Lower-cased text and an index -> whether a word starts there for r'\b' (start or after a non-word)."""
    return at == 0 or not ((c := text[at - 1]).isalnum() or c == "_")


def _found(search: Any, text: str) -> bool:
    """A compiled pattern's search and lower-cased text -> whether it matches at the start of a word."""
    m = search(text)
    while m is not None:
        if _word_start(text, at := m.start()):
            return True
        m = search(text, at + 1)
    return False


# The joined text is title "\n" abstract "\n" comment (no needle contains "\n"); parts are those
# three strings and starts their indexes in it. A range of parts ends at `stop`, the index where
# its last part ends, so a part is in range when its start is <= stop (an empty one too).


def _match_part(
    checks: tuple[_Check, ...], text: str, at: int, parts: tuple[str, str, str], starts: tuple[int, int, int]
) -> int:
    """A needle's checks, the joined text, an index of the needle in it, its parts and their starts ->
    the part (0 title, 1 abstract, 2 comment) where an alternative matches at a word start, else -1.

    The needle at `at` proposes a match start at `at - offset` in its part; the regex decides.
    """
    part = 0 if at < starts[1] else 1 if at < starts[2] else 2
    base = starts[part]
    for offset, match, _ in checks:
        begin = at - offset
        if begin >= base and _word_start(text, begin) and match(parts[part], begin - base):
            return part
    return -1


def _search_parts(
    checks: tuple[_Check, ...],
    parts: tuple[str, str, str],
    starts: tuple[int, int, int],
    first: int,
    stop: int,
) -> int:
    """Checks of alternatives without a needle, the parts, their starts, the first part and the end of
    the range -> the earliest part in range where one matches at a word start (re.search), else -1."""
    part = first
    while part < 3 and starts[part] <= stop:
        if any(_found(search, parts[part]) for _, _, search in checks):
            return part
        part += 1
    return -1


def _earliest(
    needles: _Needles,
    found: dict[str, list[int]],
    text: str,
    parts: tuple[str, str, str],
    starts: tuple[int, int, int],
    first: int,
    stop: int,
) -> int:
    """A rule's needles, where they occur in the joined text, its parts and their starts, the first
    part and the end of the range -> the earliest part in range where one of the rule's alternatives
    matches at a word start, else -1. Every match contains its needle, so none is missed.
    """
    best = -1
    for needle, checks in needles:
        if not needle:
            part = _search_parts(checks, parts, starts, first, stop)
        else:
            part = -1
            for at in found.get(needle, ()):
                if at >= stop:
                    break
                if at >= starts[first] and (part := _match_part(checks, text, at, parts, starts)) >= 0:
                    break
        if part == first:
            return part
        if part >= 0:
            best, stop = part, starts[part] - 1  # only an earlier part can still do better
    return best


def _category_score(primary: str | None, categories: list[str]) -> tuple[float, list[str]]:
    if primary == "cs.IR":
        return 1.0, ["cs.IR primary"]
    if "cs.IR" in categories:
        return 0.5, ["cs.IR cross-list"]
    return 0.0, []


def score(record_or_paper: Any, plan: Plan = _PLAN) -> tuple[float, list[str]]:
    """(score, reasons) for anything with title, abstract, categories, primary_category, comment;
    `plan`: other rules (compile_rules), default VOCABULARY and INDUSTRY."""
    title = (getattr(record_or_paper, "title", "") or "").lower()
    abstract = (getattr(record_or_paper, "abstract", "") or "").lower()
    comment = (getattr(record_or_paper, "comment", "") or "").lower()
    categories = list(getattr(record_or_paper, "categories", None) or [])
    primary = getattr(record_or_paper, "primary_category", None) or (categories[0] if categories else None)
    total, reasons = _category_score(primary, categories)
    text = f"{title}\n{abstract}\n{comment}"  # one search covers all three parts
    found, parts = _occurrences(plan, text), (title, abstract, comment)
    starts = (0, len(title) + 1, len(title) + len(abstract) + 2)
    abstract_hits = 0
    # Only rules with a needle in the text can match; they are visited in order, as ABSTRACT_CAP needs.
    for i in sorted({i for needle in found for i in plan.rules_of.get(needle, ())}):
        label, needles, _ = plan.rules[i]
        if i >= plan.vocabulary:  # industry: in the abstract or the comment
            if _earliest(needles, found, text, parts, starts, 1, len(text)) >= 0:
                total += 0.5
                reasons.append(f"abstract: {label}")
            continue
        # vocabulary: a title hit, else (while fewer than ABSTRACT_CAP) an abstract hit
        stop = starts[2] - 1 if abstract_hits < ABSTRACT_CAP else starts[1] - 1
        part = _earliest(needles, found, text, parts, starts, 0, stop)
        if part == 0:
            total += 2.0
            reasons.append(f"title: {label}")
        elif part == 1:
            abstract_hits += 1
            total += 1.0
            reasons.append(f"abstract: {label}")
    return round(total, 2), reasons
