"""Numbers in a report -> links to the claims that hold them: markdown-it tokens annotated in place.

Input: the tokens of a report (markdown-it-py, raw HTML off), the papers it names with their claims
(`PaperView`), and `href(arxiv_id, claim)` giving the link target (None: leave the number as text).
Output: every linkable number token of a paragraph or bullet wrapped in
`<a class="num" href="...#claim-n" title="evidence quote">`, and the counts (`LinkStats`).

Attribution follows the report's own rules (REPORT_SPEC, the verifier): a paragraph or bullet that
opens `**Name** ([id](...))` belongs to that paper; in any other paragraph a sentence belongs to the
one paper it names (by arXiv id or short name). A number is matched to that paper's claims by its
normalised value (`ingest.facts.numbers`), then to papers the same sentence cites; among several
claims with the number, the one whose metric is named closest before it wins. Numbers in a sentence
naming no paper or several (counts, ambiguous prose) stay unlinked and are counted as unattributed;
attributed numbers no claim holds are counted as unmatched. Metric suffixes (NDCG@10), compound names
(GPT-4) and arXiv ids are not numbers here. Pure: no I/O; the same input annotates identically.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass

from markdown_it.token import Token

from ingest.facts.numbers import MINUS, NUMBER, SENTENCE, norm_token
from ingest.publish.evidence import ClaimView, PaperView
from ingest.records import ARXIV_ID, ids_in

SUFFIX = re.compile(r"\s?(?:%|×|pp\b|[xX](?![A-Za-z]))")
Href = Callable[[str, ClaimView], str | None]


@dataclass
class LinkStats:
    linked: int = 0
    unmatched: int = 0  # attributed to a paper, but none of its claims holds the number
    unattributed: int = 0  # the sentence names no paper or several

    def add(self, other: LinkStats) -> LinkStats:
        self.linked += other.linked
        self.unmatched += other.unmatched
        self.unattributed += other.unattributed
        return self


def evidence_title(claim: ClaimView) -> str:
    """What hovering a linked number shows: the evidence quote (or why there is none)."""
    where = f", {claim.location}" if claim.location else ""
    head = f"{claim.metric} {claim.value} ({claim.setting or claim.kind}{where})"
    if claim.evidence:
        return f"{head}: \u201c{claim.evidence}\u201d"
    return f"{head}: no evidence quote stored for this claim"


@dataclass
class _Segment:
    index: int  # position in the inline token's children
    start: int  # offset of its text in the paragraph's plain text


class Linker:
    def __init__(self, papers: dict[str, PaperView], href: Href) -> None:
        self.papers, self.href = papers, href
        self.names = [
            (aid, re.compile(r"(?<![\w-])" + re.escape(p.name) + r"(?![\w-])", re.I))
            for aid, p in sorted(papers.items())
            if len(p.name) > 2
        ]

    def mentioned(self, text: str) -> list[str]:
        """Papers a sentence names: arXiv ids first (in order), then short names."""
        found = [a for a in dict.fromkeys(ids_in(text)) if a in self.papers]
        found += [aid for aid, pattern in self.names if aid not in found and pattern.search(text)]
        return found

    def annotate(self, tokens: list[Token]) -> LinkStats:
        """Wrap linkable numbers of every paragraph (also inside list items) in place."""
        stats = LinkStats()
        for i, tok in enumerate(tokens):
            if tok.type == "inline" and i and tokens[i - 1].type == "paragraph_open" and tok.children:
                stats.add(self._inline(tok))
        return stats

    def _owner(self, content: str) -> str | None:
        if not content.lstrip().startswith("**"):
            return None
        first = next(iter(ids_in(content[:200])), None)
        return first if first in self.papers else None

    def _inline(self, tok: Token) -> LinkStats:
        children = tok.children or []
        plain, segments, in_link = "", [], 0
        for i, child in enumerate(children):
            if child.type == "link_open":
                in_link += 1
            elif child.type == "link_close":
                in_link -= 1
            elif child.type == "text":
                if not in_link:
                    segments.append(_Segment(i, len(plain)))
                plain += child.content
            elif child.type == "code_inline":
                plain += child.content
            elif child.type in ("softbreak", "hardbreak"):
                plain += " "
        starts = [0] + [m.end() for m in SENTENCE.finditer(plain)]
        owner = self._owner(tok.content)
        stats = LinkStats()
        replaced: dict[int, list[Token]] = {}
        for seg in segments:
            pieces = self._split(children[seg.index].content, seg.start, plain, starts, owner, stats)
            if pieces is not None:
                replaced[seg.index] = pieces
        if replaced:
            tok.children = [t for i, c in enumerate(children) for t in replaced.get(i, [c])]
        return stats

    def _split(
        self, text: str, offset: int, plain: str, starts: list[int], owner: str | None, stats: LinkStats
    ) -> list[Token] | None:
        out: list[Token] = []
        pos = 0
        scan = text.translate(MINUS)
        for m in NUMBER.finditer(scan):
            token = m.group(0).rstrip(",")
            if _not_a_value(scan, m.start(), token):
                continue
            k = bisect.bisect_right(starts, offset + m.start()) - 1
            sentence_start = starts[k]
            sentence_end = starts[k + 1] if k + 1 < len(starts) else len(plain)
            sentence = plain[sentence_start:sentence_end]
            named = self.mentioned(sentence)
            candidates = list(dict.fromkeys(([owner] if owner else []) + named))
            if not owner and len(named) != 1:
                stats.unattributed += 1
                continue
            before = plain[sentence_start : offset + m.start()].lower()
            target = self._claim(norm_token(token), before, candidates)
            if target is None:
                stats.unmatched += 1
                continue
            href = self.href(*target)
            if href is None:
                continue
            end = m.start() + len(token)
            suffix = SUFFIX.match(scan, end)
            end = suffix.end() if suffix else end
            out.append(Token("text", "", 0, content=text[pos : m.start()]))
            out += _link(text[m.start() : end], href, evidence_title(target[1]))
            stats.linked += 1
            pos = end
        if not out:
            return None
        out.append(Token("text", "", 0, content=text[pos:]))
        return [t for t in out if t.type != "text" or t.content]

    def _claim(self, value: str, before: str, candidates: list[str]) -> tuple[str, ClaimView] | None:
        for aid in candidates:
            hits = [c for c in self.papers[aid].claims if value in c.numbers]
            if hits:
                return aid, max(hits, key=lambda c: before.rfind(c.metric.lower()))
        return None


def _not_a_value(text: str, start: int, token: str) -> bool:
    """Metric suffixes (NDCG@10), compound names (GPT-4, top-5) and arXiv ids; ranges (3-5) stay."""
    if ARXIV_ID.fullmatch(token.lstrip("+-")):
        return True
    before = text[start - 1] if start else ""
    if before == "@":
        return True
    return before == "-" and start > 1 and text[start - 2].isalpha()


def _link(label: str, href: str, title: str) -> list[Token]:
    attrs: dict[str, str | int | float] = {"class": "num", "href": href, "title": title}
    return [
        Token("link_open", "a", 1, attrs=attrs),
        Token("text", "", 0, content=label),
        Token("link_close", "a", -1),
    ]
