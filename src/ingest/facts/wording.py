"""Claims in words: verified result claims -> the phrase a report prints, with metric and setting.

`claim_text(claims, lang)` groups claims by setting, in the order online, offline, efficiency, other,
and names a platform or dataset when the group has exactly one: 'online A/B on JD App: click count
9.5%, transaction count 8.7%; efficiency: input length ~2X'. Values and metrics are printed as
stored (never rounded, relabelled or moved); labels come from the message catalogue. Pure.
"""

from __future__ import annotations

import re

from ingest.facts.sheet import ResultClaim
from ingest.messages import say

SETTING_ORDER = ("online", "offline", "efficiency", "other")


LATEX_SPACE = re.compile(r"\\[,;:! ]|(?<=\d)~(?=[^\d\s~])")  # "50\,ms", "50~ms"; never "~2X"
LATEX_ESCAPE = re.compile(r"\\([%$&#_])")


def shown_value(value: str) -> str:
    """A claim's value as a reader sees it: LaTeX spacing ('50\\,ms') becomes a space and escaped
    signs ('5\\%') plain; the stored value stays as the source writes it."""
    return LATEX_ESCAPE.sub(r"\1", LATEX_SPACE.sub(" ", value))


def claim_text(claims: list[ResultClaim], lang: str, limit: int = 4) -> str:
    """See module doc; `limit` claims per setting at most, '' when there are none."""
    parts = []
    for setting in SETTING_ORDER:
        rows = [c for c in claims if c.setting == setting][:limit]
        if not rows:
            continue
        label = say(lang, f"setting.{setting}")
        metrics = {c.metric.lower() for c in claims}
        places = {c.where for c in rows if c.where and c.where.lower() not in metrics}  # never a metric
        if len(places) == 1:
            label = say(lang, "claims.where", setting=label, where=places.pop())
        values = say(lang, "sep.list").join(
            say(lang, "claim", metric=c.metric, value=shown_value(c.value)) for c in rows
        )
        parts.append(f"{label}{say(lang, 'colon')}{values}")
    return say(lang, "sep.clause").join(parts)
