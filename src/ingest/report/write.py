"""Report writing: plan + candidates -> prompt variables, related work, theme trends, digest lines.

Input: the repaired ReportPlan, the selected Candidates and the database (earlier papers for
related work, extractions of the last `trend_weeks` weeks for theme trends). Output: the variables
each prompt receives, and the deterministic digest line of every paper (built from its extraction:
institution, one_line, numbers). Read-only; related-work candidates are only ids that exist in the
database, so a writer that follows its input cannot cite an unknown paper.
"""

from __future__ import annotations

from collections import Counter

from sqlmodel import Session, select

from ingest.db.models import Extraction, Paper
from ingest.facts.numbers import keep_grounded
from ingest.llm.contracts import PlanSection, ReportPlan
from ingest.report.lang import labels
from ingest.report.select import Candidate
from ingest.report.similarity import TfIdf, cosine, tokens
from ingest.weeks import shift_week

LLM_SOURCE_CHARS = 4000


def _text(title: str, abstract: str) -> str:
    return f"{title}\n{title}\n{abstract}"


def attach_related(session: Session, week: str, cands: list[Candidate], k: int = 2) -> None:
    """Up to `k` earlier-week papers per deep dive, by TF-IDF cosine over title + abstract."""
    rows = session.exec(
        select(Paper.arxiv_id, Paper.title, Paper.abstract).where(
            Paper.week < week, Paper.duplicate_of.is_(None)
        )
    ).all()  # type: ignore[union-attr]
    if not rows:
        return
    corpus = {pid: _text(title, abstract) for pid, title, abstract in rows}
    names = {pid: title.split(":")[0].strip() for pid, title, _ in rows}
    space = TfIdf(list(corpus.values()))
    vecs = {pid: space.vector(text) for pid, text in corpus.items()}
    for c in (c for c in cands if c.deep):
        q = space.vector(_text(c.title, c.source))
        scored = sorted(((cosine(q, v), pid) for pid, v in vecs.items()), key=lambda s: (-s[0], s[1]))
        c.related = [(pid, names[pid]) for score, pid in scored[:k] if score >= 0.15]
        c.related_text = {pid: corpus[pid] for pid, _ in c.related}


def shared_terms(a: str, b: str, n: int = 3) -> list[str]:
    """Content words two texts share, most frequent first (for 'shares the focus on ...')."""
    ca, cb = Counter(tokens(a)), Counter(tokens(b))
    common = [
        (ca[t] + cb[t], t) for t in set(ca) & set(cb) if len(t) > 4 and not any(ch.isdigit() for ch in t)
    ]
    return [t for _, t in sorted(common, key=lambda x: (-x[0], x[1]))[:n]]


def paper_facts(c: Candidate) -> dict:
    """Everything a writer may state about one paper (numbers only from here)."""
    ex = c.ex
    related_text = c.related_text
    return {
        "id": c.arxiv_id,
        "name": c.name,
        "institution": c.institution,
        "industrial": ex.industrial,
        "deployed_online": ex.deployed_online,
        "scope": ex.scope,
        "search_only": c.search_only,
        "platform": ex.platform,
        "problem": ex.problem,
        "method": ex.contribution,
        "techniques": list(ex.key_techniques),
        "online": [
            {"metric": m.metric, "value": m.value, "context": m.where} for m in ex.claims_in("online")
        ],
        "offline": [
            {"metric": m.metric, "value": m.value, "dataset": m.where, "baseline": ""}
            for m in ex.claims_in("offline")
        ],
        "efficiency": [{"claim": m.metric, "value": m.value} for m in ex.claims_in("efficiency")],
        "undisclosed": [] if ex.institutions else ["institution"],
        "one_line": ex.one_line,
        "draft": ex.contribution,
        "source": c.source[:LLM_SOURCE_CHARS],
        "terms": tokens(" ".join([c.title, ex.contribution, " ".join(ex.key_techniques)]))[:40],
        "related": [
            {"id": pid, "name": name, "shared": shared_terms(c.source, related_text.get(pid, ""))}
            for pid, name in c.related
        ],
    }


