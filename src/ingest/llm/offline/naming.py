"""Metric names: a sentence and its values -> the noun phrase that governs each value in its clause.

Input: the sentence, its LaTeX view (values.view) and its values (values.values_in). Output, per
value, zero or more `Named` metrics: the phrase as written in the sentence (its span, so the
evidence can hold it) or a descriptive name whose words the verifier knows ('speed' for '33%
faster', 'model size' for '7B models', 'p-value', 'improvement over baselines'), with the form it
was read from. The rules, first that applies: lists ('improves A, B and C by x, y and z',
'x and y in A and B, respectively'); 'M = x', 'M: x', 'M of x'; 'x M' ('+2.98% CTR', '2.2x higher
QPS', '206 papers'); 'x gain in M'; 'x in M'; 'raises M by x'; 'M from x to y'; 'M (x)'; 'M x';
'x% of M' (a share); 'outperforms B by x' (the metric the sentence already named, else
'improvement over baselines'); a value that only follows another ('and by x', '(a 21% relative
reduction)', '(847 ms vs. 1271 ms)') takes that value's metric. A value no rule names gets none:
it is left out rather than guessed. Pure and deterministic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.llm.offline.values import Value

WORD = re.compile(r"[A-Za-z][\w@/&'’^+.-]*[\w@%^]|[A-Za-z]")
STOP = frozenset(
    """in on over than compared versus vs vs. with without for across at from by under when as while
    whereas respectively and or but to via through using during which that where after before between
    among against is are was were be been has have had while within into per of the a an its their our
    this these those both each all only up about around nearly approximately roughly more less fewer
    also further still even yet not no who whom whose""".split()
)
QUAL = frozenset(
    """relative absolute significant statistically substantial notable remarkable impressive consistent
    stable additional cumulative higher lower more fewer less greater better larger smaller shorter
    longer bigger overall average total""".split()
)
KEEP_QUAL = frozenset({"overall", "average", "total", "cumulative", "additional"})
CHANGE = re.compile(
    r"(?:improvements?|gains?|increases?|lifts?|uplifts?|boosts?|reductions?|decreases?|drops?|rises?|"
    r"growth|enhancements?|declines?|degradation|loss)$",
    re.IGNORECASE,
)
VERB = re.compile(
    r"(?:(?:improv|increas|boost|lift|rais|enhanc|reduc|cut|trim|lower|decreas|shrink|accelerat|elevat|"
    r"halv|doubl|drop|declin|degrad|outperform|surpass|exceed|beat|yield|deliver|achiev|bring|contribut|"
    r"generat|obtain|show|confirm|demonstrat|reach|attain|produc|lead|scal|mak|gain|add|spend|handl|serv|"
    r"support|compris|us|evaluat|jump|grow|remain|exhibit|match|requir|provid|enabl|offer|perform|run|"
    r"consum|maintain|preserv|recover|attain|surfac|introduc|releas|construct|report|help|allow|result|"
    r"outpac|see|seen|saw|record|captur|hold|deploy|driv|translat|reveal|highlight|indicat|suggest)"
    r"(?:e|es|s|ed|d|ing|ting|ped|ping|ded|ding)?|fell|fallen|grew|rose|risen|led|made|brought|cutting)$",
    re.IGNORECASE,
)
BEAT = re.compile(r"(?:outperform|surpass|exceed|beat)\w*$", re.IGNORECASE)
NOUNISH = re.compile(r"(?<!-based)(?<!-augmented)(?:ing|ed)$")  # verbs unless they lead the phrase
NOUN_ING = frozenset(
    """advertising listening reading ranking training streaming sharing processing serving computing
    indexing matching spending engaged retained completed""".split()
)
GENERIC = frozenset(
    """metrics metric results result gains gain improvements improvement average tasks settings baselines
    baseline both methods faster slower higher lower better worse reported same stronger weaker""".split()
)
DETERMINER = frozenset("the a an its their our".split())
HEDGE = (
    r"(?:(?:up to|over|about|approximately|around|nearly|roughly|only|at least|at most|more than|less than|"
    r"under|an average of|on average|a further|a total of|almost|just|below|above)\s+)*"
)
CONTAINER = re.compile(r"(?:dataset|benchmark|corpus|collection|set|suite|pool|total)s?$", re.IGNORECASE)
LENGTHY = re.compile(r"(?:windows?|lengths?|inputs?|sequences?|samples?|contexts?)$", re.IGNORECASE)
METRIC_WORD = re.compile(
    r"^(?:[A-Z]{2,6}(?:@\w+)?|[a-z][A-Z]{2,5}|[\w-]+@\w+|F1|EM|(?i:accuracy|precision|recall|score|rate|ratio|"
    r"time|revenue|orders?|clicks?|views?|duration|conversions?|engagement|retention|latency|throughput))$"
)
DATASETISH = re.compile(r"^(?:[A-Z][a-z]+[A-Z]\w*|[A-Z][\w-]*(?:\s+[A-Z][\w-]*)*)$")


@dataclass(frozen=True)
class Named:
    metric: str
    start: int  # span of the phrase in the sentence (-1 when descriptive)
    end: int
    form: str


def _words_after(shown: str, pos: int, limit: int = 6) -> list[re.Match[str]]:
    """The noun phrase starting at `pos` (determiners and hedging adjectives skipped), as word matches."""
    out: list[re.Match[str]] = []
    i = pos
    while True:
        gap = re.match(r"\s*(?:\([^()]{1,25}\)\s*)?", shown[i:])
        j = i + (gap.end() if gap else 0)
        if out and gap and "(" in gap.group(0):
            break
        m = WORD.match(shown, j)
        if not m or re.match(r"\s*[,;:]", shown[i:j] or "x"):
            break
        low = m.group(0).lower().rstrip(".")
        if not out and (low in QUAL - KEEP_QUAL or low in ("the", "a", "an", "our", "its", "their")):
            i = m.end()
            continue
        if low in ("of", "per") and out and len(out) < limit - 1:
            nxt = WORD.match(shown, m.end() + 1)
            if nxt and nxt.group(0).lower() not in STOP:
                out.append(m)
                i = m.end()
                continue
        if low in STOP or CHANGE.match(low) or len(out) >= limit or re.match(r"\d", m.group(0)):
            break
        if out and (NOUNISH.search(low) and low not in NOUN_ING or VERB.match(low) and low.endswith("s")):
            break
        if out and low.endswith("ly") and low not in ("daily", "weekly", "monthly", "yearly", "hourly"):
            break
        if not out and NOUNISH.search(low) and low not in NOUN_ING and not WORD.match(shown, m.end() + 1):
            break
        if out and shown[out[-1].end() : m.start()].strip():
            break
        out.append(m)
        i = m.end()
    while out and out[-1].group(0).lower() in ("of", "per"):
        out.pop()
    return out


def _words_before(shown: str, pos: int, limit: int = 6) -> list[re.Match[str]]:
    """The noun phrase ending at `pos` (a parenthetical just before it skipped), as word matches."""
    head = shown[:pos]
    head = re.sub(r"\s*\([^()]{1,25}\)\s*$", lambda m: " " * len(m.group(0)), head)
    words = list(WORD.finditer(head))
    out: list[re.Match[str]] = []
    end = len(head.rstrip())
    for m in reversed(words):
        between = head[m.end() : end]
        if between.strip() and not re.fullmatch(r"\s*(?:\([^()]*\))?\s*", between):
            break
        low = m.group(0).lower()
        if low in ("of", "per") and out:
            out.insert(0, m)
            end = m.start()
            continue
        if low == "the" and out and out[0].group(0).lower() != "of":
            earlier = head[: m.start()].split()
            if earlier and earlier[-1].lower() == "of":
                out.insert(0, m)
                end = m.start()
                continue
        prior = head[: m.start()].split()
        noun = bool(prior) and (
            prior[-1].lower() in DETERMINER | QUAL or bool(out) and low.endswith("ing") and VERB.match(prior[-1])
        )
        if low in STOP or VERB.match(low) and not noun and not (low in NOUN_ING and out) or len(out) >= limit:
            break
        out.insert(0, m)
        end = m.start()
    while out and out[0].group(0).lower() in {"of", "per"} | (QUAL - KEEP_QUAL):
        out.pop(0)
    return out


def _phrase(sentence: str, words: list[re.Match[str]], form: str) -> Named | None:
    if not words:
        return None
    start, end = words[0].start(), words[-1].end()
    text = re.sub(r"\s*\([^()]*\)", "", sentence[start:end]).strip(" ,;:.'\"")
    text = re.sub(r"[\\{}$]", "", text).strip()
    words_low = [w.lower() for w in text.split()]
    if not words_low or all(w in GENERIC for w in words_low) or len(text) < 2:
        return None
    if len(words_low) == 1 and NOUNISH.search(words_low[0]) and words_low[0] not in NOUN_ING:
        return None  # 'reported', 'matching': a verb, not a metric
    return Named(text, start, end, form)


def _changed(named: Named | None) -> Named | None:
    """'precision increase' -> 'precision', 'nDCG@10 cost' -> 'nDCG@10'; a bare change noun stays only
    with its qualifier ('average improvement') or when it is a loss ('drop')."""
    if named is None:
        return None
    words = named.metric.split()
    last = words[-1].lower()
    if len(words) > 1 and CHANGE.match(last) and words[-2].lower() not in KEEP_QUAL:
        return Named(" ".join(words[:-1]), named.start, named.end, named.form)
    if len(words) > 1 and last in ("cost", "penalty") and re.search(r"@|^[A-Z]{2,}", words[-2]):
        return Named(" ".join(words[:-1]), named.start, named.end, named.form)
    if len(words) == 1 and CHANGE.match(last) and last not in ("drop", "loss", "degradation"):
        return None
    return named


SIZE_NOUN = re.compile(
    r"\s*(?:-?param\w*|(?:[\w-]+\s+)?(?:models?|baselines?|variants?|LLMs?|backbones?)\b)", re.I
)


def _model_size(sentence: str, shown: str, v: Value) -> Named | None:
    """'7B models', '1B-parameter', '0.1B parameters', '305M-parameter': a model size."""
    if not re.search(r"\d\s?[BM]\b|\d[BM][-+]|illion-param|\d\s?(?:billion|million)\s+param", v.text):
        return None
    rest = shown[v.end :]
    if re.search(r"param", v.text, re.I) or re.match(r"\s*(?:dense[- ])?param", rest, re.I):
        return Named("parameters" if re.match(r"\s*param", rest, re.I) else "model size", -1, -1, "size")
    if SIZE_NOUN.match(rest):
        return Named("model size", -1, -1, "size")
    return None


def _relative_size(v: Value, shown: str) -> Named | None:
    """'a 200 times larger model': a model size."""
    if v.unit == "times" and re.match(r"\s+(?:larger|smaller|bigger)\s+(?:[\w-]+\s+)?models?\b", shown[v.end :]):
        return Named("model size", -1, -1, "size")
    return None


def _after(sentence: str, shown: str, v: Value) -> Named | None:
    """'x M': '+2.98% CTR', '2.2x higher QPS', '5x faster index construction', '206 papers'."""
    rest = shown[v.end :]
    fast = re.match(r"\s+(?:faster|quicker)\b", rest)
    if fast:
        named = _phrase(sentence, _words_after(shown, v.end + fast.end()), "faster")
        if named:
            return Named(f"{named.metric} speed", named.start, named.end, "faster")
        return Named("speed", -1, -1, "faster")
    if re.match(r"\s+(?:of|in|on|at|by|for|from|to|over|than|and|or|vs)\b", rest):
        return None
    return _phrase(sentence, _words_after(shown, v.end), "value-metric")


METRIC_HEAD = re.compile(
    r"(?:accuracy|precision|recall|score|rate|ratio|time|duration|revenue|orders?|clicks?|views?|count|"
    r"volume|conversions?|engagement|retention|latency|throughput|users?|sessions?|sales|value|metrics?|"
    r"quality|diversity|coverage|utili[sz]ation|impressions?|exposures?|purchases?|transactions?|buyers|"
    r"interactions?|repins|saves|follows|shares|relevance|satisfaction|gmv|ctr|cvr|auc|gauc|ndcg|mrr|map|"
    r"f1|em|hr|ipv|dau|cpm|roi|\w+@\w+)$",
    re.IGNORECASE,
)


PLACE = re.compile(
    r"(?:apps?|version|pages?|markets?|scenarios?|platforms?|feeds?|settings?|domains?|stages?|surfaces?|"
    r"systems?|environments?|traffic|deployment|production|tests?|experiments?|evaluations?|datasets?|"
    r"benchmarks?|tasks?|cases?|queries|regions?|countries|languages?)$",
    re.IGNORECASE,
)


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
    named = _phrase(sentence, _words_after(shown, v.end + m.end()), "change-in")
    if named and bare:
        head = named.metric.split()[-1]
        if DATASETISH.match(named.metric) and not METRIC_WORD.match(head):
            return None  # 'on LongMemEval', 'on DROP': a dataset, not a metric
        if bare.group(1) == "on" and not METRIC_HEAD.search(head):
            return None  # 'on sparse citation networks', 'on a single RTX'
        if PLACE.match(head):
            return None  # 'in the main app', 'in the Lite version'
    return named


def _skip_pp(shown: str, words: list[re.Match[str]]) -> list[re.Match[str]]:
    """'self-agreement across runs' -> 'self-agreement': the phrase before a prepositional phrase."""
    lead = shown[: words[0].start()].rstrip()
    prep = re.search(r"\b(?:across|on|in|under|for|at|over|with|compared to|relative to)$", lead)
    if not prep:
        return words
    inner = _words_before(shown, prep.start())
    return inner or words


def _beaten(shown: str, words: list[re.Match[str]]) -> bool:
    """The phrase is a system the value beats: 'outperforming the strongest baseline (X) by 1.6 points
    and the step-level method GiGPO by 0.9 points'."""
    lead = shown[max(0, words[0].start() - 120) : words[0].start()]
    beat = list(re.finditer(r"\b(?:outperform|surpass|exceed|beat)\w*|\bimprov\w* over\b", lead, re.IGNORECASE))
    if not beat:
        return False
    between = lead[beat[-1].end() :]
    return not any(VERB.match(w) for w in re.findall(r"[A-Za-z]+", between))


