"""Prose from paper text: cleaning what abstracts carry (LaTeX, HTML, lead-in fillers) and spotting it.

`clean(text)` -> the text with LaTeX commands unwrapped (\\textbf{C}omparison -> Comparison, $x$ -> x,
\\% -> %), HTML tags and entities removed, whitespace collapsed. `markup_in(text)` -> the markup
fragments left in a text (LaTeX commands, math, HTML tags), which a report must not print; the
report's prose checker uses it. `first_sentences(text, words)` -> the leading sentences up to about
`words` words. `strip_lead(text)` drops fillers such as "In this paper, we". Pure.
"""

from __future__ import annotations

import html
import re

from ingest.facts.numbers import numbers_in

LATEX_WRAP = re.compile(
    r"\\(?:textbf|textit|emph|texttt|mathrm|mathbf|mathit|text|underline|textsc|mathcal)\s*\{([^{}]*)\}"
)
LATEX_CMD = re.compile(r"\\(?:[A-Za-z]+)\b\s*")
LATEX_SYMBOL = {
    "\\%": "%",
    "\\&": "&",
    "\\_": "_",
    "\\#": "#",
    "\\$": "$",
    "\\times": "×",
    "\\sim": "~",
    "\\approx": "≈",
    "\\leq": "≤",
    "\\geq": "≥",
    "\\le": "≤",
    "\\ge": "≥",
    "\\pm": "±",
    "\\cdot": "·",
}
LATEX_SPACE = re.compile(r"\\[,;:! ]|(?<=\d)~(?=[^\d\s~])")  # "50\,ms", "50~ms"; never "~2X"
MATH = re.compile(r"\$([^$]{1,80})\$")
HTML_TAG = re.compile(r"</?[A-Za-z][^<>]{0,200}>")
HTML_CODE = re.compile(r"<(script|style|iframe|object)\b[^>]*>.*?(?:</\1\s*>|$)", re.IGNORECASE | re.DOTALL)
MARKUP = re.compile(
    r"\\[A-Za-z]+\s*\{|\\(?:times|sim|approx|leq|geq|cdot|pm|mathrm|textbf|emph)\b|\$[^$\s][^$]{0,80}\$|"
    r"</?[A-Za-z][^<>]{0,200}>|&(?:[a-z]+|#\d+);",
)
LEAD_IN = re.compile(
    r"^(?:in (?:this|the) (?:paper|work|study|article|demonstration|demo|letter)|here|"
    r"to (?:further )?(?:address|tackle|solve|bridge|overcome|fill|advance toward|advance towards) "
    r"(?:this|these|the|such)(?: [\w\s-]{1,40}?)?,"
    r"|to (?:achieve|accomplish|realize|enable) (?:this|these|that)(?: goals?)?"
    r"|to this end|specifically|moreover|furthermore|additionally|however|finally|notably)\s*,?\s*",
    re.IGNORECASE,
)
# a sentence ends at . ! ? before a space, or at a word's full stop glued to the next sentence's first
# word (abstracts as listed: 'at deployment.We propose UTTSI')
SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"'\d])|(?<=[a-z)]\.)(?=[A-Z][a-z])")


def clean(text: str) -> str:
    """Abstract text without LaTeX, HTML or entities (see module doc)."""
    out = text or ""
    for _ in range(3):
        out = LATEX_WRAP.sub(lambda m: m.group(1), out)
    out = MATH.sub(lambda m: m.group(1), out)
    for raw, plain in LATEX_SYMBOL.items():
        out = out.replace(raw, plain)
    out = LATEX_SPACE.sub(" ", out)
    out = LATEX_CMD.sub("", out).replace("{", "").replace("}", "")
    out = HTML_CODE.sub("", out)
    out = HTML_TAG.sub("", out)
    out = html.unescape(out)
    out = re.sub(r"(?<=[a-z]{2})\.(?=[A-Z][a-z])", ". ", out)  # 'at deployment.We propose' (a lost space)
    return re.sub(r"\s+", " ", out).strip()


def markup_in(text: str) -> list[str]:
    """LaTeX, math or HTML fragments in `text` (empty when it is plain prose)."""
    return [m.group(0) for m in MARKUP.finditer(text or "")]


def strip_lead(sentence: str) -> str:
    """'In this paper, we propose X' -> 'We propose X'."""
    out = LEAD_IN.sub("", sentence.strip())
    return out[:1].upper() + out[1:] if out else out


def first_sentences(text: str, words: int = 45) -> str:
    """Leading whole sentences of `text` up to about `words` words (at least one sentence)."""
    taken: list[str] = []
    count = 0
    for sentence in SENTENCE.split(clean(text)):
        n = len(sentence.split())
        if taken and count + n > words:
            break
        taken.append(sentence)
        count += n
    return " ".join(taken).strip()


DANGLING = frozenset(
    "from by to of with at in on for and or a an the over up than about around nearly".split()
)


def without_figures(text: str) -> str:
    """What a paper proposes, without its figures (they belong to its claims, printed with their metric
    and setting): the part before a colon that introduces them, else the sentences that state none,
    else the first sentence up to its first figure ('We describe our experience scaling a generative
    recommender' from '... scaling a generative recommender from 2M to 1B backbone parameters'), the
    words a figure would have completed dropped; '' when fewer than six words are left."""
    if not numbers_in(text):
        return text
    head = text.split(":", 1)[0]
    if ":" in text and len(head.split()) >= 6 and not numbers_in(head):
        return head.rstrip() + "."
    kept = [s for s in SENTENCE.split(text) if not numbers_in(s)]
    if kept:
        return " ".join(kept)
    words: list[str] = []
    for word in SENTENCE.split(text)[0].split():
        if numbers_in(word):
            break
        words.append(word)
    while words and words[-1].lower().strip(",;(") in DANGLING:
        words.pop()
    return " ".join(words).rstrip(",;:(") + "." if len(words) >= 6 else ""
