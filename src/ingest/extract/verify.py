"""Verification of an extraction: an LLM answer + the paper -> the fact sheet with only verified claims.

Input: the parsed answer of prompt extract_paper (v2 `PaperFacts`; a v1 `PaperExtraction` is first
converted, its claims' evidence looked up in the source) and the paper row. Output: `Verified`:
the PaperFacts whose every result and institution claim passed the one claim verifier
(facts.claims), the count kept and one reason per rejected claim. Prose fields (problem,
contribution, one_line, platform) lose any sentence holding a number that is not a verified claim's.
Flags follow the verified claims: `deployed_online` holds when a verified claim is online, `industrial`
when a verified institution is a company (or the answer said so and the paper reports a
deployment). Pure and deterministic; never raises on odd input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ingest.facts import claims
from ingest.facts.numbers import SENTENCE, numbers_in
from ingest.facts.sheet import InstitutionClaim, PaperExtraction, PaperFacts, ResultClaim
from ingest.facts.source import affiliation_text, source_text

PROSE_FIELDS = ("problem", "contribution", "one_line", "platform", "scope_reason")


@dataclass
class Verified:
    facts: PaperFacts
    kept: int = 0
    rejected: list[str] = field(default_factory=list)


def _direction(value: str, evidence: str) -> str:
    if value.strip().startswith(("-", "−")) or (
        claims.DECREASE_CUE.search(evidence) and not claims.INCREASE_CUE.search(evidence)
    ):
        return "decrease"
    return "increase" if value.strip().startswith("+") or claims.INCREASE_CUE.search(evidence) else "none"


def from_v1(old: PaperExtraction, source: str) -> PaperFacts:
    """A v1 answer as v2 facts: metrics become claims whose evidence is looked up in the source."""
    rows: list[tuple[str, str, str, str]] = [(m.metric, m.value, "online", "") for m in old.online_metrics]
    rows += [(m.metric, m.value, "offline", m.dataset) for m in old.offline_metrics]
    rows += [(e.claim, e.value, "efficiency", "") for e in old.efficiency if e.value]
    results = []
    for metric, value, setting, where in rows:
        evidence = claims.evidence_for(value, source, metric) or claims.evidence_for(value, source)
        direction = _direction(value, evidence)
        results.append(
            ResultClaim(
                metric=metric,
                value=value,
                direction=direction,
                setting=setting,
                where=where,
                evidence=evidence,
            )
        )
    return PaperFacts(
        scope=old.scope,
        scope_reason=old.scope_reason,
        short_name=old.short_name,
        problem=old.problem,
        contribution=old.method,
        key_techniques=old.key_techniques,
        results=results,
        institutions=[InstitutionClaim(**i.model_dump()) for i in old.institutions],
        industrial=old.industrial,
        deployed_online=old.deployed_online,
        platform=old.platform,
        datasets=old.datasets,
        code_url=old.code_url,
        topics=old.topics,
        one_line=old.one_line,
    )


def as_facts(answer: Any, source: str) -> PaperFacts:
    """The answer of any extract_paper version as PaperFacts."""
    if isinstance(answer, PaperFacts):
        return answer
    if isinstance(answer, PaperExtraction):
        return from_v1(answer, source)
    raise TypeError(f"not an extract_paper answer: {type(answer).__name__}")


DATED = re.compile(
    r",?\s+(?:in|since|during|until|as of)\s+(?:(?:early|late|mid)[- ])?"
    r"(?:(?:January|February|March|April|May|June|July|August|September|October|November|December)\s+)?"
    r"(?:19|20)\d\d\b(?!\s*%)",
)


def _prose(text: str, allowed: set[str], rejected: list[str], label: str) -> str:
    """`text` without its sentences holding a number that is not a verified claim's value; a date
    ('deployed on Deezer in 2025') is taken out of its sentence rather than costing the sentence."""
    if not text or numbers_in(text) <= allowed:
        return text
    kept = []
    for sentence in SENTENCE.split(text.strip()):
        undated = DATED.sub("", sentence)
        if undated != sentence and numbers_in(undated) <= allowed:
            sentence = undated
        extra = sorted(numbers_in(sentence) - allowed)
        if extra:
            rejected.append(f"{label}: sentence with {', '.join(extra)} dropped (not a verified claim)")
        else:
            kept.append(sentence)
    return " ".join(kept)


def verify_answer(answer: Any, paper: Any) -> Verified:
    """An extract_paper answer (any version) verified against the paper: what both the synchronous and
    the batch path store."""
    return verify_facts(as_facts(answer, source_text(paper)), paper)


def verify_facts(facts: PaperFacts, paper: Any) -> Verified:
    """Keep only the claims the verifier accepts; see module doc."""
    source, affiliations = source_text(paper), affiliation_text(paper)
    out = Verified(facts)
    results = []
    for c in facts.results:
        problem = claims.result_problem(c.metric, c.value, c.direction, c.setting, c.evidence, source)
        if problem:
            out.rejected.append(f"result {c.metric} = {c.value}: {problem}")
        else:
            results.append(c)
    institutions: list[InstitutionClaim] = []
    for inst in facts.institutions:
        problem = claims.institution_problem(inst.name, inst.canonical, inst.evidence, source, affiliations)
        if problem:
            out.rejected.append(problem)
        elif all(i.canonical != inst.canonical for i in institutions):
            institutions.append(inst)
    allowed = set().union(*(numbers_in(c.value) for c in results)) if results else set()
    data = facts.model_dump()
    for name in PROSE_FIELDS:
        data[name] = _prose(data[name], allowed, out.rejected, name)
    online = any(c.setting == "online" for c in results)
    data["results"] = [c.model_dump() for c in results]
    data["institutions"] = [i.model_dump() for i in institutions]
    data["deployed_online"] = online or (facts.deployed_online and bool(claims.ONLINE_CUE.search(source)))
    data["industrial"] = any(i.industrial for i in institutions) or (
        facts.industrial and data["deployed_online"]
    )
    if data["code_url"] and not claims.occurs(data["code_url"], source):
        out.rejected.append(f"code_url {data['code_url']}: not in the source")
        data["code_url"] = None
    out.facts = PaperFacts.model_validate(data)
    out.kept = len(results) + len(institutions)
    return out
