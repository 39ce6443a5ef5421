"""Report prompt contracts: the pydantic models a plan_report, write_section or write_overview answer
must validate against. The fact sheet a paper's extraction answers with lives in ingest.facts.sheet.

Written for OpenAI strict structured output: every field is required, no free-form dicts.
"""

from __future__ import annotations

from pydantic import Field

from ingest.facts.sheet import Contract


class PlanSection(Contract):
    title: str = Field(description="themed section title, e.g. 'Semantic ID and Generative Recommendation'")
    topic: str = Field(description="the taxonomy topic slug this section is about, or 'other'")
    shared_problem: str = Field(description="one sentence: the problem the section's papers share")
    paper_ids: list[str] = Field(description="arXiv ids of the deep-dive papers, strongest first")


class DigestGroup(Contract):
    title: str = Field(description="digest group title, ending '(supplementary)' or 'Other'")
    paper_ids: list[str] = Field(description="arXiv ids of papers that get only a digest line")


class ReportPlan(Contract):
    """Which paper goes where: 3-6 themed sections, supplementary digest groups, angles."""

    sections: list[PlanSection]
    digest_groups: list[DigestGroup]
    storylines: list[str] = Field(description="exactly three storyline angles, one sentence each")
    directions: list[str] = Field(description="exactly three direction titles")


class DeepDive(Contract):
    arxiv_id: str
    body: str = Field(
        description="90-220 words after the opening: problem, mechanism, why it matters, "
        "results with numbers from the facts only, one comparison"
    )


class SectionText(Contract):
    """The prose of one themed section (the renderer adds each deep dive's opening)."""

    intro: str = Field(description="how many papers the section covers and the problem they share")
    deep_dives: list[DeepDive]
    synthesis: str = Field(description="closing paragraph starting 'Taken together, '")


class Storyline(Contract):
    title: str = Field(description="the storyline as a short claim, no trailing period")
    text: str = Field(description="2-5 sentences naming institutions, papers and headline numbers")


class Direction(Contract):
    title: str = Field(description="the direction as a short phrase, no trailing period")
    text: str = Field(description="2-5 sentences tied to this week's papers and the theme's trend")


class OverviewText(Contract):
    """Three storylines and three directions; the lead's counts are computed, not written."""

    storylines: list[Storyline]
    directions: list[Direction]


# ---- v2: storylines found in the week, a thesis-led overview ----


class StorylinePlan(Contract):
    """One themed section: papers sharing a thread, and which of them get a deep dive."""

    title: str = Field(description="named after the shared thread, e.g. 'Semantic IDs in ID-based ranking'")
    thread: str = Field(description="the shared technique or idea in a few words")
    rationale: str = Field(description="one sentence: why these papers belong together")
    paper_ids: list[str] = Field(description="every paper of the storyline, strongest first")
    deep_dive_ids: list[str] = Field(description="the members that get a deep dive")


class StorylineList(Contract):
    """plan_report v2: 3-5 storylines chosen from the candidate clusters (merged, split or renamed)."""

    storylines: list[StorylinePlan]


class Overview(Contract):
    """write_overview v2: the thesis that opens the brief, three storylines and three directions."""

    thesis: str = Field(description="1-2 sentences: the week's thesis from the strongest storyline's facts")
    storylines: list[Storyline]
    directions: list[Direction]
