"""The claim verifier: one rule set for every fact a report may state, used at extraction and again
when a report is verified.

Input: a claim's fields and the paper's source. Output: None when the claim holds, else the reason
it is rejected (one short line). A result claim (metric, value, direction, setting, evidence) holds
when: its evidence occurs in the source (after the number normaliser's unicode, space and sign
rules, case and whitespace ignored); the value has a number and every number of it occurs in the
evidence, and a range or "from A to B" keeps both ends; the metric is a short noun phrase whose
words (or a known alias) occur in the evidence; an online claim's evidence carries an online cue (A/B,
online, deployed, production, live traffic, launched, served to users); a reduction keeps its
direction. An institution claim holds when its evidence occurs in the source and names it, and the
evidence is an affiliation or comment line, or a sentence that does not only use the organisation's
model, tool or hardware (GPT-4, Gemini, Claude, Llama, Qwen, NVIDIA GPUs, "built on Google's ...")
and does not name it as prior work ("unlike systems deployed at Google, Meta and Alibaba").
Pure functions, deterministic, no I/O.
"""

from __future__ import annotations

import re

from ingest.facts.numbers import normalise, numbers_in

QUOTES = dict.fromkeys(map(ord, "\u2018\u2019\u201a\u201b\u2032"), "'") | dict.fromkeys(
    map(ord, "\u201c\u201d\u201e"), '"'
)
ONLINE_CUE = re.compile(
    r"\bonline\b|\bon-line\b|\ba/b\b|\bab test|\bbucket test|\bdeploy(?:ed|ment|ing)?\b|\bproduction\b|"
    r"\blive (?:traffic|experiment|test|environment|system|platform)|\blaunch(?:ed)?\b|"
    r"\bserv(?:es|ed|ing) (?:\w+ ){0,3}(?:users|traffic|requests)\b|\breal[- ]world traffic\b",
    re.IGNORECASE,
)
DECREASE_CUE = re.compile(
    r"\breduc\w*|\bdecreas\w*|\blower\w*|\bless\b|\bfewer\b|\bdrop\w*|\bcut\w*|\bshrink\w*|\bsaves?\b|"
    r"\bsaving\w*|\bdeclin\w*|\bfell\b|\bdown\b",
    re.IGNORECASE,
)
INCREASE_CUE = re.compile(
    r"\bimprov\w*|\bincreas\w*|\bgain\w*|\blift\w*|\bboost\w*|\bhigher\b|\bup\b|\bgrow\w*|\braise\w*|"
    r"\boutperform\w*|\bspeedup\b",
    re.IGNORECASE,
)
RANGE = re.compile(
    r"(?<![\w.])(\d[\d,]*(?:\.\d+)?)\s*(?:%|x|×|pp)?\s*(?:-|to|~)\s*(\d[\d,]*(?:\.\d+)?)(?![\d.])",
    re.IGNORECASE,
)
CLAUSE = re.compile(r",\s+|;\s+|\s+(?:while|whereas|but|and)\s+", re.IGNORECASE)
FUNCTION_WORDS = frozenset(
    "a an the of on in at to by for from with and or but than that which was were is are be been as up "
    "over under into onto via per vs versus while whereas its their our this these those".split()
)
METRIC_ALIASES: dict[str, tuple[str, ...]] = {
    "ctr": ("click-through rate", "click through rate", "ctr", "clickthrough"),
    "cvr": ("conversion rate", "cvr", "conversion"),
    "gmv": ("gross merchandise", "gmv"),
    "auc": ("auc", "area under"),
    "gauc": ("gauc", "group auc"),
    "ndcg": ("ndcg", "normalized discounted cumulative gain"),
    "hr": ("hit rate", "hit ratio", "hr"),
    "mrr": ("mrr", "mean reciprocal rank"),
    "map": ("map", "mean average precision"),
    "dau": ("dau", "daily active users"),
    "speed": ("faster", "speedup", "speed-up", "speed", "acceleration", "accelerat"),
    "speedup": ("faster", "speedup", "speed-up", "acceleration", "accelerat"),
    "latency": ("latency", "response time", "faster", "slower"),
    "throughput": ("throughput", "qps", "requests per second"),
    "compute": ("compute", "computation", "flops", "gpu hours"),
    "cost": ("cost", "cheaper", "expense"),
    "memory": ("memory", "ram", "footprint"),
    "parameters": ("parameter", "params", "model size"),
    "revenue": ("revenue", "income"),
    "watch time": ("watch time", "watching time", "viewing time"),
    "improvement": ("improv", "outperform", "surpass", "exceed", "gain", "better", "beat"),
    "duration": ("day", "week", "month", "year", "hour", "minute", "duration"),
    "model size": (
        "parameter",
        "params",
        "model size",
        r"re:\d(?:\.\d+)?\s?[bm]\b",
        r"re:times (?:larger|smaller)",
    ),
    "p-value": ("p-value", "p value", r"re:\bp\s?[<>=≤≥]"),
}
# Models, tools and hardware a paper uses: naming the maker beside one is not authorship.
VENDOR_PRODUCTS = re.compile(
    r"\b(?:gpt[-\w.]*|chatgpt|o1|o3|o4-mini|text-embedding[-\w]*|gemini[-\w.]*|gemma[-\w.]*|palm[-\w]*|"
    r"bert|t5|flan-t5|vertex ai|agent development kit|adk|claude[-\w.]*|llama[-\w.]*|qwen[-\w.]*|"
    r"deepseek[-\w.]*|mistral[-\w]*|mixtral[-\w]*|phi-\d[-\w.]*|copilot|gpus?|a100|h100|h800|h20|v100|"
    r"cuda|tpus?)\b",
    re.IGNORECASE,
)
PRIOR_WORK = re.compile(
    r"\b(?:unlike|prior|previous(?:ly)?|existing|earlier|such as|e\.g\.|like those|as in|inspired by|"
    r"following|adopted by|proposed by|popularized by|widely used (?:by|at|in)|"
    r"(?:platforms|companies|firms|services|giants|leaders|players) (?:like|including)|industry leaders)\b",
    re.IGNORECASE,
)
FIRST_PERSON = re.compile(r"\b(?:we|our|us)\b", re.IGNORECASE)
PROVIDERS = re.compile(
    r"\b(?:providers?|vendors?|frontier (?:models?|labs?)|commercial (?:llms?|models?|apis?))\b"
)
DATASET_AFTER = re.compile(
    r"[\w.&'-]*(?:'s)?(?:[\s-][\w-]+){0,2}?[\s-](?:datasets?|data\b|benchmarks?|reviews?|corpus|corpora|logs?\b)"
)
# "a Meituan industrial dataset", "Pinterest internal data": the company's own data, so its work
OWN_DATA = re.compile(
    r"[\w.&'-]*(?:'s)?(?:[\s-][\w-]+)?\s+(?:internal|in-house|industrial|proprietary|production)\s"
)
SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n")


