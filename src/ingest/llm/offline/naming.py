"""Metric names: a sentence and its values -> the noun phrase that governs each value in its clause.

Input: the sentence, its LaTeX view (values.view) and its values (values.values_in). Output, per
value, zero or more `Named` metrics: the phrase as written in the sentence (its span, so the
evidence can hold it) or a descriptive name whose words the verifier knows ('speed' for '33%
faster', 'model size' for '7B models', 'A/B test duration' for 'a 7-day A/B test', 'p-value',
'improvement over baselines'), with the form it was read from. The rules, first that applies:
p-values, model sizes and durations (sizes.py); lists (lists.py: 'improves A, B and C by x, y and z',
'x and y in A and B', 'respectively' after named metrics); 'M from x to y'; 'M of x' / 'M = x' /
'M reaches x'; 'x improvements over B'; 'x M' ('+2.98% CTR', '2.2x higher QPS', '206 papers');
'raises M by x' ('reduce M across N by x' reads past the prepositional phrase); 'outperforms B
by x' (the metric it is measured in, else the result metric the sentence named last, else
'improvement over baselines'); 'M (x)'; 'M x' ('CTR +1.8%'); 'M: x'; 'x gain in M' and 'x in M'
(not a dataset or a place: 'on LongMemEval', 'in the main app'); 'x% of M' (a share); a value that
only follows another ('and by x', '(a 21% relative reduction)', '(847 ms vs. 1271 ms)') takes that
value's metric; a system's figure in parentheses ('RankGPT-4 (17.0)') takes the sentence's metric.
A value no rule names gets none: it is left out rather than guessed. Pure and deterministic.
"""

from __future__ import annotations

import re

from ingest.llm.offline import sizes
from ingest.llm.offline.lists import bound_lists, respectively_groups
from ingest.llm.offline.phrases import (
    CHANGE,
    CONTAINER,
    DATASETISH,
    HEDGE,
    LENGTHY,
    METRIC_HEAD,
    METRIC_WORD,
    NOUN_ING,
    VERB,
    Named,
    changed,
    phrase,
    value_metric,
    words_after,
    words_before,
)
from ingest.llm.offline.values import Value

PLACE = re.compile(
    r"(?:apps?|version|pages?|markets?|scenarios?|platforms?|feeds?|settings?|domains?|stages?|surfaces?|"
    r"systems?|environments?|traffic|deployment|production|tests?|experiments?|evaluations?|datasets?|"
    r"benchmarks?|tasks?|cases?|queries|regions?|countries|languages?)$",
    re.IGNORECASE,
)


VAGUE = re.compile(r"\b(?:performance|effectiveness|quality|results?)$", re.IGNORECASE)


def _change_in(sentence: str, shown: str, v: Value) -> Named | None:
    """'x gain in M', 'x% improvement on M', 'x in M' ('8.7% in transaction count')."""
    rest = shown[v.end :]
    m = re.match(
        r"\s+(?:[\w-]+\s+){0,2}?(?:improvements?|gains?|increases?|lifts?|uplifts?|boosts?|reductions?|"
        r"decreases?|drops?|rise|growth|enhancements?|declines?)\s+(?:in|on|of|for|at)\s+(?:terms of\s+)?",
        rest,
        re.IGNORECASE,
    )
    bare = None if m else re.match(r"\s+(in|on)\s+", rest)
    m = m or bare
    if not m:
        return None
    named = phrase(sentence, words_after(shown, v.end + m.end()), "change-in")
    if named and bare:
        head = named.metric.split()[-1]
        if DATASETISH.match(named.metric) and not METRIC_WORD.match(head):
            return None  # 'on LongMemEval', 'on DROP': a dataset, not a metric
        if bare.group(1) == "on" and not METRIC_HEAD.search(head):
            return None  # 'on sparse citation networks', 'on a single RTX'
        if PLACE.match(head):
            return None  # 'in the main app', 'in the Lite version'
    return named


def _skip_pp(shown: str, words: list[re.Match[str]], broad: bool = False) -> list[re.Match[str]]:
    """'self-agreement across runs' -> 'self-agreement': the phrase before a prepositional phrase
    ('on'/'in' too when `broad`: 'improves completed orders on cold-start retrieval by')."""
    lead = shown[: words[0].start()].rstrip()
    preps = r"across|under|for|at|over|with|compared to|relative to" + (r"|on|in" if broad else "")
    prep = re.search(r"\b(?:" + preps + r")$", lead)
    if not prep:
        return words
    inner = words_before(shown, prep.start())
    last = inner[-1].group(0).lower() if inner else ""
    return inner if inner and (not last.endswith("ing") or last in NOUN_ING) else words  # 'streaming'


