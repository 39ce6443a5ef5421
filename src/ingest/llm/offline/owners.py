"""Offline institutions: a paper's text -> the organisations the text shows to be the authors' own.

Input: the paper's fields (title, abstract, comment, affiliations, fetched full text). Output:
InstitutionClaims with the verbatim phrase that shows ownership as evidence, one per canonical
name, each accepted by the claim verifier (facts.claims.institution_problem). A mention found by
the alias table (facts.institutions) counts when it stands in an affiliation line, the comment or
the head of the full text; in the title when it is where the work is done ("... at Taobao", "for
LinkedIn Feed Ranking", "Douyin Multimodal Embedding ...") and the title is not a study of the
platform ("Audit of ... on TikTok", "YouTube's Influencer Economy"); in an abstract sentence when
the organisation is where the work runs: "deployed at X", "online A/B test on X", "in X's online
scenario", "integrating ... into X's assistant", "implemented on X", "on a Meituan industrial
dataset", "Pinterest internal data", "at X". A model, vendor or hardware the paper only uses, a
company named as prior work or as a dataset is never an owner (no such cue, and the verifier
rejects it). Pure and deterministic.
"""

from __future__ import annotations

import re
from typing import Any

from ingest.facts.claims import institution_problem
from ingest.facts.institutions import InstitutionHit, alias_pattern, alias_table, find_institutions
from ingest.facts.sheet import InstitutionClaim
from ingest.facts.source import affiliation_text, source_text
from ingest.llm.offline.text import sentences

HEAD_OF_FULLTEXT = 1500  # characters of fetched full text that hold the author block
OWN_CUE = re.compile(
    r"\bdeploy\w*|\bonline\b|\bA/B\b|\bin production\b|\bproduction (?:system|environment|traffic)|"
    r"\blaunch\w*|\blive (?:traffic|experiments?|tests?)|\bimplemented\b|\bintegrat\w+|\btested\b|"
    r"\bserv(?:es|ing|ed)\b|\bwe (?:designed|built|developed|present)\b",
    re.IGNORECASE,
)
PLACE_BEFORE = re.compile(
    r"\b(?:at|on|in|into|across|within|to)\s+(?:(?:the|a|an|our)\s+)?(?:[a-z][\w-]*\s+)?$"
    r"|\band\s+$"
    r"|\b(?:systems?|platforms?|apps?|services?|traffic|scenarios?)\s+of\s+$"  # 'recommender system of X'
)
AT_BEFORE = re.compile(r"\bat\s+(?:the\s+)?$")
OWNED_AFTER = re.compile(
    r"^(?:'s|’s)\s+(?:[\w-]+\s+){0,3}?(?:platforms?|systems?|apps?|services?|scenarios?|traffic|feeds?|"
    r"search|advertising|ads|assistant|products?|surfaces?|network)\b"
    r"|^[\s-]+(?:[\w-]+\s+)?(?:internal|in-house|industrial|proprietary|production)\s+(?:data|datasets?|logs?)\b",
    re.IGNORECASE,
)
POSSESSIVE = re.compile(r"^(?:'s|’s)")
TRIAL = re.compile(r"\bexperiments?\b|\bevaluat\w+|\btests?\b", re.IGNORECASE)
STUDY = re.compile(
    r"\b(?:audit\w*|tracking|compliance|characteri[sz]\w+|measuring|understanding|analy[sz]\w+ of)\b",
    re.IGNORECASE,
)


def _owned_in_sentence(sentence: str, start: int, end: int) -> bool:
    before, after = sentence[:start], sentence[end:]
    if OWNED_AFTER.match(after) and (
        OWN_CUE.search(sentence) or TRIAL.search(sentence) or not POSSESSIVE.match(after)
    ):
        return True
    if AT_BEFORE.search(before):
        return True
    return bool(OWN_CUE.search(sentence) and PLACE_BEFORE.search(before))


def _owned_in_title(title: str, start: int, end: int) -> bool:
    return not STUDY.search(title) and not POSSESSIVE.match(title[end:])


def _evidence(sentence: str, start: int, end: int) -> str:
    """The mention with the words around it that show ownership: its clause, at most ~24 words."""
    left = max(sentence.rfind(", ", 0, start), sentence.rfind("; ", 0, start))
    left = left + 2 if left >= 0 else 0
    right = [i for i in (sentence.find(", ", end), sentence.find("; ", end)) if i >= 0]
    piece = sentence[left : min(right) if right else len(sentence)]
    words = piece.split()
    if len(words) <= 24:
        return piece.strip().rstrip(".")
    at = len(sentence[left:start].split())
    return " ".join(words[max(0, at - 12) : at + 12]).rstrip(".,;")


def _hits_in(text: str, owned: Any) -> list[InstitutionHit]:
    table = alias_table()
    out = []
    for m in alias_pattern().finditer(text):
        if owned(text, m.start(), m.end()):
            item = table[m.group(0)]
            evidence = _evidence(text, m.start(), m.end())
            out.append(InstitutionHit(item.alias, item.canonical, item.industrial, evidence))
    return out


# makers of models, hardware and developer tools: papers use them far more often than they are by them,
# so only an affiliation, the comment or a title 'at X' counts
VENDORS = frozenset({"NVIDIA", "OpenAI", "Anthropic", "Mistral AI", "Jina AI", "Perplexity", "Pinecone"})


def owners_of(paper: dict[str, Any]) -> list[InstitutionClaim]:
    """The authors' organisations the paper's own text shows, each with verified evidence."""
    fulltext = (paper.get("fulltext") or "")[:HEAD_OF_FULLTEXT]
    affiliated = "\n".join(p for p in (affiliation_text(paper), fulltext) if p)
    hits = find_institutions(affiliated)
    title = paper.get("title") or ""
    hits += _hits_in(title, _owned_in_title)
    for sentence in sentences(paper.get("abstract") or ""):
        hits += [h for h in _hits_in(sentence, _owned_in_sentence) if h.canonical not in VENDORS]
    source, affiliations = source_text(paper), affiliation_text(paper)
    out: list[InstitutionClaim] = []
    for hit in hits:
        if any(c.canonical == hit.canonical for c in out):
            continue
        if institution_problem(hit.name, hit.canonical, hit.evidence, source, affiliations) is None:
            out.append(InstitutionClaim(**vars(hit)))
    return out[:8]
