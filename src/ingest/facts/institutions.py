"""Institution mentions: text (title, abstract, comment, affiliations) -> canonical institutions.

Input: any text. Output: `InstitutionHit`s (name as written, canonical name, industrial flag, evidence
phrase), in order of first appearance, one per canonical name. The alias table is package data
(ingest/data/institutions.json); aliases match case-sensitively on word boundaries, so "JD" never
matches inside a word and "Meta" never matches "meta-learning" or "Metadata". A company name used
as a dataset name ("three Amazon datasets", "Taobao dataset") is not an institution. Phrases such
as "University of X", "X University" and "Institute of X" are recognised as academic even when
they are not in the table. Pure and deterministic; never raises on odd input.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

DATASET_WORDS = re.compile(
    r"^[\s\-]*(?:[A-Z][\w-]*\s+){0,3}?(?:datasets?|data\b|benchmarks?|reviews?|Reviews?|corpus|corpora|"
    r"Prize|collections?|logs?\b)",
    re.IGNORECASE,
)
DATASET_SENTENCE = re.compile(r"\b(?:datasets?|benchmarks?)\b", re.IGNORECASE)
DEPLOY_NEAR = re.compile(
    r"^(?:'s|’s|\s+(?:App|app|platform|production|online|search|ads|advertising|"
    r"system|Feed|feed|traffic|Group|Inc|Technology|Research|Lab))"
)
ACADEMIC = re.compile(
    r"\b(?:(?:University|Institute|Academy) of (?:[A-Z][\w.&'-]*)(?: (?:and |of |for |the )?"
    r"[A-Z][\w.&'-]*){0,5}"
    r"|(?:[A-Z][\w.&'-]*\s){1,4}(?:University|Institute of Technology|Polytechnic|Institute))\b"
)
ACADEMIC_LEADING_JUNK = re.compile(r"^(?:The|A|An|At|In|From|And|By|With|Our|This)\s+")


@dataclass(frozen=True)
class InstitutionHit:
    name: str  # as written in the source
    canonical: str
    industrial: bool
    evidence: str  # the source phrase around the mention


@dataclass(frozen=True)
class _Alias:
    alias: str
    canonical: str
    industrial: bool


# aliases that are also ordinary words: what may follow them when they name the company
GUARDED = {
    "Meta": r"(?='s|’s|\s+(?:AI|Platforms|Inc|ads|Ads|advertising|Reality|and|to|in|at|for)\b|[,.;)]|\s*$)",
    "Mila": r"(?=[,;)]|\s*$|\s+(?:-|Quebec|Québec))",
    "Bing": r"(?='s|’s|\s+(?:search|Search|Ads|ads|logs?)\b|[,;)]|\s*$)",
    "Snap": r"(?='s|’s|\s+(?:Inc|Research|AI)\b|[,.;)]|\s*$)",
    "Perplexity": r"(?='s|’s|\s+(?:AI|Labs|Sonar|Pro)\b|[,;)])",
    "Jina": r"(?='s|’s|\s+(?:AI|V\d|v\d|Embeddings?)\b|[,.;)]|\s*$)",
    "Mistral": r"(?='s|’s|\s+(?:AI|Large|Small|Medium)\b|[,;)])",
}


@lru_cache(maxsize=1)
def alias_table() -> dict[str, _Alias]:
    """alias -> entry, for every alias of ingest/data/institutions.json."""
    text = resources.files("ingest").joinpath("data/institutions.json").read_text(encoding="utf-8")
    return {
        alias: _Alias(alias, row["canonical"], bool(row["industrial"]))
        for row in json.loads(text)["institutions"]
        for alias in row["aliases"]
    }


@lru_cache(maxsize=1)
def alias_pattern() -> re.Pattern[str]:
    """One alternation of all aliases, longest first (so 'JD.com' wins over 'JD'), with word boundaries
    that respect dots inside names; never followed by a hyphen or a letter ('meta-learning', 'JDs');
    no match inside URLs or e-mail addresses."""
    aliases = sorted(alias_table(), key=lambda a: -len(a))
    alternatives = "|".join(re.escape(a) + GUARDED.get(a, "") for a in aliases)
    return re.compile(r"(?<![\w@/.-])(?:" + alternatives + r")(?![\w-]|\.\w)")


def lookup(name: str) -> tuple[str, bool] | None:
    """(canonical, industrial) for a name exactly as an alias or canonical name (case-insensitive)."""
    low = name.strip().lower()
    for item in alias_table().values():
        if item.alias.lower() == low or item.canonical.lower() == low:
            return item.canonical, item.industrial
    return None


def evidence_around(text: str, start: int, end: int, words: int = 4) -> str:
    """The mention plus up to `words` words on each side within its sentence: an exact source substring."""
    left_part = re.split(r"[.;!?\n]\s", text[:start])[-1]
    right_part = re.split(r"[.;!?\n]\s|[.;!?]$", text[end:])[0]
    left_words = [m.start() for m in re.finditer(r"\S+", left_part)][-words:]
    right_words = [m.end() for m in re.finditer(r"\S+", right_part)][:words]
    begin = start - len(left_part) + (left_words[0] if left_words else len(left_part))
    stop = end + (right_words[-1] if right_words else 0)
    return text[begin:stop].strip().rstrip(",;:")


def _sentence_of(text: str, start: int) -> str:
    begin = max(text.rfind(". ", 0, start), text.rfind("\n", 0, start)) + 1
    stop = text.find(". ", start)
    return text[begin : stop if stop >= 0 else len(text)]


def is_dataset_use(text: str, start: int, end: int) -> bool:
    """True when the mention names a dataset ('Amazon datasets', 'Amazon-Book', 'on Taobao and Yelp')."""
    after = text[end : end + 60]
    if re.match(r"-[A-Z0-9]", after):  # Amazon-Book, Taobao-MM
        return True
    if DATASET_WORDS.match(after):
        return True
    if DEPLOY_NEAR.match(after):
        return False
    return bool(DATASET_SENTENCE.search(_sentence_of(text, start)))


def _academic_hits(
    text: str, taken: set[str], covered: list[tuple[int, int]]
) -> list[tuple[int, InstitutionHit]]:
    hits = []
    for m in ACADEMIC.finditer(text):
        if any(s < m.end() and m.start() < e for s, e in covered):
            continue
        phrase = ACADEMIC_LEADING_JUNK.sub("", m.group(0)).strip(" ,")
        if len(phrase.split()) < 2 or phrase in taken:
            continue
        known = lookup(phrase)
        canonical, industrial = known if known else (phrase, False)
        if canonical in taken:
            continue
        taken.add(canonical)
        hits.append(
            (
                m.start(),
                InstitutionHit(phrase, canonical, industrial, evidence_around(text, m.start(), m.end())),
            )
        )
    return hits


def find_institutions(text: str) -> list[InstitutionHit]:
    """Institutions named in `text`, first mention first, one hit per canonical name."""
    if not text:
        return []
    found: list[tuple[int, InstitutionHit]] = []
    taken: set[str] = set()
    covered: list[tuple[int, int]] = []
    table = alias_table()
    for m in alias_pattern().finditer(text):
        if is_dataset_use(text, m.start(), m.end()):
            continue
        covered.append((m.start(), m.end()))
        item = table[m.group(0)]
        if item.canonical in taken:
            continue
        taken.add(item.canonical)
        found.append(
            (
                m.start(),
                InstitutionHit(
                    item.alias, item.canonical, item.industrial, evidence_around(text, m.start(), m.end())
                ),
            )
        )
    found += _academic_hits(text, taken, covered)
    return [hit for _, hit in sorted(found, key=lambda pair: pair[0])]
