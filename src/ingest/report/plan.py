"""The report plan: ranked, clustered items -> sections (storylines with their deep dives) and digest groups.

Input: the Week (scored items), its storylines (strongest first), pairwise similarities and the
attention scores. `rule_plan` builds the plan the rules propose: sections are the storylines that
hold a paper scoring MUST_SCORE or more (online results on a named platform, say; such a paper is
always a deep dive, joining the most similar section when its own storyline is not one; a paper
scoring JOIN_SCORE outside every section joins the most similar one too), then the strongest
others, 3-5 in all; deep dives are then added round robin, each section's strongest
remaining paper, up to 8 in all, and beyond that only papers scoring DEEP_FLOOR (at most 12, at
most PER_SECTION_MAX a section). The digest holds the deep dives, the sections' papers scoring
DIGEST_FLOOR and the strongest other in-scope papers over SUPPLEMENTARY_FLOOR (DIGEST_MAX in-scope
papers in all; supplementary groups by topic, a single paper in "Other"); adjacent papers only in a
short "Also noted" group at the end. With an LLM, plan_report v2 sees the candidate storylines
and may merge, split, rename and pick deep dives; `repair` checks its answer against the rules (ids
exist, each paper once, 8-12 deep dives or every in-scope paper, at least 2 papers and a title that
is not "Other" per storyline) and falls back to the rule plan for anything it cannot use. Pure.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ingest.facts import topics
from ingest.llm.contracts import StorylineList, StorylinePlan
from ingest.messages import say, topic_title
from ingest.report.rank import DEEP_FLOOR, DEEP_MAX, DEEP_MIN, ranked
from ingest.report.select import Item, Week
from ingest.report.storylines import Storyline, as_thread

MIN_SECTIONS, MAX_SECTIONS = 3, 5
MUST_SCORE = 6.0  # e.g. online results on a named platform: always a deep dive
MIN_DEEP_SCORE = 1.5  # below this a paper is not deep-dived to fill a section
PER_SECTION_MAX = 5
JOIN_SCORE = DEEP_FLOOR + 1.0  # a paper this strong outside every section joins the nearest one
DIGEST_FLOOR = 2.0  # a storyline paper needs this score to be listed
DIGEST_MAX = 25  # in-scope papers in the digest, at most
SUPPLEMENTARY_FLOOR = 2.0
ALSO_NOTED_MAX = 3
BANNED_TITLES = frozenset({"other", "others", "misc", "miscellaneous", "其他"})


@dataclass
class Section:
    key: str
    title: str
    thread: str
    rationale: str
    deep: list[str]  # deep-dive ids, strongest first
    members: list[str]  # every listed paper of the storyline (deep dives first)
    shared: list[str] = field(default_factory=list)
    topic: str = "other"


@dataclass
class Plan:
    sections: list[Section]
    groups: list[tuple[str, list[str]]]  # digest groups in order: sections, supplementary, Other, Also noted
    notes: list[str] = field(default_factory=list)  # what repair changed

    @property
    def deep(self) -> list[str]:
        return [i for s in self.sections for i in s.deep]

    @property
    def digest(self) -> list[str]:
        return [i for _title, ids in self.groups for i in ids]


def _nearest(item: Item, sections: list[Section], sims: dict[tuple[str, str], float]) -> Section:
    """The section named after the item's first topic, else the one its papers are most similar to."""
    pid = item.arxiv_id
    own = topics.title_of(item.facts.topics[0]) if item.facts.topics else ""

    def mean_sim(section: Section) -> float:
        others = [m for m in section.members if m != pid]
        return sum(sims.get((pid, m), 0.0) for m in others) / max(1, len(others))

    return max(sections, key=lambda s: (s.title == own, mean_sim(s), -sections.index(s)))


