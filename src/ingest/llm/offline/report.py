"""Offline report writers: `answer(prompt_name, variables, schema)` for the three report prompts.

RuleBasedLLM (offline.py) dispatches every prompt other than extract_paper here. Input: the same
variables the prompt templates receive. Output: a validated instance of `schema`. Deterministic
(sorting breaks ties on ids), extractive (text is built from the stored extraction facts and fixed
templates; numbers only from the paper's own fields), so it is grounded by construction. An unknown
prompt name raises LLMOutputError.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

from ingest.errors import LLMOutputError
from ingest.facts.numbers import keep_grounded
from ingest.llm.contracts import DigestGroup, Direction, OverviewText, PlanSection, ReportPlan, Storyline
from ingest.llm.offline import section as offline_section

T = TypeVar("T", bound=BaseModel)

SHARED_PROBLEM = {
    "generative_semantic_ids": "The shared question is how semantic-ID generation carries production traffic "
    "while closing the expressiveness gap with discriminative ranking.",
    "llm_agents": "The shared question is what an LLM should actually produce inside a recommender, and at "
    "what inference cost.",
    "ranking_ctr": "The shared question is how to scale ranking models under sparse features, sparse labels "
    "and tight latency budgets.",
    "retrieval_indexing": "The shared question is how to keep candidate retrieval both cheap and expressive.",
    "multimodal": "The shared question is how to use content signals (text, image, video) without letting "
    "noisy modalities drown the collaborative signal.",
    "sequential_user_modeling": "The shared question is how to model long, noisy behaviour sequences at "
    "serving cost.",
    "debiasing_fairness": "The shared question is how to keep recommendations trustworthy: unbiased, fair "
    "and robust.",
    "evaluation_benchmarks": "The shared question is whether our offline evaluation measures what users "
    "experience.",
    "efficiency_serving": "The shared question is how to serve ever larger models within latency and cost "
    "budgets.",
    "cross_domain_cold_start": "The shared question is how to transfer knowledge to new users, items and "
    "domains.",
    "search": "The shared question is how retrieval and ranking for search carry over to recommendation.",
    "ads_auctions": "The shared question is how advertising systems balance relevance, revenue and "
    "advertiser value.",
    "other": "These papers do not share one problem; each is here for its own result.",
}


def answer(prompt_name: str, variables: dict[str, Any], schema: type[T]) -> T:
    """The offline answer to one report prompt, validated against `schema`."""
    writers = {"plan_report": plan, "write_section": offline_section.write, "write_overview": overview}
    if prompt_name not in writers:
        raise LLMOutputError(f"offline backend has no writer for prompt {prompt_name!r}")
    result = writers[prompt_name](variables)
    return schema.model_validate(result.model_dump())


def _strength(p: dict) -> tuple:
    return (-(p["industrial"] and p["online_ab"]), -p["industrial"], p["id"])


def _section_topics(deep: list[dict]) -> list[str]:
    by_topic: dict[str, list[dict]] = {}
    for p in deep:
        by_topic.setdefault(p["topic"], []).append(p)
    order = sorted(
        by_topic,
        key=lambda t: (-len(by_topic[t]), t == "other", -sum(p["online_ab"] for p in by_topic[t]), t),
    )
    chosen = [t for t in order if len(by_topic[t]) >= 2 and t != "other"][:6]
    for t in order:
        if len(chosen) >= min(3, len(order)):
            break
        if t not in chosen:
            chosen.append(t)
    return chosen


def plan(v: dict) -> ReportPlan:
    """Sections by taxonomy topic (3-6), supplementary digest groups by topic, data-driven angles."""
    deep = sorted((p for p in v["papers"] if p["deep_dive"]), key=_strength)
    topics = v["topics"]
    sections = [
        PlanSection(
            title=topics.get(t, "Other"),
            topic=t,
            shared_problem=SHARED_PROBLEM.get(t, ""),
            paper_ids=[p["id"] for p in deep if p["topic"] == t],
        )
        for t in _section_topics(deep)
    ]
    return ReportPlan(
        sections=sections,
        digest_groups=_digest_groups(v),
        storylines=[_angle(s, v["papers"]) for s in sections[:3]],
        directions=[s.title for s in sections[:3]],
    )


def _digest_groups(v: dict) -> list[DigestGroup]:
    rest = [p for p in v["papers"] if not p["deep_dive"]]
    by_topic: dict[str, list[str]] = {}
    for p in sorted(rest, key=_strength):
        by_topic.setdefault(p["topic"], []).append(p["id"])
    groups, other = [], []
    for t in sorted(by_topic, key=lambda t: (-len(by_topic[t]), t)):
        if len(by_topic[t]) >= 2 and t != "other":
            groups.append(
                DigestGroup(title=f"{v['topics'].get(t, 'Other')} (supplementary)", paper_ids=by_topic[t])
            )
        else:
            other += by_topic[t]
    if other:
        groups.append(DigestGroup(title="Other", paper_ids=other))
    return groups


def _angle(sec: PlanSection, papers: list[dict]) -> str:
    mine = [p for p in papers if p["id"] in sec.paper_ids]
    live = [p for p in mine if p["online_ab"]]
    if live:
        return f"{sec.title}: {len(live)} of {len(mine)} papers report live A/B results"
    return f"{sec.title}: {len(mine)} papers, all argued offline"


def _headline(p: dict, zh: bool) -> str:
    """'JD's GenRec reports click count +9.5%, transaction count +8.7%' from the paper's own facts."""
    who = f"{p['institution']}'s {p['name']}" if p.get("institution") and not zh else p["name"]
    if zh and p.get("institution"):
        who = f"{p['institution']} 的 {p['name']}"
    rows = p["online"][:2] or p["offline"][:2]
    figures = ", ".join(f"{r['metric']} {r['value']}".strip() for r in rows if r.get("value"))
    kind = "online" if p["online"] else "offline"
    if zh:
        return (
            f"{who} 报告{'线上' if p['online'] else '离线'} {figures}" if figures else f"{who}（未披露数字）"
        )
    return f"{who} reports {kind} {figures}" if figures else f"{who} (figures not disclosed)"


def _storyline(angle: str, sec: dict, zh: bool) -> Storyline:
    papers = sec["papers"]
    heads = [keep_grounded(_headline(p, zh) + ".", p["source"]) for p in papers[:3]]
    heads = [h for h in heads if h]
    more = [p["name"] for p in papers[3:]]
    if zh:
        tail = f"同一主题下还有 {', '.join(more)}。" if more else ""
        text = f"本周{sec['title']}方向共有 {len(papers)} 篇深度解读论文。" + " ".join(heads) + tail
    else:
        tail = f" The section also covers {', '.join(more)}." if more else ""
        text = " ".join(heads) + tail
    title = angle.split(": ", 1)[1] if ": " in angle else angle
    return Storyline(title=f"{sec['title']} — {title}" if not zh else sec["title"], text=text.strip())


def _trend_sentence(t: dict | None, zh: bool, weeks: int) -> str:
    if not t:
        return ""
    hist = [h["papers"] for h in t["history"]]
    earlier = hist[:-1]
    if zh:
        return f"过去 {weeks} 周数据库中该主题共有 {t['window_total']} 篇论文，本周 {t['this_week']} 篇。"
    if earlier and max(earlier) > 0:
        avg = sum(earlier) / len(earlier)
        word = (
            "above" if t["this_week"] > avg else "in line with" if t["this_week"] == round(avg) else "below"
        )
        return (
            f"The database holds {t['window_total']} papers on this theme over the last {len(hist)} weeks; "
            f"this week's {t['this_week']} is {word} the earlier weekly average."
        )
    return f"This is the first week with this theme in the database ({t['this_week']} papers this week)."


def _direction(title: str, sec: dict | None, trend: dict | None, zh: bool, weeks: int) -> Direction:
    papers = (sec or {}).get("papers", [])
    live = [p for p in papers if p["online"] or p.get("deployed_online")]
    names = ", ".join(p["name"] for p in papers[:4])
    if zh:
        text = f"本周相关论文：{names}。" + (f"其中 {len(live)} 篇有线上验证。" if live else "")
    else:
        lead = f"This week's evidence comes from {names}" if names else "No featured paper this week"
        focus = (
            f"; {len(live)} of {len(papers)} ran online, so teams can judge it on production numbers."
            if live
            else "; all of it is offline, so watch for the first deployment."
        )
        text = lead + focus
    return Direction(title=title, text=f"{text} {_trend_sentence(trend, zh, weeks)}".strip())


def overview(v: dict) -> OverviewText:
    """Three storylines (one per leading section) and three directions with the theme trend."""
    zh = v["lang"] == "zh"
    sections = v["sections"]
    trends = {t["title"]: t for t in v.get("trends", [])}
    stories = [_storyline(a, s, zh) for a, s in zip(v["storyline_angles"], sections, strict=False)]
    while len(stories) < 3:
        stories.append(Storyline(title="Other papers", text="The digest below lists the remaining papers."))
    dirs = []
    for i, title in enumerate(v["direction_titles"][:3]):
        sec = sections[i] if i < len(sections) else None
        dirs.append(_direction(title, sec, trends.get(sec["title"]) if sec else None, zh, v["trend_weeks"]))
    return OverviewText(storylines=stories[:3], directions=dirs)
