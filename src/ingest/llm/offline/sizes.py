"""Figures that are not results: a sentence's value -> its name when it is a p-value, a model size
or a duration ('(p < 0.001)', '7B models', 'a 200 times larger model', 'a 7-day A/B test').

Input: the sentence, its LaTeX view (values.view) and one value (values.values_in). Output: a
`Named` whose form ('p-value', 'size', 'duration') tells the claim rules it is not a result, or None.
The span reaches the noun where there is one, so the evidence holds it. Pure.
"""

from __future__ import annotations

import re

from ingest.llm.offline.phrases import HEDGE, Named, phrase, words_after
from ingest.llm.offline.values import Value

SIZE_NOUN = re.compile(
    r"\s*(?:-?param\w*|(?:[\w-]+\s+)?(?:models?|baselines?|variants?|LLMs?|backbones?)\b)", re.I
)


def model_size(sentence: str, shown: str, v: Value) -> Named | None:
    """'7B models', '1B-parameter', '0.1B parameters', '305M-parameter', '3B, 4B, and 8B parameters':
    a model size (the span reaches the noun, so the evidence holds it)."""
    if not re.search(r"\d\s?[BM]\b|\d[BM][-+]|illion-param|\d\s?(?:billion|million)\s+param", v.text):
        return None
    rest = shown[v.end :]
    siblings = re.match(r"(?:\s*(?:,|and|or)\s*(?:and\s+)?\d+(?:\.\d+)?\s?[BM]\+?(?![\w-]))*", rest)
    skip = siblings.end() if siblings else 0  # '2B and 9B variants', '3B, 4B, and 8B parameters'
    if re.search(r"param", v.text, re.I):
        return Named("model size", -1, -1, "size")
    noun = re.match(r"\s*(?:dense[- ])?param\w*", rest[skip:], re.I) or SIZE_NOUN.match(rest[skip:])
    if not noun:
        return None
    name = "parameters" if re.search(r"param", noun.group(0), re.I) else "model size"
    return Named(name, v.end, v.end + skip + noun.end(), "size")


def relative_size(v: Value, shown: str) -> Named | None:
    """'a 200 times larger model': a model size."""
    if v.unit == "times" and re.match(
        r"\s+(?:larger|smaller|bigger)\s+(?:[\w-]+\s+)?models?\b", shown[v.end :]
    ):
        return Named("model size", -1, -1, "size")
    return None


def p_value(shown: str, v: Value) -> Named | None:
    """'(p < 0.001)', '$p=0.047$': a p-value."""
    if (
        re.search(r"\bp\s*(?:[<>=≤≥]\s*)?$", shown[: v.start])
        or re.match(r"[<>≤≥]", v.text)
        and re.search(r"\bp\s*$", shown[: v.start])
    ):
        return Named("p-value", -1, -1, "p-value")
    return None


def duration(sentence: str, shown: str, v: Value) -> Named | None:
    """'a 7-day A/B test', 'deployed ... for 9 months', '2 hours of annotation'."""
    if v.unit != "time" or re.search(r"ms\b|\d\s?s\b|sec|seconds?", v.text):
        return None
    rest = shown[v.end :]
    if re.match(r"\s+(?:[\w-]+\s+){0,2}?(?:A/B\s+)?(?:tests?|experiments?)\b", rest):
        return Named("A/B test duration" if "A/B" in rest[:40] else "test duration", -1, -1, "duration")
    if re.search(r"\bfor\s+" + HEDGE + r"$", shown[: v.start]) and re.search(
        r"deploy", shown[: v.start], re.I
    ):
        return Named("deployment duration", -1, -1, "duration")
    m = re.match(r"\s+of\s+", rest)
    if m:
        return phrase(sentence, words_after(shown, v.end + m.end()), "duration")
    return None
