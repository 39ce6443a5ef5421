"""Report verification: rendered Markdown + the selection -> rule violations (empty = publishable).

Parses the Markdown with markdown-it-py (structure, not substrings) and checks REPORT_SPEC's rules:
required headings, 1-6 themed sections, exactly three storylines and directions, every selected
paper exactly once in the digest, deep dives inside the digest and carrying their own id, every
arXiv id a paper in the database, every number attributed to a paper present in that paper's source
(or a cited paper's), no paper featured in an earlier published report featured again.
Pure: it reports problems and never raises on a bad report.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from markdown_it import MarkdownIt

from ingest.facts.numbers import NUMBER, normalise, numbers_in
from ingest.records import ids_in
from ingest.report.lang import labels, ordinal_prefix

COUNT_SUFFIX = re.compile(r"\s*(%|x\b|×|pp\b|倍)")


@dataclass
class Block:
    title: str
    paras: list[str] = field(default_factory=list)
    groups: list[tuple[str, list[str]]] = field(default_factory=list)


@dataclass
class Expected:
    selected: list[str]
    deep: list[str]
    names: dict[str, str]  # arxiv_id -> short name (to attribute numbers in prose)
    lookup: Callable[[str], str | None]  # arxiv_id -> source text, None when not in the database
    featured_before: set[str] = field(default_factory=set)
    lang: str = "en"


def parse(markdown: str) -> list[Block]:
    """The body's `##` blocks with their paragraphs and `###` digest groups (bullets)."""
    body = re.sub(r"\A---\n.*?\n---\n", "", markdown, count=1, flags=re.S)
    tokens = MarkdownIt("commonmark").parse(body)
    blocks: list[Block] = []
    heading, in_item = None, 0
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open":
            heading = tok.tag
        elif tok.type == "inline" and heading:
            if heading == "h2":
                blocks.append(Block(tok.content.strip()))
            elif heading == "h3" and blocks:
                blocks[-1].groups.append((tok.content.strip(), []))
            heading = None
        elif tok.type == "list_item_open":
            in_item += 1
        elif tok.type == "list_item_close":
            in_item -= 1
        elif tok.type == "inline" and blocks and tokens[i - 1].type == "paragraph_open":
            if in_item and blocks[-1].groups:
                blocks[-1].groups[-1][1].append(tok.content.strip())
            elif not in_item:
                blocks[-1].paras.append(tok.content.strip())
    return blocks


def _counts_only(text: str) -> set[str]:
    """Bare integers (counts like '5 papers'), not percentages or multipliers."""
    out = set()
    text = normalise(text)
    for m in NUMBER.finditer(text):
        tok = m.group(0)
        if "." in tok or tok[0] in "+-" or COUNT_SUFFIX.match(text, m.end()):
            continue
        out.add(tok.replace(",", ""))
    return out


def _number_problems(where: str, text: str, owners: list[str], exp: Expected, counts_ok: bool) -> list[str]:
    have: set[str] = set()
    for pid in owners:
        have |= numbers_in(exp.lookup(pid) or "")
    bad = numbers_in(text) - have - (_counts_only(text) if counts_ok else set())
    return [
        f"{where}: number {n} not in the source of {', '.join(owners) or 'any cited paper'}"
        for n in sorted(bad)
    ]


def _mentioned(text: str, exp: Expected) -> list[str]:
    found = list(dict.fromkeys(ids_in(text)))
    low = text.lower()
    for pid, name in exp.names.items():
        if (
            pid not in found
            and len(name) > 2
            and re.search(r"(?<![\w-])" + re.escape(name.lower()) + r"(?![\w-])", low)
        ):
            found.append(pid)
    return found


def _structure(
    blocks: list[Block], exp: Expected
) -> tuple[list[str], Block | None, list[Block], Block | None]:
    lab = labels(exp.lang)
    by_title = {b.title: b for b in blocks}
    problems = [
        f"missing heading '## {lab[k]}'" for k in ("brief", "directions", "digest") if lab[k] not in by_title
    ]
    brief, dirs, digest = (by_title.get(lab[k]) for k in ("brief", "directions", "digest"))
    themed = [b for b in blocks if b not in (brief, dirs, digest)]
    low = 3 if len(exp.deep) >= 3 else 1 if exp.deep else 0
    if not low <= len(themed) <= 6:
        problems.append(f"{len(themed)} themed sections (want {low}-6)")
    for kind, block in (("storyline", brief), ("direction", dirs)):
        prefixes = [ordinal_prefix(exp.lang, kind, i).strip() for i in range(3)]
        got = [p for p in (block.paras if block else []) if any(p.startswith(x) for x in prefixes)]
        if len(got) != 3 or any(not any(p.startswith(x) for p in got) for x in prefixes):
            problems.append(f"want exactly three {kind}s (one, two, three), found {len(got)}")
    return problems, brief, themed, digest


def _digest_problems(digest: Block | None, exp: Expected) -> tuple[list[str], dict[str, str]]:
    problems, lines = [], {}
    for title, items in digest.groups if digest else []:
        for item in items:
            pid = next(iter(ids_in(item[:200])), None)
            if pid is None:
                problems.append(f"digest group '{title}': bullet without an arXiv id")
            elif pid in lines:
                problems.append(f"digest: {pid} appears more than once")
            else:
                lines[pid] = item
    problems += [f"digest: selected paper {p} missing" for p in exp.selected if p not in lines]
    problems += [f"digest: {p} was not selected" for p in lines if p not in exp.selected]
    return problems, lines


def _deep_dives(themed: list[Block]) -> tuple[dict[str, str], list[str]]:
    dives, prose = {}, []
    for block in themed:
        for para in block.paras:
            pid = next(iter(ids_in(para[:200])), None)
            if para.startswith("**") and pid:
                dives[pid] = para
            else:
                prose.append(para)
    return dives, prose


def verify(markdown: str, exp: Expected) -> list[str]:
    """Every rule violation of `markdown`, as one readable line each."""
    blocks = parse(markdown)
    problems, brief, themed, digest = _structure(blocks, exp)
    digest_problems, lines = _digest_problems(digest, exp)
    problems += digest_problems
    dives, prose = _deep_dives(themed)
    problems += [f"deep dive {p} missing" for p in exp.deep if p not in dives]
    problems += [f"deep dive {p} was not planned" for p in dives if p not in exp.deep]
    problems += [f"deep dive {p} is not in the digest" for p in dives if p not in lines]
    problems += [
        f"{p} was featured in an earlier published report" for p in dives if p in exp.featured_before
    ]
    all_ids = set(ids_in(markdown))
    problems += [f"arXiv id {p} is not in the database" for p in sorted(all_ids) if exp.lookup(p) is None]
    for pid, text in list(dives.items()) + list(lines.items()):
        problems += _number_problems(
            pid, text, list(dict.fromkeys([pid, *ids_in(text)])), exp, counts_ok=False
        )
    others = prose + [
        p for b in blocks if b in (brief,) or b.title == labels(exp.lang)["directions"] for p in b.paras
    ]
    for para in others:
        problems += _number_problems(
            f"paragraph '{para[:40]}…'", para, _mentioned(para, exp), exp, counts_ok=True
        )
    return problems
