"""The prose checker: rendered report paragraphs -> the writing problems a reader would trip over.

Checks, for either backend: a sentence that appears twice in the report; a stock phrase (a run of
STOCK_RUN words without digits) recurring across deep dives; a paper name that is a fragment (ends in
a function word, or starts in lower case); markup from abstracts or writers (LaTeX, math, HTML tags,
entities); empty lists ("()", "(none)", ", ,"). Input: the report's blocks as parsed by verify.parse
(text with Markdown escapes removed). Output: one line per problem. Pure.
"""

from __future__ import annotations

import re
from collections import defaultdict

from ingest.facts.prose import markup_in

STOCK_RUN = 6
FUNCTION_END = re.compile(r"\b(?:of|for|to|the|a|an|and|or|in|on|with|from|via|by|at|towards?|as)$", re.I)
EMPTY = re.compile(r"\(\s*\)|\(\s*none\s*\)|\bnone\)|,\s*,|:\s*\.|（\s*）")
SENTENCE = re.compile(r"(?<=[.!?。])\s+")
WORD = re.compile(r"[^\W\d_][\w'/-]*", re.UNICODE)
UNESCAPE = re.compile(r"\\(.)")
CLAUSE_END = re.compile(r"[.;:!?()。；：！？（）]")
OPENING = re.compile(r"^\*\*.*?\*\* \(\[[^\]]*\]\([^)]*\)\)(?: — [^.。]*)?[.。]\s*")


def plain(text: str) -> str:
    """Markdown inline text without backslash escapes."""
    return UNESCAPE.sub(r"\1", text)


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in SENTENCE.split(plain(text)) if len(s.split()) >= 5]


def repeated_sentences(paragraphs: list[str]) -> list[str]:
    seen: dict[str, int] = defaultdict(int)
    for para in paragraphs:
        for sentence in _sentences(para):
            seen[" ".join(sentence.lower().split())] += 1
    return [f"sentence appears {n} times: '{s[:80]}'" for s, n in seen.items() if n > 1]


def _runs(text: str) -> set[str]:
    """Runs of STOCK_RUN words inside one clause. Sentence and clause ends break runs, and so does a
    name: a capitalised word past the clause's first ('runs on live traffic on Kuaishou App' said of
    two Kuaishou papers repeats a fact, not a template)."""
    out: set[str] = set()
    for clause in CLAUSE_END.split(plain(text)):
        words = WORD.findall(clause)
        pieces: list[list[str]] = [[]]
        for n, word in enumerate(words):
            if n and word[0].isupper():
                pieces.append([])
            else:
                pieces[-1].append(word.lower())
        for run in pieces:
            out |= {" ".join(run[i : i + STOCK_RUN]) for i in range(len(run) - STOCK_RUN + 1)}
    return out


def stock_phrases(dives: dict[str, str]) -> list[str]:
    """Runs of STOCK_RUN words that recur in two or more deep dives (names and numbers break runs)."""
    where: dict[str, set[str]] = defaultdict(set)
    for pid, text in dives.items():
        body = OPENING.sub("", text, count=1)  # the opening (name, id, institution) is structure
        for run in _runs(body):
            where[run].add(pid)
    hits = sorted(run for run, ids in where.items() if len(ids) > 1)
    merged: list[str] = []
    for run in hits:  # report overlapping runs once
        if not merged or run.split()[:-1] != merged[-1].split()[1:]:
            merged.append(run)
    return [f"stock phrase in {len(where[r])} deep dives: '{r}'" for r in merged[:10]]


def name_problems(names: dict[str, str]) -> list[str]:
    out = []
    for pid, name in names.items():
        clean = plain(name).strip()
        if not clean or FUNCTION_END.search(clean) or clean[0].islower():
            out.append(f"{pid}: name '{clean}' is a fragment")
    return out


def markup_problems(paragraphs: list[str]) -> list[str]:
    out = []
    for para in paragraphs:
        found = markup_in(plain(para))
        if found:
            out.append(f"markup in '{plain(para)[:50]}…': {', '.join(found[:3])}")
    return out


def empty_lists(paragraphs: list[str]) -> list[str]:
    return [f"empty list in '{plain(p)[:60]}…'" for p in paragraphs if EMPTY.search(plain(p))]


def check(paragraphs: list[str], dives: dict[str, str], names: dict[str, str]) -> list[str]:
    """Every prose problem of a report (see module doc)."""
    return (
        repeated_sentences(paragraphs)
        + stock_phrases(dives)
        + name_problems(names)
        + markup_problems(paragraphs)
        + empty_lists(paragraphs)
    )
