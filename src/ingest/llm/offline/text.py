"""Text rules for the offline extractor: sentences, named techniques, datasets, code URL, topics and
scope (the paper's short name is short_names.py). Input: title/abstract/comment strings (untrusted
data, never executed or obeyed). Output: plain strings and lists that are substrings of the input.
Pure and deterministic.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ingest.facts import scope as scope_rules
from ingest.facts.prose import SENTENCE
from ingest.facts.topics import taxonomy

ABBREVIATIONS = re.compile(r"\b(?:e\.g|i\.e|etc|vs|et al|Fig|Eq|cf|approx|resp|w\.r\.t)\.$", re.IGNORECASE)
GENERIC_ACRONYMS = {
    "LLM",
    "LLMs",
    "CTR",
    "CVR",
    "GR",
    "SID",
    "SIDs",
    "RL",
    "GNN",
    "GNNs",
    "CF",
    "NLP",
    "RAG",
    "MLLM",
    "MLLMs",
    "IR",
    "QA",
    "AI",
    "ML",
    "DL",
    "VLM",
    "VLMs",
    "KG",
    "KGs",
    "CDR",
    "SR",
    "SOTA",
    "API",
    "GPU",
    "GPUs",
    "NTP",
    "MoE",
    "ID",
    "IDs",
    "HID",
    "HIDs",
    "UI",
    "AUC",
    "NDCG",
    "MRR",
    "GMV",
    "A/B",
    "CoT",
    "LTR",
    "GenIR",
    "MTL",
    "SFT",
    "DPO",
    "PPO",
    "GRPO",
    "RLHF",
    "RLVR",
    "VAE",
    "RQ-VAE",
    "ANN",
    "KD",
    "MLP",
    "CNN",
    "RNN",
    "LoRA",
    "PEFT",
    "E-commerce",
    "MSE",
    "SVD",
    "IPS",
    "MFU",
    "FFN",
    "MHA",
    "EOS",
}
SCOPE_RECSYS = re.compile(
    r"recommend|\bctr\b|click-through|\bcvr\b|collaborative filtering|user (?:interest|preference|"
    r"behavio|histor)|"
    r"\bitems?\b|personali[sz]|ranking models?|pre-ranking|re-?ranking in|feeds?\b|\bads\b|advertis|"
    r"e-commerce|"
    r"user engagement|watch time|semantic ids?|\bsids?\b|cold-start",
    re.IGNORECASE,
)
SCOPE_SEARCH = re.compile(
    r"web search|search engines?|e-commerce search|product search|sponsored search|search ranking|"
    r"search results|query rewriting|query expansion|learning[- ]to[- ]rank|dense retriev\w*|retrievers?\b|"
    r"re-?rank\w*|generative retrieval|nearest neighbou?r|\bann\b|document ranking|ranked lists?|"
    r"advertis\w*|\bads\b|auctions?|bidding|click models?|query[- ]document|passage ranking",
    re.IGNORECASE,
)
SCOPE_WEAK = re.compile(
    r"retriev|\bquer(?:y|ies)\b|\bsearch|\branking\b|\bdocuments?\b|\brelevance\b", re.IGNORECASE
)
SCOPE_OFF = re.compile(
    r"retrieval-augmented|\brag\b|question answering|\bqa\b|hallucinat|knowledge graph completion|"
    r"fact[- ]check|legal|medical|clinical|biomedical|scientific literature|citation|math|code generation|"
    r"machine translation|summari[sz]ation|chatbot|multi-hop|person search|entity alignment|link prediction|"
    r"novelty|oracle bone|memory for|conversational agents?|classification",
    re.IGNORECASE,
)
URL = re.compile(r"https?://[^\s<>\"')\]}]+")
DATASET_NAMES = (
    "MovieLens-1M",
    "MovieLens-20M",
    "MovieLens",
    "ML-1M",
    "ML-20M",
    "Amazon Beauty",
    "Amazon Books",
    "Amazon-Book",
    "Amazon Reviews",
    "Yelp",
    "Gowalla",
    "Foursquare",
    "Steam",
    "Goodreads",
    "LastFM",
    "Last.fm",
    "KuaiRec",
    "KuaiRand",
    "KuaiSAR",
    "MIND",
    "Criteo",
    "Avazu",
    "Taobao",
    "Tmall",
    "Douban",
    "Epinions",
    "Ciao",
    "Netflix Prize",
    "Book-Crossing",
    "Ali-CCP",
    "Tenrec",
    "MicroLens",
    "Pinterest",
    "MS MARCO",
    "MSMARCO",
    "BEIR",
    "TREC",
    "Natural Questions",
    "HotpotQA",
    "BRIGHT",
    "LoTTE",
    "MTEB",
    "MMEB",
    "MMEB-V1",
    "MMEB-V2",
    "Amazon",
)


DATASET_PATTERN = re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(n) for n in DATASET_NAMES) + r")(?![\w])")


def sentences(text: str) -> list[str]:
    """The text's sentences (abbreviations such as 'e.g.' and 'et al.' do not end a sentence)."""
    text = re.sub(r"\s+", " ", text or "").strip()
    out: list[str] = []
    for piece in SENTENCE.split(text):
        if out and ABBREVIATIONS.search(out[-1]):
            out[-1] = f"{out[-1]} {piece}"
        else:
            out.append(piece)
    return [s for s in out if s]


