"""Directions Worth Watching: terms whose weekly paper count rose against the database's earlier weeks.

Input: the week's in-scope Items, its storylines and the History. Candidate terms are the storylines'
threads and the phrases their papers share; each is counted in this week's in-scope papers and in
every earlier week the database holds (a week it never crawled is missing, not zero). Output: the
three `Trend`s with the largest rise (this week's count minus the earlier weekly mean), each with
this week's count, the earlier counts per week, the papers behind it, and whether the history is
long enough (MIN_WEEKS) to call it a trend at all. Pure and deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ingest.report.history import History
from ingest.report.select import Item
from ingest.report.storylines import Storyline, phrases

MIN_WEEKS = 3


@dataclass
class Trend:
    title: str
    phrase: str
    count: int  # in-scope papers of this week holding the phrase
    history: dict[str, int] = field(default_factory=dict)  # earlier week -> papers
    papers: list[str] = field(default_factory=list)  # arXiv ids of this week's papers behind it
    storyline: str = ""  # the storyline key it comes from, if any

    @property
    def mean(self) -> float:
        return sum(self.history.values()) / len(self.history) if self.history else 0.0

    @property
    def enough_history(self) -> bool:
        return len(self.history) >= MIN_WEEKS

    @property
    def rise(self) -> float:
        return self.count - self.mean


def _holders(items: list[tuple[str, str, set[str]]], phrase: str) -> list[str]:
    return [arxiv_id for arxiv_id, _title, own in items if phrase in own]


def directions(items: list[Item], storylines: list[Storyline], history: History, n: int = 3) -> list[Trend]:
    """The `n` terms with the largest rise (see module doc); ties on the title."""
    week_docs = [(i.arxiv_id, i.title, set(phrases(i.title, i.facts))) for i in items]
    earlier: dict[str, list[set[str]]] = {w: [] for w in history.weeks}
    for p in history.papers:
        earlier[p.week].append(set(phrases(p.title, p.facts)))
    candidates: dict[str, Trend] = {}
    for story in storylines:
        keys = [story.phrase] + [k for k in _shared_keys(story, week_docs) if k != story.phrase]
        for key in keys[:4]:
            if not key or key in candidates:
                continue
            holders = _holders(week_docs, key)
            if len(holders) < 2:
                continue
            counts = {w: sum(1 for doc in docs if key in doc) for w, docs in earlier.items()}
            title = story.title if key == story.phrase else _surface(key, story)
            candidates[key] = Trend(title, key, len(holders), counts, holders, story.key)
    for key in _shared_keys_all(week_docs):
        if key in candidates or len(candidates) >= 12:
            continue
        holders = _holders(week_docs, key)
        counts = {w: sum(1 for doc in docs if key in doc) for w, docs in earlier.items()}
        candidates[key] = Trend(_plain_title(key), key, len(holders), counts, holders)
    ranked = sorted(candidates.values(), key=lambda t: (-t.rise, -t.count, t.title))
    out: list[Trend] = []
    for trend in ranked:
        if all(trend.title.lower() != t.title.lower() and not _overlap(trend, t) for t in out):
            out.append(trend)
        if len(out) == n:
            break
    return out


def _overlap(a: Trend, b: Trend) -> bool:
    """Two terms naming mostly the same papers ('rate prediction', 'click-through rate') are one direction."""
    shared = len(set(a.papers) & set(b.papers))
    return shared * 2 > min(len(a.papers), len(b.papers))


def _shared_keys(story: Storyline, docs: list[tuple[str, str, set[str]]]) -> list[str]:
    members = [own for arxiv_id, _t, own in docs if arxiv_id in story.members]
    common: dict[str, int] = {}
    for own in members:
        for key in own:
            if key.startswith("t:") or (" " in key and not key.startswith("topic:")):
                common[key] = common.get(key, 0) + 1
    return [k for k, c in sorted(common.items(), key=lambda kv: (-kv[1], kv[0])) if c >= 2]


def _shared_keys_all(docs: list[tuple[str, str, set[str]]]) -> list[str]:
    """Techniques and word pairs at least two of the week's papers share, most shared first."""
    common: dict[str, int] = {}
    for _pid, _title, own in docs:
        for key in own:
            if key.startswith("t:") or (" " in key and not key.startswith("topic:")):
                common[key] = common.get(key, 0) + 1
    return [k for k, c in sorted(common.items(), key=lambda kv: (-kv[1], kv[0])) if c >= 2]


def _plain_title(key: str) -> str:
    text = key.removeprefix("t:")
    return " ".join(w[:1].upper() + w[1:] for w in text.split())


def _surface(key: str, story: Storyline) -> str:
    for shared in story.shared:
        if shared.lower().replace("-", " ").startswith(key.removeprefix("t:")[:6]):
            return shared
    text = key.removeprefix("t:")
    return text[:1].upper() + text[1:]
