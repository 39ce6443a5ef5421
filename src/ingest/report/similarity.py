"""TF-IDF cosine similarity over paper texts (pure Python, no model downloads).

Input: texts keyed by id -> sparse TF-IDF vectors -> cosine scores. Used by the report stage to
find related earlier papers (candidates the writer may cite) and by the offline planner to group a
week's papers. Deterministic: ties break on the key. No I/O, no failure modes beyond empty input
(an empty corpus yields no neighbours).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping

TOKEN = re.compile(r"[a-z][a-z0-9\-]{2,}")
STOP = frozenset(
    """the and for with that this from are our can not but its their these those into via over
    under than then also more most such both each which while where when what how who all any
    use used using based propose proposed proposes paper approach method methods framework model
    models results show shows shown achieve achieves existing however novel new work study task tasks
    recommendation recommendations recommender recommenders system systems user users item items
    performance experiments extensive datasets dataset data state-of-the-art significantly further
    across between without within has have been being was were will may might one two three first""".split()
)


def tokens(text: str) -> list[str]:
    """Lower-cased content words of `text` (stop words and short tokens dropped)."""
    return [t for t in TOKEN.findall(text.lower()) if t not in STOP]


class TfIdf:
    """A TF-IDF space fitted on a corpus; `vector` maps any text into it."""

    def __init__(self, corpus: Iterable[str]) -> None:
        docs = [set(tokens(text)) for text in corpus]
        df: Counter[str] = Counter()
        for doc in docs:
            df.update(doc)
        n = max(1, len(docs))
        self.idf = {term: math.log((1 + n) / (1 + count)) + 1.0 for term, count in df.items()}

    def vector(self, text: str) -> dict[str, float]:
        counts = Counter(tokens(text))
        vec = {t: (1 + math.log(c)) * self.idf.get(t, 1.0) for t, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return {t: v / norm for t, v in vec.items()}


def cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    """Cosine of two normalised sparse vectors."""
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(t, 0.0) for t, v in a.items())


def nearest(
    query: str, candidates: Mapping[str, str], k: int = 2, min_score: float = 0.12, space: TfIdf | None = None
) -> list[tuple[str, float]]:
    """The `k` candidate keys most similar to `query` (score >= min_score), best first."""
    if not candidates:
        return []
    space = space or TfIdf(list(candidates.values()) + [query])
    q = space.vector(query)
    scored = [(key, cosine(q, space.vector(text))) for key, text in candidates.items()]
    scored = [(key, s) for key, s in scored if s >= min_score]
    scored.sort(key=lambda pair: (-pair[1], pair[0]))
    return scored[:k]


def similarity_matrix(texts: Mapping[str, str]) -> dict[tuple[str, str], float]:
    """Pairwise cosine between all texts (both orders), fitted on these texts."""
    space = TfIdf(texts.values())
    vecs = {key: space.vector(text) for key, text in texts.items()}
    keys = sorted(vecs)
    out: dict[tuple[str, str], float] = {}
    for i, a in enumerate(keys):
        for b in keys[i + 1 :]:
            out[(a, b)] = out[(b, a)] = cosine(vecs[a], vecs[b])
    return out
