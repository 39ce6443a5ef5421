"""Report verification: rendered Markdown + what the report must be -> rule violations (empty = publishable).

Parses the Markdown with markdown-it-py and checks REPORT_SPEC's rules: the three fixed headings, the
planned sections (3-5, none empty or called "Other"), three storylines and three directions, the
digest (every planned paper exactly once, deep dives inside it), deep dives with their own ids, every
arXiv id a paper in the database, no paper featured in an earlier published report; facts: every
number in a paper's deep dive or digest line is one of its verified claims (or of a paper it cites),
an online sentence states only online claims; numbers in the other prose are claims of the papers it
names or counts of the count model; counts: every "N papers" and "N of M" agrees with the count
model, the section or the storyline it describes, and no paragraph names more papers than it
counts; no raw HTML, no link except arXiv/DOI links; and the prose checker (report.prose).
`section_problems` / `overview_problems` check one writer answer before it is rendered (re-ask).
Pure: it reports problems and never raises on a bad report.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ingest.facts.claims import ONLINE_CUE
from ingest.facts.counts import WeekCounts
from ingest.facts.numbers import NUMBER, normalise, numbers_in
from ingest.facts.prose import markup_in
from ingest.llm.contracts import Overview, SectionText
from ingest.messages import LANGUAGES, ordinal, say
from ingest.records import ids_in
from ingest.report import prose
from ingest.report.plan import Plan
from ingest.report.select import Item

ALLOWED_LINK = re.compile(r"^https://(?:arxiv\.org/abs/\d{4}\.\d{4,5}|doi\.org/\S+)$")
LINK_SYNTAX = re.compile(
    r"(?<!\\)\[(?:[^\]\\]|\\.)*(?<!\\)\]\(([^)\s]*)"
)  # [text](target), brackets unescaped
SENTENCE = re.compile(r"(?<=[.!?;])\s+|(?<=[。；！？])")  # CJK punctuation needs no space after it
COUNT_PHRASE = re.compile(
    r"(\d+) (?:of (?:the )?(\d+) )?(?:papers?|of them)\b|(\d+) of the (\d+)\b|共 (\d+) 篇|(\d+) 篇"
)
BANNED_TITLES = frozenset({"other", "others", "其他", ""})


@dataclass
class Block:
    title: str
    paras: list[str] = field(default_factory=list)
    groups: list[tuple[str, list[str]]] = field(default_factory=list)


@dataclass
class Expected:
    plan: Plan
    items: dict[str, Item]
    counts: WeekCounts
    lookup: Callable[[str], bool]  # arxiv_id -> in the database
    claim_numbers: Callable[[str], tuple[set[str], set[str]]]  # id -> (all claim numbers, online ones)
    extra_counts: set[int] = field(default_factory=set)  # trend counts, weeks, sizes the text may state
    directions: int = 3  # the directions the week's history supports (at most 3)
    featured_before: set[str] = field(default_factory=set)
    lang: str = "en"


def parse(markdown: str) -> tuple[list[Block], list[str]]:
    """The body's `##` blocks (paragraphs, `###` digest groups with their bullets) and markup problems
    (raw HTML, links other than arXiv/DOI, images). markdown-it is imported here: a process that only
    reuses or shows a stored report never parses one."""
    from markdown_it import MarkdownIt

    body = re.sub(r"\A---\n.*?\n---\n", "", markdown, count=1, flags=re.S)
    tokens = MarkdownIt("commonmark").parse(body)
    blocks: list[Block] = []
    problems = [
        f"link to {m.group(1)}" for m in LINK_SYNTAX.finditer(body) if not ALLOWED_LINK.match(m.group(1))
    ]
    heading, in_item = None, 0
    for i, tok in enumerate(tokens):
        if tok.type in ("html_block", "html_inline"):
            problems.append(f"raw HTML: {tok.content.strip()[:60]}")
        for child in tok.children or []:
            if child.type == "html_inline":
                problems.append(f"raw HTML: {child.content[:60]}")
            elif child.type == "image":
                problems.append("an image in the report")
            elif child.type == "link_open" and not ALLOWED_LINK.match(str(child.attrs.get("href", ""))):
                href = str(child.attrs.get("href"))
                if f"link to {href}" not in problems:
                    problems.append(f"link to {href}")
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
    return blocks, problems


def _owner_numbers(exp: Expected, text: str, owner: str) -> tuple[set[str], set[str]]:
    have, online = exp.claim_numbers(owner)
    for cited in set(ids_in(text)) - {owner}:
        more, more_online = exp.claim_numbers(cited)
        have, online = have | more, online | more_online
    return have, online


NOT_ONLINE_LABELS = tuple(
    say(lang, key)
    for lang in ("en", "zh")
    for key in ("setting.offline", "setting.efficiency", "setting.other")
)


ONLINE_LABELS = tuple(say(lang, "setting.online") for lang in ("en", "zh"))


def _labelled_not_online(clause: str) -> bool:
    """A rendered claim group whose setting label says it is not online ('scale on Toutiao: deployment
    duration 9 months', 'Toutiao 规模：...'): the cue word is part of a metric name there, not a setting."""
    head = re.split(r"[:：]", clause, maxsplit=1)[0]
    if head == clause or any(label in head for label in ONLINE_LABELS):
        return False
    return any(label in head.split() or head.strip().startswith(label) for label in NOT_ONLINE_LABELS)


def number_problems(where: str, text: str, owner: str, exp: Expected) -> list[str]:
    """A paper's text: numbers must be its (or a cited paper's) verified claims; online sentences only
    online claims."""
    text = prose.plain(text)
    have, online = _owner_numbers(exp, text, owner)
    problems = [
        f"{where}: number {n} is not a verified claim of {owner}" for n in sorted(numbers_in(text) - have)
    ]
    clauses = [c for s in SENTENCE.split(text) for c in s.split(";")]  # 'online A/B: ..; scale: ..'
    for sentence in clauses:
        if ONLINE_CUE.search(sentence) and not _labelled_not_online(sentence):
            wrong = sorted((numbers_in(sentence) & have) - online)
            problems += [f"{where}: {n} stated as online but its claim is not online" for n in wrong]
    return problems


MORE = re.compile(  # the catalogue's list.more ('and 8 more', '等其余 8 篇'), every language
    "|".join(re.escape(say(lang, "list.more", n="\0").strip()).replace("\0", r"(\d+)") for lang in LANGUAGES)
)


def _counts(text: str) -> list[int]:
    out = []
    for m in COUNT_PHRASE.finditer(normalise(text)):
        out += [int(g) for g in m.groups() if g]
    return out


def _named(text: str, exp: Expected) -> set[str]:
    found = set(ids_in(text))
    low = prose.plain(text).lower()
    for pid, item in exp.items.items():  # a name stands between non-letters; CJK text may touch it
        name = item.name.lower()
        if len(name) > 2 and re.search(r"(?<![a-z0-9_-])" + re.escape(name) + r"(?![a-z0-9_-])", low):
            found.add(pid)
    return found


def prose_number_problems(where: str, text: str, exp: Expected, counts: set[int]) -> list[str]:
    """Prose outside a paper's own paragraph: numbers are claims of the papers it names, or counts."""
    text = prose.plain(text)
    have: set[str] = set()
    online: set[str] = set()
    named = _named(text, exp)
    for pid in named:
        more, more_online = exp.claim_numbers(pid)
        have, online = have | more, online | more_online
    # '13 papers (A, B, C, D, E and 8 more)': the papers a list leaves unnamed are a count too (the
    # names counted are the list's own, from its opening parenthesis; the paragraph may name others)
    stated = [c for c in _counts(MORE.sub("", text)) if c in counts]
    for m in MORE.finditer(text):
        listed = len(_named(text[text.rfind("(", 0, m.start()) + 1 : m.start()], exp))
        left = next(int(n) for n in m.groups() if n)
        if any(c - listed == left for c in stated):
            counts = counts | {left}
    allowed_counts = {str(c) for c in counts}
    problems = [
        f"{where}: number {n} is neither a claim of a paper it names nor a count"
        for n in sorted(numbers_in(text) - have - allowed_counts)
    ]
    problems += [
        f"{where}: count {n} agrees with no count of this report" for n in _counts(text) if n not in counts
    ]
    return problems


def _dives(blocks: list[Block]) -> tuple[dict[str, str], dict[str, str], list[str]]:
    dives, sections_of, prose_paras = {}, {}, []
    for block in blocks:
        for para in block.paras:
            pid = next(iter(ids_in(para[:300])), None)
            if para.startswith("**") and pid:
                dives[pid], sections_of[pid] = para, block.title
            else:
                prose_paras.append(para)
    return dives, sections_of, prose_paras


def _structure(
    blocks: list[Block], exp: Expected
) -> tuple[list[str], Block | None, Block | None, list[Block]]:
    lang = exp.lang
    titles = {b.title: b for b in blocks}
    wanted = {k: prose.plain(say(lang, f"heading.{k}")) for k in ("brief", "directions", "digest")}
    problems = [
        f"missing heading '## {t}'" for t in wanted.values() if t not in {prose.plain(x) for x in titles}
    ]
    by_plain = {prose.plain(b.title): b for b in blocks}
    brief, dirs, digest = (by_plain.get(wanted[k]) for k in ("brief", "directions", "digest"))
    themed = [b for b in blocks if b not in (brief, dirs, digest)]
    want = len(exp.plan.sections)
    if len(themed) != want or not (min(3, want) <= len(themed) <= 5):
        problems.append(f"{len(themed)} themed sections (planned {want}, want 3-5)")
    problems += [
        f"section titled '{b.title}'" for b in themed if prose.plain(b.title).strip().lower() in BANNED_TITLES
    ]
    wanted_count = {"storyline": min(3, len(exp.plan.sections)), "direction": exp.directions}
    for kind, block in (("storyline", brief), ("direction", dirs)):
        prefixes = [
            prose.plain(say(lang, f"prefix.{kind}", ordinal=ordinal(lang, i))).strip() for i in (1, 2, 3)
        ]
        got = [
            p for p in (block.paras if block else []) if any(prose.plain(p).startswith(x) for x in prefixes)
        ]
        if len(got) != wanted_count[kind]:
            problems.append(f"want {wanted_count[kind]} {kind}s, found {len(got)}")
    return problems, brief, digest, themed


def _digest_problems(digest: Block | None, exp: Expected) -> tuple[list[str], dict[str, str]]:
    problems, lines = [], {}
    for title, items in digest.groups if digest else []:
        if not items:
            problems.append(f"digest group '{title}' is empty")
        for item in items:
            pid = next(iter(ids_in(item[:300])), None)
            if pid is None:
                problems.append(f"digest group '{title}': bullet without an arXiv id")
            elif pid in lines:
                problems.append(f"digest: {pid} appears more than once")
            else:
                lines[pid] = item
    selected = exp.plan.digest
    problems += [f"digest: planned paper {p} missing" for p in selected if p not in lines]
    problems += [f"digest: {p} was not planned" for p in lines if p not in selected]
    return problems, lines


def _section_counts(themed: list[Block], exp: Expected) -> list[str]:
    problems = []
    for block, section in zip(themed, exp.plan.sections, strict=False):
        intro = next((p for p in block.paras if not p.startswith("**")), "")
        stated = _counts(intro)
        if stated and stated[0] not in (len(section.deep), len(section.members)):
            problems.append(
                f"section '{section.title}': says {stated[0]} papers, has {len(section.members)} "
                f"({len(section.deep)} deep dives)"
            )
    return problems


def _storyline_counts(brief: Block | None, exp: Expected) -> list[str]:
    problems = []
    paras = [p for p in (brief.paras if brief else [])][1:]
    for para, section in zip(paras, exp.plan.sections, strict=False):
        stated = _counts(para)
        named = len(_named(para, exp))
        if stated and stated[0] != len(section.members):
            problems.append(
                f"storyline '{section.title}': says {stated[0]} papers, has {len(section.members)}"
            )
        if stated and named > stated[0]:
            problems.append(f"storyline '{section.title}': names {named} papers but counts {stated[0]}")
    return problems


def verify(markdown: str, exp: Expected) -> list[str]:
    """Every rule violation of `markdown`, as one readable line each."""
    blocks, problems = parse(markdown)
    structure, brief, digest, themed = _structure(blocks, exp)
    problems += structure
    digest_problems, lines = _digest_problems(digest, exp)
    problems += digest_problems
    dives, _sections, prose_paras = _dives(themed)
    deep = exp.plan.deep
    problems += [f"deep dive {p} missing" for p in deep if p not in dives]
    problems += [f"deep dive {p} was not planned" for p in dives if p not in deep]
    problems += [f"deep dive {p} is not in the digest" for p in dives if p not in lines]
    problems += [
        f"{p} was featured in an earlier published report" for p in dives if p in exp.featured_before
    ]
    problems += [
        f"arXiv id {p} is not in the database" for p in sorted(set(ids_in(markdown))) if not exp.lookup(p)
    ]
    for pid, text in list(dives.items()) + list(lines.items()):
        problems += number_problems(pid, text, pid, exp)
    counts = exp.counts
    allowed = {
        counts.in_scope,
        counts.industrial,
        counts.online,
        counts.deep_dives,
        counts.adjacent,
        len(exp.plan.digest),
        *exp.extra_counts,
    }
    allowed |= {len(s.deep) for s in exp.plan.sections} | {len(s.members) for s in exp.plan.sections}
    others = prose_paras + (brief.paras if brief else [])
    others += [p for b in blocks if b.title == say(exp.lang, "heading.directions") for p in b.paras]
    for para in others:
        problems += prose_number_problems(f"paragraph '{prose.plain(para)[:40]}…'", para, exp, allowed)
    problems += _section_counts(themed, exp) + _storyline_counts(brief, exp)
    every = [p for b in blocks for p in b.paras] + list(lines.values())
    names = {pid: exp.items[pid].name for pid in set(dives) | set(lines) if pid in exp.items}
    problems += prose.check(every, dives, names)
    return problems


def section_problems(text: SectionText, deep: list[str], exp: Expected) -> list[str]:
    """One write_section answer: its deep dives are the planned ones, their numbers verified claims."""
    got = {d.arxiv_id: d.body for d in text.deep_dives}
    problems = [f"deep dive {p} missing" for p in deep if not got.get(p, "").strip()]
    problems += [f"deep dive {p} was not asked for" for p in got if p not in deep]
    for pid in deep:
        body = got.get(pid, "")
        problems += number_problems(pid, body, pid, exp)
        problems += [f"{pid}: arXiv id {c} is not in the database" for c in ids_in(body) if not exp.lookup(c)]
    listed = {len(s.members) for s in exp.plan.sections if s.deep == deep}
    for label, para in (("intro", text.intro), ("synthesis", text.synthesis)):
        problems += prose_number_problems(label, para, exp, {len(deep)} | listed | exp.extra_counts)
    everything = [text.intro, text.synthesis, *got.values()]
    problems += prose.markup_problems(everything) + prose.empty_lists(everything)
    return problems


def overview_problems(text: Overview, exp: Expected) -> list[str]:
    """One write_overview answer: three storylines and directions, numbers claims or counts."""
    problems = []
    want = (min(3, len(exp.plan.sections)), exp.directions)
    if (len(text.storylines), len(text.directions)) != want:
        problems.append(
            f"want {want[0]} storylines and {want[1]} directions, got {len(text.storylines)} and "
            f"{len(text.directions)}"
        )
    counts = exp.counts
    allowed = {counts.in_scope, counts.industrial, counts.online, counts.deep_dives, *exp.extra_counts}
    allowed |= {len(s.members) for s in exp.plan.sections} | {len(s.deep) for s in exp.plan.sections}
    paras = (
        [text.thesis]
        + [f"{s.title}. {s.text}" for s in text.storylines]
        + [f"{d.title}. {d.text}" for d in text.directions]
    )
    for para in paras:
        problems += prose_number_problems(f"overview '{para[:40]}…'", para, exp, allowed)
        if markup_in(para):
            problems.append(f"markup in overview '{para[:40]}…'")
    problems += prose.empty_lists(paras)
    return problems


def numbers_of(claims: list) -> tuple[set[str], set[str]]:
    """(numbers a text may state for these claims, those it may state in an online sentence): values,
    plus the numbers inside metric and place names ('NDCG@10', 'MovieLens-1M'), which are labels."""
    labels: set[str] = set()
    values: set[str] = set()
    online: set[str] = set()
    for c in claims:
        labels |= numbers_in(c.metric) | numbers_in(c.where)
        found = numbers_in(c.value)
        values |= found
        if c.setting == "online":
            online |= found
    return values | labels, online | labels


def bare_numbers(text: str) -> list[str]:
    """Numbers of `text` as written (for messages)."""
    return [m.group(0) for m in NUMBER.finditer(normalise(text))]
