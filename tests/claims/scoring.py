"""Scoring of the offline backend's claims on the hand-labelled corpus (this folder's files).

Input: corpus.jsonl (sentences with their gold claims), institutions.jsonl (each paper's institutions)
and sources.jsonl (each paper's title, abstract and comment). `run_offline` answers prompt
extract_paper v2 with RuleBasedLLM through the LLM seam and verifies the answer exactly as the
extract stage does (extract.verify.verify_answer). `score` matches the verified claims to the gold:
a predicted claim belongs to a corpus sentence when its evidence lies inside that sentence (or,
for a sentence labelled with its context, inside context and sentence, the value in the sentence); it
matches a gold claim of that sentence when their values have the same normalised numbers
(facts.numbers.numbers_in; each gold claim matched once, a gold claim whose metric also matches
preferred). Metric: the predicted metric equals the gold metric or one of its metric_alts after
case, space and hyphen normalisation, or one's content words are all among the other's. Setting:
equal. Direction (of value-matched claims): agreement with the gold, and the precision of the ones
read as decreases (a report prints those 'down'). Precision counts every predicted claim whose
evidence lies in a corpus sentence (unmatched ones are false positives); recall counts every gold
claim. Institutions: per paper, canonical names
against institutions.jsonl. Used by bench/claims.py and tests/test_claims_corpus.py (one matching
code). Deterministic; reads only this folder and the prompts.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.extract.verify import verify_answer
from ingest.facts import topics
from ingest.facts.claims import occurs
from ingest.facts.numbers import numbers_in
from ingest.facts.sheet import PaperFacts, ResultClaim
from ingest.llm.offline import RuleBasedLLM
from ingest.llm.prompts import render

HERE = Path(__file__).resolve().parent
TARGET_PRECISION, TARGET_RECALL = 0.95, 0.80
STOP = frozenset(
    "a an the of on in at to by for from with and or vs versus per over relative than its their our".split()
)


def _lines(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (HERE / name).read_text(encoding="utf-8").splitlines() if line]


def corpus() -> list[dict[str, Any]]:
    """The labelled sentences, in file order."""
    return _lines("corpus.jsonl")


def institutions() -> dict[str, dict[str, Any]]:
    """arxiv id -> the paper's labelled institutions and non-institutions."""
    return {r["id"]: r for r in _lines("institutions.jsonl")}


def sources() -> dict[str, dict[str, Any]]:
    """arxiv id -> {title, abstract, comment}: the paper as the extract stage sees it (no affiliations)."""
    out = {}
    for r in _lines("sources.jsonl"):
        out[r["id"]] = {
            "title": r["title"],
            "abstract": r["abstract"],
            "comment": r.get("comment") or "",
            "affiliations": [],
            "fulltext": "",
        }
    return out


def run_offline(papers: dict[str, dict[str, Any]], version: str = "v2") -> dict[str, PaperFacts]:
    """arxiv id -> verified facts: RuleBasedLLM answers prompt extract_paper `version` through the seam,
    then the answer is verified as the extract stage verifies it."""
    llm = RuleBasedLLM()
    slugs = ", ".join(topics.slugs())

    async def run() -> dict[str, PaperFacts]:
        out = {}
        for arxiv_id, paper in papers.items():
            variables = {"arxiv_id": arxiv_id, "topic_slugs": slugs, "input": paper}
            answer = await llm.complete(render("extract_paper", version, variables), PaperFacts)
            out[arxiv_id] = verify_answer(answer.parsed, paper).facts
        return out

    return asyncio.run(run())


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[-_\u2010-\u2015]", " ", text.lower())).strip()


def _content(text: str) -> set[str]:
    words = re.findall(r"[a-z0-9@^/%]+", _norm(text).replace("'s", ""))
    return {w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in words} - STOP


def metric_matches(predicted: str, gold: dict[str, Any]) -> bool:
    """The predicted metric names the gold claim's metric (see module doc)."""
    names = [gold["metric"], *gold.get("metric_alts", [])]
    mine = _norm(predicted)
    if any(mine == _norm(n) for n in names):
        return True
    words = _content(predicted)
    bare = [re.sub(r"\s*\([^)]*\)", "", n) for n in names]  # 'score (Hybrid AHR)' -> 'score'
    return bool(words) and any((have := _content(n)) and (words <= have or have <= words) for n in bare)


@dataclass
class Tally:
    hit: int = 0
    total: int = 0

    @property
    def rate(self) -> float:
        return self.hit / self.total if self.total else 1.0

    def add(self, ok: bool) -> None:
        self.total += 1
        self.hit += int(ok)