TECH_PAREN = re.compile(
    r"((?:[A-Z][\w-]*|of|for|and|the|with)(?:\s+(?:[A-Z][\w-]*|of|for|and|the|"
    r"with)){0,5})"
    r"\s+\(([A-Z][\w-]{1,14})\)"
)
TECH_ENUM = re.compile(
    r"(?:\((?:i{1,3}|iv|v|vi|\d)\)|\b(?:First|Second|Third|Finally),)\s+(?:an?\s+|the\s+)?"
    r"([\w-]+(?:\s+[\w-]+){0,5}?)(?=\s+(?:that|which|to|for|with|where|as|in|over|of|"
    r"designed|"
    r"serving|using|based)\b|[,;:.(])"
)
GENERIC_PHRASES = {
    "semantic ids",
    "semantic identifiers",
    "semantic id",
    "generative recommendation",
    "large language models",
    "large language model",
    "click-through rate",
    "generative retrieval",
    "recommender systems",
    "recommendation systems",
    "sequential recommendation",
}
CHALLENGE = re.compile(r"challenge|problem|limitation|issue|bottleneck|drawback|difficult", re.IGNORECASE)
TECH_CAPS = re.compile(
    r"(?<![.:]\s)(?<!^)\b((?:[A-Z][a-z]+[\w-]*|[A-Z]{2,}[\w-]*)"
    r"(?:[\s-](?:[A-Z][\w-]*|of)){1,4})"
)
TECH_CODE = re.compile(r"\b([A-Z]{2,}[A-Za-z]*-[A-Z]{1,4}|[A-Z][a-z]+-wise [A-Z]{2,})\b")
TECH_STOP = re.compile(
    r"^(?:the|a|an|we|our|it|this|these|two|three|four|key|novel|new|first|second|"
    r"stage|module|component|step)\b",
    re.IGNORECASE,
)


def _in_challenge(abstract: str, pos: int) -> bool:
    begin = max(abstract.rfind(". ", 0, pos), 0)
    return bool(CHALLENGE.search(abstract[begin:pos]))


