"""Storylines discovered per week: in-scope papers clustered by the phrases and techniques they share.

Input: the week's in-scope Items and the fact sheets of the database's earlier weeks (the history,
at most 8 weeks). Each paper becomes a bag of key phrases (its named techniques, title and
contribution bigrams and words, its topics); TF-IDF fitted on history + week weighs each phrase by
how unusual it is against the last weeks (scikit-learn), and average-linkage agglomerative
clustering on cosine distance groups the week's papers (the number of clusters picked by silhouette).
Output: `Storyline`s (3-5, each at least 2 papers, named after the phrase its papers share most,
never "Other"), ordered by strength (the attention scores of their papers), and each paper's
novelty (the share of its phrases the history rarely used). Deterministic (fixed order, no random
state). A week with fewer than 4 in-scope papers yields what it can (possibly no storyline).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy and scikit-learn are imported where a week is clustered, not with the module
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

from ingest.facts import topics
from ingest.facts.sheet import PaperFacts
from ingest.report import background, terms
from ingest.report.select import Item

MIN_SIZE, MAX_STORYLINES = 2, 5


@dataclass
class Storyline:
    key: str  # a stable id inside one report: "s1", "s2", ...
    title: str
    thread: str  # the shared phrase it is named after (as the papers write it)
    members: list[str]  # arXiv ids, strongest first
    shared: list[str] = field(default_factory=list)  # phrases at least two members share
    topic: str = "other"  # the members' most common taxonomy topic
    strength: float = 0.0
    phrase: str = ""  # the normalised phrase key it is named after (for counting it in other weeks)


def phrases(title: str, facts: PaperFacts, surface: dict[str, Counter[str]] | None = None) -> list[str]:
    """The key phrases of one paper: its named techniques, the words and adjacent word pairs of its
    title (counted twice) and contribution (stop words and generic research words left out), its topics."""
    out: list[str] = []
    for tech in facts.key_techniques:
        key = terms.technique_key(tech)
        out += [key, key]
        if surface is not None:
            surface.setdefault(key, Counter())[tech.strip()] += 1
    for text, weight in ((title, 2), (facts.contribution, 1)):
        for key, written in terms.keys(text):
            out += [key] * weight
            if surface is not None:
                surface.setdefault(key, Counter())[written] += 1
    out += [f"topic:{slug}" for slug in facts.topics if slug != "other"] * 4
    return out


def _thread(key: str, surface: dict[str, Counter[str]]) -> str:
    """The phrase as prose: acronyms and names keep their capitals, other words are lower case."""
    if not key or key.startswith("topic:"):
        return ""
    forms = surface.get(key)
    return as_thread(forms.most_common(1)[0][0] if forms else key.removeprefix("t:"))


def as_thread(text: str) -> str:
    """A title or phrase as words inside a sentence: acronyms and names with inner capitals or digits
    keep their case ('semantic IDs', 'LLM'), other words are lower case, each part of a hyphenated
    word on its own ('LLM and agent-driven recommendation', 'RQ-VAE')."""

    def word(w: str, first: bool = True) -> str:
        if "-" in w.strip("-"):  # each part of 'Agent-Driven', 'E-Commerce', 'Top-K' on its own
            return "-".join(word(part, n == 0) for n, part in enumerate(w.split("-")))
        kept = sum(c.isupper() for c in w) > 1 or any(c.isdigit() for c in w) or (w.isupper() and not first)
        return w if kept else w.lower()

    return " ".join(word(w) for w in text.split())


def _vectorizer() -> TfidfVectorizer:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(analyzer=lambda doc: doc, sublinear_tf=True, norm="l2")


def novelty(items: list[Item], history: list[tuple[str, PaperFacts]]) -> dict[str, float]:
    """arxiv id -> share of its technique and bigram phrases used by fewer than 2 earlier papers."""
    seen: Counter[str] = Counter()
    for title, facts in history:
        seen.update(set(p for p in phrases(title, facts) if " " in p or p.startswith("t:")))
    out = {}
    for item in items:
        own = {p for p in phrases(item.title, item.facts) if " " in p or p.startswith("t:")}
        out[item.arxiv_id] = round(sum(1 for p in own if seen[p] < 2) / len(own), 3) if own else 0.0
    return out


def _best_labels(distance: np.ndarray, n: int) -> np.ndarray:
    """Cluster labels for n papers: the number of clusters (3..n-1, at most 8) with the best silhouette."""
    import numpy as np
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.metrics import silhouette_score

    best: tuple[float, np.ndarray] | None = None
    for k in range(3, min(8, n - 1) + 1):
        labels = AgglomerativeClustering(n_clusters=k, metric="precomputed", linkage="average").fit_predict(
            distance
        )
        if len(set(labels)) < 2:
            continue
        score = float(silhouette_score(distance, labels, metric="precomputed"))
        if best is None or score > best[0] + 1e-9:
            best = (score, labels)
    if best is None:
        return np.zeros(n, dtype=int)
    return best[1]


def _title(key: str, surface: dict[str, Counter[str]]) -> str:
    """A phrase as the papers write it, each word capitalised unless it already has capitals."""
    if key.startswith("topic:"):
        return topics.title_of(key.removeprefix("topic:"))
    forms = surface.get(key)
    text = forms.most_common(1)[0][0] if forms else key.removeprefix("t:")
    return " ".join(w if any(c.isupper() for c in w) else w[:1].upper() + w[1:] for w in text.split())


ADJECTIVE = re.compile(r"(?:al|ive|ous|ic|ed|able|ible)$")
NOUN_LIKE = frozenset(
    "retrieval signal interval trial proposal journal tutorial removal approval rental portal capital "
    "survival arrival logic music topic graphic metric clinic".split()
)
MODIFIERS = frozenset({"recommender"})  # a noun that stands before another ('recommender system')


def _unnamed(key: str) -> bool:
    """A phrase that names no thread: one ending in an adjective or a modifier ('retrieval-augmented
    commercial', 'scalable', 'industrial recommender'), or one the background corpus finds too common
    or only descriptive ('language model', 'historical interaction'; report/background.py)."""
    if key.startswith("topic:"):
        return False
    last = (key.removeprefix("t:").split() or [""])[-1]
    dangling = (bool(ADJECTIVE.search(last)) and last not in NOUN_LIKE) or last in MODIFIERS
    return dangling or background.generic(key)


def _name(
    members: list[int],
    docs: list[list[str]],
    weights: dict[str, float],
    taken: set[str],
    primary: Sequence[str] | None = None,
) -> tuple[str, list[str]]:
    """What the members share, as the key the storyline is named after, and every shared phrase (best
    first). A technique or word pair that at least 30% of them share wins, unless fewer than half hold
    it and most of them have one first taxonomy topic (`primary`, per doc): then the topic names it. A
    single word is widened to the pair it most often stands in, else to the topic most members share;
    it is the last resort."""
    df: Counter[str] = Counter()
    for m in members:
        df.update(set(docs[m]))
    need = max(2, round(0.3 * len(members)))

    def value(p: str) -> tuple[bool, float]:
        phrase = p.startswith("t:") or " " in p
        return (not (phrase and df[p] >= need), -df[p] * weights.get(p, 1.0))

    shared = sorted(
        (p for p, n in df.items() if n >= 2 and not p.startswith("topic:")), key=lambda p: (value(p), p)
    )
    topic = _leading_topics(members, docs, primary, taken)[:1]
    firsts = Counter(f"topic:{primary[m]}" for m in members if primary and primary[m] != "other")
    half = (len(members) + 1) // 2
    first = sorted(firsts.items(), key=lambda tn: (-tn[1], tn[0]))[:1]
    broad = first[0][0] if first and 2 * first[0][1] > len(members) and first[0][0] not in taken else ""
    for p in shared:
        if p in taken or _unnamed(p):
            continue
        if broad and df[p] < half:  # a phrase most members lack names less than the topic most share
            continue
        if " " not in p and not p.startswith("t:"):
            pairs = [
                q
                for q in shared
                if " " in q and p in q.removeprefix("t:").split() and q not in taken and not _unnamed(q)
                if not broad or df[q] >= half
            ]
            if broad and not pairs:
                continue
            if pairs:
                return max(pairs, key=lambda q: (df[q], weights.get(q, 0.0), q)), shared
            if topic and topic[0][1] >= half:
                return topic[0][0], shared
        return p, shared
    if broad:
        return broad, shared
    if topic:  # the topic most members hold names more than a generic phrase
        return topic[0][0], shared
    return (shared[0] if shared else ""), shared


def _threaded(key: str, members: list[int], docs: list[list[str]]) -> bool:
    """Whether the members share the thread `key` names: a taxonomy topic at least half of them hold,
    or a phrase at least 30% of them (and two) hold that names something (see _unnamed)."""
    if not key:
        return False
    held = sum(1 for m in members if key in docs[m])
    if key.startswith("topic:"):
        return 2 * held >= len(members)
    return held >= max(2, round(0.3 * len(members))) and not _unnamed(key)


def _leading_topics(
    members: list[int], docs: list[list[str]], primary: Sequence[str] | None, taken: set[str]
) -> list[tuple[str, int]]:
    """(topic key, members holding it) for the topics no other storyline is named after, the one most
    members hold first leading, then the one most hold at all; ties on the key (never on set order)."""
    held = Counter(s for m in members for s in set(docs[m]) if s.startswith("topic:"))
    firsts = Counter(f"topic:{primary[m]}" for m in members if primary and primary[m] != "other")
    return [(t, held[t]) for t in sorted(held, key=lambda t: (-firsts[t], -held[t], t)) if t not in taken]


def _core(members: list[int], docs: list[list[str]], primary: Sequence[str], taken: set[str]) -> list[int]:
    """The members of a cluster without a thread that hold its leading topic (_leading_topics); []
    when every topic of theirs already names a storyline."""
    leading = _leading_topics(members, docs, primary, taken)[:1]
    return [m for m in members if leading and leading[0][0] in docs[m]]


def discover(items: list[Item], history: list[tuple[str, PaperFacts]]) -> list[Storyline]:
    """The week's storylines over its in-scope items (see module doc), strongest first."""
    if len(items) < 4:
        return by_topic(items)
    import numpy as np
    from sklearn.metrics.pairwise import cosine_similarity

    surface: dict[str, Counter[str]] = {}
    docs = [phrases(i.title, i.facts, surface) for i in items]
    vectorizer = _vectorizer()
    vectorizer.fit([phrases(t, f) for t, f in history] + docs)
    matrix = vectorizer.transform(docs)
    weights = dict(zip(vectorizer.get_feature_names_out(), vectorizer.idf_, strict=True))
    distance = np.clip(1.0 - cosine_similarity(matrix), 0.0, 2.0)
    np.fill_diagonal(distance, 0.0)
    labels = _best_labels(distance, len(items))
    groups: dict[int, list[int]] = {}
    for index, label in enumerate(labels):
        groups.setdefault(int(label), []).append(index)
    candidates = []
    for members in groups.values():
        if len(members) < MIN_SIZE:
            continue
        members.sort(key=lambda m: (-items[m].score, items[m].arxiv_id))
        strength = sum(sorted((items[m].score for m in members), reverse=True)[:3])
        candidates.append((strength, members))
    candidates.sort(key=lambda c: (-c[0], items[c[1][0]].arxiv_id))
    taken: set[str] = set()
    primary = [i.facts.topics[0] if i.facts.topics else "other" for i in items]

    def storyline(strength: float, members: list[int]) -> Storyline:
        key, shared = _name(members, docs, weights, taken, primary)
        taken.add(key)
        topic_counts = Counter(s for m in members for s in items[m].facts.topics[:1])
        return Storyline(
            key="",
            title=_title(key, surface) if key else topics.title_of(topic_counts.most_common(1)[0][0]),
            thread=_thread(key, surface),
            members=[items[m].arxiv_id for m in members],
            shared=[_title(p, surface) for p in shared[:6] if not p.startswith("topic:")],
            topic=topic_counts.most_common(1)[0][0] if topic_counts else "other",
            strength=round(strength, 3),
            phrase=key,
        )

    out: list[Storyline] = []
    for strength, members in candidates:
        if len(out) == MAX_STORYLINES:
            break
        key, _shared = _name(members, docs, weights, taken, primary)
        if not _threaded(key, members, docs):  # no thread: its core, the papers of its leading topic
            members = _core(members, docs, primary, taken)
            if len(members) < MIN_SIZE:
                continue
            strength = sum(sorted((items[m].score for m in members), reverse=True)[:3])
        out.append(storyline(strength, members))
    out.sort(key=lambda s: (-s.strength, s.members[0]))
    for n, story in enumerate(out, start=1):
        story.key = f"s{n}"
    return out or by_topic(items)


def by_topic(items: list[Item]) -> list[Storyline]:
    """Too few papers to cluster: one storyline per taxonomy topic two papers share, else one for all."""
    groups: dict[str, list[Item]] = {}
    for item in items:
        groups.setdefault(item.facts.topics[0] if item.facts.topics else "other", []).append(item)
    shared = [(slug, group) for slug, group in groups.items() if len(group) >= 2 and slug != "other"]
    slug: str  # a topic slug or "other"
    if not shared and items:
        slug = Counter(i.facts.topics[0] if i.facts.topics else "other" for i in items).most_common(1)[0][0]
        shared = [(slug, list(items))]
    out: list[Storyline] = []
    for slug, group in sorted(shared, key=lambda sg: (-sum(i.score for i in sg[1]), sg[0])):
        group = sorted(group, key=lambda i: (-i.score, i.arxiv_id))
        title = topics.title_of(slug) if slug != "other" else group[0].name
        out.append(
            Storyline(
                f"s{len(out) + 1}",
                title,
                as_thread(title),
                [i.arxiv_id for i in group],
                [],
                slug,
                round(sum(i.score for i in group[:3]), 3),
                f"topic:{slug}",
            )
        )
    return out


def similarity(items: list[Item], history: list[tuple[str, PaperFacts]]) -> dict[tuple[str, str], float]:
    """Cosine similarity of every pair of items (both orders), in the same phrase space."""
    from sklearn.metrics.pairwise import cosine_similarity

    docs = [phrases(i.title, i.facts) for i in items]
    vectorizer = _vectorizer()
    vectorizer.fit([phrases(t, f) for t, f in history] + docs)
    sims = cosine_similarity(vectorizer.transform(docs))
    return {
        (a.arxiv_id, b.arxiv_id): float(sims[i, j]) for i, a in enumerate(items) for j, b in enumerate(items)
    }
