"""Grounding: a PaperExtraction + the paper's source text -> the extraction without ungrounded claims.

The source is facts.source.source_text(paper). A number is grounded when its normalised form
(facts.numbers) occurs among the source's numbers; an institution is grounded when its evidence
phrase or its name occurs in the source.
`ground_extraction` checks metric/efficiency values, numbers inside the prose fields and
institutions; ungrounded items are DROPPED (a prose sentence carrying an ungrounded number is
removed) and listed in `dropped`, never silently kept. Pure functions, deterministic, no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ingest.facts.numbers import normalise, numbers_in
from ingest.llm.contracts import PaperExtraction

SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"'0-9+\-~])")
PROSE_FIELDS = ("one_line", "deep_dive_draft", "problem", "method", "scope_reason", "platform")


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", normalise(text)).strip().lower()


def mentions(phrase: str, source: str) -> bool:
    """`phrase` occurs in `source` (case-insensitive, whitespace-insensitive)."""
    return bool(phrase.strip()) and _squash(phrase) in _squash(source)


@dataclass
class GroundingResult:
    extraction: PaperExtraction
    grounded_count: int = 0
    dropped: list[str] = field(default_factory=list)


@dataclass
class _Checker:
    source: str
    kept: int = 0
    dropped: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.have = numbers_in(self.source)

    def ok(self, label: str, *texts: str) -> bool:
        missing = sorted(set().union(*(numbers_in(t) for t in texts)) - self.have)
        if missing:
            self.dropped.append(f"{label}: {', '.join(missing)} not in source")
            return False
        self.kept += 1
        return True

    def prose(self, label: str, text: str) -> str:
        """`text` without its sentences that carry an ungrounded number."""
        if not text or numbers_in(text) <= self.have:
            return text
        kept = []
        for sentence in SENTENCE.split(text.strip()):
            missing = sorted(numbers_in(sentence) - self.have)
            if missing:
                self.dropped.append(f"{label} sentence: {', '.join(missing)} not in source")
            else:
                kept.append(sentence)
        return " ".join(kept)


def _ground_lists(data: dict[str, Any], check: _Checker) -> None:
    data["online_metrics"] = [
        m
        for i, m in enumerate(data["online_metrics"])
        if check.ok(f"online_metrics[{i}] {m['metric']}={m['value']}", m["metric"], m["value"], m["context"])
    ]
    data["offline_metrics"] = [
        m
        for i, m in enumerate(data["offline_metrics"])
        if check.ok(
            f"offline_metrics[{i}] {m['metric']}={m['value']}",
            m["metric"],
            m["value"],
            m["dataset"],
            m["baseline"],
        )
    ]
    data["efficiency"] = [
        e
        for i, e in enumerate(data["efficiency"])
        if check.ok(f"efficiency[{i}] {e['claim']}={e['value']}", e["claim"], e["value"])
    ]
    data["key_techniques"] = [t for t in data["key_techniques"] if check.ok(f"key_technique {t}", t)]
    data["datasets"] = [d for d in data["datasets"] if check.ok(f"dataset {d}", d)]


def _ground_institutions(data: dict[str, Any], check: _Checker) -> None:
    kept = []
    for inst in data["institutions"]:
        if mentions(inst["evidence"], check.source) or mentions(inst["name"], check.source):
            kept.append(inst)
            check.kept += 1
        else:
            check.dropped.append(f"institution {inst['name']}: neither name nor evidence in source")
    had_company = any(i["industrial"] for i in data["institutions"])
    lost_industrial = had_company and not any(i["industrial"] for i in kept)
    data["institutions"] = kept
    if lost_industrial and not data["deployed_online"]:
        data["industrial"] = False
    if not kept and "institution" not in data["undisclosed"]:
        data["undisclosed"] = [*data["undisclosed"], "institution"]


def ground_extraction(extraction: PaperExtraction, source: str) -> GroundingResult:
    """The extraction minus every claim whose numbers (or institution) the source does not contain."""
    data = extraction.model_dump()
    check = _Checker(source)
    _ground_lists(data, check)
    _ground_institutions(data, check)
    for name in PROSE_FIELDS:
        data[name] = check.prose(name, data[name])
    if not check.ok("short_name", data["short_name"]):
        data["short_name"] = re.sub(r"[\d.,%+-]+", "", data["short_name"]).strip() or "Untitled"
    if data["code_url"] and not mentions(data["code_url"], source):
        check.dropped.append(f"code_url {data['code_url']}: not in source")
        data["code_url"] = None
    cleaned = PaperExtraction.model_validate(data)
    return GroundingResult(cleaned, check.kept, check.dropped)
