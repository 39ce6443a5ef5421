"""What the writers receive, and the lines no writer composes: the lead's counts and the digest lines.

Input: the plan, the week's items (verified facts), the count model's figures, the storylines and
trends. Output: the write_section and write_overview variables (each paper's full abstract and
verified claims, the earlier papers it may be compared with and their claims, the storyline's thread
and rationale; the overview gets the digest papers' one-liners and claims, the counts and the trend
counts), the lead's count sentence (count model only, never a writer) and one deterministic digest
line per paper (its verified claims with their metric and setting). Pure.
"""

from __future__ import annotations

from ingest.facts import topics
from ingest.facts.counts import WeekCounts
from ingest.facts.prose import strip_lead, without_figures
from ingest.facts.sheet import ResultClaim
from ingest.facts.wording import claim_text
from ingest.messages import join, say, topic_title
from ingest.report.plan import Plan, Section, localised
from ingest.report.rank import ranked, release_sentence
from ingest.report.select import Item, Related, Week
from ingest.report.storylines import Storyline
from ingest.report.trends import Trend

ABSTRACT_CHARS = 6000  # the writers see the whole abstract up to this bound


def _claims(claims: list[ResultClaim]) -> list[dict]:
    return [
        {
            "metric": c.metric,
            "value": c.value,
            "direction": c.direction,
            "setting": c.setting,
            "where": c.where,
            "evidence": c.evidence,
        }
        for c in claims
    ]


def _related(r: Related) -> dict:
    return {
        "id": r.arxiv_id,
        "name": r.name,
        "week": r.week,
        "abstract": r.abstract[:ABSTRACT_CHARS],
        "claims": _claims(r.facts.results),
        "techniques": list(r.facts.key_techniques),
        "shared_metrics": r.shared_metrics,
        "shared_techniques": r.shared_terms,
    }


def paper_variables(item: Item) -> dict:
    """Everything a writer may state about one paper: numbers only from `claims`."""
    facts = item.facts
    return {
        "id": item.arxiv_id,
        "name": item.name,
        "title": item.title,
        "institution": item.institution,
        "companies": item.companies,
        "industrial": facts.industrial,
        "deployed_online": facts.deployed_online,
        "search_paper": item.search_paper,
        "platform": facts.platform,
        "problem": facts.problem,
        "contribution": facts.contribution,
        "techniques": list(facts.key_techniques),
        "datasets": list(facts.datasets),
        "release": release_sentence(item.abstract),
        "claims": _claims(facts.results),
        "one_line": facts.one_line,
        "abstract": item.abstract[:ABSTRACT_CHARS],
        "score": item.score,
        "score_parts": dict(item.score_parts),
        "related": [_related(r) for r in item.related],
    }


def section_variables(week: str, lang: str, section: Section, by_id: dict[str, Item]) -> dict:
    papers = [paper_variables(by_id[i]) for i in section.deep]
    about = {
        "week": week,
        "lang": lang,
        "title": section.title,
        "thread": section.thread,
        "rationale": section.rationale,
        "shared": list(section.shared),
    }
    return {
        **about,
        "input": {**about, "papers": papers, "listed_in_digest": [by_id[i].name for i in section.members]},
    }


def trend_variables(
    trends: list[Trend], by_id: dict[str, Item], history_weeks: list[str], lang: str
) -> list[dict]:
    return [
        {
            "title": localised(t.title, lang),
            "count": t.count,
            "history": [{"week": w, "papers": t.history[w]} for w in history_weeks],
            "earlier_weeks": len(t.history),
            "enough_history": t.enough_history,
            "mean": round(t.mean, 2),
            "papers": [
                {"id": p, "name": by_id[p].name, "claims": _claims(by_id[p].online[:2])}
                for p in t.papers
                if p in by_id
            ],
        }
        for t in trends
    ]


def overview_variables(
    week: Week, lang: str, plan: Plan, stories: list[Storyline], trends: list[Trend], history_weeks: list[str]
) -> dict:
    by_id = {i.arxiv_id: i for i in week.items}
    listed = set(plan.digest)
    storylines = []
    for section in plan.sections[:3]:
        members = [by_id[i] for i in section.members]
        storylines.append(
            {
                "title": section.title,
                "thread": section.thread,
                "rationale": section.rationale,
                "papers": len(members),
                "members": [paper_variables(m) | {"abstract": ""} for m in members],
            }
        )
    return {
        "week": week.week,
        "lang": lang,
        "input": {
            "week": week.week,
            "lang": lang,
            "counts": week.counts.as_dict(),
            "storylines": storylines,
            "directions": trend_variables(trends, by_id, history_weeks, lang),
            "digest": [
                {
                    "id": i.arxiv_id,
                    "name": i.name,
                    "institution": i.institution,
                    "one_line": i.facts.one_line,
                    "claims": _claims(i.facts.results[:4]),
                }
                for i in ranked(week.items)
                if i.arxiv_id in listed
            ],
        },
    }


def lead_counts(counts: WeekCounts, lang: str) -> str:
    """The lead's count sentence, from the count model only."""
    names = join(lang, list(counts.institutions[:6]))
    companies = say(lang, "lead.companies", names=names) if names else ""
    return say(
        lang,
        "lead.counts",
        in_scope=counts.in_scope,
        industrial=counts.industrial,
        companies=companies,
        online=counts.online,
        deep=counts.deep_dives,
    )


def digest_line(item: Item, lang: str) -> str:
    """The digest bullet's text after its opening: institution, what it is, its headline claims."""
    facts = item.facts
    inst = say(lang, "digest.inst", inst=item.institution) if item.institution else ""
    if lang == "zh":  # the summary is the paper's English prose: Chinese says what it is about instead
        slug = facts.topics[0] if facts.topics else "other"
        topic = topic_title(lang, slug, topics.title_of(slug))
        summary = say(lang, "digest.summary", summary="", topic=topic)
    else:
        summary = say(
            lang,
            "digest.summary",
            summary=_plain(without_figures(strip_lead(facts.contribution))) or item.title,
            topic="",
        )
    claims = claim_text(facts.results, lang, limit=3)
    body = say(lang, "digest.line", inst=inst, summary=summary)
    body += (
        say(lang, "digest.claims", claims=claims)
        if claims
        else say(lang, "digest.claims", claims=say(lang, "no_numbers"))
    )
    if item.search_paper:
        body += f" ({say(lang, 'search_flag')})" if lang == "en" else f"（{say(lang, 'search_flag')}）"
    return body.rstrip(".。") + say(lang, "end")


def _plain(text: str, words: int = 28) -> str:
    """The first sentence of `text`, cut at `words` words."""
    first = text.split(". ")[0].strip().rstrip(".")
    cut = first.split()
    return " ".join(cut[:words]) + ("…" if len(cut) > words else "")