def _sections(week: Week, stories: list[Storyline], sims: dict, high: int) -> list[Section]:
    """Storylines as sections, and their deep dives (see module doc)."""
    by_id = {i.arxiv_id: i for i in week.items}
    must = [i.arxiv_id for i in ranked(week.in_scope) if i.score >= MUST_SCORE][:high]
    strongest = max((s.strength for s in stories), default=0.0)
    ordered = sorted(stories, key=lambda s: (not set(s.members) & set(must), -s.strength, s.key))
    chosen: list[Section] = []
    for story in ordered:
        if len(chosen) == MAX_SECTIONS:
            break
        top = max(by_id[m].score for m in story.members)
        if (
            set(story.members) & set(must)
            or len(chosen) < MIN_SECTIONS
            or (story.strength >= 0.5 * strongest and top >= DEEP_FLOOR)
        ):
            chosen.append(
                Section(
                    story.key,
                    story.title,
                    story.thread or as_thread(story.title),
                    "",
                    [],
                    list(story.members),
                    story.shared,
                    story.topic,
                )
            )
    placed = {m for s in chosen for m in s.members}
    strong = [i.arxiv_id for i in ranked(week.in_scope) if i.score >= JOIN_SCORE and i.arxiv_id not in must]
    for pid in must + strong:
        if pid not in placed and chosen:
            _nearest(by_id[pid], chosen, sims).members.append(pid)
            placed.add(pid)
    for s in chosen:
        s.members.sort(key=lambda m: (-by_id[m].score, m))
        s.deep = [m for m in s.members if m in must][:PER_SECTION_MAX]
    wanted = min(high, max(DEEP_MIN, len(must)), len(week.in_scope))
    total = sum(len(s.deep) for s in chosen)
    while total < high:  # round robin: each section's strongest remaining paper, strongest sections first
        added = False
        for s in chosen:
            rest = [m for m in s.members if m not in s.deep and by_id[m].score >= MIN_DEEP_SCORE]
            if not rest or len(s.deep) >= PER_SECTION_MAX:
                continue
            if total >= wanted and by_id[rest[0]].score < DEEP_FLOOR:
                continue
            s.deep.append(rest[0])
            total += 1
            added = True
            if total >= high:
                break
        if not added:
            break
    for s in chosen:
        if not s.deep and s.members:
            s.deep = s.members[:1]
        s.deep.sort(key=lambda i: (-by_id[i].score, i))
        listed = [m for m in s.members if m in s.deep or by_id[m].score >= DIGEST_FLOOR]
        s.members = s.deep + [m for m in listed if m not in s.deep]
    return chosen


def digest_groups(week: Week, sections: list[Section], lang: str) -> list[tuple[str, list[str]]]:
    """The digest: one group per section, supplementary groups by topic, Other, Also noted. Sections
    listing more than DIGEST_MAX papers lose their weakest papers that are not deep dives first; a
    supplementary paper whose first topic names a section joins that section instead."""
    score = {i.arxiv_id: i.score for i in week.items}
    while sum(len(s.members) for s in sections) > DIGEST_MAX:
        spare = [(score.get(m, 0.0), m, s) for s in sections for m in s.members if m not in s.deep]
        if not spare:
            break
        _score, weakest, section = min(spare, key=lambda x: (x[0], x[1]))
        section.members.remove(weakest)
    listed = {m for s in sections for m in s.members}
    rest = [i for i in ranked(week.in_scope) if i.arxiv_id not in listed and i.score >= SUPPLEMENTARY_FLOOR]
    named = {s.title: s for s in sections}  # a section named after a topic lists that topic's other papers
    by_topic: dict[str, list[Item]] = defaultdict(list)
    for item in rest[: max(0, DIGEST_MAX - len(listed))]:
        first: str = item.facts.topics[0] if item.facts.topics else "other"
        home = named.get(topic_title(lang, first, topics.title_of(first))) if first != "other" else None
        if home is not None:
            home.members.append(item.arxiv_id)
        else:
            by_topic[first].append(item)
    groups = [(s.title, list(s.members)) for s in sections]
    other: list[str] = []
    for slug in sorted(by_topic, key=lambda s: (-len(by_topic[s]), s)):
        members = by_topic[slug]
        if len(members) >= 2 and slug != "other":
            title = topic_title(lang, slug, topics.title_of(slug))
            groups.append((say(lang, "group.supplementary", title=title), [m.arxiv_id for m in members]))
        else:
            other += [m.arxiv_id for m in members]
    if other:
        groups.append((say(lang, "group.other"), other))
    also = [i.arxiv_id for i in ranked(week.adjacent) if i.score > 0][:ALSO_NOTED_MAX]
    if also:
        groups.append((say(lang, "group.also_noted"), also))
    return groups


