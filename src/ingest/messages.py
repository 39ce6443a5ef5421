"""The message catalogue: every fixed string of a report, per language (ingest/data/messages.json).

`say(lang, key, **values)` -> the string for `key` in `lang` with `values` filled in (str.format).
An unknown key raises KeyError (a bug: tests check that every key the code uses exists); a
language the catalogue lacks falls back to English. `LANGUAGES` are the languages every key must
have (a test fails when a key lacks one, or when the languages' placeholders differ). Topic titles
per language come from `topic_title`. Read once per process.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

LANGUAGES = ("en", "zh")
ZH_TOPICS = {
    "generative_semantic_ids": "生成式推荐与语义 ID",
    "llm_agents": "大模型与智能体推荐",
    "ranking_ctr": "排序与 CTR 模型",
    "retrieval_indexing": "召回与索引",
    "multimodal": "多模态推荐",
    "sequential_user_modeling": "序列与用户建模",
    "debiasing_fairness": "去偏、公平与可信",
    "evaluation_benchmarks": "评测与基准",
    "efficiency_serving": "效率与线上服务",
    "cross_domain_cold_start": "跨域与冷启动",
    "search": "搜索",
    "ads_auctions": "广告与竞价",
    "other": "其他",
}


@cache
def catalogue() -> dict[str, dict[str, str]]:
    text = resources.files("ingest").joinpath("data/messages.json").read_text(encoding="utf-8")
    data: dict[str, dict[str, str]] = json.loads(text)
    return data


def say(lang: str, key: str, **values: Any) -> str:
    """The catalogue string `key` in `lang` (English when the language is unknown), formatted."""
    entry = catalogue()[key]
    return entry.get(lang, entry["en"]).format(**values)


def say_n(lang: str, key: str, n: int, **values: Any) -> str:
    """`key` for a count `n`: its `.one` or `.two` form when n is 1 or 2 and the catalogue has one
    ('Both argue ...' rather than 'All 2 argue ...')."""
    form = {1: f"{key}.one", 2: f"{key}.two"}.get(n, key)
    return say(lang, form if form in catalogue() else key, **values)


def ordinal(lang: str, n: int) -> str:
    """'one', 'two', 'three' (n = 1..3) in `lang`."""
    return say(lang, f"ordinal.{n}")


def topic_title(lang: str, slug: str, english: str) -> str:
    """A taxonomy topic's title in `lang` (`english` is the taxonomy's own title)."""
    return ZH_TOPICS.get(slug, english) if lang == "zh" else english


def join(lang: str, items: list[str]) -> str:
    """'a, b and c' / 'a、b和c'."""
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return say(lang, "sep.list").join(items[:-1]) + say(lang, "sep.and") + items[-1]
