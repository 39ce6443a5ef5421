"""Offline write_section: section variables -> SectionText built only from the stored extraction facts.

Deterministic and extractive: every sentence comes from the paper's extraction fields or a fixed
template around them, and any sentence carrying a number absent from the paper's source text is
dropped, so the text is grounded by construction. Comparisons use names and ids only (no numbers
from other papers). Never raises on sparse facts: a paper without numbers says so.
"""

from __future__ import annotations

import re

from ingest.facts.numbers import keep_grounded
from ingest.llm.contracts import DeepDive, SectionText

EN = {
    "search": "Upfront caveat: this is {flag}; it is here because its retrieval design transfers to "
    "recommendation.",
    "problem": "The problem: {text}",
    "method": "The approach: {text}",
    "tech": "The named {pieces}: {items}.",
    "online": "Online A/B{ctx}: {items}.",
    "offline": "Offline: {items}.",
    "eff": "On cost: {items}.",
    "none": "The abstract reports improvements without figures ({flag}).",
    "why_online": "Because the gains come from live traffic{where}, this is a production signal rather "
    "than a benchmark claim.",
    "why_deployed": "It reports a live deployment{where}, but the abstract gives no online figures.",
    "why_ind": "The industrial setting{where} makes it a useful reference for teams facing the same "
    "constraint.",
    "peer": "Within this week it sits closest to {name} ({id}), which works on the same problem from "
    "another angle.",
    "related": "Against earlier work in our database, compare {items}.",
    "related_item": "{name} ({id}), which shares the focus on {terms}",
    "intro": "This section covers {n} {papers} on {topic}. {problem} {ind}",
    "intro_ind": "{k} of the {n} come from industry ({insts}); {m} report online A/B results.",
    "intro_acad": "All of them are evaluated offline; none reports a live deployment.",
    "synth": "Taken together, {lead} {thread}",
    "synth_lead_online": "the papers with live results ({names}) set the bar for this theme, while the "
    "others ({rest}) supply offline evidence.",
    "synth_lead_offline": "this theme is still argued on offline benchmarks ({names}).",
    "synth_thread": "The shared technical thread is {terms}.",
}
ZH = {
    "search": "先说明：{flag}；收录它是因为其检索设计可迁移到推荐场景。",
    "problem": "问题：{text}",
    "method": "方法：{text}",
    "tech": "关键技术{pieces}：{items}。",
    "online": "线上 A/B{ctx}：{items}。",
    "offline": "离线结果：{items}。",
    "eff": "成本方面：{items}。",
    "none": "摘要只称有提升，未给出数字（{flag}）。",
    "why_online": "收益来自线上流量{where}，这是生产信号而不只是基准测试结论。",
    "why_deployed": "论文报告了线上部署{where}，但摘要未给出线上数字。",
    "why_ind": "工业场景{where}使它对面临同样约束的团队有参考价值。",
    "peer": "本周与之最接近的是 {name}（{id}），从另一个角度处理同一问题。",
    "related": "与数据库中更早的工作相比，可对照 {items}。",
    "related_item": "{name}（{id}），同样关注 {terms}",
    "intro": "本节涵盖 {n} 篇关于{topic}的论文。{problem} {ind}",
    "intro_ind": "{n} 篇中 {k} 篇来自工业界（{insts}），{m} 篇报告了线上 A/B 结果。",
    "intro_acad": "它们都只做了离线评估，没有线上部署。",
    "synth": "Taken together（综合来看），{lead} {thread}",
    "synth_lead_online": "有线上结果的论文（{names}）为这一主题立下标杆，其余论文（{rest}）提供离线证据。",
    "synth_lead_offline": "这一主题目前仍以离线基准为主（{names}）。",
    "synth_thread": "共同的技术线索是 {terms}。",
}


def words(lang: str) -> dict[str, str]:
    return ZH if lang == "zh" else EN


LEADING = re.compile(
    r"^(however|yet|but|still|moreover|in this paper|to address (this|these) \w+|to this end)[,:]?\s+", re.I
)


def _sentence(text: str) -> str:
    text = LEADING.sub("", " ".join(text.split()).strip())
    text = text[:1].upper() + text[1:]
    if not text:
        return ""
    return text if text[-1] in ".!?。" else text + "."


def _metric_items(rows: list[dict], keys: tuple[str, ...], limit: int) -> str:
    items = []
    for row in rows[:limit]:
        label = " ".join(str(row.get(k) or "") for k in keys if row.get(k)).strip()
        if label:
            items.append(label)
    return ", ".join(items)


def _efficiency_items(rows: list[dict], limit: int) -> str:
    """Efficiency claims once each; a value already inside its claim's words is not repeated."""
    items: list[str] = []
    for row in rows:
        claim, value = str(row.get("claim") or "").strip(), str(row.get("value") or "").strip()
        label = claim if value and value in claim else " ".join(x for x in (claim, value) if x)
        label = label.rstrip(". ")
        if label and all(label not in seen and seen not in label for seen in items):
            items.append(label)
    return ", ".join(items[:limit])