def rule_plan(week: Week, stories: list[Storyline], sims: dict, lang: str, high: int = DEEP_MAX) -> Plan:
    """The plan the rules propose (see module doc); in Chinese a section named after a taxonomy topic
    takes that topic's Chinese title (a discovered phrase, a technical term, stays as written)."""
    sections = _sections(week, stories, sims, high)
    if lang == "zh":
        for s in sections:
            title = localised(s.title, lang)
            if s.thread == as_thread(s.title):  # a thread named after the topic reads in Chinese too
                s.thread = title
            s.title = title
    return Plan(sections, digest_groups(week, sections, lang))


def localised(title: str, lang: str) -> str:
    """A taxonomy topic's title in `lang` (from the catalogue); any other title (a discovered phrase,
    a technical term) as written."""
    by_title = {topics.title_of(slug): slug for slug in topics.slugs() if slug != "other"}
    slug = by_title.get(title)
    return topic_title(lang, slug, title) if slug else title


def plan_variables(week: Week, plan: Plan, stories: list[Storyline], lang: str) -> dict:
    """plan_report v2 input: the candidate storylines and every in-scope paper with its facts."""
    papers = [
        {
            "id": i.arxiv_id,
            "name": i.name,
            "institution": i.institution,
            "industrial": i.facts.industrial,
            "score": i.score,
            "deep_dive_candidate": i.arxiv_id in plan.deep,
            "one_line": i.facts.one_line,
            "contribution": i.facts.contribution,
            "claims": [f"{c.setting}: {c.metric} {c.value}" for c in i.facts.results][:6],
            "techniques": list(i.facts.key_techniques),
        }
        for i in ranked(week.in_scope)
    ]
    candidates = [
        {"title": s.title, "thread": s.thread, "paper_ids": list(s.members), "deep_dive_ids": list(s.deep)}
        for s in plan.sections
    ] + [
        {"title": s.title, "thread": s.thread or s.title, "paper_ids": list(s.members), "deep_dive_ids": []}
        for s in stories
        if s.key not in {p.key for p in plan.sections}
    ]
    return {
        "week": week.week,
        "lang": lang,
        "min_sections": MIN_SECTIONS,
        "max_sections": MAX_SECTIONS,
        "deep_min": min(DEEP_MIN, len(week.in_scope)),
        "deep_max": DEEP_MAX,
        "input": {"week": week.week, "lang": lang, "candidate_storylines": candidates, "papers": papers},
    }


def answer_of_rules(plan: Plan) -> StorylineList:
    """The rule plan as a plan_report answer (what the offline backend returns)."""
    return StorylineList(
        storylines=[
            StorylinePlan(
                title=s.title,
                thread=s.thread,
                rationale=s.rationale,
                paper_ids=list(s.members),
                deep_dive_ids=list(s.deep),
            )
            for s in plan.sections
        ]
    )


def repair(answer: StorylineList, rules: Plan, week: Week, lang: str) -> Plan:
    """The answer as a valid plan; what cannot be used is dropped and noted, the rules fill the gaps."""
    known = {i.arxiv_id: i for i in week.in_scope}
    notes: list[str] = []
    seen: set[str] = set()
    sections: list[Section] = []
    for n, story in enumerate(answer.storylines[:MAX_SECTIONS]):
        ids = []
        for pid in story.paper_ids:
            if pid not in known:
                notes.append(f"plan: unknown id {pid} dropped")
            elif pid not in seen:
                ids.append(pid)
                seen.add(pid)
        title = " ".join(story.title.split())
        if len(ids) < 2 or not title or title.lower() in BANNED_TITLES:
            notes.append(f"plan: storyline '{title}' dropped ({len(ids)} papers)")
            seen.difference_update(ids)
            continue
        deep = [d for d in story.deep_dive_ids if d in ids]
        sections.append(
            Section(
                f"p{n + 1}",
                title,
                " ".join(story.thread.split()) or as_thread(title),
                " ".join(story.rationale.split()),
                deep,
                deep + [i for i in ids if i not in deep],
            )
        )
    deep_total = sum(len(s.deep) for s in sections)
    wanted_min = min(DEEP_MIN, len(known))
    if (
        len(sections) < MIN_SECTIONS
        or not wanted_min <= deep_total <= DEEP_MAX
        or any(not s.deep for s in sections)
    ):
        notes.append("plan: the answer broke the plan rules (sections, deep dives); the rule plan is used")
        return Plan(rules.sections, rules.groups, notes)
    return Plan(sections, digest_groups(week, sections, lang), notes)
