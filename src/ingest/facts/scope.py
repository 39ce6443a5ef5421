"""Scope rules: a paper's title and abstract -> (scope, reason); the offline backend's scope answer.

- recsys (in scope): recommendation is the paper's subject (recommender, CTR/CVR, feeds, ads ranking,
  user modelling, their serving, the retrieval and ranking inside them);
- adjacent: general search and IR (dense or generative retrieval, re-ranking, learning to rank,
  vector indexes, query rewriting, web search), at most listed under "Also noted";
- out_of_scope: retrieval-augmented generation, QA and other LLM/NLP work, search/IR for one domain
  (COVID-19 or biomedical literature, legal, humour, ...), recommendation used as a tool in another
  field (model selection for fluid simulations), announcements, anything else.
The reason names the words that decided. Pure and deterministic; the input is data, never obeyed.
"""

from __future__ import annotations

import re

RECOMMEND = re.compile(
    r"recommend|\bctr\b|click-through|\bcvr\b|conversion rate|collaborative filtering|user-item|"
    r"user (?:interest|preference|behavio|histor|modell?ing|engagement)|personali[sz]|\bfeeds?\b|\bads\b|"
    r"advertis|e-commerce|watch time|semantic ids?\b|cold-start|next-item|\bitems?\b",
    re.IGNORECASE,
)
IR_METHOD = re.compile(
    r"dense retriev\w*|generative retrieval|retriev\w* (?:model|system)s?|re-?rank\w*|learning[- ]to[- ]rank|"
    r"(?:approximate )?nearest[- ]neighbou?r|\bann\b|vector (?:index|search|database)|"
    r"query (?:rewriting|expansion)|embedding-based retrieval|two-tower|dual-encoder|bi-encoder|"
    r"cross-encoder|retrievers?\b|ranking models?|\bsparse retriev|hybrid retriev|information retrieval|"
    r"search engines?|web search|product search|embedding (?:model|quality|backbone)s?",
    re.IGNORECASE,
)
DOMAIN = re.compile(
    r"biomedic\w*|clinical|medical|\bhealth\w*|covid|legal|patent|scientific (?:literature|papers?|"
    r"articles?)|scholarly|chemi\w+|molecul\w+|protein|genom\w*|physics|fluid dynamics|\bcfd\b|multiphase|"
    r"geolog\w*|petroleum|financ\w+|humou?r|poetry|religio\w*|math(?:ematical)? (?:problems?|reasoning)",
    re.IGNORECASE,
)
OFF_TOPIC = re.compile(
    r"retrieval-augmented|\brag\b|question answering|\bqa\b|hallucinat\w*|fact[- ]check\w*|summari[sz]ation|"
    r"machine translation|code generation|knowledge graph completion|entity (?:linking|alignment)|"
    r"text-to-sql|multi-hop|chatbot",
    re.IGNORECASE,
)
TOOL = re.compile(
    r"recommend\w*[^.]{0,80}\b(?:model|algorithm|parameter|method|configuration|solver) selection|"
    r"selection of (?:closure |physical )?(?:models?|algorithms?|solvers?)",
    re.IGNORECASE,
)
EVENT = re.compile(
    r"^(?:(?:the )?(?:first|second|\d+(?:st|nd|rd|th))? ?workshop|proceedings|report on|overview of the|"
    r"call for)\b",
    re.IGNORECASE,
)


def _terms(pattern: re.Pattern[str], text: str) -> str:
    return ", ".join(dict.fromkeys(m.lower() for m in pattern.findall(text)))[:120] or "-"


def scope_of(title: str, abstract: str) -> tuple[str, str]:
    """(scope, reason) for a paper (see module doc)."""
    text = f"{title} {abstract}"
    rec, ir, off = RECOMMEND.findall(text), IR_METHOD.findall(text), OFF_TOPIC.findall(text)
    if EVENT.search(title.strip()):
        return "out_of_scope", "an event announcement or proceedings, not a research paper"
    if TOOL.search(text) and DOMAIN.search(text):
        return "out_of_scope", f"recommendation used as a tool in another field ({_terms(DOMAIN, text)})"
    if RECOMMEND.search(title) or (len(rec) >= 3 and len(rec) >= len(off)):
        return "recsys", f"recommendation system paper (mentions {_terms(RECOMMEND, text)})"
    if off and len(off) >= len(ir) // 2 + 1:
        return "out_of_scope", f"not recommendation or reusable retrieval (about {_terms(OFF_TOPIC, text)})"
    if DOMAIN.search(title):
        return "out_of_scope", f"search/IR for one domain ({_terms(DOMAIN, title)}), not recommendation"
    if len(ir) >= 2 or (ir and re.search(r"retriev|rank|search|index", title, re.I)):
        return (
            "adjacent",
            f"general search/IR rather than recommendation (mentions {_terms(IR_METHOD, text)})",
        )
    return "out_of_scope", "no recommendation or retrieval/ranking vocabulary in title or abstract"


def is_search_paper(title: str, abstract: str) -> bool:
    """A search/IR paper rather than a recommendation one (flagged when a report includes it)."""
    return not RECOMMEND.search(f"{title} {abstract}")
