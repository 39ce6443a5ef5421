"""Claims in words: verified result claims -> the phrase a report prints, with metric and setting.

`claim_text(claims, lang)` groups claims by setting, in the order online, offline, efficiency, other,
and names a platform or dataset when the group has exactly one: 'online A/B on JD App: click count
9.5%, transaction count 8.7%; efficiency: input length ~2X'; one metric's figures stand side
by side ('App Stay Time +0.101%/+0.260%'); a decrease its value does not sign reads as one ('recall
down 8.5%', never 'recall 8.5%', which reads as a gain); a p-value qualifies a result and a count of
baselines, models or datasets describes the experiment; neither is printed as one.
Values and metrics are printed as stored (never rounded, relabelled or moved; LaTeX markup shown
plain by prose.clean); labels come from the message catalogue. `place_of` is the one rule for a
claim's place: never one of the paper's metric names ('a 1.62% improvement in MRR' names no place).
Pure.
"""

from __future__ import annotations

import re

from ingest.facts.prose import clean
from ingest.facts.sheet import ResultClaim
from ingest.messages import say

SETTING_ORDER = ("online", "offline", "efficiency", "other")
SIGNIFICANCE = re.compile(r"\bp[- ]?values?\b|\bstatistical significance\b", re.IGNORECASE)


def place_of(claim: ResultClaim, claims: list[ResultClaim]) -> str:
    """The claim's platform or dataset, '' when it has none or names one of `claims`' metrics."""
    metrics = {c.metric.lower() for c in claims}
    return claim.where if claim.where and claim.where.lower() not in metrics else ""


SETUP = re.compile(
    r"\b(?:baselines?|competitors?|models|methods|approaches|datasets|benchmarks|systems)$", re.IGNORECASE
)


def setup_count(claim: ResultClaim) -> bool:
    """A count of what the paper compared against or evaluated on ('11 state-of-the-art baselines',
    '13 mainstream models', 'five benchmark datasets'): the experiment's setup, not a result."""
    return bool(re.fullmatch(r"\d[\d,]*", claim.value.strip()) and SETUP.search(claim.metric.strip()))


SIGNED = re.compile(r"^\s*[-+−–~]")


def _down(claim: ResultClaim, value: str) -> bool:
    """A decrease whose value does not say so itself ('8.5%' for 'a decrease of 8.5% on recall'); a
    signed value ('-44.67%') or one in words ('500ms to 200ms') already does."""
    return claim.direction == "decrease" and not SIGNED.match(value) and " " not in value.strip()


def _side_by_side(rows: list[ResultClaim]) -> list[tuple[str, str, bool]]:
    """(metric, value, down) in order, one metric's single-token figures of one direction joined by
    '/' ('App Stay Time +0.101%/+0.260%', a figure per scenario) instead of repeating the metric; a
    value with words in it ('8.7% to 3.5%') stays on its own."""
    out: list[tuple[str, list[str], bool]] = []
    for c in rows:
        value = clean(c.value)
        down = _down(c, value)
        same = next((o for o in out if o[0] == c.metric and o[2] == down and " " not in value), None)
        if same and all(" " not in v for v in same[1]):
            same[1].append(value)
        else:
            out.append((c.metric, [value], down))
    return [(metric, "/".join(values), down) for metric, values, down in out]


def claim_text(claims: list[ResultClaim], lang: str, limit: int = 4) -> str:
    """See module doc; `limit` claims per setting at most, '' when there are none."""
    parts = []
    for setting in SETTING_ORDER:
        rows = [
            c
            for c in claims
            if c.setting == setting and not SIGNIFICANCE.search(c.metric) and not setup_count(c)
        ][:limit]
        if not rows:
            continue
        label = say(lang, f"setting.{setting}")
        places = {place_of(c, claims) for c in rows} - {""}
        if len(places) == 1:
            label = say(lang, "claims.where", setting=label, where=places.pop())
        values = say(lang, "sep.list").join(
            say(lang, "claim.down" if down else "claim", metric=metric, value=value)
            for metric, value, down in _side_by_side(rows)
        )
        parts.append(f"{label}{say(lang, 'colon')}{values}")
    return say(lang, "sep.clause").join(parts)
