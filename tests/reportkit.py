"""Helpers for report tests: the parsed parts of a rendered report (deep dives, digest, sections)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.records import ids_in
from ingest.report.prose import plain
from ingest.report.verify import parse


@dataclass
class Parsed:
    brief: list[str]
    sections: dict[str, list[str]]  # title -> paragraphs
    directions: list[str]
    digest: dict[str, list[str]]  # group title -> bullets
    dives: dict[str, str] = field(default_factory=dict)  # arxiv id -> deep-dive paragraph
    section_of: dict[str, str] = field(default_factory=dict)  # arxiv id -> section title (deep dives)
    group_of: dict[str, str] = field(default_factory=dict)  # arxiv id -> digest group


def parts(markdown: str) -> Parsed:
    blocks, _problems = parse(markdown)
    brief, *themed, directions, digest = blocks
    out = Parsed(brief.paras, {b.title: b.paras for b in themed}, directions.paras, dict(digest.groups))
    for block in themed:
        for para in block.paras:
            if para.startswith("**"):
                pid = ids_in(para[:300])[0]
                out.dives[pid] = plain(para)
                out.section_of[pid] = block.title
    for title, bullets in digest.groups:
        for bullet in bullets:
            out.group_of[ids_in(bullet[:300])[0]] = title
    return out


def front_matter(markdown: str) -> dict[str, str]:
    head = markdown.split("\n---\n", 1)[0]
    return dict(re.findall(r"^(\w+): (.*)$", head, re.M))
