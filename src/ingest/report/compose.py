"""Composing a report: the week's items -> plan -> writer answers -> a Composition ready to render.

select (load_week) -> rank (scores, 8-12 deep dives) -> storylines (clusters of the week) -> plan
(rule plan; plan_report may merge, split, rename and pick deep dives, repaired against the rules) ->
related earlier work and trends -> one write_section call per section and one write_overview call,
concurrently through the LLM seam. Each answer is checked (verify.section_problems /
overview_problems); a failing one is asked again once with its problems listed, and if it still
fails that section (or the overview) is written by the offline backend, which the report's generator
metadata names. Every call is logged (llm_call). At most sections + 2 calls, plus one re-ask per
failing answer. Raises NotFoundError for a week without in-scope papers; LLM errors propagate.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, select

from ingest.config import Settings
from ingest.db.models import Paper
from ingest.errors import LLMError, NotFoundError
from ingest.llm import LLM, RuleBasedLLM, log_call, prompts
from ingest.llm.contracts import Overview, SectionText, StorylineList
from ingest.report import rank, storylines, trends
from ingest.report.history import load_history
from ingest.report.plan import Plan, plan_variables, repair, rule_plan
from ingest.report.related import attach_related
from ingest.report.render import Composition
from ingest.report.select import Week, load_week
from ingest.report.verify import Expected, numbers_of, overview_problems, section_problems
from ingest.report.write import digest_line, lead_counts, overview_variables, section_variables

STAGES = {"plan_report": "plan", "write_section": "section", "write_overview": "overview"}


@dataclass
class Caller:
    """Renders a prompt, calls the LLM, logs the call; keeps the tally."""

    settings: Settings
    llm: LLM
    session: Session
    run_id: int | None
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    offline: list[str] = field(default_factory=list)  # what the offline backend wrote instead

    async def __call__(
        self, name: str, variables: dict[str, Any], schema: type[BaseModel], llm: LLM | None = None
    ) -> Any:
        llm = llm or self.llm
        version = self.settings.prompt_version(name)
        prompt = prompts.render(name, version, {"problems": [], **variables}, root=self.settings.prompts_dir)
        self.calls += 1
        try:
            result = await llm.complete(prompt, schema)
        except LLMError as exc:
            log_call(
                self.session,
                stage=STAGES[name],
                prompt=prompt,
                backend=llm.backend,
                model=llm.model,
                error=exc,
                run_id=self.run_id,
            )
            self.session.commit()
            raise
        log_call(
            self.session,
            stage=STAGES[name],
            prompt=prompt,
            backend=result.backend,
            model=result.model,
            result=result,
            run_id=self.run_id,
        )
        self.prompt_tokens += result.prompt_tokens
        self.completion_tokens += result.completion_tokens
        return result.parsed

    async def checked(
        self, name: str, variables: dict, schema: type[BaseModel], problems_of: Any, label: str
    ) -> Any:
        """An answer that passes `problems_of`: asked, re-asked once with its problems, else offline."""
        answer = await self(name, variables, schema)
        problems = problems_of(answer)
        if problems and self.llm.backend != "offline":
            answer = await self(name, {**variables, "problems": problems[:12]}, schema)
            problems = problems_of(answer)
            if problems:
                self.offline.append(label)
                answer = await self(name, variables, schema, llm=RuleBasedLLM())
        return answer


def expected(session: Session, week: Week, plan: Plan, extra_counts: set[int], lang: str) -> Expected:
    by_id = {i.arxiv_id: i for i in week.items}
    known: dict[str, bool] = {}
    earlier_claims = {r.arxiv_id: r.facts.results for i in week.items for r in i.related}

    def lookup(pid: str) -> bool:
        if pid not in known:
            known[pid] = (
                pid in by_id
                or session.exec(select(Paper.id).where(Paper.arxiv_id == pid)).first() is not None
            )
        return known[pid]

    def claim_numbers(pid: str) -> tuple[set[str], set[str]]:
        if pid in by_id:
            return numbers_of(by_id[pid].facts.results)
        return numbers_of(earlier_claims.get(pid, []))

    counts = week.counts.with_report(len(plan.deep), len(plan.digest))
    return Expected(
        plan=plan,
        items=by_id,
        counts=counts,
        lookup=lookup,
        claim_numbers=claim_numbers,
        extra_counts=extra_counts,
        featured_before=week.featured_before,
        lang=lang,
    )


@dataclass
class Composed:
    composition: Composition
    expected: Expected
    week: Week


async def compose(call: Caller, session: Session, week_name: str, lang: str, created: Any) -> Composed:
    s = call.settings
    week = load_week(session, week_name)
    if not week.in_scope:
        raise NotFoundError(f"no extracted in-scope papers for {week_name}; run crawl and extract first")
    history = load_history(session, week_name, s.trend_weeks)
    rank.score_items(week.items, storylines.novelty(week.items, history.pairs()))
    stories = storylines.discover(week.in_scope, history.pairs())
    sims = storylines.similarity(week.in_scope, history.pairs())
    rules = rule_plan(week, stories, sims, lang, high=min(rank.DEEP_MAX, s.deep_dive_cap))
    answer = await call("plan_report", plan_variables(week, rules, stories, lang), StorylineList)
    plan = repair(answer, rules, week, lang)
    by_id = {i.arxiv_id: i for i in week.items}
    for item in week.items:
        item.deep = item.arxiv_id in plan.deep
    attach_related([by_id[i] for i in plan.deep], history.papers)
    found = trends.directions(week.in_scope, stories, history)
    extra = {t.count for t in found} | {n for t in found for n in t.history.values()} | {len(history.weeks)}
    extra |= {sum(1 for d in sec.deep if by_id[d].online) for sec in plan.sections}
    exp = expected(session, week, plan, extra, lang)
    exp.directions = min(3, len(found))
    sec_vars = [section_variables(week_name, lang, sec, by_id) for sec in plan.sections]
    ov_vars = overview_variables(week, lang, plan, stories, found, history.weeks)
    results = await asyncio.gather(
        *(
            call.checked(
                "write_section",
                v,
                SectionText,
                lambda a, sec=sec: section_problems(a, sec.deep, exp),
                f"section {sec.title}",
            )
            for v, sec in zip(sec_vars, plan.sections, strict=True)
        ),
        call.checked("write_overview", ov_vars, Overview, lambda a: overview_problems(a, exp), "overview"),
    )
    texts: list[SectionText] = list(results[:-1])
    overview: Overview = results[-1]
    sections = {
        sec.key: (text.intro, {d.arxiv_id: d.body for d in text.deep_dives}, text.synthesis)
        for sec, text in zip(plan.sections, texts, strict=True)
    }
    lead = " ".join(x for x in (overview.thesis.strip(), lead_counts(exp.counts, lang)) if x)
    generator = {
        "backend": call.llm.backend,
        "model": call.llm.model,
        "run": call.run_id,
        "prompts": s.prompt_pins(),
        "offline_sections": list(call.offline),
    }
    composition = Composition(
        week=week_name,
        lang=lang,
        status="Published",
        created=created,
        lead=lead,
        plan=plan,
        sections=sections,
        storylines=[(x.title, x.text) for x in overview.storylines],
        directions=[(x.title, x.text) for x in overview.directions],
        items=by_id,
        digest={pid: digest_line(by_id[pid], lang) for pid in plan.digest},
        generator=generator,
    )
    return Composed(composition, exp, week)
