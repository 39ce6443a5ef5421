"""Numbers in text: the one normaliser every stage uses (extraction, report verification, search).

Input: text -> the set of normalised number tokens ('+9.5%' -> '9.5', '1,234' -> '1234',
'−3.2' -> '3.2'; unicode minus and dashes, thin and no-break spaces inside numbers handled; the LaTeX
of arXiv abstracts read as what it prints: '2.85\\%' -> '2.85%', '4$\\times$' -> '4×',
'\\textasciitilde50,000' and '$\\sim$3' -> '~50,000' and '~3', '\\textbf{26.56}' -> '26.56}').
arXiv ids are not numbers. `ungrounded` / `keep_grounded` check a text's numbers against sources.
The token rule matches the project's report scorer, so "grounded here" means "grounded there".
Pure functions, no I/O.
"""

from __future__ import annotations

import re

from ingest.records import ARXIV_ID

# a number, unless it is part of a name (GPT-4, COVID-19, top-10: a letter and a hyphen before it); the
# x of a multiplier range is a unit, not a name ('5x-14x' holds 5 and 14)
NUMBER = re.compile(
    r"(?<![\w.])(?<![A-WYZa-wyz][-\u2010\u2011])(?<![^\d][xX][-\u2010\u2011])[-+]?\d[\d,]*(?:\.\d+)?"
)
MINUS = dict.fromkeys(map(ord, "\u2212\u2012\u2013\u2014\ufe63\uff0d"), "-")
SPACES_IN_NUMBER = re.compile(r"(?<=\d)[\u2009\u202f\u00a0\u2007](?=\d{3}(?!\d))")
ODD_SPACES = dict.fromkeys(map(ord, "\u2009\u202f\u00a0\u2007\u200b"), " ")
SENTENCE = re.compile(r"(?<=[.!?。；;])\s+")
LATEX = (
    (re.compile(r"\\textasciitilde(?![A-Za-z]) ?|\\sim(?![A-Za-z]) ?"), "~"),
    (re.compile(r"\\times(?![A-Za-z]) ?"), "×"),
    (re.compile(r"\\%"), "%"),
    (re.compile(r"\\[,;: ]"), " "),
    (re.compile(r"\\(?:textbf|textit|textrm|emph|mathbf|mathrm|text)\{"), ""),
    (re.compile(r"\$"), ""),
)


def normalise(text: str) -> str:
    """Unicode minus/dashes -> '-', thin/no-break spaces inside numbers removed, other odd spaces -> ' ',
    LaTeX percent, times, tilde, thin space, math and bold markup read as printed."""
    if "\\" in text or "$" in text:
        for pattern, printed in LATEX:
            text = pattern.sub(printed, text)
    text = text.translate(MINUS)
    text = SPACES_IN_NUMBER.sub("", text)
    return text.translate(ODD_SPACES)


def norm_token(token: str) -> str:
    """One number token as compared: no thousands separators, no sign."""
    return token.replace(",", "").lstrip("+-")


def numbers_in(text: str) -> set[str]:
    """Normalised numbers of `text`; arXiv ids are not numbers."""
    out: set[str] = set()
    for m in NUMBER.finditer(normalise(text or "")):
        token = m.group(0).rstrip(",")
        if ARXIV_ID.fullmatch(token.lstrip("+-")):
            continue
        out.add(norm_token(token))
    return out


def is_grounded(value: str, source: str) -> bool:
    """Every number in `value` occurs in `source` (a value without numbers is trivially grounded)."""
    return numbers_in(value) <= numbers_in(source)


def ungrounded(text: str, *sources: str) -> set[str]:
    """Numbers of `text` that occur in none of `sources`."""
    have: set[str] = set()
    for src in sources:
        have |= numbers_in(src)
    return numbers_in(text) - have


def keep_grounded(text: str, *sources: str) -> str:
    """`text` minus every sentence carrying a number none of `sources` contains."""
    parts = [s for s in SENTENCE.split(text.strip()) if s]
    return " ".join(s for s in parts if not ungrounded(s, *sources))