def _results(p: dict, w: dict, flag: str) -> list[str]:
    out = []
    if p["online"]:
        ctx = p.get("platform") or p["online"][0].get("context") or ""
        ctx = ctx if len(ctx) <= 60 else ""
        out.append(
            w["online"].format(
                ctx=f" ({ctx})" if ctx else "", items=_metric_items(p["online"], ("metric", "value"), 5)
            )
        )
    if p["offline"]:
        rows = [{**r, "dataset": f"on {r['dataset']}" if r.get("dataset") else ""} for r in p["offline"]]
        out.append(w["offline"].format(items=_metric_items(rows, ("metric", "value", "dataset"), 4)))
    if p["efficiency"]:
        out.append(w["eff"].format(items=_efficiency_items(p["efficiency"], 2)))
    if not out:
        out.append(w["none"].format(flag=flag))
    return out


def _why(p: dict, w: dict) -> str:
    where = f" ({p['platform']})" if p.get("platform") else ""
    if p["online"]:
        return w["why_online"].format(where=where)
    if p.get("deployed_online"):
        return w["why_deployed"].format(where=where)
    if p.get("industrial"):
        return w["why_ind"].format(where=where)
    return ""


def _related(p: dict, w: dict) -> str:
    items = [
        w["related_item"].format(
            name=r["name"], id=r["id"], terms=", ".join(r["shared"][:3]) or "this problem"
        )
        for r in p.get("related", [])[:2]
    ]
    return w["related"].format(items="; ".join(items)) if items else ""


def _peer(p: dict, papers: list[dict], w: dict) -> str:
    peers = [q for q in papers if q["id"] != p["id"]]
    if not peers:
        return ""
    mine = set(p.get("terms", []))
    best = max(peers, key=lambda q: (len(mine & set(q.get("terms", []))), q["id"]))
    return w["peer"].format(name=best["name"], id=best["id"])


def deep_dive(p: dict, papers: list[dict], lang: str, flags: dict[str, str]) -> str:
    """One deep-dive body (the renderer adds the bold name, id link and institution)."""
    w = words(lang)
    parts = [w["search"].format(flag=flags["search_flag"]) if p.get("search_only") else ""]
    parts.append(w["problem"].format(text=_sentence(p["problem"])) if p.get("problem") else "")
    parts.append(w["method"].format(text=_sentence(p["method"])) if p.get("method") else "")
    if p.get("techniques"):
        pieces = "piece is" if len(p["techniques"]) == 1 else "pieces are"
        parts.append(w["tech"].format(pieces=pieces, items=", ".join(p["techniques"][:5])))
    parts += _results(p, w, flags["no_numbers"])
    parts += [_why(p, w), _peer(p, papers, w), _related(p, w)]
    text = " ".join(x for x in parts if x)
    return keep_grounded(text, p["source"])


def _intro(v: dict, w: dict) -> str:
    papers = v["papers"]
    ind = [p for p in papers if p.get("industrial")]
    insts = sorted({p["institution"] for p in ind if p.get("institution")})
    online = [p for p in papers if p["online"] or p.get("deployed_online")]
    tail = (
        w["intro_ind"].format(
            k=len(ind), n=len(papers), insts=", ".join(insts) or "undisclosed", m=len(online)
        )
        if ind
        else w["intro_acad"]
    )
    n = len(papers)
    noun = "paper" if n == 1 else "papers"
    return (
        w["intro"]
        .format(
            n=n,
            papers=noun,
            topic=v["title"],
            problem=_sentence(v.get("shared_problem", "")),
            ind=tail,
        )
        .strip()
    )


def _synthesis(v: dict, w: dict) -> str:
    papers = v["papers"]
    live = [p["name"] for p in papers if p["online"] or p.get("deployed_online")]
    rest = [p["name"] for p in papers if p["name"] not in live]
    if live and rest:
        lead = w["synth_lead_online"].format(names=", ".join(live), rest=", ".join(rest))
    elif live:
        lead = w["synth_lead_online"].format(names=", ".join(live), rest="none")
    else:
        lead = w["synth_lead_offline"].format(names=", ".join(rest))
    terms = v.get("shared_terms", [])
    thread = w["synth_thread"].format(terms=", ".join(terms[:4])) if terms else ""
    return w["synth"].format(lead=lead, thread=thread).strip()


def write(v: dict) -> SectionText:
    """SectionText for write_section variables (see report_write.section_variables)."""
    w = words(v["lang"])
    flags = v["flags"]
    dives = [
        DeepDive(arxiv_id=p["id"], body=deep_dive(p, v["papers"], v["lang"], flags)) for p in v["papers"]
    ]
    return SectionText(intro=_intro(v, w), deep_dives=dives, synthesis=_synthesis(v, w))