def _by(sentence: str, shown: str, v: Value, head: str) -> tuple[Named | None, bool]:
    """'raises M by x', 'M increased by x', 'reduce M across N by x'; flag: 'outperforms B by x'."""
    m = re.search(r"\s+by\s+" + HEDGE + r"$", head)
    if not m:
        return None, False
    words = _words_before(shown, m.start())
    if not words:
        verb = re.search(r"(\S+)\s*$", head[: m.start()])
        if verb and VERB.match(verb.group(1)):  # 'Total App Usage Time increasing by'
            words = _words_before(shown, verb.start())
        if not words:
            return None, False
    if _beaten(shown, words):
        return None, True
    lead = shown[: words[0].start()].rstrip()
    if re.search(r"\b(?:across|on|in|under|for|at|over|with)$", lead):
        inner = _skip_pp(shown, words)
        inner_lead = shown[: inner[0].start()].split()
        if inner is not words and inner_lead and VERB.match(inner_lead[-1]):
            words, lead = inner, " ".join(inner_lead)
    last = lead.split()[-1] if lead.split() else ""
    named = _changed(_phrase(sentence, words, "by"))
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
    if not m or re.search(r"\bup\s+to\s*$", head[: m.end()]) and not re.search(r"\bup to\s+\S", m.group(0)):
        return None
    words = _words_before(shown, m.start())
    if words and m.group(0).strip() not in ("=", "of"):
        words = _skip_pp(shown, words)
    named = _phrase(sentence, words, "metric-of")
    if named and v.unit in ("count", "scale") and not LENGTHY.search(named.metric):
        return None
    return _changed(named) if named and not CHANGE.search(named.metric.split()[-1]) else named


