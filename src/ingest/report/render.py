"""Report rendering: a Composition (everything decided upstream) -> the Markdown of REPORT_SPEC.md.

Output: YAML front matter (type, status, date, slug, summary <= 2000 chars cut at a word, tags,
category, icon, password, priority, week, papers, generator) and the body: the brief (thesis + the
count model's sentence, three storylines), one section per storyline (intro, deep dives, synthesis),
three directions, the digest. Every text that comes from a paper or a writer is escaped for Markdown
here (`esc`): no raw HTML, no link or image syntax, no newline inside a name or heading; the only
links are the arXiv links this module writes. Pure (the date is passed in): the same composition
renders byte-identically.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime

from ingest.facts.prose import clean
from ingest.messages import ordinal, say
from ingest.report.plan import Plan
from ingest.report.select import Item

SUMMARY_MAX = 2000
ESCAPED = re.compile(r"([\\`*\[\]<>#|!])")


@dataclass
class Composition:
    week: str
    lang: str
    status: str
    created: datetime
    lead: str  # thesis + counts
    plan: Plan
    sections: dict[
        str, tuple[str, dict[str, str], str]
    ]  # section key -> (intro, id -> deep dive body, synthesis)
    storylines: list[tuple[str, str]]  # (title, text) x 3
    directions: list[tuple[str, str]]  # (title, text) x 3
    items: dict[str, Item]
    digest: dict[str, str]  # arxiv_id -> digest line body
    generator: dict = field(default_factory=dict)


def esc(text: str) -> str:
    """Untrusted text as inert Markdown inline text: HTML tags and LaTeX removed (facts.prose.clean),
    one line, Markdown and HTML syntax escaped."""
    return ESCAPED.sub(r"\\\1", clean(str(text)))


def cut_at_word(text: str, limit: int = SUMMARY_MAX) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"


def _q(value: str) -> str:
    """A YAML double-quoted scalar (JSON string syntax is valid YAML)."""
    return json.dumps(value, ensure_ascii=False)


def front_matter(c: Composition) -> str:
    gen = c.generator
    prompts = ", ".join(f"{k}: {v}" for k, v in sorted(gen.get("prompts", {}).items()))
    run = gen.get("run")
    fallback = gen.get("offline_sections") or []
    extra = f", offline_sections: [{', '.join(fallback)}]" if fallback else ""
    lines = [
        "---",
        "type: Post",
        f"status: {c.status}",
        f"date: {c.created:%Y-%m-%d %H:%M}",
        f"slug: rec-weekly-{c.lang}-{c.week}",
        f"summary: {_q(cut_at_word(c.lead))}",
        "tags: [Recommendation Systems, Weekly, Papers]",
        "category: Rec Tech Report",
        "icon: 📚",
        'password: ""',
        "priority: 1",
        f"week: {c.week}",
        f"papers: {len(c.plan.digest)}",
        f"generator: {{backend: {gen.get('backend', '')}, model: {_q(str(gen.get('model', '')))}, "
        f"prompts: {{{prompts}}}, run: {run if run is not None else 'null'}{extra}}}",
        "---",
    ]
    return "\n".join(lines)


CJK_GAP = re.compile(r"([。；：！？，、）])[ \t]+(?=\S)")


def link(arxiv_id: str) -> str:
    return f"[{arxiv_id}](https://arxiv.org/abs/{arxiv_id})"


def opening(item: Item, lang: str) -> str:
    """`**GenRec** ([2604.14878](https://arxiv.org/abs/2604.14878)) — JD.`; without a verified
    institution only the name and link (an unknown institution is not news, and not repeated)."""
    inst = f" — {esc(item.institution)}" if item.institution else ""
    return f"**{esc(item.name)}** ({link(item.arxiv_id)}){inst}{say(lang, 'end')}"


def _brief(c: Composition) -> list[str]:
    out = [f"## {say(c.lang, 'heading.brief')}", "", esc(c.lead), ""]
    for i, (title, text) in enumerate(c.storylines[:3], start=1):
        prefix = say(c.lang, "prefix.storyline", ordinal=ordinal(c.lang, i))
        out += [f"{prefix}{esc(title).rstrip('.')}{say(c.lang, 'end')} {esc(text)}", ""]
    return out


def _section(c: Composition, index: int) -> list[str]:
    sec = c.plan.sections[index]
    intro, dives, synthesis = c.sections[sec.key]
    out = [f"## {esc(sec.title)}", "", esc(intro), ""]
    for pid in sec.deep:
        out += [f"{opening(c.items[pid], c.lang)} {esc(dives.get(pid, ''))}".strip(), ""]
    return out + [esc(synthesis), ""]


def _directions(c: Composition) -> list[str]:
    out = [f"## {say(c.lang, 'heading.directions')}", ""]
    if not c.directions:
        out += [say(c.lang, "direction.none"), ""]
    for i, (title, text) in enumerate(c.directions[:3], start=1):
        prefix = say(c.lang, "prefix.direction", ordinal=ordinal(c.lang, i))
        out += [f"{prefix}{esc(title).rstrip('.')}{say(c.lang, 'end')} {esc(text)}", ""]
    return out


def digest_bullet(item: Item, body: str) -> str:
    return f"- **{esc(item.name)}** ({link(item.arxiv_id)}) — {esc(body)}"


def _digest(c: Composition) -> list[str]:
    out = [f"## {say(c.lang, 'heading.digest')}", ""]
    for title, ids in c.plan.groups:
        out += [f"### {esc(title)}", ""] + [digest_bullet(c.items[i], c.digest[i]) for i in ids] + [""]
    return out


def render(c: Composition) -> str:
    body = _brief(c)
    for i in range(len(c.plan.sections)):
        body += _section(c, i)
    body += _directions(c) + _digest(c)
    if c.lang == "zh":  # Chinese sets no space after its full-width stops ('。 结果' -> '。结果')
        body = [CJK_GAP.sub(r"\1", line) for line in body]
    return front_matter(c) + "\n\n" + "\n".join(body).rstrip() + "\n"
