"""Reported numbers of one sentence: sentence -> the value spans a claim can be made of.

Input: one sentence of a paper (untrusted text, only matched). Output: `Value`s, each an exact
substring of the sentence with its sign, hedge ('~', '>') and unit ('+2.85\\%', '4$\\times$',
'8-9 times', '100 basis points', '2 million', '1B-parameter', '132-day'); a range, 'from A to B'
(kept as 'A to B'), 'A vs. B' and 'A +/- B' stay one value. LaTeX is read through a view of the
sentence of the same length (view()), so spans map back to the text as written. Not values:
digits inside names (NDCG@10, Qwen2.5-3B, MovieLens-1M, Top-10, LT30, 'DL 19', 'Llama 3.1 8B',
'Task 1', RTX 3090), years and dates, citations ([14]), list markers ((1), 1)), paper metadata
(pages, figures, pp.), 'top 1%', the 95 of '95% CI', arXiv ids, small hyphenated design counts
('2-stage', '4-bit'). Spelled-out numbers are never values. Pure and deterministic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.records import ARXIV_ID

NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
PERCENT = (
    r"\s{0,3}%\s?points?\b|\s{0,3}%|\s?percent(?:age[- ]points?)?\b|\s?percentage[- ]points?\b"
    r"|\s?pp\b|\s?bps\b|\s?basis points\b"
)
POINTS = r"[\s-]points?\b"
TIMES = r"\s{0,2}[x×X](?![A-Za-z0-9])|\s?times\b|-fold\b|\*(?![\w*])"
SCALE = (
    r"-(?:million|billion)-parameters?\b|\+?\s?(?:thousand|million|billion|trillion|Million|Billion)\b"
    r"|[KMBTk]\+?(?:-parameters?\b)?(?![A-Za-z0-9])"
)
TIME = (
    r"\s{0,2}(?:ms|sec|s|h|hrs?|hours?|minutes?|mins?|seconds?|days?|weeks?|months?|years?)\b"
    r"|-(?:day|week|month|year|hour|minute)s?(?:-old)?\b"
)
SIZE = r"\s{0,2}(?:°|MB|GB|TB|KB|kg)(?![A-Za-z])"
ADJECTIVE = r"-[a-z]{3,}(?:-[a-z]+)?\b"
UNIT = rf"(?:{PERCENT}|{POINTS}|{TIMES}|{SCALE}|{TIME}|{SIZE}|{ADJECTIVE}|\+(?![\w+]))"
START = r"(?:(?<![\w.@^'’])[+\-−]\s?(?=[~≈><≤≥]?\s?\d)|(?<![\w.@^'’+\-−]))"
ONE = rf"(?:[~≈><≤≥]\s?)?(?:{NUM})(?:{UNIT})?"
SIGNED = rf"(?:[+\-−]\s?)?{ONE}"
TAIL = r"(?![A-Za-z0-9@]|-[A-Z]\b)"
VALUE = re.compile(
    rf"(?P<from>\bfrom\s+){SIGNED}(?:\s?(?:-|–|--)\s?{ONE})?(?:\s*\([^()]{{1,20}}\))?\s+(?:up\s+)?to\s+{SIGNED}{TAIL}"
    rf"|{START}{SIGNED}(?:\s?(?:--|-|–|—|~)\s?{ONE}|\s+to\s+{SIGNED}|\s+vs\.?\s+{SIGNED}|\s{{0,5}}(?:\+/-|±)\s{{0,5}}{ONE})?{TAIL}"
)
YEAR = re.compile(r"(?:19|20)\d\d")
FRACTION = re.compile(r"\d{1,3}")  # one side of an integer fraction such as 1/11
MONTH = re.compile(
    r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+(?:\d{1,2},?\s+)?$"
)
NAME_BEFORE = re.compile(r"(?<![.:;!?]\s)(?<!^)\b([A-Z][\w-]*|[A-Z]{2,}[a-z]*)\s$")
METADATA_AFTER = re.compile(
    r"^\s?(?:pages?|figures?|figs?|tables?|pp|appendix|appendices|algorithms?|main)\b|^\s?CI\b|^(?:th|st|nd|rd)\b",
    re.I,
)
ASSIGNED = re.compile(r"(?<![\w.])([A-Za-z])\s*=\s*$")
METADATA_BEFORE = re.compile(
    r"\bpp\.?\s?$|\b(?:vol|no)\.\s?$|\btop\s$|\bO\([^)]*$|\b[A-Za-z]\^$"
    r"|\b(?:NDCG|Recall|Precision|HR|MRR|MAP|Hits?)\s(?:at|@)\s$",
    re.I,
)
COMPARED_NAME = re.compile(r"\b[A-Z]{2,}\s?$")
# metric words that may stand right before a bare value: 'AUC 0.8161', 'MRR 0.568'
METRIC_LEAD = re.compile(
    r"^(?:AUC|GAUC|UAUC|CTR|CVR|GMV|NDCG|nDCG|MRR|MAP|mAP|HR|F1|EM|MAE|RMSE|Recall|Precision|Accuracy|"
    r"QPS|MFU|ROI|IPV|PV|UV|DAU|LT|R|N)(?:@\w+)?$"
)
LATEX = (
    (re.compile(r"\\textasciitilde(?![A-Za-z])"), "~", "end"),
    (re.compile(r"\\sim(?![A-Za-z])"), "~", "end"),
    (re.compile(r"\\times(?![A-Za-z])"), "×", "start"),
    (re.compile(r"\\pm(?![A-Za-z])"), "±", "start"),
    (re.compile(r"\\%"), "%", "end"),
    (re.compile(r"\\[,;: ]"), "", ""),
    (re.compile(r"\\(?:textbf|textit|textrm|emph|mathbf|mathrm|text)\{"), "", ""),
    (re.compile(r"\\(?=[A-Za-z])"), "", ""),
    (re.compile(r"[${}]"), "", ""),
    (re.compile(r"(?<=\d)~(?=[A-Za-z])"), "", ""),
)


@dataclass(frozen=True)
class Value:
    start: int
    end: int
    text: str  # exactly as written in the sentence
    unit: str  # percent | points | times | count | scale | time | size | adjective | plain
    signed: bool
    pair: bool  # a range, 'A to B', 'A vs. B' or 'A +/- B'
    from_to: bool


def view(sentence: str) -> str:
    """The sentence with LaTeX markup blanked to spaces (same length): '4$\\times$' -> '4 ×      '."""
    chars = list(sentence)
    done = [False] * len(sentence)
    for pattern, printed, where in LATEX:
        for m in pattern.finditer(sentence):
            width = m.end() - m.start()
            if any(done[m.start() : m.end()]):
                continue
            done[m.start() : m.end()] = [True] * width
            fill = [" "] * width
            if printed:
                fill[0 if where == "start" else width - 1] = printed
            chars[m.start() : m.end()] = fill
    return "".join(chars)


def _unit(text: str) -> str:
    if re.search(PERCENT, text):
        return "percent"
    if re.search(POINTS + r"|\bpp\b", text):
        return "points"
    if re.search(r"\d\s{0,2}[x×X](?![A-Za-z])|\btimes\b|-fold|\*$", text):
        return "times"
    if re.search(
        r"\d\s?(?:ms|sec|s|h|hrs?|hours?|minutes?|mins?|seconds?|days?|weeks?|months?|years?)\b"
        r"|-(?:day|week|month|year|hour|minute)",
        text,
    ):
        return "time"
    if re.search(r"[KMBTk]\b|[KMBTk]\+|[KMB]-param|illion|thousand", text):
        return "scale"
    if re.search(SIZE, text):
        return "size"
    if re.search(r"\d-[a-z]{3,}", text):
        return "adjective"
    return "count" if re.fullmatch(r"[~≈><≤≥]?\s?\d[\d,]*\+?", text.strip()) else "plain"


def _span(sentence: str, shown: str, start: int, end: int) -> tuple[int, int]:
    """The match as written: widened over the LaTeX that prints its unit ('4$\\times$', '$2$\\%'),
    without a hedge written as LaTeX ('$\\sim$25.5%' -> '25.5%')."""
    while start < end and (shown[start] == " " or shown[start] != sentence[start]):
        start += 1
    while end > start and sentence[end - 1] == " ":
        end -= 1
    if end > start and shown[end - 1] != sentence[end - 1]:
        while end < len(sentence) and shown[end] == " " and sentence[end] != " ":
            end += 1
    if sentence[start:end].count("$") % 2:
        if end < len(sentence) and sentence[end] == "$":
            end += 1
        elif start > 0 and sentence[start - 1] == "$":
            start -= 1
    return start, end


TOP = re.compile(r"\b(?:top|up)-$", re.IGNORECASE)  # 'Top-10', 'up-5%' are not names


def _not_a_value(sentence: str, shown: str, m: re.Match[str], previous_name_end: int) -> bool:
    text = m.group(0).strip()
    before, after = shown[: m.start()], shown[m.end() :]
    bare = re.fullmatch(r"\d[\d,.]*", text) is not None
    numbers = re.findall(NUM, text)
    if all(YEAR.fullmatch(n) for n in numbers) and not re.search(r"%|[x×]|times|pp|points", text):
        return True
    if MONTH.search(before) or re.match(r"^,?\s*(?:19|20)\d\d\b", after) and bare:
        return True
    if METADATA_AFTER.match(after) or METADATA_BEFORE.search(before) or ARXIV_ID.fullmatch(text):
        return True
    if re.search(r"\d:$", before) or re.match(r"^:\d", after):
        return True  # a ratio '4.5:1'
    assigned = ASSIGNED.search(before)
    if assigned and assigned.group(1) not in "nNp":
        return True  # k=3, M=16, T=0.7: a setting of the method, not a measurement
    if bare and re.search(r"\[[\d,\s–-]*$", before) and re.match(r"^[\d,\s–-]*\]", after):
        return True  # a citation
    if bare and "." not in text and after.startswith(")") and not re.search(r"=\s*$", before):
        return True  # a list marker or a legal reference: (1), 1), 28(2)
    if bare and after.startswith("(") or text[:1] in "<>" and COMPARED_NAME.search(before):
        return True  # Article 28(2); VV>10s
    name = NAME_BEFORE.search(before)
    version = bare and not re.fullmatch(r"0\.\d+|\d+\.\d{2,}", text)
    if name and not METRIC_LEAD.match(name.group(1)) and not m.group("from") and version:
        return True  # DL 19, Task 1, RTX 3090, Llama 3.1 (not 'Hybrid AHR 0.901')
    if bare and re.search(r"\b[A-Z][\w-]*\s$", before) and re.match(r"^\s[A-Z][a-z]", after):
        return True  # Kanon 2 Embedder, Claude 3 Sonnet
    if previous_name_end >= 0 and shown[previous_name_end : m.start()].strip() in ("", "/"):
        return True  # the 8B of 'Llama 3.1 8B', the 2.2 of 'WCAG 2.1/2.2'
    if re.search(r"[A-Za-z]\d*-(?:[\d.]+[KMBT]?/)?$", before) and not TOP.search(before):
        return True  # Qwen3-Embedding-4B/8B, GPT-4: part of a name
    if re.fullmatch(r"\d-[a-z]{3,}(?:-[a-z]+)?", text) and _unit(text) == "adjective":
        return True  # 2-stage, 4-bit: a design, not a measurement
    if re.fullmatch(r"\d+-(?:day|week|month|year)s?", text) and re.match(r"^\s+[A-Z](?!/B)", after):
        return True  # '7-day Lifetime' names a metric
    return False


def values_in(sentence: str) -> list[Value]:
    """The sentence's reported values, in order (see module doc)."""
    shown = view(sentence)
    out: list[Value] = []
    name_end = -1
    for m in VALUE.finditer(shown):
        if _not_a_value(sentence, shown, m, name_end):
            name_end = m.end()
            continue
        begin = m.start() + (len(m.group("from")) if m.group("from") else 0)
        start, end = _span(sentence, shown, begin, m.end())
        text = sentence[start:end].strip()
        if not re.search(r"\d", text):
            continue
        printed = shown[start:end].strip()
        if FRACTION.fullmatch(printed) and (
            re.match(r"/\d", shown[end : end + 2]) or re.search(r"\d/$", shown[max(0, start - 2) : start])
        ):
            continue  # '1/11 the context cost': a fraction, not two counts
        pair = bool(
            m.group("from")
            or re.search(
                rf"(?:{NUM})[^\d]*?(?:\s?(?:--|-|–|—|~)\s?|\s+to\s+|\s+vs\.?\s+|\+/-)[~><\s+\-]*\d", printed
            )
        )
        out.append(
            Value(
                start=start,
                end=end,
                text=text,
                unit=_unit(printed),
                signed=printed[:1] in "+-−",
                pair=pair,
                from_to=bool(m.group("from")),
            )
        )
    return out
