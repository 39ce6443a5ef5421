"""Offline result claims: a paper's sentences -> ResultClaims read clause by clause, each verified.

Input: the title, the abstract's sentences and the comment. Output: one ResultClaim per reported
number (values.py) whose metric can be named (naming.py): a value whose metric cannot be named
is left out rather than guessed. Setting, per value: efficiency when its metric is latency,
throughput, speed, memory, storage, compute, cost, parameters or size (not 'cost per click',
'funnel efficiency'); other for counts, shares ('50.25% of exposures'), traffic splits, durations,
p-values and scale-ups ('3x more data', 'FLOPs by 10x', 'scaling to 8B parameters'); else online
when the value's clause (or, failing that, the sentence before it, or an online previous sentence)
carries an online cue (A/B, online, deployed, production, live traffic) nearer than an offline one
(offline, dataset, benchmark, human evaluation), offline otherwise; AUC, NDCG, Recall and their
kind stay offline in a sentence that also reports offline experiments. Direction from the sign,
'from A to B' and 'A vs. B', the change word nearest the value, else none for levels and counts.
Evidence: the value's clause, widened to hold its metric and, for online claims, the online cue
(the previous sentence joins when the cue is there). Every claim is checked with the claim
verifier (facts.claims.result_problem) and dropped when it fails, so the offline backend is
verified by construction. Pure and deterministic.
"""

from __future__ import annotations

import re

from ingest.facts.claims import result_problem
from ingest.facts.sheet import ResultClaim
from ingest.llm.offline.naming import Named, names_of
from ingest.llm.offline.short_names import FUNCTION
from ingest.llm.offline.values import Value, values_in, view