def section_variables(week: str, lang: str, sec: PlanSection, by_id: dict[str, Candidate]) -> dict:
    papers = [paper_facts(by_id[i]) for i in sec.paper_ids]
    blob = [" ".join(p["techniques"]) + " " + p["method"] for p in papers]
    common = Counter(t for b in blob for t in set(tokens(b)) if len(t) > 4)
    terms = [t for t, n in sorted(common.items(), key=lambda x: (-x[1], x[0])) if n >= 2][:4]
    return {
        "week": week,
        "lang": lang,
        "title": sec.title,
        "topic": sec.topic,
        "shared_problem": sec.shared_problem,
        "n_papers": len(papers),
        "papers": papers,
        "shared_terms": terms,
        "flags": labels(lang),
    }


def theme_trends(session: Session, week: str, weeks: int, sections: list[PlanSection]) -> list[dict]:
    """Per section topic: in-scope papers with that topic per week over the last `weeks` weeks."""
    window = [shift_week(week, -i) for i in range(weeks - 1, -1, -1)]
    rows = session.exec(
        select(Paper.arxiv_id, Paper.week, Extraction.topics, Extraction.scope)
        .join(Extraction, Extraction.paper_id == Paper.id)
        .where(Paper.week.in_(window), Extraction.status == "ok")
    ).all()  # type: ignore[attr-defined]
    seen: dict[str, tuple[str, list[str]]] = {}
    for pid, wk, topics, scope in rows:
        if scope in ("recsys", "adjacent"):
            seen[pid] = (wk, list(topics or []))
    out = []
    for sec in sections:
        per = Counter(wk for wk, topics in seen.values() if sec.topic in topics)
        history = [{"week": w, "papers": per.get(w, 0)} for w in window if w <= week]
        out.append(
            {
                "topic": sec.topic,
                "title": sec.title,
                "this_week": per.get(week, 0),
                "history": history,
                "window_total": sum(per.values()),
            }
        )
    return out


def overview_variables(
    week: str,
    lang: str,
    plan: ReportPlan,
    by_id: dict[str, Candidate],
    lead: str,
    trends: list[dict],
    trend_weeks: int,
) -> dict:
    sections = [
        {"title": s.title, "topic": s.topic, "papers": [_brief_facts(by_id[i]) for i in s.paper_ids]}
        for s in plan.sections
    ]
    return {
        "week": week,
        "lang": lang,
        "lead": lead,
        "storyline_angles": plan.storylines,
        "direction_titles": plan.directions,
        "sections": sections,
        "trends": trends,
        "trend_weeks": trend_weeks,
        "flags": labels(lang),
    }


def _brief_facts(c: Candidate) -> dict:
    full = paper_facts(c)
    keep = (
        "id",
        "name",
        "institution",
        "industrial",
        "deployed_online",
        "search_only",
        "online",
        "offline",
        "one_line",
        "source",
        "platform",
    )
    return {k: full[k] for k in keep}


def digest_line(c: Candidate, lang: str) -> str:
    """'**GenRec** ([id](url)) — JD: <one line>; click count +9.5%, ...' from the extraction only."""
    lab = labels(lang)
    ex = c.ex
    body = " ".join(ex.one_line.split()).rstrip(".")
    if c.institution and c.institution.lower() not in body.lower():
        body = f"{c.institution}: {body}"
    figures = [
        f"{m.metric} {m.value}".strip() for m in (ex.claims_in("online")[:3] or ex.claims_in("offline")[:2])
    ]
    figures = [f for f in figures if not any(v in body for v in f.split()[-1:])]
    if figures:
        body += "; " + ", ".join(figures)
    elif not ex.results and not any(ch.isdigit() for ch in body):
        body += f" ({lab['no_numbers']})"
    if c.search_only:
        body += f" ({lab['search_flag']})"
    body = keep_grounded(body.rstrip(".") + ".", c.source) or f"{c.title.rstrip('.')}."
    return f"- **{c.name}** ([{c.arxiv_id}](https://arxiv.org/abs/{c.arxiv_id})) — {body}"
