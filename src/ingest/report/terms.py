"""Terms: text -> the word and word-pair keys that storylines, novelty, related work and the
background corpus count.

One tokenizer for all of them, so a phrase counted in the week's papers is the same key as in the
history and in the background table (`report/background.py`). A key is a lower-case word with a
plural 's' dropped ('semantic id'), or two adjacent such words; stop words (scikit-learn's English
list and GENERIC research words) and one-letter words are never keys. Pure.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

GENERIC = frozenset(
    """propose proposed proposes propos novel approach approaches method methods framework frameworks paper
    work study address addresses yet existing based via using use uses show shows result results
    performance improve improves improved improving effective efficient challenge challenges problem
    problems task tasks large new towards toward achieve achieves significant significantly state art
    extensive experiment experiments demonstrate demonstrates outperform outperforms baseline baselines
    first second third finally furthermore moreover however although whereas while despite various
    different key core simple unified general specific real world across within without also present presents
    presented introduce introduces introduced design designs designed develop develops developed build
    builds built enable enables leverage leverages leveraging capture captures research paradigm
    aims aim focus focuses""".split()
)
WORD = re.compile(r"[A-Za-z][A-Za-z0-9@+\-]*[A-Za-z0-9]|[A-Za-z]")


@functools.cache
def stop_words() -> frozenset[str]:
    """scikit-learn's English stop words and GENERIC. scikit-learn (with SciPy, seconds to import) is
    imported where it is used, so a process that never composes a report never loads it."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS) | GENERIC


def norm(word: str) -> str:
    """A word as a key: lower case, a plural 's' dropped from words longer than four letters."""
    low = word.lower()
    return low[:-1] if len(low) > 4 and low.endswith("s") and not low.endswith("ss") else low


def keys(text: str) -> Iterator[tuple[str, str]]:
    """(key, as written) for every word of `text` that is not a stop word, each followed by its pair
    with the next word when that one is not a stop word either; in text order."""
    stop = stop_words()
    words = WORD.findall(text)
    for i, word in enumerate(words):
        key = norm(word)
        if key in stop or len(key) < 2:
            continue
        yield key, word
        following = norm(words[i + 1]) if i + 1 < len(words) else ""
        if following and following not in stop and len(following) > 1:
            yield f"{key} {following}", f"{word} {words[i + 1]}"


def technique_key(text: str) -> str:
    """A named technique as a key: 't:' and its normalised words ('t:semantic id')."""
    return "t:" + " ".join(norm(w) for w in WORD.findall(text))
