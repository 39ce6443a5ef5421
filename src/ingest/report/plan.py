"""Report planning: selected candidates -> plan_report variables -> validated, repaired ReportPlan.

The LLM (or the offline planner) proposes sections, supplementary digest groups, three storyline
angles and three direction titles. `repair` then makes the plan valid deterministically instead of
failing: unknown ids and duplicates are dropped, deep dives missing from every section go to the
section of their topic (else the most similar one), digest-only papers go to their topic's
supplementary group (else "Other"), and storylines/directions are cut or padded to exactly three.
"""

from __future__ import annotations

from ingest.llm.contracts import DigestGroup, PlanSection, ReportPlan
from ingest.report.select import Candidate
from ingest.report.similarity import TfIdf, cosine

MAX_SECTIONS = 6
SUPPLEMENTARY = "(supplementary)"


def plan_variables(week: str, lang: str, cands: list[Candidate], topics: dict[str, dict]) -> dict:
    """What plan_report sees: one compact fact line per paper, the taxonomy, the limits."""
    papers = [
        {
            "id": c.arxiv_id,
            "name": c.name,
            "institution": c.institution or "not disclosed",
            "industrial": c.ex.industrial,
            "online_ab": c.online,
            "deployed_online": c.ex.deployed_online,
            "scope": c.ex.scope,
            "topic": c.topic,
            "topics": list(c.ex.topics),
            "deep_dive": c.deep,
            "one_line": c.ex.one_line,
            "problem": c.ex.problem,
            "techniques": list(c.ex.key_techniques),
        }
        for c in cands
    ]
    return {
        "week": week,
        "lang": lang,
        "min_sections": 3,
        "max_sections": MAX_SECTIONS,
        "topics": {slug: spec["title"] for slug, spec in topics.items()},
        "papers": papers,
    }


def _profile(c: Candidate) -> str:
    return " ".join([c.title, c.ex.problem, c.ex.contribution, " ".join(c.ex.key_techniques), c.topic])


def _closest_section(c: Candidate, sections: list[PlanSection], by_id: dict[str, Candidate]) -> PlanSection:
    for sec in sections:
        if sec.topic == c.topic:
            return sec
    space = TfIdf([_profile(x) for x in by_id.values()])
    me = space.vector(_profile(c))

    def score(sec: PlanSection) -> float:
        texts = " ".join(_profile(by_id[i]) for i in sec.paper_ids if i in by_id)
        return cosine(me, space.vector(texts + " " + sec.title))

    return max(sections, key=score)


def _fresh(ids: list[str], allowed: dict[str, Candidate], seen: set[str]) -> list[str]:
    """`ids` that are allowed and not seen yet (first occurrence wins); marks them seen."""
    out = []
    for i in ids:
        if i in allowed and i not in seen:
            seen.add(i)
            out.append(i)
    return out


def _clean_sections(plan: ReportPlan, deep: dict[str, Candidate]) -> list[PlanSection]:
    seen: set[str] = set()
    out: list[PlanSection] = []
    for sec in plan.sections:
        ids = _fresh(sec.paper_ids, deep, seen)
        if ids:
            out.append(
                PlanSection(
                    title=sec.title.strip() or "Other",
                    topic=sec.topic,
                    shared_problem=sec.shared_problem,
                    paper_ids=ids,
                )
            )
    while len(out) > MAX_SECTIONS:
        out.sort(key=lambda s: -len(s.paper_ids))
        out.pop()
    return out


def _place_missing_deep(sections: list[PlanSection], deep: dict[str, Candidate], topics: dict) -> None:
    placed = {i for s in sections for i in s.paper_ids}
    for pid, c in deep.items():
        if pid in placed:
            continue
        if not sections:
            title = topics.get(c.topic, {}).get("title", "Other")
            sections.append(PlanSection(title=title, topic=c.topic, shared_problem="", paper_ids=[pid]))
        else:
            _closest_section(c, sections, deep).paper_ids.append(pid)


def _split_to_minimum(sections: list[PlanSection], deep: dict[str, Candidate], topics: dict) -> None:
    """With 3+ deep dives, split the largest section until there are 3 (by the papers' other topics)."""
    while len(sections) < 3 and len(deep) >= 3:
        big = max(sections, key=lambda s: len(s.paper_ids))
        if len(big.paper_ids) < 2:
            return
        pid = big.paper_ids.pop()
        c = deep[pid]
        used = {s.title for s in sections}
        slugs = [t for t in [c.topic, *c.ex.topics, "other"] if topics.get(t, {}).get("title", t) not in used]
        slug = slugs[0] if slugs else "other"
        title = topics.get(slug, {}).get("title", "Other")
        if title in used:
            title = f"{title} ({c.name})"
        sections.append(PlanSection(title=title, topic=slug, shared_problem="", paper_ids=[pid]))


def _digest_groups(plan: ReportPlan, rest: dict[str, Candidate], topics: dict) -> list[DigestGroup]:
    seen: set[str] = set()
    groups: list[DigestGroup] = []
    for grp in plan.digest_groups:
        ids = _fresh(grp.paper_ids, rest, seen)
        title = grp.title.strip() or "Other"
        if title != "Other" and SUPPLEMENTARY not in title:
            title = f"{title} {SUPPLEMENTARY}"
        if ids:
            groups.append(DigestGroup(title=title, paper_ids=ids))
    for pid, c in rest.items():
        if pid in seen:
            continue
        want = f"{topics.get(c.topic, {}).get('title', 'Other')} {SUPPLEMENTARY}"
        target = next((g for g in groups if g.title == want), None)
        target = target or next((g for g in groups if g.title == "Other"), None)
        if target is None:
            target = DigestGroup(title="Other", paper_ids=[])
            groups.append(target)
        target.paper_ids.append(pid)
    return [g for g in groups if g.paper_ids]


def _three(items: list[str], fallback: list[str]) -> list[str]:
    out = [s.strip() for s in items if s.strip()][:3]
    for extra in fallback:
        if len(out) >= 3:
            break
        if extra not in out:
            out.append(extra)
    while len(out) < 3:
        out.append(f"Theme {len(out) + 1}")
    return out


def repair(plan: ReportPlan, cands: list[Candidate], topics: dict[str, dict]) -> tuple[ReportPlan, list[str]]:
    """A valid plan for exactly these candidates, and notes on what had to be repaired."""
    deep = {c.arxiv_id: c for c in cands if c.deep}
    rest = {c.arxiv_id: c for c in cands if not c.deep}
    notes = [
        f"plan: unknown id {i} dropped"
        for s in plan.sections
        for i in s.paper_ids
        if i not in deep and i not in rest
    ]
    sections = _clean_sections(plan, deep)
    _place_missing_deep(sections, deep, topics)
    _split_to_minimum(sections, deep, topics)
    groups = _digest_groups(plan, rest, topics)
    titles = [s.title for s in sections]
    fixed = ReportPlan(
        sections=sections,
        digest_groups=groups,
        storylines=_three(plan.storylines, titles),
        directions=_three(plan.directions, titles),
    )
    return fixed, notes
