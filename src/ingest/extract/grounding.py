"""Grounding: a PaperExtraction + the paper's source text -> the extraction without ungrounded claims.

`source_text(paper)` is the text every claim must occur in (title, abstract, comment, fetched
full text, affiliations). A number is grounded when its normalised form (unicode minus, thin and
no-break spaces, thousands separators, leading sign and % removed) occurs among the source's
numbers; an institution is grounded when its evidence phrase or its name occurs in the source.
`ground_extraction` checks metric/efficiency values, numbers inside the prose fields and
institutions; ungrounded items are DROPPED (a prose sentence carrying an ungrounded number is
removed) and listed in `dropped`, never silently kept. Pure functions, deterministic, no I/O.
The report verifier imports source_text / numbers_in / is_grounded: keep these names stable.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ingest.llm.contracts import PaperExtraction

ARXIV_ID = re.compile(r"(?<![\d.])(\d{4}\.\d{4,5})(?:v\d+)?(?![\d])")
NUMBER = re.compile(r"(?<![\w.])[-+]?\d[\d,]*(?:\.\d+)?")
MINUS = dict.fromkeys(map(ord, "\u2212\u2012\u2013\u2014\ufe63\uff0d"), "-")
SPACES = re.compile(r"(?<=\d)[\u2009\u202f\u00a0\u2007](?=\d{3}(?!\d))")
OTHER_SPACES = dict.fromkeys(map(ord, "\u2009\u202f\u00a0\u2007\u200b"), " ")
SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"'0-9+\-~])")
PROSE_FIELDS = ("one_line", "deep_dive_draft", "problem", "method", "scope_reason", "platform")


def _field(paper: Any, name: str) -> Any:
    if isinstance(paper, Mapping):
        return paper.get(name)
    return getattr(paper, name, None)


def source_text(paper: Any) -> str:
    """Title, abstract, comment, fetched full text and affiliations of a Paper (or a dict of them)."""
    parts = [_field(paper, k) or "" for k in ("title", "abstract", "comment", "fulltext")]
    affiliations = _field(paper, "affiliations") or []
    if isinstance(affiliations, str):
        affiliations = [affiliations]
    parts.append("; ".join(str(a) for a in affiliations))
    return "\n".join(str(p) for p in parts if p)


def normalise(text: str) -> str:
    """Unicode minus/dashes -> '-', thin/no-break spaces inside numbers removed, other odd spaces -> ' '."""
    text = text.translate(MINUS)
    text = SPACES.sub("", text)
    return text.translate(OTHER_SPACES)


def _norm_number(token: str) -> str:
    return token.replace(",", "").lstrip("+-")


def numbers_in(text: str) -> set[str]:
    """Normalised numbers of `text` ('+9.5%' -> '9.5', '1,234' -> '1234'); arXiv ids are not numbers."""
    out: set[str] = set()
    for m in NUMBER.finditer(normalise(text or "")):
        token = m.group(0).rstrip(",")
        if ARXIV_ID.fullmatch(token.lstrip("+-")):
            continue
        out.add(_norm_number(token))
    return out


def is_grounded(value: str, source: str) -> bool:
    """Every number in `value` occurs in `source` (a value without numbers is trivially grounded)."""
    return numbers_in(value) <= numbers_in(source)


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