CLAUSE = re.compile(
    r"[,;]\s+|\s+(?:while|whereas|but|--|—)\s+"
    r"|(?<![\d%×])\s+and\s+(?=(?:a |an |up to |over )?[+\-−~]?\s?\$?\d)"
    r"|\s+and\s+(?=(?:improv|increas|reduc|lift|boost|rais|lower|cut|decreas|enhanc|yield|deliver|achiev|"
    r"accelerat|doubl|halv)\w*\s)"
)
AFTER_CUE = re.compile(
    r"^[^;]{0,80}?\b(?:in|during|through|via|from)\s+(?:the\s+|an?\s+|our\s+)?(?:large-scale\s+|"
    r"real-world\s+|live\s+)?(?:online|A/B|production)\b",
    re.IGNORECASE,
)
ONLINE = re.compile(
    r"\bonline\b(?!\s+(?:shopping|retail|learning|platforms?|services?|store))|\bon-line\b|\bA/B\b|"
    r"\bbucket tests?\b|\bdeploy(?:ed|ment|ing)?\b|\bin production\b|"
    r"\bproduction (?:system|environment|traffic|A/B|experiments?|tests?)|"
    r"\blive (?:traffic|experiments?|tests?|production)\b|\blaunched\b|"
    r"\breal[- ]world traffic\b|\bfull[- ]traffic\b",
    re.IGNORECASE,
)
ANNOUNCED = re.compile(
    r"\bA/B\b|\bonline (?:experiments?|tests?|evaluations?)\b|\blive (?:tests?|experiments?)", re.I
)
OFFLINE = re.compile(
    r"\boffline\b|\bdatasets?\b|\bbenchmarks?\b|\bpublic\b|\b(?:human|manual) evaluation\b|"
    r"\bevaluation set\b|\btest set\b|\bindustrial setting\b|\bproduction-scale data\b|\bsimulat\w+",
    re.IGNORECASE,
)
FUTURE = re.compile(r"\bwill be\b|\bplanned\b|\bfuture\b|\bto be (?:deployed|launched)\b", re.IGNORECASE)
OFFLINE_KIND = re.compile(
    r"\b(?:auc|gauc|uauc|wuauc|ndcg|dcg|recall|hr|hit|hits|hitrate|mrr|map|mae|rmse|precision|accuracy|f1|"
    r"logloss|ne)\b|@\d",
    re.IGNORECASE,
)
EFFICIENCY = re.compile(
    r"latenc|delay|throughput|\bqps\b|queries per second|speed|faster|accelerat|memory|\bram\b|storage|"
    r"\bcosts?\b|compute|computation|flops|\bmfu\b|\bgpus?\b|\bcpu\b|"
    r"training (?:time|steps|rounds|resources)|runtime|run time|wall-clock|parameters?|model size|"
    r"index size|embedding (?:size|dimension)|"
    r"input length|token (?:usage|cost)|resources?\b|overhead|expense|expenditure|opex|carbon|energy|"
    r"turnaround|lookup time|inspection time|timeliness|response time|reporting volume|index terms|"
    r"(?:processing|inference|training|computational|serving|hardware) efficiency|^efficiency",
    re.IGNORECASE,
)
NOT_EFFICIENCY = re.compile(r"cost[- ]per|\bcp[cms]\b|\becp[cms]\b|funnel|search efficiency|\broi\b", re.I)
OTHER = re.compile(
    r"\btraffic\b|\bsplit\b|\bbuckets?\b|\bp-value\b|availability|\bshare (?:of|in)\b|\btemperature\b",
    re.IGNORECASE,
)
EXPANDS = re.compile(r"(?<!-)\b(?:enhanc|increas|boost|grow|expand|scal(?:e|ed|es|ing)\b)\w*", re.I)
SCALE_UP = re.compile(
    r"\bmore (?:training )?(?:data|compute|parameters)\b|\blarger (?:training )?data\b|\bscal(?:e|ed|ing)\b",
    re.IGNORECASE,
)
GROWS = re.compile(r"flops|compute|computation|parameters?|model size|\bdata\b", re.IGNORECASE)
DOWN = re.compile(
    r"\breduc\w*|\bdecreas\w*|\blower\w*|\bless\b|\bfewer\b|\bdrop\w*|\bcut\w*|\bshrink\w*|\btrim\w*|"
    r"\bhalv\w*|\bshorter\b|\bfell\b|\bfallen\b|\bdeclin\w*|\bdegrad\w*|\bsav(?:e|es|ing)\b",
    re.IGNORECASE,
)
UP = re.compile(
    r"\bimprov\w*|\bincreas\w*|\bgains?\b|\blift\w*|\buplift\w*|\bboost\w*|\bhigher\b|\bmore\b|\bfaster\b|"
    r"\bspeed-?ups?\b|\baccelerat\w*|\boutperform\w*|\bsurpass\w*|\bexceed\w*|\brais\w*|\brise\b|\brose\b|"
    r"\benhanc\w*|\bdoubl\w*|\bgrowth\b|\bjump\w*|\blarger\b|\belevat\w*|\bscal\w*",
    re.IGNORECASE,
)


def clauses(sentence: str) -> list[tuple[int, int]]:
    """(start, end) spans of the sentence's clauses (commas, semicolons, 'while', 'and' before a value)."""
    spans, start = [], 0
    for m in CLAUSE.finditer(sentence):
        if m.start() > start:
            spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(sentence)))
    return spans


def _clause_at(spans: list[tuple[int, int]], at: int) -> tuple[int, int]:
    return next(((a, b) for a, b in spans if a <= at < b), spans[-1])


def _nearest(pattern: re.Pattern[str], text: str, at: int) -> int | None:
    """Distance from `at` to the nearest match of `pattern` in `text`, None when there is none."""
    hits = [min(abs(m.start() - at), abs(m.end() - at)) for m in pattern.finditer(text)]
    return min(hits) if hits else None


ENUMERATED = re.compile(r"\((?:[a-h]|i{1,3}|iv|vi{0,3}|ix|x|\d)\)\s")


