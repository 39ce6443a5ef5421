"""Offline extract_paper answer: the prompt's variables (one paper's data) -> a PaperExtraction.

Deterministic rules, no network, no database: scope from recommendation vs search vocabulary, the
paper's own short name, institutions from the alias table (title, abstract, comment, affiliations,
full text), online-A/B vs offline metric sentences with values exactly as written, named
techniques, datasets, code URL, taxonomy topics, a one-line digest summary and a deep-dive draft
built from the abstract's own sentences. Every string is copied from the input, so the answer is
grounded by construction. The input is untrusted data: it is only matched, never obeyed.
"""

from __future__ import annotations

import re
from typing import Any

from ingest.facts.institutions import find_institutions
from ingest.facts.sheet import (
    Institution,
    OfflineMetric,
    OnlineMetric,
    PaperExtraction,
    PaperFacts,
    ResultClaim,
)
from ingest.facts.source import source_text
from ingest.llm.offline import text as text_rules
from ingest.llm.offline.claims import claims_of
from ingest.llm.offline.metrics import NOT_LIVE, ONLINE, is_online, metrics_of
from ingest.llm.offline.owners import owners_of
from ingest.llm.offline.short_names import short_name

PROBLEM = re.compile(
    r"\b(?:however|yet|but|challenge|struggle|limit|bottleneck|fail|suffer|lack|costly|"
    r"prohibitive|remains|overlook|ignore|hinder|insufficient|impractical)",
    re.IGNORECASE,
)
VERBS = r"(?:propose|present|introduce|develop|design|build)\w*"
METHOD = re.compile(r"\b(?:we|this paper|this work)\s+" + VERBS, re.I)
# 'a framework named RAPI is proposed', 'we address these challenges with GLIDE'
METHOD_OTHERWISE = re.compile(
    r"\b(?:is|are)\s+(?:proposed|presented|introduced|developed)\b|"
    r"\bwe\s+address\b[^.]{0,60}?\bwith\s+(?-i:[A-Z])",
    re.I,
)
STUDY = re.compile(r"\b(?:we|this paper|this work)\s+(?:study|studies|investigate|explore|describe)\w*", re.I)
RESULTS_LEAD = re.compile(
    r"^(?:results?|experiments?|evaluations?|extensive|overall|in summary|"
    r"(?:our|these|the) (?:results|experiments))\b",
    re.I,
)
COMPONENT = re.compile(
    r"\((?:i{1,3}|iv|\d)\)|\bFirst,|\bSecond,|\bintroduce|\bcomponents?\b|\bmodule\b|"
    r"\bmechanism\b|\bstage\b",
    re.IGNORECASE,
)
DEPLOY = re.compile(
    r"\bdeployed\b|\b(?:real-world |online |production )?deployment (?:at|in|on|to|across)\b|"
    r"\bin production\b|\bproduction (?:traffic|environment|system)\b|"
    r"\bonline A/B\b|\bA/B test|\blive traffic\b|\bserv(?:es|"
    r"ing) (?:the )?main traffic\b",
    re.I,
)
PLATFORM = re.compile(
    r"(?:on|in|at|across|into)\s+(?:the\s+)?((?:[A-Z][\w.'’-]*\s+){1,3}?(?:[\w'’-]+\s+){0,2}?"
    r"(?:App|app|platform|system|scenarios?|Feed|feeds|traffic|search|advertising|ads)\b)"
    r"|(?:on|in|at)\s+the\s+((?:[\w-]+\s+){1,3}(?:App|app|platform))\b"
)
FILLER = re.compile(
    r"^(?:In this paper|In this work|To this end|To address this|To address these|"
    r"Specifically|"
    r"Furthermore|Moreover|Additionally|Finally|Notably|More importantly|"
    r"Crucially),?\s+",
    re.I,
)
VERB_LEAD = re.compile(r"^(?:we|this paper|this work)\s+" + VERBS + r"\s+", re.IGNORECASE)


INDUSTRY = re.compile(r"\bindustr(?:y|ial)\b|\bproduction\b|\bcommercial\b|\bcompany\b", re.IGNORECASE)


def _words(text: str) -> int:
    return len(text.split())


