"""Metric sentences of an abstract -> online / offline / efficiency claims with values as written.

Input: the abstract's sentences. Output: OnlineMetric, OfflineMetric and EfficiencyClaim lists.
A sentence is "online" when it speaks of an online A/B test, a deployment or live traffic; its
values become online metrics, other sentences' values offline metrics; values about latency,
throughput, cost, memory or size are (also) efficiency claims. Every value and metric name is a
substring of the sentence, so the result is grounded by construction. Pure and deterministic.
"""

from __future__ import annotations

import re

from ingest.facts.sheet import EfficiencyClaim, OfflineMetric, OnlineMetric

ONLINE = re.compile(
    r"\bonline\b|\bon-line\b|\bA/B\b|\bdeployed\b|\bdeployment\b|\bproduction\b|"
    r"\blive traffic\b|"
    r"\breal[- ]world (?:traffic|platform)\b|\bserving\b.{0,40}\busers\b",
    re.IGNORECASE,
)
FUTURE = re.compile(r"\bwill be\b|\bplanned\b|\bfuture\b", re.IGNORECASE)
VALUE = re.compile(
    r"(?<![\w.@])(?:up to |about |approximately |nearly |over |around )?"
    r"[+\-−~]?\s?\d+(?:[.,]\d+)?(?:\s?(?:\\?%|pp\b|percentage points?\b|[x×X](?![\w])|-fold\b|times\b)"
    r"|[BM](?= (?:model|parameter|baseline|LLM))"
    r"|(?:\s?%)?\s?(?:~|–|-|to)\s?\d+(?:\.\d+)?\s?\\?%)"
    r"|(?<![\w.@])[+\-−]\d+\.\d+(?![\w%])"
)
EFFICIENCY = re.compile(
    r"latenc|throughput|memory|cost|speed|faster|flops|\bmfu\b|gpu|inference time|"
    r"input length|parameters|\b\d+\s?[BM] model|compress|training time|"
    r"qps",
    re.IGNORECASE,
)
CHANGE = (
    r"(?:relative |average |absolute |overall |significant |statistically significant )?"
    r"(?:improvements?|gains?|increases?|lifts?|boosts?|reductions?|decreases?|drops?|uplifts?)"
)
STOP = re.compile(
    r"\s(?:and|with|over|versus|vs\.?|compared|while|on|across|in|for|than|at|from|by|under|"
    r"without|when|as|respectively)\b|[,;:()]|\.(?:\s|$)"
)
METRIC_NAME = re.compile(
    r"\b[A-Za-z][\w-]*@\d+\b|\b(?:AUC|GAUC|CTR|CVR|UCVR|GMV|CPM|RPM|MRR|NDCG|MAP|mAP|"
    r"HR|Recall|Precision|F1|LogLoss|DAU|ROI|revenue|orders|buyers|watch time|"
    r"dwell time|stay time|StayTime/U|Video Views|clicks?|purchases?)\b"
)
DATASET_HINT = re.compile(
    r"\b(?:on|across|using)\s+((?:the\s+)?(?:[A-Z][\w.-]*(?:[- ][A-Z0-9][\w.-]*)*)"
    r"(?:\s+(?:datasets?|benchmarks?))?)"
)
BASELINE = re.compile(
    r"\b(?:over|than|versus|vs\.?|compared (?:to|with)|against)\s+(?:an? |the )?"
    r"((?:heavily optimized |strongest |best |strong |"
    r"state-of-the-art )?[\w-]+(?: [\w-]+){0,3}?"
    r"(?: baselines?| methods?| models?)?)(?=[,.;)]|\s(?:with|and|in|on|across)\b|$)"
)
NOISE_NAME = re.compile(r"^(?:the|a|an|of|in|on|by|to|our|its|their|and)\s+", re.IGNORECASE)


def values_in(sentence: str) -> list[re.Match[str]]:
    """Metric-like values: percentages, multipliers, signed decimals, model sizes ('3B model')."""
    return [m for m in VALUE.finditer(sentence) if re.search(r"\d", m.group(0))]


def _clean_value(raw: str) -> str:
    return raw.replace("\\%", "%").strip()


def _words_after(text: str, limit: int = 5) -> str:
    text = text.strip()
    stop = STOP.search(" " + text)
    chunk = text[: max(0, stop.start() - 1)] if stop else text
    words = chunk.split()[:limit]
    return NOISE_NAME.sub("", " ".join(words)).strip(" .,'\"")


def _words_before(text: str, limit: int = 4) -> str:
    chunk = re.split(
        r"(?<!\d),|[;:(]|\b(?:and|with|in|by|of|delivers?|achieves?|yields?|including|"
        r"increased?|"
        r"improves?|boosts?|lifts?|shows?|the)\b",
        text,
    )[-1]
    words = chunk.split()[-limit:]
    return NOISE_NAME.sub("", " ".join(words)).strip(" .,'\"")


NOT_METRIC_AFTER = re.compile(
    r"\s*(?:in|on)\s+(?:the\s+)?"
    r"(?:online|offline|A/B|real|three|four|two|six|all)\b"
)


def metric_name(sentence: str, m: re.Match[str]) -> str:
    name = _metric_name(sentence, m)
    if not re.search(r"[A-Za-z]", name):
        known = METRIC_NAME.findall(sentence)
        return known[0] if known else "improvement"
    return name