def _cue(sentence: str, spans: list[tuple[int, int]], v: Value) -> tuple[str, int]:
    """'online' | 'offline' | '' for the value's own words, and where the deciding online cue starts."""
    a, b = _clause_at(spans, v.start)
    clause = sentence[a:b]
    on, off = _nearest(ONLINE, clause, v.start - a), _nearest(OFFLINE, clause, v.start - a)
    if on is not None and (off is None or on <= off):
        return "online", a + min(ONLINE.finditer(clause), key=lambda m: abs(m.start() - v.start + a)).start()
    if off is not None:
        return "offline", -1
    items = list(ENUMERATED.finditer(sentence[: v.start]))  # '(a) ... production systems, (b) ... 89.1%'
    start = items[-1].start() if items else 0  # an earlier item's cue is not this item's
    before = sentence[start:a] if start < a else ""
    last_on = [start + m.start() for m in ONLINE.finditer(before)]
    last_off = [start + m.start() for m in OFFLINE.finditer(before)]
    if last_on and (not last_off or last_on[-1] > last_off[-1]):
        return "online", last_on[-1]
    if last_off:
        return "offline", -1
    later = AFTER_CUE.match(sentence[v.end :])
    if later and not OFFLINE.search(sentence):
        return "online", v.end + later.end() - 8
    deployed = re.search(r"\bdeploy(?:ed|ment)\b", sentence[v.end :])
    if deployed and not OFFLINE.search(sentence) and not FUTURE.search(sentence):
        return "online", v.end + deployed.start()  # '..., and have been deployed to serve 570 million users'
    return "", -1


def setting_of(metric: str, v: Value, form: str, sentence: str, cue: str, carried: str) -> str:
    """online | offline | efficiency | other for a value with this metric (see module doc)."""
    low = metric.lower()
    if form == "share":  # '60% of the training time' is a cost; '30% of work time', '25% of QPS' are shares
        if re.search(
            r"(?:training|inference|serving|processing|wall-clock|run) time|runtime|cost|expense|"
            r"compute|computation|memory|latency",
            low,
        ):
            return "efficiency"
        return "offline" if re.search(r"performance|quality|accuracy", low) else "other"
    if form == "duration":
        return "other"
    if form == "size":  # 'scaling to 8B parameters' grows the model; '1B-parameter models' is a size
        grows = re.search(
            r"\bscal\w*\s+(?:\w+\s+)?(?:up\s+)?(?:to|by)\s+$", sentence[max(0, v.start - 30) : v.start]
        )
        return "other" if grows else "efficiency"
    own = sentence[max(0, v.start - 40) : v.end + 25]
    if (
        GROWS.search(low)
        and (
            SCALE_UP.search(own)
            or v.unit == "times"
            and EXPANDS.search(sentence[max(0, v.start - 90) : v.start])
        )
        and not DOWN.search(sentence[max(0, v.start - 30) : v.end + 12])
    ):
        return "other"
    if EFFICIENCY.search(low) and not NOT_EFFICIENCY.search(low):
        return "efficiency"
    if v.unit == "times" and re.search(r"\bcycles?\b", low):  # 'shortens the release cycle 13x'
        return "efficiency"
    if (
        OTHER.search(low)
        or v.unit in ("count", "scale", "adjective")
        or v.unit == "time"
        and "latency" not in low
    ):
        return "other"
    if re.search(r"\boffline\b", low):
        return "offline"
    if re.search(r"\bonline\b", low):
        return "online"
    mixed = bool(re.search(r"\boffline\b", sentence))
    if cue == "online":
        return "offline" if OFFLINE_KIND.search(low) and mixed else "online"
    if cue == "offline":
        return "offline"
    if carried and (carried == "announced" or not OFFLINE_KIND.search(low)):
        return "online"
    return "offline"


CHANGE_AFTER = re.compile(
    r"^\s*(?:[\w@/-]+\s+){0,3}?(?:(?P<up>improvements?|gains?|increases?|lifts?|uplifts?|boosts?|higher|more|"
    r"faster|larger|speed-?ups?|rise|growth|jump)|(?P<down>reductions?|decreases?|drops?|lower|less|fewer|"
    r"shorter|smaller|declines?|cost|loss))\b",
    re.IGNORECASE,
)


