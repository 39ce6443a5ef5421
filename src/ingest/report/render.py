"""Report rendering: plan + written texts + computed lead -> the Markdown of REPORT_SPEC.md.

Input: a `Composition` (everything decided upstream). Output: one Markdown string with the YAML
front matter (type, status, date, slug, summary <= 2000 chars cut at a word, tags, category, icon,
password, priority, week, papers, generator) and the body in the spec's order. Pure function of its
input (the date is passed in), so the same composition renders byte-identically.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from ingest.llm.contracts import OverviewText, ReportPlan, SectionText
from ingest.report.lang import labels, ordinal_prefix
from ingest.report.select import Candidate

SUMMARY_MAX = 2000


@dataclass
class Composition:
    week: str
    lang: str
    status: str
    created: datetime
    lead: str
    plan: ReportPlan
    sections: list[SectionText]
    overview: OverviewText
    cands: dict[str, Candidate]
    digest: dict[str, str]  # arxiv_id -> digest bullet
    generator: dict = field(default_factory=dict)


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
        f"papers: {len(c.cands)}",
        f"generator: {{backend: {gen.get('backend', '')}, model: {_q(str(gen.get('model', '')))}, "
        f"prompts: {{{prompts}}}, run: {run if run is not None else 'null'}}}",
        "---",
    ]
    return "\n".join(lines)


def opening(cand: Candidate, lang: str) -> str:
    """`**GenRec** ([2604.14878](https://arxiv.org/abs/2604.14878)) — JD.`"""
    inst = cand.institution or labels(lang)["no_inst"]
    return f"**{cand.name}** ([{cand.arxiv_id}](https://arxiv.org/abs/{cand.arxiv_id})) — {inst}."


def _brief(c: Composition) -> list[str]:
    out = [f"## {labels(c.lang)['brief']}", "", c.lead, ""]
    for i, story in enumerate(c.overview.storylines[:3]):
        out += [f"{ordinal_prefix(c.lang, 'storyline', i)}{story.title.rstrip('.')}. {story.text}", ""]
    return out


def _section(c: Composition, index: int) -> list[str]:
    sec, text = c.plan.sections[index], c.sections[index]
    out = [f"## {sec.title}", "", text.intro, ""]
    bodies = {d.arxiv_id: d.body for d in text.deep_dives}
    for pid in sec.paper_ids:
        out += [f"{opening(c.cands[pid], c.lang)} {bodies.get(pid, '').strip()}".strip(), ""]
    return out + [text.synthesis, ""]


def _directions(c: Composition) -> list[str]:
    out = [f"## {labels(c.lang)['directions']}", ""]
    for i, d in enumerate(c.overview.directions[:3]):
        out += [f"{ordinal_prefix(c.lang, 'direction', i)}{d.title.rstrip('.')}. {d.text}", ""]
    return out


def digest_groups(plan: ReportPlan) -> list[tuple[str, list[str]]]:
    """Digest groups in order: one per themed section, then the supplementary/Other groups."""
    groups = [(s.title, list(s.paper_ids)) for s in plan.sections]
    return groups + [(g.title, list(g.paper_ids)) for g in plan.digest_groups]


def _digest(c: Composition) -> list[str]:
    out = [f"## {labels(c.lang)['digest']}", ""]
    for title, ids in digest_groups(c.plan):
        out += [f"### {title}", ""] + [c.digest[i] for i in ids] + [""]
    return out


def render(c: Composition) -> str:
    body = _brief(c)
    for i in range(len(c.plan.sections)):
        body += _section(c, i)
    body += _directions(c) + _digest(c)
    return front_matter(c) + "\n\n" + "\n".join(body).rstrip() + "\n"