def _from_to(sentence: str, shown: str, v: Value, head: str) -> Named | None:
    """'improves M from x to y', 'M dropped from x to y', 'a precision increase from x to y'."""
    cut = head.rstrip()
    head = cut[: -len("from")] if cut.endswith("from") else head
    words = _words_before(shown, len(head.rstrip()))
    if not words:
        verb = re.search(r"(\S+)\s*$", head)
        if verb and VERB.match(verb.group(1)):
            words = _words_before(shown, verb.start())
    return _changed(_phrase(sentence, words, "from-to"))


def _paren(sentence: str, shown: str, v: Value, head: str) -> Named | None:
    """'orders (+6.35%)', 'halving latency (-44.67%)': the phrase before a parenthesised value."""
    if not (re.search(r"\(\s*[+\-−]?\s*$", head) and re.match(r"\s*\)", shown[v.end :])):
        return None
    paren = head.rstrip().rstrip("+-−").rstrip()[:-1]
    words = _words_before(shown, len(paren))
    named = _phrase(sentence, words, "metric-paren")
    if not named or re.search(r"\d", named.metric):
        return None
    lead = shown[: words[0].start()].rstrip()
    if re.search(r"\b(?:on|at|across|for|from|including)$", lead) or re.fullmatch(r"[A-Z]{7,}", named.metric):
        return None  # 'on ArguAna (55.24)': a dataset or system, not the metric
    if named.metric[:1].islower() or METRIC_WORD.match(named.metric.split()[-1]):
        return named
    return None