def key_techniques(abstract: str, exclude: set[str], title: str = "", limit: int = 6) -> list[str]:
    """Named components in order of appearance: 'Chain-of-Attribute (CoA)', '(i) a reference vector', ..."""
    found: list[tuple[int, str]] = []
    low_excl = {e.lower() for e in exclude if e} | GENERIC_PHRASES
    expansions = [
        m.group(1).lower()
        for name in exclude
        if name
        for m in re.finditer(re.escape(name) + r"\s*\(([^)]{8,})\)", abstract)
    ]
    for m in TECH_PAREN.finditer(abstract):
        phrase = re.sub(r"^(?:of|for|and|the|with)\s+", "", m.group(1).split(" with ")[-1]).strip()
        acronym = m.group(2)
        if (
            acronym not in GENERIC_ACRONYMS
            and phrase.lower() not in low_excl
            and acronym.lower() not in low_excl
            and acronym.lower() not in title.lower().split(":")[0]
        ):
            found.append((m.start(), f"{phrase} ({m.group(2)})"))
    for m in TECH_ENUM.finditer(abstract):
        phrase = m.group(1).strip()
        if (
            1 <= len(phrase.split()) <= 6
            and not TECH_STOP.match(phrase)
            and not _in_challenge(abstract, m.start())
        ):
            found.append((m.start(1), phrase))
    for rx in (TECH_CODE, TECH_CAPS):
        for m in rx.finditer(abstract):
            phrase = m.group(1).strip()
            if (
                phrase.lower() not in low_excl
                and phrase.split()[0] not in GENERIC_ACRONYMS
                and len(phrase) > 4
            ):
                found.append((m.start(1), phrase))
    out: list[str] = []
    for _, phrase in sorted(found):
        bare = re.sub(r"\s*\([^)]*\)$", "", phrase).lower()
        if bare in low_excl or any(bare in e for e in expansions):
            continue
        if not any(phrase.lower() in o.lower() or o.lower() in phrase.lower() for o in out):
            out.append(phrase)
    return out[:limit]


NOT_DATASET = {
    "Extensive",
    "Experiments",
    "Three",
    "Four",
    "Two",
    "Five",
    "Six",
    "Public",
    "Real",
    "Benchmark",
}


def datasets(text: str) -> list[str]:
    """Known dataset names, plus 'X dataset(s)' phrases with a capitalised X."""
    out: list[str] = []
    for m in DATASET_PATTERN.finditer(text):
        name = m.group(0)
        if not any(name in o for o in out):
            out.append(name)
    for m in re.finditer(r"\b([A-Z][\w.-]+(?:\s[A-Z][\w.-]+){0,2})\s+datasets?\b", text):
        name = m.group(1)
        if (
            name not in out
            and not any(name in o or o in name for o in out)
            and name.split()[0] not in NOT_DATASET
        ):
            out.append(name)
    return out[:6]


def code_url(*texts: str) -> str | None:
    for text in texts:
        for m in URL.finditer(text or ""):
            return m.group(0).rstrip(".,;:")
    return None


@lru_cache(maxsize=1)
def _keyword_patterns() -> dict[str, re.Pattern[str]]:
    """slug -> one alternation of its keywords, each a named group k<i> (so hits count per keyword)."""
    out: dict[str, re.Pattern[str]] = {}
    for slug, spec in taxonomy().items():
        parts = []
        for i, kw in enumerate(spec.get("keywords", [])):
            tail = r"\b" if len(kw) <= 4 or kw.endswith("s") else ""
            parts.append(f"(?P<k{i}>" + re.escape(kw.lower()) + tail + ")")
        if parts:
            out[slug] = re.compile(r"\b(?:" + "|".join(parts) + ")")
    return out


def _distinct_hits(pattern: re.Pattern[str], text: str) -> int:
    return len({m.lastgroup for m in pattern.finditer(text.lower())})


def topics(title: str, abstract: str, scope: str, limit: int = 3) -> list[str]:
    """Taxonomy slugs by keyword hits (a title hit weighs 3); 'search' leads for search papers."""
    scores: dict[str, float] = {}
    for slug, pattern in _keyword_patterns().items():
        score = 3.0 * _distinct_hits(pattern, title) + _distinct_hits(pattern, abstract)
        if score >= 2.0:
            scores[slug] = score
    if scope == "adjacent" and "search" in scores:
        scores["search"] += 10.0
    ranked = sorted(scores, key=lambda s: (-scores[s], s))[:limit]
    return ranked or ["other"]


def scope_of(title: str, abstract: str) -> tuple[str, str]:
    """(scope, reason): the shared scope rules (facts.scope)."""
    return scope_rules.scope_of(title, abstract)
