"""Offline result claims: an abstract's sentences -> ResultClaims read clause by clause.

Input: the sentences of the paper's text. Output: one ResultClaim per number the text states as a
fact, each with the clause it was read from as its evidence (a verbatim piece of the sentence).
Per value: the metric is the noun phrase that governs the number in its own clause (metrics.py's
rules, then a known metric name of the clause); the setting comes from that clause's cue words
(online A/B, deployment, production -> online; latency, throughput, compute, faster -> efficiency;
traffic splits, data and user counts, scale-ups -> other; else offline); a range or "from A to B"
stays one value; the direction comes from the clause's reduction or increase words. A value whose
metric cannot be named is left out rather than guessed. Pure and deterministic.
"""

from __future__ import annotations

import re

from ingest.facts.claims import DECREASE_CUE, INCREASE_CUE, metric_problem
from ingest.facts.sheet import ResultClaim
from ingest.llm.offline.metrics import EFFICIENCY, FUTURE, OFFLINE_CUE, ONLINE, metric_name, values_in

CLAUSE_BREAK = re.compile(
    r";\s+|,\s+(?=(?:while|whereas|with|and|but|yielding|achieving|reducing|improving)\b)|"
    r"\s+(?:while|whereas)\s+|\s+--\s+|\s+—\s+"
)
SCALE = re.compile(
    r"\bof (?:the )?(?:online )?(?:traffic|users|requests|impressions|sessions)\b|\btraffic\b.{0,20}$|"
    r"\b(?:larger|more|bigger) (?:training )?(?:data|dataset|corpus|model)|\bscal\w+ (?:up|to)\b|"
    r"\b(?:billion|million|thousand)s?\b|\b(?:users|items|samples|interactions|queries|papers|parameters)\b",
    re.IGNORECASE,
)
RANGE_VALUE = re.compile(
    r"(?<![\w.@])(?:from\s+)?[+\-−]?\d[\d,]*(?:\.\d+)?\s?(?:%|x|×|pp)?\s?(?:-|–|to|~)\s?[+\-−]?\d[\d,]*(?:\.\d+)?"
    r"\s?(?:%|x|×|-fold|pp|times)?(?![\w.])",
    re.IGNORECASE,
)
FAST = re.compile(r"\bfaster\b|\bspeed-?up\b|\bspeeds? up\b|\baccelerat\w*", re.IGNORECASE)


def clauses(sentence: str) -> list[tuple[int, int]]:
    """(start, end) spans of the sentence's clauses."""
    spans, start = [], 0
    for m in CLAUSE_BREAK.finditer(sentence):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(sentence)))
    return [(a, b) for a, b in spans if b > a]


def _span_of(spans: list[tuple[int, int]], at: int) -> tuple[int, int]:
    return next(((a, b) for a, b in spans if a <= at < b), (0, 0))


def setting_of(clause: str, before: str, carried: bool, metric: str) -> str:
    """online | efficiency | other | offline for a value in `clause` (`before`: the sentence up to it)."""
    if EFFICIENCY.search(metric) or EFFICIENCY.search(clause) or FAST.search(clause):
        return "efficiency"
    if SCALE.search(clause) and not re.search(r"\bimprov|\bgain|\blift|\bincreas", clause, re.I):
        return "other"
    if FUTURE.search(clause):
        return "other"
    if ONLINE.search(clause) or ONLINE.search(before):
        return "online"
    if carried and not OFFLINE_CUE.search(clause):
        return "online"
    return "offline"


def direction_of(clause: str, value: str) -> str:
    if value.strip().startswith(("-", "−")) or (
        DECREASE_CUE.search(clause) and not INCREASE_CUE.search(clause)
    ):
        return "decrease"
    if value.strip().startswith("+") or INCREASE_CUE.search(clause) or FAST.search(clause):
        return "increase"
    return "none"


def _where(clause: str) -> str:
    m = re.search(
        r"\b(?:on|in|at|across)\s+(?:the\s+)?((?:[A-Z][\w.'’-]*)(?:\s+[A-Z0-9][\w.'’-]*){0,3})", clause
    )
    return m.group(1).rstrip(".,") if m else ""


def _metric(sentence: str, clause_text: str, m: re.Match[str], setting: str) -> str:
    name = metric_name(sentence, m).strip()
    if setting == "efficiency" and FAST.search(clause_text) and not EFFICIENCY.search(name):
        return "speed"
    if name == "improvement" or metric_problem(name):
        return ""
    return name


def claims_of(sentences: list[str]) -> list[ResultClaim]:
    """Every number the sentences state as a fact, with metric, setting, direction and evidence."""
    out: list[ResultClaim] = []
    seen: set[tuple[str, str]] = set()
    carried = False
    for sentence in sentences:
        spans = clauses(sentence)
        taken: list[tuple[int, int]] = []
        ranges = [
            r
            for r in RANGE_VALUE.finditer(sentence)
            if re.search(r"\d\s?(?:-|–|to|~)\s?[+\-−]?\d", r.group(0))
        ]
        found = values_in(sentence)
        for m in [*ranges, *found]:
            if any(a <= m.start() < b for a, b in taken):
                continue
            taken.append((m.start(), m.end()))
            a, b = _span_of(spans, m.start())
            clause_text = sentence[a:b]
            value = m.group(0).replace("\\%", "%").strip()
            setting = setting_of(clause_text, sentence[: m.start()], carried, "")
            metric = _metric(sentence, clause_text, m, setting)
            if not metric or (metric, value) in seen:
                continue
            setting = setting_of(clause_text, sentence[: m.start()], carried, metric)
            seen.add((metric, value))
            evidence = clause_text.strip().rstrip(".,;")
            out.append(
                ResultClaim(
                    metric=metric,
                    value=value,
                    direction=direction_of(clause_text, value),  # type: ignore[arg-type]
                    setting=setting,  # type: ignore[arg-type]
                    where=_where(clause_text),
                    evidence=evidence,
                )
            )
        carried = bool(ONLINE.search(sentence)) and not found and not FUTURE.search(sentence)
    return out