def _change_after(v: Value, rest: str) -> re.Match[str] | None:
    """The change word right after a value ('9.5% improvement', '4x reduction', '20.4% nDCG@10 cost');
    a multiple of a cost is its level ('2.8x base model cost'), not a decrease."""
    after = CHANGE_AFTER.match(rest)
    if after and v.unit == "times" and (after.group("down") or "").lower() == "cost":
        return None
    return after


BOUND = re.compile(r"\b(?:less|fewer|lower|more|greater|higher)\s+than\s*$", re.IGNORECASE)
SIZED = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s?([KMBT]\b)?")
SUFFIX = {"": 1.0, "K": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}


def _magnitude(number: str, suffix: str) -> float:
    """'2' 'M' -> 2e6: the ends of 'from 2M to 1B' compare as sizes, not as 2 and 1."""
    return float(number.replace(",", "")) * SUFFIX.get(suffix, 1.0)


def direction_of(v: Value, sentence: str, spans: list[tuple[int, int]], setting: str, form: str) -> str:
    """increase | decrease | none: the sign, 'from A to B' / 'A vs. B', the change word right after the
    value ('9.5% improvement', '4x reduction'), else the nearest one before it in its clause."""
    shown = view(v.text)
    if shown.strip()[:1] in "-−":
        return "decrease"
    a, b = _clause_at(spans, v.start)
    before = BOUND.sub("", sentence[a : v.start])  # 'less than 5 ms': a bound, not a decrease
    if v.pair and (v.from_to or re.search(r"\bvs\b", shown)):
        ends = [_magnitude(n, suffix) for n, suffix in SIZED.findall(shown)]
        if len(ends) == 2 and ends[0] != ends[1] and re.search(r"\bvs\b", shown):
            return "increase" if ends[0] > ends[1] else "decrease"  # '847 ms vs. 1271 ms'
        if len(ends) == 2 and ends[0] != ends[1]:
            if DOWN.search(before[-30:]) and not UP.search(before[-30:]):
                return "decrease"
            if UP.search(before[-30:]) and not DOWN.search(before[-30:]):
                return "increase"
            return "increase" if ends[1] > ends[0] else "decrease"
    if shown.strip()[:1] == "+":
        return "increase"
    after = _change_after(v, sentence[v.end : b])
    if v.unit == "times" and after and not after.group(0).split()[-1].isupper():
        return "increase" if after.group("up") else "decrease"  # '3x more data', '200 times larger'
    if form in ("size", "duration", "p-value"):  # levels, unless the model is scaled to the size
        return "increase" if setting == "other" and form == "size" else "none"
    if form == "share":  # 'only about 60% of the training time'
        return "decrease" if re.search(r"\bonly\b", before[-30:]) and setting == "efficiency" else "none"
    if setting == "other" and not (
        form != "share" and EXPANDS.search(sentence[max(a, v.start - 60) : v.start])
    ):
        return "none"
    after = _change_after(v, sentence[v.end : b])
    if after and not after.group(0).split()[-1].isupper():
        return "increase" if after.group("up") else "decrease"
    for text in (before, sentence[: v.start] if form in ("follows", "by", "list", "change-in") else ""):
        down = [m.end() for m in DOWN.finditer(text) if not m.group(0).isupper()]
        up = [m.end() for m in UP.finditer(text) if not m.group(0).isupper()]
        if down and (not up or max(down) > max(up)):
            return "decrease"
        if up:
            return "increase"
    return "none"


def _evidence(sentence: str, spans: list[tuple[int, int]], v: Value, named: Named, cue_at: int) -> str:
    a, b = _clause_at(spans, v.start)
    if named.start >= 0:
        a = min(a, _clause_at(spans, named.start)[0])
        b = max(b, _clause_at(spans, max(named.end - 1, 0))[1])
    if cue_at >= 0:
        a = min(a, _clause_at(spans, cue_at)[0])
        b = max(b, _clause_at(spans, cue_at)[1])
    return sentence[a:b].strip().rstrip(".,;:")


METRIC_LIKE = re.compile(r"^(?:[A-Z]{2,5}(?:@\d+)?|\S*@\d+\S*|[A-Z][a-z]+(?:Time|Rate)\S*)$")