def _beaten(shown: str, words: list[re.Match[str]]) -> bool:
    """The phrase is a system the value beats: 'outperforming the strongest baseline (X) by 1.6 points
    and the step-level method GiGPO by 0.9 points'."""
    lead = shown[max(0, words[0].start() - 120) : words[0].start()]
    beat = list(
        re.finditer(r"\b(?:outperform|surpass|exceed|beat)\w*|\bimprov\w* over\b", lead, re.IGNORECASE)
    )
    if not beat:
        return False
    between = lead[beat[-1].end() :]
    return not any(VERB.match(w) for w in re.findall(r"[A-Za-z]+", between))


def _by(sentence: str, shown: str, v: Value, head: str) -> tuple[Named | None, bool]:
    """'raises M by x', 'M increased by x', 'reduce M across N by x'; flag: 'outperforms B by x'."""
    m = re.search(r"\s+by\s+" + HEDGE + r"$", head)
    if not m:
        return None, False
    words = words_before(shown, m.start())
    if not words:
        verb = re.search(
            r"(?:\b(?:has|have|had|is|are|was|were|been)\s+)?(?:\w+ly\s+)?(\S+)\s*$", head[: m.start()]
        )
        if verb and VERB.match(verb.group(1)):  # 'Total App Usage Time increasing by', 'rate has fallen by'
            words = words_before(shown, verb.start())
            lead = shown[: words[0].start()].rstrip() if words else ""
            if re.search(
                r"\b(?:to|for|of|in|on|with|from)$", lead
            ):  # 'play rate for videos ... to users has'
                start = max(lead.rfind(", "), lead.rfind("; "), -1) + 1
                lead_in = len(shown[start:]) - len(re.sub(r"^\s*(?:while\s+|whereas\s+)?", "", shown[start:]))
                subject = words_after(shown, start + lead_in)
                words = subject or words
        if not words:
            return None, False
    if _beaten(shown, words):
        return None, True
    lead = shown[: words[0].start()].rstrip()
    if re.search(r"\b(?:across|on|in|under|for|at|over|with)$", lead):
        inner = _skip_pp(shown, words, broad=True)
        inner_lead = shown[: inner[0].start()].split()
        if inner is not words and inner_lead and VERB.match(inner_lead[-1]):
            words, lead = inner, " ".join(inner_lead)
    last = lead.split()[-1] if lead.split() else ""
    named = changed(phrase(sentence, words, "by"))
    if named and re.match(r"accelerat|speed", last, re.IGNORECASE):
        return Named(f"{named.metric} speed", named.start, named.end, "by"), False
    return named, False


def _of(sentence: str, shown: str, v: Value, head: str) -> Named | None:
    """'M of x', 'M = x', 'M is x', 'M that is only x', 'M reaches x', 'M to x'."""
    m = re.search(
        r"(?:\s*=|(?:\s+(?:that|which))?\s+(?:of|is|was|are|were|equal to|reaches|reached|reaching|to)\s+"
        + HEDGE
        + r")\s*$",
        head,
    )
    if not m:
        return None
    link = re.match(r"\s*(?:(?:that|which)\s+)?(\S+)", m.group(0))
    if link and link.group(1) == "to" and re.search(r"\bup\s*$", head[: m.start()]):
        return None  # the 'to' of the hedge 'up to
    words = words_before(shown, m.start(), participle=True)
    if words and m.group(0).strip() not in ("=", "of"):
        words = _skip_pp(shown, words)
    named = phrase(sentence, words, "metric-of")
    if named and v.unit in ("count", "scale") and not LENGTHY.search(named.metric):
        return None
    return changed(named) if named and not CHANGE.search(named.metric.split()[-1]) else named


def _from_to(sentence: str, shown: str, v: Value, head: str) -> Named | None:
    """'improves M from x to y', 'M dropped from x to y', 'a precision increase from x to y'."""
    cut = head.rstrip()
    head = cut[: -len("from")] if cut.endswith("from") else head
    words = words_before(shown, len(head.rstrip()))
    if not words:
        verb = re.search(r"(\S+)\s*$", head)
        if verb and VERB.match(verb.group(1)):
            words = words_before(shown, verb.start())
    return changed(phrase(sentence, words, "from-to"))


def _paren(sentence: str, shown: str, v: Value, head: str) -> Named | None:
    """'orders (+6.35%)', 'halving latency (-44.67%)': the phrase before a parenthesised value."""
    if not (re.search(r"\(\s*[+\-−]?\s*$", head) and re.match(r"\s*\)", shown[v.end :])):
        return None
    paren = head.rstrip().rstrip("+-−").rstrip()[:-1]
    words = words_before(shown, len(paren))
    named = phrase(sentence, words, "metric-paren")
    if not named or re.search(r"\d", named.metric):
        return None
    lead = shown[: words[0].start()].rstrip()
    head_word = named.metric.split()[-1]
    if re.search(r"\b(?:on|at|across|for|from)$", lead) or re.fullmatch(r"[A-Z]{7,}", named.metric):
        return None  # 'on ArguAna (55.24)': a dataset or system, not the metric
    if (
        PLACE.match(head_word)
        or CONTAINER.search(head_word)
        or re.match(r"(?:books?|corpus|corpora)$", head_word)
    ):
        return None
    if named.metric[:1].islower() or METRIC_WORD.match(named.metric.split()[-1]):
        return named
    return None


