"""The fact sheet of a paper: what prompt extract_paper answers and what the database keeps of it.

`PaperFacts` (extract_paper v2 and later): scope, short name, problem and contribution, named
techniques, result claims and institution claims with their evidence, flags, datasets, topics and a
one-line summary. `PaperExtraction` is the v1 answer (kept so a pinned v1 still validates; it is
converted to PaperFacts before it is stored). Written for OpenAI strict structured output: every
field is required ("" / [] / null for "not stated"), no free-form dicts. Topics are the slugs of
ingest/data/topics.json (a test checks the literal against the file).
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
    """An LLM contract: unknown fields are rejected."""

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


Setting = Literal["online", "offline", "efficiency", "other"]
ChangeDirection = Literal["increase", "decrease", "none"]
SETTINGS: tuple[str, ...] = ("online", "offline", "efficiency", "other")


class ResultClaim(Contract):
    """One number the paper states as a fact, with the words around it that make it true."""

    metric: str = Field(description="short noun phrase: 'CTR', 'GMV', 'Recall@20', 'p99 latency'")
    value: str = Field(description="exactly as written; a range keeps both ends: '+2.76%', '8-9x'")
    direction: ChangeDirection
    setting: Setting = Field(description="online | offline | efficiency | other (scale, splits, counts)")
    where: str = Field(description="platform or dataset named for it, '' when none")
    evidence: str = Field(description="the shortest verbatim clause of the source holding value and metric")


class InstitutionClaim(Contract):
    """An organisation of the authors (never a vendor whose model or hardware is only used)."""

    name: str = Field(description="as written in the source, e.g. 'Taobao'")
    canonical: str = Field(description="the organisation, e.g. 'Alibaba'")
    industrial: bool = Field(description="a company (true) or a university/lab (false)")
    evidence: str = Field(description="verbatim affiliation, comment or sentence saying it is the authors'")


class PaperFacts(Contract):
    """extract_paper v2: the fact sheet of one paper; every number and institution is a claim."""

    scope: Scope
    scope_reason: str
    short_name: str
    problem: str
    contribution: str = Field(description="what is new, with its named parts, 1-2 sentences")
    key_techniques: list[str] = Field(max_length=6)
    results: list[ResultClaim]
    institutions: list[InstitutionClaim]
    industrial: bool
    deployed_online: bool
    platform: str
    datasets: list[str]
    code_url: str | None
    topics: list[Topic] = Field(min_length=1, max_length=3)
    one_line: str = Field(description="20-35 words: who, what, headline results with metric and setting")

    def claims_in(self, setting: str) -> list[ResultClaim]:
        """The result claims of one setting (online | offline | efficiency | other), in order."""
        return [c for c in self.results if c.setting == setting]