@dataclass
class Score:
    metric_precision: Tally = field(default_factory=Tally)
    metric_recall: Tally = field(default_factory=Tally)
    setting_precision: Tally = field(default_factory=Tally)
    setting_recall: Tally = field(default_factory=Tally)
    institution_precision: Tally = field(default_factory=Tally)
    institution_recall: Tally = field(default_factory=Tally)
    direction: Tally = field(default_factory=Tally)  # value-matched claims whose direction is the gold's
    decrease_precision: Tally = field(default_factory=Tally)  # of those read as decreases (printed 'down')
    value_matched: int = 0  # predicted claims whose value matched a gold claim
    predicted: int = 0  # predicted claims whose evidence lies in a corpus sentence
    gold: int = 0
    by_tag: dict[str, tuple[Tally, Tally]] = field(default_factory=dict)  # tag -> (metric, setting) recall
    misses: list[str] = field(default_factory=list)  # gold claims not recalled (metric or setting)
    false_positives: list[str] = field(default_factory=list)  # predictions with a wrong value/metric/setting
    institution_errors: list[str] = field(default_factory=list)

    def figures(self) -> dict[str, float]:
        return {
            "metric precision": self.metric_precision.rate,
            "metric recall": self.metric_recall.rate,
            "setting precision": self.setting_precision.rate,
            "setting recall": self.setting_recall.rate,
            "institution precision": self.institution_precision.rate,
            "institution recall": self.institution_recall.rate,
            "direction agreement": self.direction.rate,
            "decrease precision": self.decrease_precision.rate,
        }


def _sentence_of(claim: ResultClaim, sentences: list[tuple[int, dict[str, Any]]]) -> int | None:
    """The corpus sentence the claim's evidence lies in; for a sentence labelled with its context
    (carried_context: the metric or the online setting is named by the previous sentence) the
    evidence may start in that context, when the value itself is in the sentence."""
    for index, row in sentences:
        if occurs(claim.evidence, row["text"]):
            return index
    for index, row in sentences:
        if row.get("context") and occurs(claim.evidence, f"{row['context']} {row['text']}"):
            if numbers_in(claim.value) <= numbers_in(row["text"]):
                return index
    return None


def _show(c: ResultClaim) -> str:
    return f"{c.metric!r} = {c.value!r} [{c.setting}, {c.direction}]"


def _gold(g: dict[str, Any]) -> str:
    return f"{g['metric']!r} = {g['value']!r} [{g['setting']}, {g['direction']}]"


def score(facts: dict[str, PaperFacts]) -> Score:
    """Precision and recall of `facts` (arxiv id -> verified facts) against the labelled corpus."""
    out = Score()
    rows = corpus()
    by_paper: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    for index, row in enumerate(rows):
        by_paper[row["id"]].append((index, row))
    for paper_id, sentences in by_paper.items():
        predicted: dict[int, list[ResultClaim]] = defaultdict(list)
        for claim in facts[paper_id].results if paper_id in facts else []:
            at = _sentence_of(claim, sentences)
            if at is not None:
                predicted[at].append(claim)
        for index, row in sentences:
            _score_sentence(out, row, predicted[index])
    _score_institutions(out, facts)
    return out


def _score_sentence(out: Score, row: dict[str, Any], predicted: list[ResultClaim]) -> None:
    gold = row["claims"]
    taken: dict[int, ResultClaim] = {}
    text = row["text"].replace("\n", " ")
    for claim in predicted:
        have = numbers_in(claim.value)
        free = [i for i, g in enumerate(gold) if i not in taken and numbers_in(g["value"]) == have]
        best = next((i for i in free if metric_matches(claim.metric, gold[i])), free[0] if free else None)
        out.predicted += 1
        if best is None:
            out.metric_precision.add(False)
            out.setting_precision.add(False)
            out.false_positives.append(f"{row['id']} no such value: {_show(claim)} in: {text[:140]}")
            continue
        taken[best] = claim
        out.value_matched += 1
        metric_ok = metric_matches(claim.metric, gold[best])
        setting_ok = claim.setting == gold[best]["setting"]
        out.metric_precision.add(metric_ok)
        out.setting_precision.add(setting_ok)
        out.direction.add(claim.direction == gold[best]["direction"])
        if claim.direction == "decrease":
            out.decrease_precision.add(gold[best]["direction"] == "decrease")
        if not (metric_ok and setting_ok):
            out.false_positives.append(f"{row['id']} got {_show(claim)} want {_gold(gold[best])}")
    for i, g in enumerate(gold):
        claim = taken.get(i)
        metric_ok = claim is not None and metric_matches(claim.metric, g)
        setting_ok = claim is not None and claim.setting == g["setting"]
        out.gold += 1
        out.metric_recall.add(metric_ok)
        out.setting_recall.add(setting_ok)
        for tag in row["tags"]:
            pair = out.by_tag.setdefault(tag, (Tally(), Tally()))
            pair[0].add(metric_ok)
            pair[1].add(setting_ok)
        if claim is None:
            out.misses.append(f"{row['id']} missed {_gold(g)} in: {text[:140]}")


def _score_institutions(out: Score, facts: dict[str, PaperFacts]) -> None:
    for paper_id, row in institutions().items():
        want = set(row["institutions"])
        got = {i.canonical for i in facts[paper_id].institutions} if paper_id in facts else set()
        for name in got:
            out.institution_precision.add(name in want)
        for name in want:
            out.institution_recall.add(name in got)
        if got != want:
            out.institution_errors.append(
                f"{paper_id} got {sorted(got)} want {sorted(want)} (not: {row['not_institutions']})"
            )


def corpus_papers() -> dict[str, dict[str, Any]]:
    """Every paper of the corpus and of institutions.jsonl, as the extract stage sees it."""
    every = sources()
    wanted = {r["id"] for r in corpus()} | set(institutions())
    return {k: v for k, v in every.items() if k in wanted}
