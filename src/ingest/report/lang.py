"""Fixed report wording per language (headings, ordinals, caveats) shared by render, verify and offline.

Input: a language code ("en" | "zh") -> label strings. Pure data; an unknown language falls back to
English so a bad setting can never produce an unlabeled report.
"""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "brief": "This Week in Brief",
        "directions": "Directions Worth Watching",
        "digest": "Weekly Paper Digest",
        "storyline": "Storyline",
        "direction": "Direction",
        "no_inst": "institution not disclosed in the abstract",
        "no_numbers": "exact percentages not disclosed",
        "search_flag": "a web-search paper, not recommendation",
        "supplementary": "(supplementary)",
        "other": "Other",
        "title": "Recsys Weekly",
    },
    "zh": {
        "brief": "本周概览",
        "directions": "值得关注的方向",
        "digest": "每周论文速览",
        "storyline": "主线",
        "direction": "方向",
        "no_inst": "摘要未披露机构",
        "no_numbers": "未披露具体百分比",
        "search_flag": "这是一篇网页搜索论文，而非推荐论文",
        "supplementary": "(supplementary)",
        "other": "Other",
        "title": "推荐系统周报",
    },
}

ORDINALS: dict[str, tuple[str, str, str]] = {"en": ("one", "two", "three"), "zh": ("一", "二", "三")}


def labels(lang: str) -> dict[str, str]:
    return LABELS.get(lang, LABELS["en"])


def ordinal_prefix(lang: str, kind: str, index: int) -> str:
    """'Storyline one: ' / '主线一：' for kind 'storyline' or 'direction', index 0..2."""
    word = ORDINALS.get(lang, ORDINALS["en"])[index]
    label = labels(lang)[kind]
    return f"{label}{word}：" if lang == "zh" else f"{label} {word}: "
