"""The background corpus: how the wider recommender-systems literature uses a phrase.

Input: package data `ingest/data/background.json`, counted by `count` (through `data/
build_background.py`) from the bulk set of real cs.IR papers: for every word and word-pair key
(report/terms.py) used by at least MIN_DF papers, in how many titles and in how many papers (title or
abstract) it occurs. Output: `generic(key)`: a phrase too common or too descriptive to name a
storyline. Too common: more than COMMON of all papers use it ('recommendation', 'language model').
Descriptive: papers write it in their abstracts but rarely name their work after it, fewer than
TITLE_SHARE of its uses are in a title ('historical interaction', 'user preference',
'representation'); a thread's name ('semantic ID', 'sponsored search', 'scaling law') is a phrase
papers put in their titles. A phrase the table does not hold (rare, or new) is never generic. The
file ships inside the package, read once per process; a missing or malformed file is a packaging
bug and raises.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from functools import cache
from importlib import resources

from ingest.report import terms

MIN_DF = 10  # phrases used by fewer papers are not kept
COMMON = 0.08  # share of all papers above which a phrase is too common to name a thread
TITLE_SHARE = 0.2  # share of a phrase's papers that use it in the title, below which it only describes


def count(papers: Iterable[tuple[str, str]]) -> dict:
    """(title, abstract) pairs -> the table: {"papers": N, "phrases": {key: [in titles, in papers]}}
    for every key used by at least MIN_DF papers, keys sorted."""
    titles: Counter[str] = Counter()
    anywhere: Counter[str] = Counter()
    total = 0
    for title, abstract in papers:
        total += 1
        in_title = {key for key, _ in terms.keys(title)}
        titles.update(in_title)
        anywhere.update(in_title | {key for key, _ in terms.keys(abstract)})
    kept = {key: [titles[key], n] for key, n in sorted(anywhere.items()) if n >= MIN_DF}
    return {"papers": total, "min_df": MIN_DF, "phrases": kept}


@cache
def table() -> tuple[int, dict[str, tuple[int, int]]]:
    """(papers counted, key -> (in titles, in papers)) from the package data."""
    text = resources.files("ingest").joinpath("data/background.json").read_text(encoding="utf-8")
    raw = json.loads(text)
    return int(raw["papers"]), {key: (int(t), int(n)) for key, (t, n) in raw["phrases"].items()}


def generic(key: str) -> bool:
    """True when the phrase key (a terms key, or a technique key 't:...') is too common or only
    descriptive in the background corpus (see module doc)."""
    total, phrases = table()
    key = key.removeprefix("t:")
    # a short last word keeps its plural as a key ('scaling laws' in titles, 'scaling law' in text)
    forms = [phrases[f] for f in {key, key + "s", key.removesuffix("s")} if f in phrases]
    if not forms:
        return False
    in_titles, used = sum(f[0] for f in forms), sum(f[1] for f in forms)
    return used > COMMON * total or in_titles < TITLE_SHARE * used