def _clip(text: str, limit: int) -> str:
    words = text.split()
    if len(words) <= limit:
        return text.strip()
    clipped = " ".join(words[:limit])
    cut = max(clipped.rfind(", "), clipped.rfind("; "), clipped.rfind(" that "), clipped.rfind(" which "))
    return (clipped[:cut] if cut > len(clipped) // 2 else clipped).rstrip(",;: ")


def institutions_of(v: dict[str, Any]) -> list[Institution]:
    parts = [
        v.get("title") or "",
        v.get("abstract") or "",
        v.get("comment") or "",
        "; ".join(v.get("affiliations") or []),
        (v.get("fulltext") or "")[:20000],
    ]
    hits = find_institutions("\n".join(p for p in parts if p))
    return [
        Institution(name=h.name, canonical=h.canonical, industrial=h.industrial, evidence=h.evidence)
        for h in hits[:8]
    ]


def platform_of(sents: list[str]) -> str:
    for sentence in sents:
        if DEPLOY.search(sentence) or (ONLINE.search(sentence) and "platform" in sentence):
            m = PLATFORM.search(sentence)
            if m:
                return (m.group(1) or m.group(2)).strip()
    return ""


def problem_of(sents: list[str]) -> str:
    for sentence in sents[:6]:
        if PROBLEM.search(sentence) and not METHOD.search(sentence):
            return sentence
    return sents[0] if sents else ""


def method_of(sents: list[str], name: str = "") -> str:
    """The sentence saying what the paper proposes (and a following one naming its components): 'we
    propose/present ...' (the one naming the paper, `name`, first: 'we propose SOLAR' over 'we
    introduce SVD-Attention', its part), else a passive or 'we address ... with X' form, else what it
    studies, else the first sentence naming components; never a sentence about results."""
    named = re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])") if name else None
    for pattern in (METHOD, METHOD_OTHERWISE, STUDY):
        hits = [i for i, sentence in enumerate(sents) if pattern.search(sentence)]
        hits = [i for i in hits if named and named.search(sents[i])] + hits
        if hits:
            i = hits[0]
            after = sents[i + 1] if i + 1 < len(sents) else ""
            follow = after if COMPONENT.search(after) and not RESULTS_LEAD.match(after) else ""
            return f"{sents[i]} {follow}".strip()
    rest = [s for s in sents if not RESULTS_LEAD.match(s)]
    return next((s for s in rest if COMPONENT.search(s)), sents[1] if len(sents) > 1 else "")


def _after(sents: list[str], method: str) -> str:
    last = text_rules.sentences(method)[-1] if method else ""
    idx = sents.index(last) if last in sents else -1
    return sents[idx + 1] if 0 <= idx < len(sents) - 1 else ""


def _headline_numbers(online: list[OnlineMetric], offline: list[OfflineMetric], limit: int = 3) -> str:
    if online:
        return "online A/B: " + ", ".join(f"{m.metric} {m.value}" for m in online[:limit])
    if offline:
        return "offline: " + ", ".join(f"{m.metric} {m.value}" for m in offline[:limit])
    return ""


def one_line(name: str, owner: str, method: str, numbers: str, deployed: bool, more: str = "") -> str:
    """20-35 words: who, what (the method sentence, clipped), headline numbers or 'not disclosed'."""
    first = text_rules.sentences(method)[0] if method else ""
    what = VERB_LEAD.sub("", FILLER.sub("", METHOD.split(first, 1)[-1] if METHOD.search(first) else first))
    what = re.sub(r"^(?:and|or)\s+\w+\s+", "", what.strip()).rstrip(".")
    rest = text_rules.sentences(method)[1:] + ([more] if more else [])
    if _words(what) < 16 and rest:
        what = f"{what}. {rest[0]}".rstrip(".")
    if not what.lower().startswith(name.lower()):
        what = f"{name}: {what}"
    tail = numbers or (
        "deployed online; exact numbers not disclosed in the abstract"
        if deployed
        else "numbers not disclosed in the abstract"
    )
    head = f"{owner} — " if owner else ""
    budget = max(10, 33 - _words(head) - _words(tail))
    line = f"{head}{_clip(what, budget)}; {tail}."
    if _words(line) < 20:
        line = f"{head}{_clip(what, budget + 8)}; {tail}."
    if _words(line) > 35:  # the longer clip found no clause break: cut at the budget
        line = f"{head}{' '.join(what.split()[:budget]).rstrip(',;:')}; {tail}."
    return line


def deep_dive(sents: list[str], limit: int = 200) -> str:
    """90-220 words of the abstract's own sentences: problem, method, components, results, deployment."""

    def priority(i: int, s: str) -> int:
        if re.search(r"\d", s) and (ONLINE.search(s) or "%" in s):
            return 0
        if METHOD.search(s) or DEPLOY.search(s):
            return 1
        if COMPONENT.search(s) or re.search(r"\d", s):
            return 2
        if PROBLEM.search(s) and i < 5:
            return 3
        return 4 + (i == 0)

    ranked = sorted(range(len(sents)), key=lambda i: (priority(i, sents[i]), i))
    chosen: list[int] = []
    total = 0
    for i in ranked:
        if total + _words(sents[i]) > limit:
            continue
        chosen.append(i)
        total += _words(sents[i])
    return " ".join(sents[i] for i in sorted(chosen))


