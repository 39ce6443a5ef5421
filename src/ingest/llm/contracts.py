"""LLM contracts: pydantic models an LLM answer must validate against (extraction, report plan, texts).

Written for OpenAI strict structured output: every field is required (use "" / [] / null for
"not stated"), no free-form dicts. The same models validate RuleBasedLLM answers, so both backends
store identical shapes. Topics come from the shipped taxonomy (ingest/data/topics.json).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Scope = Literal["recsys", "adjacent", "out_of_scope"]
Topic = Literal[
    "generative_semantic_ids",
    "llm_agents",
    "ranking_ctr",
    "retrieval_indexing",
    "multimodal",
    "sequential_user_modeling",
    "debiasing_fairness",
    "evaluation_benchmarks",
    "efficiency_serving",
    "cross_domain_cold_start",
    "search",
    "ads_auctions",
    "other",
]
TOPICS: tuple[str, ...] = Topic.__args__  # type: ignore[attr-defined]


class Contract(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Institution(Contract):
    name: str = Field(description="the institution as written in the source, e.g. 'Taobao & Tmall Group'")
    canonical: str = Field(description="canonical organisation, e.g. 'Alibaba'")
    industrial: bool = Field(description="a company (true) or a university/lab (false)")
    evidence: str = Field(description="the exact source phrase naming it")


class OnlineMetric(Contract):
    metric: str = Field(description="business metric of a live A/B test, e.g. 'click count'")
    value: str = Field(description="value exactly as written in the source, e.g. '+9.5%'")
    context: str = Field(description="where/how measured, e.g. 'month-long A/B in the JD App'")


class OfflineMetric(Contract):
    metric: str = Field(description="e.g. 'HR@50', 'NDCG@10', 'AUC'")
    value: str = Field(description="value exactly as written in the source, e.g. '22.6%'")
    dataset: str = Field(description="dataset or benchmark, '' when not stated")
    baseline: str = Field(description="compared against, '' when not stated")


class EfficiencyClaim(Contract):
    claim: str = Field(description="e.g. 'inference latency reduced'")
    value: str = Field(description="value exactly as written, '' when none")


class PaperExtraction(Contract):
    """Structured, source-grounded facts about one paper."""

    scope: Scope = Field(
        description="recsys | adjacent (search, ads, IR a recsys engineer should see) | out_of_scope"
    )
    scope_reason: str
    short_name: str = Field(description="the paper's own short name (e.g. 'GenRec'), else a 2-4 word label")
    institutions: list[Institution]
    industrial: bool = Field(description="at least one company is an author or the system runs at a company")
    deployed_online: bool = Field(description="the source reports a live deployment or online A/B test")
    platform: str = Field(description="product/scenario, e.g. 'JD App search', '' when not stated")
    problem: str
    method: str
    key_techniques: list[str] = Field(max_length=6)
    online_metrics: list[OnlineMetric]
    offline_metrics: list[OfflineMetric]
    efficiency: list[EfficiencyClaim]
    datasets: list[str]
    code_url: str | None
    topics: list[Topic] = Field(min_length=1, max_length=3)
    one_line: str = Field(description="one digest line, 20-35 words, with the headline numbers")
    deep_dive_draft: str = Field(description="90-220 words: problem, mechanism, results with numbers")
    undisclosed: list[str] = Field(
        description="what the source does not state, e.g. 'institution', 'online numbers'"
    )


# ---- weekly report contracts (plan_report, write_section, write_overview) ----


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
