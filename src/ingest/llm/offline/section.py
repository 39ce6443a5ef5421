"""Offline write_section: an analyst's brief of one section, built only from verified facts.

Input: the write_section v2 variables (each deep-dive paper's facts and verified claims, the earlier
papers it overlaps with and their claims, the section's thread). Output: SectionText. Per deep dive:
what is new (the paper's own contribution, cleaned of markup), its verified result claims with
their metric and setting, one line on why it matters from facts (deployed where, beats which
baseline, releases what), and a comparison only where the database holds an earlier paper with an
overlapping metric or technique (which paper, which metric in which setting; its figures stay on
that paper, whose week may not be this one's source: a reader follows the id). Every fixed string
comes from the message
catalogue; fixed runs stay short so no phrase recurs across deep dives. Deterministic.
"""

from __future__ import annotations

from typing import Any

from ingest.facts.prose import first_sentences, strip_lead, without_figures
from ingest.facts.sheet import ResultClaim
from ingest.facts.wording import claim_text, place_of
from ingest.llm.contracts import DeepDive, SectionText
from ingest.messages import join, say, say_n


def _claims(rows: list[dict[str, Any]]) -> list[ResultClaim]:
    return [
        ResultClaim(**{k: r[k] for k in ("metric", "value", "direction", "setting", "where", "evidence")})
        for r in rows
    ]


def _new(p: dict[str, Any], lang: str) -> str:
    text = without_figures(strip_lead(first_sentences(p.get("contribution") or p.get("problem") or "", 55)))
    if lang == "zh" or not text:
        techniques = join(lang, list(p.get("techniques") or [])[:4])
        return say(lang, "dive.new", text=techniques + say(lang, "end")) if techniques else ""
    return say(lang, "dive.new", text=text if text.endswith(".") else text + ".")


def _why(p: dict[str, Any], claims: list[ResultClaim], lang: str) -> str:
    online = [c for c in claims if c.setting == "online"]
    where = next((w for w in (place_of(c, claims) for c in online) if w), "") or p.get("platform") or ""
    place = say(lang, "dive.where", where=where) if where else ""
    if online:
        return say(lang, "dive.why_online", name=p["name"], where=place)
    if p.get("deployed_online"):
        return say(lang, "dive.why_deployed", name=p["name"], where=place)
    if p.get("score_parts", {}).get("dataset/benchmark"):
        if p.get("release") and not p.get("datasets"):
            return say(lang, "dive.why_release", name=p["name"], quote=p["release"])
        what = join(lang, list(p.get("datasets") or [])[:2]) or say(lang, "dive.dataset_generic")
        return say(lang, "dive.why_dataset", name=p["name"], what=what)
    offline_places = [c.where for c in claims if c.setting == "offline" and c.where]
    if offline_places:
        return say(
            lang,
            "dive.why_offline",
            name=p["name"],
            where=join(lang, list(dict.fromkeys(offline_places))[:3]),
        )
    if p.get("companies"):
        return say(lang, "dive.why_industrial", name=p["name"], inst=p["companies"][0])
    return ""


def _compare(p: dict[str, Any], lang: str) -> str:
    items = []
    for r in p.get("related") or []:
        shared = [c for c in _claims(r["claims"]) if c.metric in r["shared_metrics"]]
        if shared:
            items.append(
                say(
                    lang,
                    "dive.compare_item",
                    name=r["name"],
                    id=r["id"],
                    metrics=join(lang, list(dict.fromkeys(c.metric for c in shared))[:2]),
                    setting=say(lang, f"setting.{shared[0].setting}"),
                )
            )
        elif r["shared_techniques"]:
            items.append(
                say(
                    lang,
                    "dive.compare_method",
                    name=r["name"],
                    id=r["id"],
                    terms=join(lang, r["shared_techniques"][:2]),
                )
            )
    return say(lang, "dive.compare", items=say(lang, "sep.clause").join(items)) if items else ""


def deep_dive(p: dict[str, Any], lang: str) -> str:
    """One deep-dive body (the renderer adds the bold name, id link and institution)."""
    claims = _claims(p["claims"])
    results = claim_text(claims, lang)
    parts = [
        say(lang, "dive.search_caveat", flag=say(lang, "search_flag")) if p.get("search_paper") else "",
        _new(p, lang),
        say(lang, "dive.results", claims=results)
        if results
        else say(lang, "dive.no_results", name=p["name"], no_numbers=say(lang, "no_numbers")),
        _why(p, claims, lang),
        _compare(p, lang),
    ]
    return " ".join(x for x in parts if x)


def _names(papers: list[dict[str, Any]], lang: str) -> str:
    return join(lang, [p["name"] for p in papers])


def intro(v: dict[str, Any]) -> str:
    lang, papers = v["lang"], v["papers"]
    online = [p for p in papers if any(c["setting"] == "online" for c in p["claims"])]
    members = len(v.get("listed_in_digest") or [])
    key = "section.intro_more" if members > len(papers) else "section.intro"
    text = say_n(
        lang,
        key,
        len(papers),
        members=members,
        papers=len(papers),
        thread=v["thread"],
        names=_names(papers, lang),
    )
    if online and len(online) == len(
        papers
    ):  # 'X reports ...', 'X and Y both report ...', never '1 of the 1'
        key = {1: "section.intro_online.single", 2: "section.intro_online.both"}.get(
            len(papers), "section.intro_online.all"
        )
        text += " " + say(lang, key, papers=len(papers), names=_names(online, lang))
    elif online:
        text += " " + say_n(
            lang,
            "section.intro_online",
            len(online),
            online=len(online),
            papers=len(papers),
            names=_names(online, lang),
        )
    else:
        text += " " + say_n(
            lang, "section.intro_offline", len(papers), papers=len(papers), thread=v["thread"]
        )
    return text


def synthesis(v: dict[str, Any]) -> str:
    lang, papers = v["lang"], v["papers"]
    online = [p for p in papers if any(c["setting"] == "online" for c in p["claims"])]
    rest = [p for p in papers if p not in online]
    if online and rest:
        key = {
            (True, True): "synthesis.online.both_one",
            (True, False): "synthesis.online.one",
            (False, True): "synthesis.online.rest_one",
        }.get((len(online) == 1, len(rest) == 1), "synthesis.online")
        body = say(lang, key, names=_names(online, lang), rest=_names(rest, lang))
    elif online:
        body = say_n(
            lang, "synthesis.all_online", len(online), names=_names(online, lang), thread=v["thread"]
        )
    else:
        body = say_n(lang, "synthesis.offline", len(papers), names=_names(papers, lang), thread=v["thread"])
    shared = [t for t in v.get("shared") or [] if t][:3]
    if shared:
        body += say(lang, "synthesis.shared", terms=join(lang, shared))
    return say(lang, "section.synthesis", body=body)


def write(v: dict[str, Any]) -> SectionText:
    """SectionText for write_section v2 variables (report.write.section_variables)."""
    papers = v["papers"]
    return SectionText(
        intro=intro(v),
        deep_dives=[DeepDive(arxiv_id=p["id"], body=deep_dive(p, v["lang"])) for p in papers],
        synthesis=synthesis(v),
    )