def _lead(sentence: str, shown: str, v: Value, head: str) -> Named | None:
    """'CTR +1.8%', 'AUC 0.8161', 'Total Orders +0.8%', 'Add-to-Cart on Home +2.0%'."""
    if not (v.signed or v.unit in ("percent", "plain")):
        return None
    if not re.search(r"(?:^|[,:;(]|\band\b|\bincluding\b)\s*([^,:;()]{1,60}?)\s*$", head):
        return None
    named = _phrase(sentence, _words_before(shown, len(head.rstrip())), "metric-value")
    if named and (v.signed or METRIC_WORD.match(named.metric.split()[-1])):
        return named
    return None


def _colon(sentence: str, shown: str, v: Value, head: str) -> Named | None:
    """'Cohen's kappa: 0.81', 'Relevance AUC: 0.7626 vs. 0.6736'."""
    m = re.search(r"\s*:\s*$", head)
    return _changed(_phrase(sentence, _words_before(shown, m.start()), "metric-of")) if m else None


def _share(sentence: str, shown: str, v: Value) -> Named | None:
    """'50.25% of exposures', '30% of work time', '60% of the training time': a share of M."""
    if v.unit != "percent":
        return None
    m = re.match(r"\s+of\s+(?:the\s+)?(?:total\s+)?", shown[v.end :])
    if not m:
        return None
    return _phrase(sentence, _words_after(shown, v.end + m.end()), "share")


