"""Numbers and arXiv ids in report text: what a number claim is, and whether a source backs it.

Input: text -> the set of normalised number tokens (percentages, multipliers, metric values) and the
arXiv ids it cites. Uses the same token rule as the project's report scorer, so "grounded here"
means "grounded there". Pure functions, no I/O.
"""

from __future__ import annotations

import re

ARXIV_ID = re.compile(r"(?<![\d.])(\d{4}\.\d{4,5})(?:v\d+)?(?![\d])")
NUMBER = re.compile(r"(?<![\w.])[-+−]?\d[\d,]*(?:\.\d+)?")
SENTENCE = re.compile(r"(?<=[.!?。；;])\s+")


def _norm(token: str) -> str:
    return token.replace(",", "").replace("−", "-").lstrip("+-")


def numbers(text: str) -> set[str]:
    """Normalised numbers in `text`, arXiv ids excluded."""
    out: set[str] = set()
    for m in NUMBER.finditer(text):
        tok = m.group(0)
        if ARXIV_ID.fullmatch(tok.lstrip("+-")):
            continue
        out.add(_norm(tok))
    return out


def ids(text: str) -> list[str]:
    """arXiv ids in order of appearance (base ids, no version)."""
    return ARXIV_ID.findall(text)


def ungrounded(text: str, *sources: str) -> set[str]:
    """Numbers of `text` that occur in none of `sources`."""
    have: set[str] = set()
    for src in sources:
        have |= numbers(src)
    return numbers(text) - have


def keep_grounded(text: str, *sources: str) -> str:
    """`text` minus every sentence carrying a number none of `sources` contains."""
    parts = [s for s in SENTENCE.split(text.strip()) if s]
    return " ".join(s for s in parts if not ungrounded(s, *sources))