def _metric_name(sentence: str, m: re.Match[str]) -> str:
    """The metric a value belongs to: 'X% gain in M', 'M by X%', 'M (X%)', 'X% M', else a known name."""
    after, before = sentence[m.end() :], sentence[: m.start()]
    if re.search(r"[BM]$", m.group(0)):
        return "model size"
    metric_first = re.match(r"\s*(" + METRIC_NAME.pattern + r")", after)
    if metric_first and not re.match(r"\s*(?:in|on|of)\b", after):
        return metric_first.group(1)
    change = re.match(r"\s*" + CHANGE + r"\s+(?:in|on|of|for)\s+(?:the\s+)?", after, re.IGNORECASE)
    if change:
        return _words_after(after[change.end() :])
    lead_in = re.match(r"\s*(?:in|on)\s+(?:the\s+)?", after)
    if lead_in and not NOT_METRIC_AFTER.match(after):
        return _words_after(after[lead_in.end() :])
    if re.search(r"\(\s*$", before):  # "orders (+6.35%)", "halving latency (-44.67%)"
        return _words_before(before.rstrip(" ("), 2)
    if re.search(r"\b(?:by|of|to)\s+(?:up to\s+|about\s+)?$", before):
        name = _words_before(re.sub(r"\b(?:by|of|to)\s+(?:up to\s+|about\s+)?$", "", before), 3)
        if name and not re.fullmatch(CHANGE, name, re.IGNORECASE):
            return name
    direct = re.match(r"\s*((?:[A-Za-z][\w/@-]*\s?){1,3}?)\s*" + CHANGE, after, re.IGNORECASE)
    if direct:
        return direct.group(1).strip()
    named = re.match(r"\s*([A-Z][\w/@-]*(?:@\d+)?)", after)
    if named:
        return named.group(1)
    known = METRIC_NAME.findall(sentence)
    return known[0] if known else "improvement"


def _dataset(sentence: str) -> str:
    m = DATASET_HINT.search(sentence)
    return m.group(1).strip() if m and re.search(r"[A-Z]", m.group(1)) else ""


def _baseline(sentence: str) -> str:
    for m in BASELINE.finditer(sentence):
        name = m.group(1).strip()
        if not re.search(r"\d", name) and re.search(r"baselines?$|methods?$|models?$|pipeline$|[A-Z]", name):
            return name
    return ""


def _snippet(sentence: str, m: re.Match[str], words: int = 6) -> str:
    """The value with up to `words` words each side: an exact substring of the sentence."""
    left = [w.start() for w in re.finditer(r"\S+", sentence[: m.start()])][-words:]
    right = [w.end() for w in re.finditer(r"\S+", sentence[m.end() :])][:words]
    begin = left[0] if left else m.start()
    stop = m.end() + (right[-1] if right else 0)
    return sentence[begin:stop].strip(" ,;:")


CLAUSE = re.compile(r",\s+(?:with|while|whereas)\b|;\s")


def _online_value(sentence: str, m: re.Match[str], carried: bool) -> bool:
    """Online when an online cue precedes the value or sits in its clause (or the previous sentence set
    the online scene and this one has no offline cue)."""
    if FUTURE.search(sentence):
        return False
    starts = [0] + [c.end() for c in CLAUSE.finditer(sentence) if c.end() <= m.start()]
    ends = [c.start() for c in CLAUSE.finditer(sentence) if c.start() >= m.end()] + [len(sentence)]
    if ONLINE.search(sentence[: m.start()]) or ONLINE.search(sentence[starts[-1] : ends[0]]):
        return True
    return carried and not OFFLINE_CUE.search(sentence)


OFFLINE_CUE = re.compile(r"\boffline\b|\bdatasets?\b|\bbenchmarks?\b|\breplace\b|\bpublic\b", re.IGNORECASE)


def _context(sentence: str, limit: int = 24) -> str:
    words = sentence.split()
    return " ".join(words[:limit]).rstrip(",;:") + (" ..." if len(words) > limit else "")


NOT_LIVE = re.compile(r"\boffline A/B\w*(?: test\w*)?", re.IGNORECASE)  # 'offline A/B testing correlation'


def is_online(sentence: str) -> bool:
    """Whether the sentence speaks of live traffic (not of the future, not of an 'offline A/B')."""
    return bool(ONLINE.search(NOT_LIVE.sub("", sentence))) and not FUTURE.search(sentence)


def metrics_of(sentences: list[str]) -> tuple[list[OnlineMetric], list[OfflineMetric], list[EfficiencyClaim]]:
    online: list[OnlineMetric] = []
    offline: list[OfflineMetric] = []
    efficiency: list[EfficiencyClaim] = []
    seen: set[tuple[str, str]] = set()
    carried = False
    for sentence in sentences:
        found = values_in(sentence)
        for m in found:
            live = _online_value(sentence, m, carried)
            value = _clean_value(m.group(0))
            name = metric_name(sentence, m) or "improvement"
            if (name, value) in seen:
                continue
            seen.add((name, value))
            window = sentence[max(0, m.start() - 60) : m.end() + 60]
            multiplier = re.search(r"[xX×BM]$|fold$|times$", value)
            if EFFICIENCY.search(name) or (multiplier and EFFICIENCY.search(window)):
                efficiency.append(EfficiencyClaim(claim=_snippet(sentence, m), value=value))
                if not live:
                    continue
            if live:
                online.append(OnlineMetric(metric=name, value=value, context=_context(sentence)))
            else:
                offline.append(
                    OfflineMetric(
                        metric=name, value=value, dataset=_dataset(sentence), baseline=_baseline(sentence)
                    )
                )
        carried = is_online(sentence) and not found
    return online, offline, efficiency