def _lead(sentence: str, shown: str, v: Value, head: str) -> Named | None:
    """'CTR +1.8%', 'AUC 0.8161', 'Total Orders +0.8%', 'Add-to-Cart on Home +2.0%'."""
    if not (v.signed or v.unit in ("percent", "plain")):
        return None
    if not re.search(r"(?:^|[,:;(]|\band\b|\bincluding\b)\s*([^,:;()]{1,60}?)\s*$", head):
        return None
    named = phrase(sentence, words_before(shown, len(head.rstrip())), "metric-value")
    if not named:
        return None
    last = named.metric.split()[-1]
    system = len(named.metric.split()) > 1 and named.metric[:1].isupper() and not METRIC_HEAD.search(last)
    if v.signed and not (system and v.unit == "plain") or METRIC_WORD.match(last) and not system:
        return named
    return None


def _colon(sentence: str, shown: str, v: Value, head: str) -> Named | None:
    """'Cohen's kappa: 0.81', 'Relevance AUC: 0.7626 vs. 0.6736'."""
    m = re.search(r"\s*:\s*$", head)
    return changed(phrase(sentence, words_before(shown, m.start()), "metric-of")) if m else None


def _share(sentence: str, shown: str, v: Value) -> Named | None:
    """'50.25% of exposures', '30% of work time', '60% of the training time': a share of M."""
    if v.unit != "percent":
        return None
    m = re.match(r"\s+of\s+(?:the\s+)?(?:total\s+)?", shown[v.end :])
    if not m:
        return None
    return phrase(sentence, words_after(shown, v.end + m.end()), "share")


def _change_over(sentence: str, shown: str, v: Value) -> Named | None:
    """'40% improvements over non-LR-based methods': the improvement over what it names."""
    m = re.match(
        r"\s+((?:(?:relative|average|overall|absolute)\s+)?(?:improvements?|gains?))\s+over\s+(?:the\s+)?",
        shown[v.end :],
        re.IGNORECASE,
    )
    if not m:
        return None
    words = words_after(shown, v.end + m.end(), limit=4)
    if not words:
        return None
    start = v.end + m.start(1)
    return Named(
        re.sub(r"\s+", " ", sentence[start : words[-1].end()]), start, words[-1].end(), "improvement"
    )


def names_of(sentence: str, shown: str, values: list[Value]) -> list[list[Named]]:
    """Per value (same order), the metrics that govern it (see module doc)."""
    bound = bound_lists(sentence, shown, values)
    listed = respectively_groups(shown, values, bound)
    paired = _slash_pairs(sentence, shown, values)
    out: list[list[Named]] = []
    for index, v in enumerate(values):
        if index in paired:
            out.append([paired[index]])
            continue
        sized = (
            sizes.p_value(shown, v)
            or sizes.model_size(sentence, shown, v)
            or sizes.relative_size(v, shown)
            or sizes.duration(sentence, shown, v)
        )
        if sized:
            out.append([sized])
            continue
        if index in bound:
            out.append(bound[index])
            continue
        run = next((g for g in listed if index in g), None)
        if run:
            earlier = [
                n[-1] for n in out[: run[0]] if n and n[-1].form not in ("size", "duration", "p-value")
            ]
            names = list(dict.fromkeys(n.metric for n in earlier))
            if len(names) >= len(run):
                pick = names[len(names) - len(run) + run.index(index)]
                source = next(n for n in reversed(earlier) if n.metric == pick)
                out.append([Named(pick, source.start, source.end, "respectively")])
                continue
        out.append(_one(sentence, shown, values, index, out))
    return out


def _slash_pairs(sentence: str, shown: str, values: list[Value]) -> dict[int, Named]:
    """'+0.101%/+0.260% in App Stay Time' (one figure per scenario): every value of a run joined by
    '/' takes the metric named after the run's last value."""
    out: dict[int, Named] = {}
    i = 0
    while i < len(values):
        j = i
        while (
            j + 1 < len(values)
            and shown[values[j].end : values[j + 1].start].strip() == "/"
            and values[j + 1].unit == values[i].unit
        ):
            j += 1
        if j > i:
            named = _change_in(sentence, shown, values[j])
            if named:
                out.update({k: Named(named.metric, named.start, named.end, "slash") for k in range(i, j + 1)})
        i = j + 1
    return out