def _p_value(shown: str, v: Value) -> Named | None:
    """'(p < 0.001)', '$p=0.047$': a p-value."""
    if (
        re.search(r"\bp\s*(?:[<>=≤≥]\s*)?$", shown[: v.start])
        or re.match(r"[<>≤≥]", v.text)
        and re.search(r"\bp\s*$", shown[: v.start])
    ):
        return Named("p-value", -1, -1, "p-value")
    return None


def _lists(sentence: str, shown: str, values: list[Value]) -> dict[int, list[Named]]:
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
        words = _words_after(shown, offset)
        named = _phrase(sentence, words, "list")
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
    named = _after(sentence, shown, Value(pos, pos, "", "", False, False, False))
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
    start += len(re.match(r"\s*(?:the\s+)?", head[start:]).group(0))
    return _split_list(sentence, shown, start, m.start())


def _change_over(sentence: str, shown: str, v: Value) -> Named | None:
    """'40% improvements over non-LR-based methods': the improvement over what it names."""
    m = re.match(
        r"\s+((?:(?:relative|average|overall|absolute)\s+)?(?:improvements?|gains?))\s+over\s+(?:the\s+)?",
        shown[v.end :],
        re.IGNORECASE,
    )
    if not m:
        return None
    words = _words_after(shown, v.end + m.end(), limit=4)
    if not words:
        return None
    start = v.end + m.start(1)
    return Named(re.sub(r"\s+", " ", sentence[start : words[-1].end()]), start, words[-1].end(), "improvement")


def _duration(sentence: str, shown: str, v: Value) -> Named | None:
    """'a 7-day A/B test', 'deployed ... for 9 months', '2 hours of annotation'."""
    if v.unit != "time" or re.search(r"ms\b|\d\s?s\b|sec|seconds?", v.text):
        return None
    rest = shown[v.end :]
    if re.match(r"\s+(?:[\w-]+\s+){0,2}?(?:A/B\s+)?(?:tests?|experiments?)\b", rest):
        return Named("A/B test duration" if "A/B" in rest[:40] else "test duration", -1, -1, "duration")
    if re.search(r"\bfor\s+" + HEDGE + r"$", shown[: v.start]) and re.search(r"deploy", shown[: v.start], re.I):
        return Named("deployment duration", -1, -1, "duration")
    m = re.match(r"\s+of\s+", rest)
    if m:
        return _phrase(sentence, _words_after(shown, v.end + m.end()), "duration")
    return None


