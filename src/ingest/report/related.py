"""Related earlier work: for each deep dive, the earlier papers in the database it can be compared with.

Input: the deep-dive Items and the earlier in-scope papers with their fact sheets (History). An
earlier paper qualifies only when it overlaps concretely: a result metric both report (normalised:
'click-through rate' = 'CTR') or a named technique both use. Among those, the most similar by the
storyline phrase space come first; at most `k` per item. Output: `Related` entries on each item,
with the shared metrics and techniques named, so a writer compares methods and results, never a
name and three shared words. Pure; an empty history yields no comparisons.
"""

from __future__ import annotations

import re

from ingest.facts.claims import METRIC_ALIASES
from ingest.facts.sheet import PaperFacts
from ingest.report.history import Earlier
from ingest.report.select import Item, Related
from ingest.report.storylines import phrases

MIN_SIMILARITY = 0.05


def metric_key(metric: str) -> str:
    """A metric's comparable name: aliases folded ('click-through rate' -> 'ctr'), @k kept."""
    low = re.sub(r"\s+", " ", metric.lower().replace("-", " ")).strip()
    for name, aliases in METRIC_ALIASES.items():
        if low == name or low in {a.replace("-", " ") for a in aliases}:
            return name
    return low


def _metrics(facts: PaperFacts) -> dict[str, str]:
    return {metric_key(c.metric): c.metric for c in facts.results if c.setting in ("online", "offline")}


def _techniques(facts: PaperFacts) -> dict[str, str]:
    return {t.lower(): t for t in facts.key_techniques}


def attach_related(deep: list[Item], earlier: list[Earlier], k: int = 2) -> None:
    """Set `related` on every deep-dive item (see module doc)."""
    if not deep or not earlier:
        return
    from sklearn.feature_extraction.text import TfidfVectorizer  # here: see terms.stop_words
    from sklearn.metrics.pairwise import cosine_similarity

    docs = [phrases(e.title, e.facts) for e in earlier] + [phrases(i.title, i.facts) for i in deep]
    vectors = TfidfVectorizer(analyzer=lambda doc: doc, sublinear_tf=True).fit_transform(docs)
    sims = cosine_similarity(vectors[len(earlier) :], vectors[: len(earlier)])
    for row, item in enumerate(deep):
        mine_metrics, mine_techniques = _metrics(item.facts), _techniques(item.facts)
        scored = []
        for col, other in enumerate(earlier):
            shared_metrics = [mine_metrics[m] for m in mine_metrics if m in _metrics(other.facts)]
            shared_terms = [mine_techniques[t] for t in mine_techniques if t in _techniques(other.facts)]
            if (shared_metrics or shared_terms) and sims[row, col] >= MIN_SIMILARITY:
                scored.append((float(sims[row, col]), other, shared_metrics, shared_terms))
        scored.sort(key=lambda s: (-s[0], s[1].arxiv_id))
        item.related = [
            Related(
                o.arxiv_id,
                (o.facts.short_name or o.title.split(":")[0]).strip(),
                o.week,
                o.abstract,
                o.facts,
                metrics,
                terms,
            )
            for _sim, o, metrics, terms in scored[:k]
        ]
