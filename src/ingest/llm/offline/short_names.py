"""The paper's short name: title and abstract -> the name the paper gives itself, else a descriptive label.

Input: title and abstract (untrusted text, only matched). Output: a string copied from them. The
paper's own name comes first: a coined title head ('GenRec: ...'), else the first name the abstract
gives ('we propose X (NAME)', 'termed NAME', 'called NAME', 'we propose NAME'); then a short title
head that is a whole phrase ('Still Fresh?', 'Legal RAG Bench'). Otherwise a descriptive label: the
head noun phrase of the title (of its part after the colon when the first part is a sentence or a
question), without leading 'Towards', 'On the', 'A', 'Beyond' or a leading verb ('Recommending
Search Filters To Improve ...' -> 'Search Filters'), stopping before a preposition; never a fragment
that ends in a function word or an adjective ('On the Practice of', 'Towards Generalizable', 'From
Isolated Scoring to'). Pure.
"""

from __future__ import annotations

import re

from ingest.llm.offline.text import GENERIC_ACRONYMS

PROPOSE = (
    r"(?i:(?:we|this paper|this work|the paper|in this paper, we)\s+"
    r"(?:propose|present|introduce|develop|design|build|devise|formulate)s?)"
)
NAME_TOKEN = r"[A-Z][A-Za-z0-9]*(?:[-+][A-Za-z0-9]+)*"
FUNCTION = frozenset(
    """a an the of on in at to by for from with and or but than that which via vs versus into onto over
    under through using toward towards across as without beyond within between is are all you need do
    does can we our its their this these when why how what""".split()
)
STOP_BEFORE = frozenset(
    "for with via in on to by through using under from across over toward towards as at into without "
    "beyond within between vs versus".split()
)
LEAD = re.compile(
    r"^(?:(?:towards?|on|from|beyond|the|a|an|rethinking|revisiting|exploring|evaluating|understanding|"
    r"leveraging|enhancing|improving|mitigating|decoding|driving|indexing|reproducing|combating|"
    r"developing|deploying|detecting|debiasing|recommending|achieving|bridging|benchmarking|investigating|"
    r"analy[sz]ing|assessing|measuring|characteri[sz]ing|quantifying|unveiling|empowering|and|or)\s+)+",
    re.IGNORECASE,
)
SENTENCE_LIKE = re.compile(r"\?|\b(?:is|are|was|were|do|does|did|can|should|need|needs)\b", re.I)
ADJECTIVE_END = re.compile(
    r"(?:able|ible|ive|ous|ful|ic|ed)$|^(?:efficient|general|robust|sparse|hybrid|novel|simple|fast|"
    r"effective|dynamic|large|small|better|new|deep|open)$",
    re.IGNORECASE,
)


def _name_like(token: str) -> bool:
    """A coined name: an inner capital, a digit or an all-caps acronym (GenRec, R3-VAE, IAT, SORT)."""
    core = token.replace("-", "")
    return (
        len(core) >= 2
        and (any(c.isupper() for c in core[1:]) or any(c.isdigit() for c in core))
        and token not in GENERIC_ACRONYMS
    )


def _title_prefix(title: str) -> str:
    head = title.split(":", 1)[0].strip() if ":" in title else ""
    # a name with a comma would break every list it stands in ('A, B and Attributed, But Not ...')
    return head if head and len(head.split()) <= 4 and len(head) <= 40 and "," not in head else ""


def _whole(phrase: str) -> bool:
    """A phrase that can stand as a label: no dangling function word or adjective at its ends."""
    words = phrase.rstrip("?!.").split()
    low = [w.lower() for w in words]
    if not words or low[0] in ("towards", "toward", "on") or low[0] == "from" and "to" not in low[1:-1]:
        return False
    return low[-1] not in FUNCTION and not (ADJECTIVE_END.search(low[-1]) and not _name_like(words[-1]))


