"""Noun phrases of a sentence around a position: the words a metric name is made of.

Input: a sentence's LaTeX view (values.view) and a position (where a value starts or ends).
Output: the noun phrase right after it (`words_after`: determiners and hedging adjectives skipped,
stopping at prepositions, verbs, change nouns and punctuation) or right before it (`words_before`:
a parenthetical or a trailing participle skipped), as word matches whose spans map back to the
sentence, and `phrase`: a `Named` metric made of such words (generic words and lone verbs are not
metrics). `changed` drops a trailing change noun ('precision increase' -> 'precision'); `value_metric` is
the phrase right after a value ('+2.98% CTR', '2.2x higher QPS', '33% faster' -> speed). Pure.
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
    also further still even yet not no who whom whose because due since despite although though unless
    until whether if so thus hence x alongside compared including most""".split()
)
QUAL = frozenset(
    """relative absolute significant statistically substantial notable remarkable impressive consistent
    stable additional cumulative higher lower more fewer less greater better larger smaller shorter
    longer bigger overall average total""".split()
)
KEEP_QUAL = frozenset({"overall", "average", "total", "cumulative", "additional"})
LOSS_NAMES = frozenset(  # 'Log Loss' is a metric; 'accuracy loss' is a change in accuracy
    """log logistic cross-entropy entropy hinge bpr bce mse mae l1 l2 training validation test
    contrastive focal triplet""".split()
)
CHANGE = re.compile(
    r"(?:improvements?|gains?|increases?|lifts?|uplifts?|boosts?|reductions?|decreases?|drops?|rises?|"
    r"growth|enhancements?|declines?|degradation|loss)$",
    re.IGNORECASE,
)
VERB = re.compile(
    r"(?:(?:improv|increas|boost|lift|rais|enhanc|reduc|cut|trim|lower|decreas|shrink|accelerat|elevat|"
    r"halv|doubl|drop|declin|degrad|shorten|outperform|surpass|exceed|beat|yield|deliver|achiev|bring|contribut|"
    r"generat|obtain|show|confirm|demonstrat|reach|attain|produc|lead|scal|mak|gain|add|spend|handl|serv|"
    r"compris|us|evaluat|jump|grow|remain|exhibit|requir|provid|enabl|offer|perform|"
    r"consum|maintain|preserv|recover|attain|introduc|releas|construct|allow|"
    r"outpac|see|seen|saw|captur|deploy|driv|translat|reveal|highlight|indicat|suggest|demonstrat|validat|"
    r"confirm|show|prov|outperform|widen|narrow|plateau|emerg|becom|appear|exceed|cover)"
    r"(?:e|es|s|ed|d|ing|ting|ped|ping|ded|ding)?|fell|fallen|grew|rose|risen|led|made|brought|cutting|"
    r"supports|supported|supporting|reports|reported|helps|helped|holds)$",
    re.IGNORECASE,
)
BEAT = re.compile(r"(?:outperform|surpass|exceed|beat)\w*$", re.IGNORECASE)
NOUNISH = re.compile(r"(?<!-based)(?<!-augmented)(?:ing|ed)$")  # verbs unless they lead the phrase
NOUN_ING = frozenset(
    """advertising listening reading ranking reranking re-ranking training fine-tuning pre-training
    streaming sharing processing serving computing indexing matching spending engaged retained completed
    shopping marketing recommending learning engineering modeling modelling clustering programming gaming
    housing""".split()
)
GENERIC = frozenset(
    """metrics metric results result gains gain improvements improvement average tasks settings baselines
    baseline both methods faster slower higher lower better worse reported same stronger weaker""".split()
)
GERUND_VERBS = frozenset("containing having being including using making taking getting giving".split())
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


def words_after(shown: str, pos: int, limit: int = 6) -> list[re.Match[str]]:
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
        if out and (NOUNISH.search(low) and low not in NOUN_ING or VERB.match(low) and low != "spend"):
            break  # ... but 'ad spend' is a noun
        if out and low.endswith("ly") and low not in ("daily", "weekly", "monthly", "yearly", "hourly"):
            break
        if not out and (VERB.match(low) and low.endswith("ing") or low in GERUND_VERBS):
            break
        if out and shown[out[-1].end() : m.start()].strip():
            break
        out.append(m)
        i = m.end()
    while out and out[-1].group(0).lower() in ("of", "per"):
        out.pop()
    return out