def squash(text: str) -> str:
    """Text as claims are compared: number normaliser rules, straight quotes, one space, lower case."""
    return re.sub(r"\s+", " ", normalise(text or "").translate(QUOTES)).strip().lower()


def occurs(phrase: str, source: str) -> bool:
    """`phrase` occurs in `source` as compared for claims (case, whitespace, dashes, quotes ignored)."""
    needle = squash(phrase)
    return bool(needle) and needle in squash(source)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9@]+(?:[-/][a-z0-9@]+)*", squash(text))


def metric_problem(metric: str) -> str | None:
    """Why `metric` is not a short noun phrase (a clause fragment, a number, too long), else None."""
    text = metric.strip()
    words = text.split()
    if not text or not re.search(r"[A-Za-z]", text):
        return "metric has no words"
    if len(words) > 6:
        return f"metric '{text}' is a clause, not a noun phrase"
    if not text[0].isalnum() or words[0].lower() in FUNCTION_WORDS or words[-1].lower() in FUNCTION_WORDS:
        return f"metric '{text}' is a fragment"
    if any(re.fullmatch(r"[-+]?\d[\d,.]*%?", w) for w in words):
        return f"metric '{text}' holds a number"
    return None


def _alias_in(alias: str, text: str) -> bool:
    if alias.startswith("re:"):
        return re.search(alias[3:], text) is not None
    return re.search(r"(?<![a-z0-9])" + re.escape(alias), text) is not None


def metric_in(metric: str, evidence: str) -> bool:
    """The metric's content words occur in the evidence, each as written (a word's first five letters
    for long words) or through a known alias of the phrase it belongs to ('click-through rate' for
    CTR, 'faster' for speed, 'outperforms' for improvement, '7B' for model size, '7-day' for
    duration)."""
    low = squash(evidence)
    key = squash(metric)
    covered: set[str] = set()
    for name, aliases in METRIC_ALIASES.items():
        if key == name or key in aliases or re.search(r"(?<![\w-])" + re.escape(name) + r"(?![\w-])", key):
            if any(_alias_in(alias, low) for alias in aliases):
                if key == name or key in aliases:
                    return True
                covered |= set(_words(name))
    content = [w for w in _words(metric) if w not in FUNCTION_WORDS and w not in covered]
    if not content:
        return bool(covered)
    have = _words(evidence)
    return all(any(h == w or (len(w) >= 5 and h.startswith(w[:5])) for h in have) for w in content)


def _clause_of(evidence: str, value: str) -> str:
    low, needle = squash(evidence), squash(value)
    at = low.find(needle)
    if at < 0:
        return low
    starts = [0] + [m.end() for m in CLAUSE.finditer(low) if m.end() <= at]
    ends = [m.start() for m in CLAUSE.finditer(low) if m.start() >= at + len(needle)] + [len(low)]
    return low[starts[-1] : ends[0]]


