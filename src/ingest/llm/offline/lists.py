"""Value lists bound to metric lists: 'improves A, B and C by x, y and z', 'x, y and z on A, B and C',
'x and y M', and lists followed by 'respectively' that name no metric of their own.

Input: a sentence, its LaTeX view and its values. Output: `bound_lists`: value index -> the metric
bound to it; `respectively_groups`: the unbound value lists a 'respectively' pairs with the metrics
named before them. Pure.
"""

from __future__ import annotations

import re

from ingest.llm.offline.phrases import (
    BEAT,
    HEDGE,
    VERB,
    Named,
    phrase,
    value_metric,
    words_after,
)
from ingest.llm.offline.values import Value


def bound_lists(sentence: str, shown: str, values: list[Value]) -> dict[int, list[Named]]:
    """Values bound by lists: 'x, y and z on A, B and C', 'A, B and C by x, y and z', 'x and y M'."""
    out: dict[int, list[Named]] = {}
    i = 0
    while i < len(values):
        j = i
        while (
            j + 1 < len(values)
            and re.fullmatch(r"\s*(?:,|,?\s*and)\s*", shown[values[j].end : values[j + 1].start])
            and values[j + 1].unit == values[i].unit
        ):
            j += 1
        group = values[i : j + 1]
        if len(group) >= 2:
            names = _list_after(sentence, shown, group[-1].end) or _list_before(
                sentence, shown, group[0].start
            )
            if names and len(names) in (1, len(group)):
                for k, value in enumerate(group):
                    out[values.index(value)] = [names[k if len(names) > 1 else 0]]
        i = j + 1
    return out


def _split_list(sentence: str, shown: str, start: int, end: int) -> list[Named]:
    names: list[Named] = []
    for piece in re.finditer(r"[^,]+?(?=\s*(?:,\s*and\s+|,\s*|\s+and\s+|$))", shown[start:end]):
        text = re.sub(r"^\s*(?:and\s+)?", "", piece.group(0))
        offset = start + piece.start() + (len(piece.group(0)) - len(text))
        bare = re.sub(r"\s*\([^()]*\)\s*", " ", text).strip()
        if not bare:
            continue
        words = words_after(shown, offset)
        named = phrase(sentence, words, "list")
        covered = " ".join(w.group(0) for w in words)
        if not named or len(covered.split()) < len(bare.split()):
            return []
        names.append(named)
    return names


def _list_after(sentence: str, shown: str, pos: int) -> list[Named]:
    m = re.match(
        r"\s*(?:,\s*)?(?:(?:[\w-]+\s+){0,2}?(?:improvements?|gains?|increases?|lifts?)\s+)?(?:in|on|for)\s+"
        r"(?:terms of\s+)?(?:the\s+)?",
        shown[pos:],
        re.IGNORECASE,
    )
    if m:
        start = pos + m.end()
        stop = re.search(
            r",?\s+respectively|;|\.\s|\.$|\s+(?:over|compared|than|versus|while|with|across|in|on|at)\s"
            r"|,\s*(?:and\s+)?(?=[+\-]?\d)|,\s+\w+ing\b",
            shown[start:],
        )
        end = start + (stop.start() if stop else len(shown) - start)
        return _split_list(sentence, shown, start, end)
    named = value_metric(sentence, shown, Value(pos, pos, "", "", False, False, False))
    return [named] if named and named.form != "faster" else []


def _list_before(sentence: str, shown: str, pos: int) -> list[Named]:
    head = shown[:pos]
    m = re.search(r"\s+by\s+" + HEDGE + r"$", head)
    if not m:
        return []
    verbs = [w for w in re.finditer(r"[A-Za-z]+", head[: m.start()]) if VERB.match(w.group(0))]
    if verbs and BEAT.match(verbs[-1].group(0)):
        return []
    start = (
        verbs[-1].end() if verbs else max(head.rfind(";", 0, m.start()), head.rfind(":", 0, m.start())) + 1
    )
    start += len(head[start:]) - len(re.sub(r"^\s*(?:the\s+)?", "", head[start:]))
    return _split_list(sentence, shown, start, m.start())


def respectively_groups(shown: str, values: list[Value], bound: dict[int, list[Named]]) -> list[list[int]]:
    """Unbound value lists followed by 'respectively' ('by +22.9% and +67.0%, respectively' after
    '0.568 MRR and 15.08% R@1'), as lists of value indexes."""
    out: list[list[int]] = []
    for index, v in enumerate(values):
        if index not in bound and re.match(r"[^.;]{0,3}?,?\s*respectively", shown[v.end :]):
            k = index
            while k > 0 and re.fullmatch(r"\s*(?:,|,?\s*and)\s*", shown[values[k - 1].end : values[k].start]):
                k -= 1
            if index > k:
                out.append(list(range(k, index + 1)))
    return out