def own_name(title: str, abstract: str) -> str:
    """The name the paper gives itself, '' when it gives none."""
    head = _title_prefix(title)
    if head and len(head.split()) == 1 and _name_like(head):
        return head
    first = abstract[:1200]
    found: list[tuple[int, int, str]] = []  # (where the naming starts, rule, name): the first named wins
    for pattern in (
        PROPOSE + r"\s+(?:an?\s+|the\s+)?((?:(?!using|based|with|via|on|from)[\w-]+\s+){0,8}?)",
        r"(?:termed|named|called|dubbed|coined)\s+((?:[\w-]+\s+){0,8}?)",
    ):
        found += [
            (m.start(), 0, m.group(2))
            for m in re.finditer(pattern + r"\(\s*(" + NAME_TOKEN + r")\s*\)", first)
            if _name_like(m.group(2))
        ]
    termed = re.search(r"(?:termed|named|called|dubbed|coined)\s+(?:as\s+)?(" + NAME_TOKEN + r")", first)
    if termed and _name_like(termed.group(1)):
        found.append((termed.start(), 1, termed.group(1)))
    proposed = re.search(PROPOSE + r"\s+(?:an?\s+|the\s+)?(" + NAME_TOKEN + r")(?=[\s,:(.])", first)
    if proposed and _name_like(proposed.group(1)) and "-" not in proposed.group(1).split("-", 1)[-1][:1]:
        found.append((proposed.start(), 2, proposed.group(1)))
    return min(found)[2] if found else ""


def short_name(title: str, abstract: str) -> str:
    """The paper's own name for itself ('GenRec: ...' -> GenRec, 'we propose SORT' -> SORT), else a label."""
    name = own_name(title, abstract)
    if name:
        return name
    head = _title_prefix(title)
    if head and len(head.split()) <= 4 and _whole(head) and not SENTENCE_LIKE.search(head):
        return head.rstrip("?!.")
    return label(title)


def _head_phrase(part: str, limit: int = 4) -> str:
    part = part.strip()
    rest = LEAD.sub("", part)
    lead = part[: len(part) - len(rest)].split()
    words = rest.split()
    if lead and lead[-1].lower().endswith("ing") and rest[:1].islower():
        words = [lead[-1], *words]  # 'Combating data scarcity': the problem alone names no paper
    out: list[str] = []
    for word in words:
        bare = word.strip(",;")
        if bare.lower() in STOP_BEFORE or (bare.lower() == "of" and len(out) >= 2):
            break
        out.append(bare)
        if word.endswith((",", ";")) or len(out) == limit:
            break
    while out and (out[-1].lower() in FUNCTION or len(out) > 1 and ADJECTIVE_END.search(out[-1].lower())):
        out.pop()
    return " ".join(out)


def _widened(part: str, word: str, limit: int = 5) -> str:
    """The title words from `word` on, at most `limit`, ending on a word that is not a function word."""
    words = part.split()
    start = next((i for i, w in enumerate(words) if w.strip(",;") == word), 0)
    out = [w.strip(",;") for w in words[start : start + limit]]
    while len(out) > 1 and (out[-1].lower() in FUNCTION or ADJECTIVE_END.search(out[-1].lower())):
        out.pop()
    return " ".join(out)


def label(title: str) -> str:
    """A descriptive label: the head noun phrase of the title (see module doc)."""
    parts = [p for p in re.split(r"[:?]\s*", title) if p.strip()]
    if len(parts) > 1 and (SENTENCE_LIKE.search(parts[0]) or not _whole(_head_phrase(parts[0]))):
        parts = parts[1:] + parts[:1]
    for part in parts:
        phrase = _head_phrase(part)
        if phrase and len(phrase.split()) == 1 and not _name_like(phrase):
            phrase = _widened(part, phrase)  # 'Engagement' alone names nothing: 'Engagement in Daily Fantasy'
        if phrase and _whole(phrase):
            return phrase
    return " ".join(title.split()[:4]).strip(" ,:") or title[:40]
