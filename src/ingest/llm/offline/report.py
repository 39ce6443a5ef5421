"""Offline report writers: `answer(prompt_name, variables, schema)` for plan_report, write_section and
write_overview (v2), behind the same seam as an LLM.

plan_report: the candidate storylines the rules propose, unchanged (the rules already chose them).
write_section: section.write (the analyst's brief). write_overview: the thesis, drawn from the
strongest storyline's verified claims; three storylines naming their papers and headline claims;
three directions worded from the trend counts the report computed from the database (with no trend
claim on too little history). Fixed strings come from the message catalogue. Deterministic; an
unknown prompt raises LLMOutputError.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

from ingest.errors import LLMOutputError
from ingest.facts.sheet import ResultClaim
from ingest.facts.wording import claim_text
from ingest.llm.contracts import Direction, Overview, Storyline, StorylineList, StorylinePlan
from ingest.llm.offline import section
from ingest.messages import join, say

T = TypeVar("T", bound=BaseModel)


def answer(prompt_name: str, variables: dict[str, Any], schema: type[T]) -> T:
    """The offline answer to one report prompt, validated against `schema`."""
    writers = {"plan_report": plan, "write_section": section.write, "write_overview": overview}
    if prompt_name not in writers:
        raise LLMOutputError(f"offline backend has no writer for prompt {prompt_name!r}")
    data = variables.get("input", variables)  # the fake server recovers only the <input> part
    return schema.model_validate(writers[prompt_name](data).model_dump())


def plan(v: dict[str, Any]) -> StorylineList:
    """The rule plan's storylines (those with deep dives), as proposed."""
    return StorylineList(
        storylines=[
            StorylinePlan(
                title=c["title"],
                thread=c["thread"],
                rationale="",
                paper_ids=c["paper_ids"],
                deep_dive_ids=c["deep_dive_ids"],
            )
            for c in v["candidate_storylines"]
            if c["deep_dive_ids"]
        ]
    )


def _claims(rows: list[dict[str, Any]]) -> list[ResultClaim]:
    return [
        ResultClaim(**{k: r[k] for k in ("metric", "value", "direction", "setting", "where", "evidence")})
        for r in rows
    ]


def _who(p: dict[str, Any], lang: str) -> str:
    companies = p.get("companies") or []
    return say(lang, "possessive", inst=companies[0], name=p["name"]) if companies else p["name"]


def _fact(p: dict[str, Any], lang: str, limit: int = 2) -> str:
    claims = _claims(p["claims"])
    headline = [c for c in claims if c.setting == "online"] or [c for c in claims if c.setting == "offline"]
    text = claim_text(headline, lang, limit)
    if text:
        return say(lang, "fact.paper_claims", who=_who(p, lang), claims=text)
    return say(lang, "fact.paper_no_numbers", who=_who(p, lang), no_numbers=say(lang, "no_numbers"))


def thesis(v: dict[str, Any]) -> str:
    lang = v["lang"]
    stories = v["storylines"]
    if not stories:
        return ""
    lead = stories[0]
    facts = _fact(lead["members"][0], lang) if lead["members"] else ""
    online = any(c["setting"] == "online" for p in lead["members"] for c in p["claims"])
    key = "lead.thesis" if online else "lead.thesis_offline"
    return say(lang, key, thread=lead["thread"] or lead["title"], facts=facts)


def _storyline(s: dict[str, Any], lang: str) -> Storyline:
    facts = say(lang, "sep.clause").join(_fact(p, lang) for p in s["members"][:3])
    return Storyline(title=s["title"], text=say(lang, "storyline.body", papers=s["papers"], facts=facts))


def _direction(d: dict[str, Any], lang: str, cited: set[str]) -> Direction:
    """One direction; its evidence is a paper with claims not cited before in the overview (`cited`
    grows), so no fact sentence is printed twice."""
    shown = [p["name"] for p in d["papers"][:5]]
    more = len(d["papers"]) - len(shown)
    names = (
        say(lang, "sep.list").join(shown) + say(lang, "list.more", n=more) if more > 0 else join(lang, shown)
    )
    if d["enough_history"]:
        history = say(lang, "sep.list").join(str(h["papers"]) for h in d["history"])
        text = say(
            lang, "direction.body", count=d["count"], names=names, history=history, weeks=d["earlier_weeks"]
        )
        if d["count"] > d["mean"]:
            text += say(lang, "direction.rise", mean=f"{d['mean']:g}")
    elif d["earlier_weeks"]:
        text = say(lang, "direction.thin", count=d["count"], names=names, weeks=d["earlier_weeks"])
    else:
        text = say(lang, "direction.first", count=d["count"], names=names)
    online = [p for p in d["papers"] if p["claims"] and p["id"] not in cited]
    if online:
        text += say(lang, "direction.evidence", fact=_fact(online[0], lang, 1))
        cited.add(online[0]["id"])
    return Direction(title=d["title"], text=text)


def overview(v: dict[str, Any]) -> Overview:
    """Thesis, three storylines, three directions (see module doc)."""
    lang = v["lang"]
    cited = {p["id"] for s in v["storylines"][:3] for p in s["members"][:3]}
    return Overview(
        thesis=thesis(v),
        storylines=[_storyline(s, lang) for s in v["storylines"][:3]],
        directions=[_direction(d, lang, cited) for d in v["directions"][:3]],
    )