def _undisclosed(
    insts: list[Institution],
    deployed: bool,
    online: list,
    offline: list,
    datasets: list[str],
    code: str | None,
) -> list[str]:
    out = []
    if not insts:
        out.append("institution")
    if deployed and not online:
        out.append("online metric values")
    if not online and not offline:
        out.append("numeric results")
    if not datasets:
        out.append("datasets")
    if not code:
        out.append("code")
    return out


def extract(v: dict[str, Any]) -> PaperExtraction:
    """The offline answer to extract_paper for these variables."""
    title, abstract = v.get("title") or "", v.get("abstract") or ""
    sents = text_rules.sentences(abstract)
    scope, reason = text_rules.scope_of(title, abstract)
    name = short_name(title, abstract)
    insts = institutions_of(v)
    online, offline, efficiency = metrics_of(sents)
    deployed = bool(online) or any(DEPLOY.search(NOT_LIVE.sub("", s)) and is_online(s) for s in sents)
    industrial = any(i.industrial for i in insts) or (deployed and bool(INDUSTRY.search(abstract)))
    owner = " + ".join(dict.fromkeys(i.canonical for i in insts if i.industrial)) or " + ".join(
        dict.fromkeys(i.canonical for i in insts[:2])
    )
    method = method_of(sents, name)
    found_datasets = text_rules.datasets(f"{abstract} {v.get('comment') or ''}")
    code = text_rules.code_url(abstract, v.get("comment") or "")
    exclude = {name, *(i.name for i in insts), *found_datasets}
    return PaperExtraction(
        scope=scope,
        scope_reason=reason,
        short_name=name,
        institutions=insts,
        industrial=industrial,
        deployed_online=deployed,
        platform=platform_of(sents),
        problem=problem_of(sents),
        method=method,
        key_techniques=text_rules.key_techniques(abstract, exclude, title),
        online_metrics=online,
        offline_metrics=offline,
        efficiency=efficiency,
        datasets=found_datasets,
        code_url=code,
        topics=text_rules.topics(title, abstract, scope),
        one_line=one_line(
            name, owner, method, _headline_numbers(online, offline), deployed, _after(sents, method)
        ),
        deep_dive_draft=deep_dive(sents),
        undisclosed=_undisclosed(insts, deployed, online, offline, found_datasets, code),
    )


def _headline(results: list[ResultClaim], limit: int = 3) -> str:
    """'online A/B: CTR +2.76%, GMV +3.47%' from the strongest setting that has claims."""
    for setting, label in (("online", "online A/B"), ("offline", "offline"), ("efficiency", "efficiency")):
        rows = [c for c in results if c.setting == setting][:limit]
        if rows:
            return f"{label}: " + ", ".join(f"{c.metric} {c.value}" for c in rows)
    return ""


def facts(v: dict[str, Any]) -> PaperFacts:
    """The offline answer to extract_paper v2: claims read clause by clause, institutions with evidence."""
    paper = v.get("input", v)
    title, abstract = paper.get("title") or "", paper.get("abstract") or ""
    sents = text_rules.sentences(abstract)
    scope, reason = text_rules.scope_of(title, abstract)
    name = short_name(title, abstract)
    insts = owners_of(paper)
    source = source_text(paper)
    results = claims_of([title], source) + claims_of(sents, source)
    comment = claims_of(text_rules.sentences(paper.get("comment") or ""), source)
    results += [c for c in comment if re.search(r"\d\s?(?:[KMB]\b|million|billion|%|x\b|×)", c.value)]
    deployed = any(c.setting == "online" for c in results) or any(
        DEPLOY.search(NOT_LIVE.sub("", s)) and is_online(s) for s in sents
    )
    industrial = any(i.industrial for i in insts) or (deployed and bool(INDUSTRY.search(abstract)))
    owner = " + ".join(dict.fromkeys(i.canonical for i in insts if i.industrial))
    method = method_of(sents, name)
    found_datasets = text_rules.datasets(f"{abstract} {paper.get('comment') or ''}")
    code = text_rules.code_url(abstract, paper.get("comment") or "")
    # a metric the paper reports ('Video Views') is not one of its techniques
    exclude = {name, *(i.name for i in insts), *found_datasets, *(c.metric for c in results)}
    return PaperFacts(
        scope=scope,
        scope_reason=reason,
        short_name=name,
        problem=problem_of(sents),
        contribution=method,
        key_techniques=text_rules.key_techniques(abstract, exclude, title),
        results=results,
        institutions=insts,
        industrial=industrial,
        deployed_online=deployed,
        platform=platform_of(sents),
        datasets=found_datasets,
        code_url=code,
        topics=text_rules.topics(title, abstract, scope),
        one_line=one_line(name, owner, method, _headline(results), deployed, _after(sents, method)),
    )