def _one(sentence: str, shown: str, values: list[Value], index: int, out: list[list[Named]]) -> list[Named]:
    """The metric of one value that no list binds (see module doc for the order of the rules)."""
    v = values[index]
    head = shown[: v.start]
    if v.from_to:
        named = changed(value_metric(sentence, shown, v)) or _from_to(sentence, shown, v, head)
        return [named] if named else []
    of = _of(sentence, shown, v, head)
    if of and CHANGE.search(of.metric.split()[-1]):
        of = _change_in(sentence, shown, v) or changed(of)
    lengthy = of if of and v.unit in ("count", "scale", "size", "time") else None
    named = lengthy or _change_over(sentence, shown, v) or changed(value_metric(sentence, shown, v))
    beaten = False
    if named is None:
        named = of
    if named is None:
        named, beaten = _by(sentence, shown, v, head)
        if named and VAGUE.search(named.metric):  # 'improves offline performance by 0.35% in AUC'
            named = _change_in(sentence, shown, v) or named
    if beaten:
        named = (
            _change_in(sentence, shown, v)
            or _across_metrics(sentence, shown, v)
            or _prior(out, values)
            or Named("improvement over baselines", -1, -1, "beats")
        )
        return [named]
    if v.pair and named is None:
        named = _follower(shown, values, index, out)  # '10% higher in modern books (0.503 vs. 0.459)'
    for rule in (_paren, _lead, _colon):
        named = named or rule(sentence, shown, v, head)
    for after_rule in (_change_in, _share):
        named = named or changed(after_rule(sentence, shown, v))
    named = named or _follower(shown, values, index, out) or _named_paren(shown, values, index, out)
    return [named] if named else []


def _named_paren(shown: str, values: list[Value], index: int, out: list[list[Named]]) -> Named | None:
    """'RankGPT-4 (17.0)', 'OpenAI Deep Research (65%)': a system's figure in the metric the sentence
    named last."""
    v = values[index]
    if v.signed or not re.search(r"[A-Z][\w.-]*\s*\(\s*$", shown[: v.start]):
        return None
    return _prior(out, values) if re.match(r"\s*\)", shown[v.end :]) else None


def _across_metrics(sentence: str, shown: str, v: Value) -> Named | None:
    """'by 1.69%-5.62% across four Recall@512 metrics': the metric the value is measured in."""
    m = re.match(
        r"\s+(?:across|on|in)\s+(?:all\s+|both\s+|the\s+)?(?:\w+\s+)?(?=\S+\s+metrics\b)", shown[v.end :]
    )
    if not m:
        return None
    words = words_after(shown, v.end + m.end(), limit=1)
    return (
        phrase(sentence, words, "across") if words and re.search(r"@|[A-Z]{2,}", words[0].group(0)) else None
    )


def _prior(out: list[list[Named]], values: list[Value]) -> Named | None:
    """The result metric the sentence named last (for 'outperforming B by x'; counts, sizes and
    durations are not results)."""
    for names, v in zip(reversed(out), reversed(values[: len(out)]), strict=False):
        if (
            names
            and names[-1].form not in ("size", "duration", "p-value", "share")
            and v.unit
            not in (
                "count",
                "scale",
                "adjective",
                "time",
            )
        ):
            return Named(names[-1].metric, names[-1].start, names[-1].end, "prior")
    return None


def _follower(shown: str, values: list[Value], index: int, out: list[list[Named]]) -> Named | None:
    """A value that only follows another takes its metric: 'and by 3.7%', 'but only 19.8% with web
    search', '(a 21% relative reduction)', '(847 ms vs. 1271 ms)'."""
    if index == 0 or not out[index - 1]:
        return None
    prev, v = values[index - 1], values[index]
    between = shown[prev.end : v.start]
    if (prev.unit in ("count", "scale")) != (v.unit in ("count", "scale")) or out[index - 1][-1].form in (
        "size",
        "duration",
        "p-value",
    ):
        return None
    if v.unit in ("count", "scale") and not re.match(r"\s*(?:[,;.)]|and\b|or\b|$)", shown[v.end :]):
        return None  # '1,905 validated requests and 13,583 block pairs': a count names its own things
    if len(between) > 60 or re.search(r"[;.]\s", between):
        return None
    follows = re.fullmatch(
        r"\s*(?:[\w@-]+\s+){0,6}?(?:\(|,|/|and|but|while|whereas|vs\.?)\s*"
        r"(?:(?:only|by|to|at|a|an|up to|about|approximately|over|nearly|around|more than)\s+)*",
        between,
    )
    if not follows:
        return None
    prior = out[index - 1][-1]
    metric = prior.metric
    if prior.form == "faster" and v.unit == "time":
        metric = "latency"
    return Named(metric, prior.start, prior.end, "follows")