POSSESSED_STOP = FUNCTION | {"while"}  # a possessive place ends at the first function word


def _where(clause: str, metric: str = "") -> str:
    """The platform or dataset the clause names after on/in/at/across ('' when none); never the
    metric itself ('a 1.62% improvement in MRR' names no place)."""
    m = re.search(
        r"\b(?:on|in|at|across)\s+(?:the\s+)?((?:[A-Z][\w.'’@-]*)(?:\s+[A-Z0-9][\w.'’@-]*){0,3})", clause
    )
    where = m.group(1).rstrip(".,") if m else ""
    if m and re.search(r"['’]s$", where):  # "on Walmart's sponsored search": the possession, not 'Walmart's'
        follow = []
        for word in clause[m.end(1) :].split()[:3]:
            bare = word.rstrip(".,;:")
            if not re.fullmatch(r"[a-z][a-z-]*", bare) or bare in POSSESSED_STOP:
                break
            follow.append(bare)
            if bare != word:
                break
        where = f"{where} {' '.join(follow)}" if follow else where.removesuffix("'s").removesuffix("’s")
    if where and (where.lower() in metric.lower() or METRIC_LIKE.match(where)):
        return ""
    return where


def claims_of(sentences: list[str], source: str | None = None) -> list[ResultClaim]:
    """Every number the sentences state as a fact with a nameable metric, verified against `source`
    (default: the sentences themselves)."""
    text = source if source is not None else " ".join(sentences)
    out: list[ResultClaim] = []
    seen: set[tuple[str, str]] = set()
    previous, carried = "", ""
    for sentence in sentences:
        values = values_in(sentence)
        spans = clauses(sentence)
        names = names_of(sentence, view(sentence), values)
        own = bool(ONLINE.search(sentence) or OFFLINE.search(sentence))
        for v, metrics in zip(values, names, strict=True):
            for named in metrics:
                cue, cue_at = _cue(sentence, spans, v)
                if FUTURE.search(sentence):
                    cue, cue_at = "offline", -1
                setting = setting_of(named.metric, v, named.form, sentence, cue, "" if own else carried)
                evidence = _evidence(sentence, spans, v, named, cue_at if setting == "online" else -1)
                if setting == "online" and cue != "online" and previous:
                    evidence = f"{previous} {sentence[: sentence.find(evidence) + len(evidence)]}"
                claim = ResultClaim(
                    metric=named.metric,
                    value=v.text,
                    direction=direction_of(v, sentence, spans, setting, named.form),
                    setting=setting,
                    where=_where(
                        sentence[_clause_at(spans, v.start)[0] : _clause_at(spans, v.start)[1]], named.metric
                    ),
                    evidence=evidence,
                )
                key = (claim.metric, claim.value)
                if (
                    claim.metric.lower() in PRONOUNS
                    or key in seen
                    or result_problem(
                        claim.metric, claim.value, claim.direction, claim.setting, claim.evidence, text
                    )
                ):
                    continue
                seen.add(key)
                out.append(claim)
        if ONLINE.search(sentence) and not FUTURE.search(sentence):
            carried = "announced" if ANNOUNCED.search(sentence) else "online"
            previous = sentence
        elif values or OFFLINE.search(sentence):
            carried, previous = "", ""
    return _without_range_ends(out)


PRONOUNS = frozenset({"it", "its", "this", "that", "them", "these", "those", "which", "they"})
END = re.compile(r"\d[\d,.]*\s?[KMBT]?\b")


def _without_range_ends(claims: list[ResultClaim]) -> list[ResultClaim]:
    """Claims less the ones that repeat one end of a range or 'from A to B' of the same metric ('model
    size 1B' beside 'model size 2M to 1B', from '... the 1B-backbone model ... the 2M-backbone')."""
    ends = {
        (c.metric, m.group(0).replace(" ", ""))
        for c in claims
        if re.search(r"\d\s*(?:to|-|–|--)\s*\d", c.value) or " to " in c.value
        for m in END.finditer(c.value)
    }
    return [c for c in claims if (c.metric, c.value.strip().replace(" ", "")) not in ends]