def _group_respectively(shown: str, values: list[Value], bound: dict[int, list[Named]]) -> set[int]:
    """Indexes of values in an unbound list followed by 'respectively' ('by +22.9% and +67.0%,
    respectively' after '0.568 MRR and 15.08% R@1')."""
    out: set[int] = set()
    for index, v in enumerate(values):
        if index not in bound and re.match(r"[^.;]{0,3}?,?\s*respectively", shown[v.end :]):
            k = index
            while k > 0 and re.fullmatch(r"\s*(?:,|,?\s*and)\s*", shown[values[k - 1].end : values[k].start]):
                k -= 1
            out |= set(range(k, index + 1))
    return out


def names_of(sentence: str, shown: str, values: list[Value]) -> list[list[Named]]:
    """Per value (same order), the metrics that govern it (see module doc)."""
    bound = _lists(sentence, shown, values)
    listed = _group_respectively(shown, values, bound)
    out: list[list[Named]] = []
    for index, v in enumerate(values):
        sized = (
            _p_value(shown, v)
            or _model_size(sentence, shown, v)
            or _relative_size(v, shown)
            or _duration(sentence, shown, v)
        )
        if sized:
            out.append([sized])
            continue
        if index in bound:
            out.append(bound[index])
            continue
        if index in listed:
            group = sorted(i for i in listed if i <= index)
            run = [i for i in group if all(j in listed for j in range(i, index + 1))]
            earlier = [n[-1] for n in out if n and n[-1].form not in ("size", "duration", "p-value")]
            names = list(dict.fromkeys(n.metric for n in earlier))
            position = index - run[0]
            if len(names) >= len(run) and len(run) > 1:
                pick = names[len(names) - len(run) + position]
                out.append([Named(pick, -1, -1, "respectively")])
                continue
        out.append(_one(sentence, shown, values, index, out))
    return out


def _one(sentence: str, shown: str, values: list[Value], index: int, out: list[list[Named]]) -> list[Named]:
    """The metric of one value that no list binds (see module doc for the order of the rules)."""
    v = values[index]
    head = shown[: v.start]
    if v.from_to:
        named = _changed(_after(sentence, shown, v)) or _from_to(sentence, shown, v, head)
        return [named] if named else []
    of = _of(sentence, shown, v, head)
    if of and CHANGE.search(of.metric.split()[-1]):
        of = _change_in(sentence, shown, v) or _changed(of)
    lengthy = of if of and v.unit in ("count", "scale", "size", "time") else None
    named = lengthy or _change_over(sentence, shown, v) or _changed(_after(sentence, shown, v))
    beaten = False
    if named is None:
        named = of
    if named is None:
        named, beaten = _by(sentence, shown, v, head)
    if beaten:
        named = (
            _change_in(sentence, shown, v)
            or _across_metrics(sentence, shown, v)
            or _prior(out, values)
            or Named("improvement over baselines", -1, -1, "beats")
        )
        return [named]
    for rule in (_paren, _lead, _colon):
        named = named or rule(sentence, shown, v, head)
    for after_rule in (_change_in, _share):
        named = named or _changed(after_rule(sentence, shown, v))
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
    m = re.match(r"\s+(?:across|on|in)\s+(?:all\s+|both\s+|the\s+)?(?:\w+\s+)?(?=\S+\s+metrics\b)", shown[v.end :])
    if not m:
        return None
    words = _words_after(shown, v.end + m.end(), limit=1)
    return _phrase(sentence, words, "across") if words and re.search(r"@|[A-Z]{2,}", words[0].group(0)) else None


def _prior(out: list[list[Named]], values: list[Value]) -> Named | None:
    """The result metric the sentence named last (for 'outperforming B by x'; counts, sizes and
    durations are not results)."""
    for names, v in zip(reversed(out), reversed(values[: len(out)]), strict=False):
        if names and names[-1].form not in ("size", "duration", "p-value", "share") and v.unit not in (
            "count",
            "scale",
            "adjective",
            "time",
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
    if len(between) > 60 or re.search(r"[;.]\s", between):
        return None
    follows = re.fullmatch(
        r"\s*(?:[\w@-]+\s+){0,6}?(?:\(|,|/|and|but|while|whereas|vs\.?)\s*(?:(?:only|by|to|at|a|an|up to|about|"
        r"approximately|over|nearly|around|more than)\s+)*",
        between,
    )
    if not follows:
        return None
    prior = out[index - 1][-1]
    metric = prior.metric
    if prior.form == "faster" and v.unit == "time":
        metric = "latency"
    return Named(metric, prior.start, prior.end, "follows")