def range_problem(value: str, evidence: str) -> str | None:
    """A range or 'from A to B' in the evidence must keep both ends in the value."""
    have = numbers_in(value)
    for m in RANGE.finditer(normalise(evidence)):
        ends = {m.group(1).replace(",", ""), m.group(2).replace(",", "")}
        if len(ends) == 2 and (ends & have) and not ends <= have:
            return f"value '{value}' drops an end of the range '{m.group(0).strip()}'"
    return None


def result_problem(
    metric: str, value: str, direction: str, setting: str, evidence: str, source: str
) -> str | None:
    """Why this result claim is rejected (see module doc), else None."""
    if not evidence.strip():
        return "no evidence quote"
    if not occurs(evidence, source):
        return "evidence not in the source"
    wanted = numbers_in(value)
    if not wanted:
        return f"value '{value}' has no number"
    if not wanted <= numbers_in(evidence):
        return f"value '{value}' not in its evidence"
    problem = metric_problem(metric) or range_problem(value, evidence)
    if problem:
        return problem
    if not metric_in(metric, evidence):
        return f"metric '{metric}' not in its evidence"
    if setting == "online" and not ONLINE_CUE.search(evidence):
        return "online claim without an online cue in its evidence"
    clause = _clause_of(evidence, value)
    negative = normalise(value).strip().startswith("-")
    signed_up = normalise(value).strip().startswith("+")  # '+1.6% orders with less than 5 ms latency'
    shrinks = bool(DECREASE_CUE.search(clause)) and not INCREASE_CUE.search(clause) and not signed_up
    if direction == "increase" and (negative or shrinks):
        return f"'{value}' is a reduction stated as an increase"
    return None


def _sentence_around(source: str, evidence: str) -> str:
    """The source sentence(s) holding the evidence (the evidence itself when not found)."""
    low, needle = squash(source), squash(evidence)
    at = low.find(needle)
    if at < 0:
        return evidence
    begin = max((m.end() for m in SENTENCE_END.finditer(low) if m.end() <= at), default=0)
    stops = [m.start() for m in SENTENCE_END.finditer(low) if m.start() >= at + len(needle)]
    end = min(stops, default=len(low))
    return low[begin:end]


def _mention_at(sentence: str, names: list[str]) -> int:
    for name in names:
        m = re.search(r"(?<![\w/.@-])" + re.escape(squash(name)) + r"(?![\w-]|\.\w)", sentence)
        if m:
            return m.start()
    return -1


def _prior_work(before: str) -> bool:
    """A prior-work cue ("unlike", "such as", "previous") governs the mention: no first-person subject
    ("we", "our") comes between them ("such as DCAT, improved our throughput on Pinterest data")."""
    cues = list(PRIOR_WORK.finditer(before))
    return bool(cues) and not FIRST_PERSON.search(before[cues[-1].end() :])


def institution_problem(
    name: str, canonical: str, evidence: str, source: str, affiliations: str = ""
) -> str | None:
    """Why this institution claim is rejected (see module doc), else None. `affiliations`: the
    paper's affiliation lines and comment, where a named organisation is the authors'."""
    label = canonical or name
    if not evidence.strip():
        return f"institution {label}: no evidence"
    if not occurs(evidence, source):
        return f"institution {label}: evidence not in the source"
    names = [n for n in (name, canonical) if n.strip()]
    if _mention_at(squash(evidence), names) < 0:
        return f"institution {label}: evidence does not name it"
    if affiliations and occurs(evidence, affiliations):
        return None
    sentence = _sentence_around(source, evidence)
    at = _mention_at(sentence, names)
    before, after = sentence[:at], sentence[at:]
    if _prior_work(before[-100:]):
        return f"institution {label}: named as prior work, not as the authors"
    if DATASET_AFTER.match(after) and not OWN_DATA.match(after):
        return f"institution {label}: named as a dataset"
    if VENDOR_PRODUCTS.search(after[:45]) or PROVIDERS.search(sentence):
        return f"institution {label}: its model, tool or hardware is used, not an affiliation"
    return None


def evidence_for(value: str, source: str, metric: str = "") -> str:
    """The shortest source clause (else sentence) holding `value` (and `metric`'s words when given),
    verbatim; '' when the source has no such clause. For claims that arrive without a quote."""
    wanted = numbers_in(value)
    if not wanted:
        return ""
    found: list[str] = []
    for sentence in SENTENCE_END.split(source):
        if not wanted <= numbers_in(sentence):
            continue
        pieces = [p for p in re.split(r"(?<=[,;])\s+", sentence) if wanted <= numbers_in(p)]
        for piece in [*pieces, sentence]:
            if not metric or metric_in(metric, piece):
                found.append(piece.strip())
                break
    return min(found, key=len) if found else ""