def words_before(shown: str, pos: int, limit: int = 6, participle: bool = False) -> list[re.Match[str]]:
    """The noun phrase ending at `pos` (a parenthetical just before it skipped), as word matches."""
    head = shown[:pos]
    head = re.sub(r"\s*\([^()]{1,25}\)\s*$", lambda m: " " * len(m.group(0)), head)
    words = list(WORD.finditer(head))
    out: list[re.Match[str]] = []
    end = len(head.rstrip())
    if participle and words and words[-1].end() == end and re.search(r"(?:ing|ed)$", words[-1].group(0)):
        if words[-1].group(0).lower() not in NOUN_ING and len(words) > 1:
            end = len(head[: words[-1].start()].rstrip())  # 'quality gap widening to 11.7 pp'
            words = words[:-1]
    for m in reversed(words):
        between = head[m.end() : end]
        if between.strip() and not re.fullmatch(r"\s*(?:\([^()]*\)|-)?\s*", between):
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
            prior[-1].lower() in DETERMINER | QUAL
            or bool(out)
            and low.endswith("ing")
            and VERB.match(prior[-1])
        )
        infinitive = bool(out) and bool(prior) and prior[-1].lower() == "to"  # 'to support sequences'
        if low in STOP or VERB.match(low) and not noun and not (low in NOUN_ING and out) or len(out) >= limit:
            break
        if infinitive:
            break
        out.insert(0, m)
        end = m.start()
    while out and out[0].group(0).lower() in {"of", "per"} | (QUAL - KEEP_QUAL):
        out.pop(0)
    return out


def phrase(sentence: str, words: list[re.Match[str]], form: str) -> Named | None:
    if not words:
        return None
    start, end = words[0].start(), words[-1].end()
    text = re.sub(r"\s*\([^()]*\)", "", sentence[start:end]).strip(" ,;:.'\"")
    text = re.sub(r"[\\{}$]", "", text).strip()
    words_low = [w.lower() for w in text.split()]
    if not words_low or all(w in GENERIC for w in words_low) or len(text) < 2:
        return None
    if words_low in (["online"], ["offline"]):
        return None
    if len(words_low) == 1 and NOUNISH.search(words_low[0]) and words_low[0] not in NOUN_ING:
        return None  # 'reported', 'matching': a verb, not a metric
    return Named(text, start, end, form)


def changed(named: Named | None) -> Named | None:
    """'precision increase' -> 'precision', 'nDCG@10 cost' -> 'nDCG@10'; a bare change noun stays only
    with its qualifier ('average improvement') or when it is a loss ('drop')."""
    if named is None:
        return None
    words = named.metric.split()
    last = words[-1].lower()
    named_loss = last == "loss" and words[-2].lower().strip("()") in LOSS_NAMES if len(words) > 1 else False
    if len(words) > 1 and CHANGE.match(last) and words[-2].lower() not in KEEP_QUAL and not named_loss:
        return Named(" ".join(words[:-1]), named.start, named.end, named.form)
    if len(words) > 1 and last in ("cost", "penalty") and re.search(r"@|^[A-Z]{2,}", words[-2]):
        return Named(" ".join(words[:-1]), named.start, named.end, named.form)
    if len(words) == 1 and CHANGE.match(last) and last not in ("drop", "loss", "degradation"):
        return None
    return named


METRIC_HEAD = re.compile(
    r"(?:accuracy|precision|recall|score|rate|ratio|time|duration|revenue|orders?|clicks?|views?|count|"
    r"volume|conversions?|engagement|retention|latency|throughput|users?|sessions?|sales|value|metrics?|"
    r"quality|diversity|coverage|utili[sz]ation|impressions?|exposures?|purchases?|transactions?|buyers|"
    r"interactions?|repins|saves|follows|shares|relevance|satisfaction|gmv|ctr|cvr|auc|gauc|ndcg|mrr|map|"
    r"f1|em|hr|ipv|dau|cpm|roi|\w+@\w+)$",
    re.IGNORECASE,
)


ADJECTIVE = re.compile(
    r"(?:ive|ent|ant|able|ible|al|ous|ful|less|ic|ly|common|likely|similar)$", re.IGNORECASE
)


def value_metric(sentence: str, shown: str, v: Value) -> Named | None:
    """'x M': '+2.98% CTR', '2.2x higher QPS', '5x faster index construction', '206 papers'."""
    rest = shown[v.end :]
    compared = re.match(r"\s+(?:more|less|higher|lower)\s+(\w+)", rest)
    if compared and ADJECTIVE.search(compared.group(1)) and not METRIC_HEAD.search(compared.group(1)):
        return None  # '2.3x more common', '5x more likely'

    fast = re.match(r"\s+(?:faster|quicker)\b", rest)
    if fast:
        named = phrase(sentence, words_after(shown, v.end + fast.end()), "faster")
        if named:
            return Named(f"{named.metric} speed", named.start, named.end, "faster")
        return Named("speed", -1, -1, "faster")
    if re.match(r"\s+(?:of|in|on|at|by|for|from|to|over|than|and|or|vs)\b", rest):
        return None
    words = words_after(shown, v.end)
    listed = re.match(r",\s+(?=[a-z])", shown[words[-1].end() :]) if len(words) == 1 else None
    if listed and not words[0].group(0).endswith("s"):  # '100 complex, hand-crafted questions'
        more = words_after(shown, words[-1].end() + listed.end())
        first = shown[words[-1].end() + listed.end() :].split(None, 1)[0].lower()
        if more and first not in STOP and more[-1].group(0).endswith("s"):
            words = more
    return phrase(sentence, words, "value-metric")
