"""The offline claim rules on single sentences: which numbers are values (values.py), which metric
governs each (naming.py), the setting, direction and evidence of each claim (claims.py), and which
organisations the text shows to be the authors' (owners.py)."""

from __future__ import annotations

import pytest

from ingest.facts.claims import occurs
from ingest.llm.offline.claims import claims_of
from ingest.llm.offline.owners import owners_of
from ingest.llm.offline.short_names import short_name
from ingest.llm.offline.values import values_in


@pytest.mark.parametrize(
    ("sentence", "values"),
    [
        # names, versions, datasets and hardware hold digits that are not values
        ("TTE-v2-7B matches leading 7B models on MMEB-V2 with Qwen2.5-3B.", ["7B"]),
        ("We evaluate Llama 3.1 8B, Gemma 3 12B and Claude 3 Sonnet on DL 19 with an RTX 3090.", []),
        # years, dates, citations, list markers, legal references, ratios, settings, metadata
        ("Since August 2025 (see [14]), (1) it serves 2016-2025 data; 2) Article 28(2) applies.", []),
        ("It holds the 4.5:1 ratio at k=3 with HNSW M=16.", []),
        ("12 pages, 5 figures, 3 tables; Published in SIGIR '25, pp. 3853-3864.", []),
        ("Top-10 results and the top 1% of NDCG@10 with a 95% CI.", []),
        # units, hedges, signs and LaTeX stay with their number; ranges and pairs stay whole
        (
            "It cuts cost by 4$\\times$ and lifts CTR by +2.85\\% in $\\sim$3 hours.",
            ["4$\\times$", "+2.85\\%", "3 hours"],
        ),
        (
            "Gains of 6.3%-26.5%, 8-9 times less compute and 1.6--4.4% lifts.",
            ["6.3%-26.5%", "8-9 times", "1.6--4.4%"],
        ),
        (
            "Recall rose from 0.26 (BM25) to 0.66 while latency was 847 ms vs. 1271 ms.",
            ["0.26 (BM25) to 0.66", "847 ms vs. 1271 ms"],
        ),
        (
            "F1 of 0.70 $\\pm$ 0.041 on 1.3M pairs, ~2X shorter and 20B+ parameters.",
            ["0.70 $\\pm$ 0.041", "1.3M", "~2X", "20B+"],
        ),
        ("A 132-day A/B test with 2-stage training and a 250-word report.", ["132-day", "250-word"]),
    ],
)
def test_values(sentence: str, values: list[str]) -> None:
    assert [v.text for v in values_in(sentence)] == values


GLIDE = (  # 2603.17540 (2026-W12), the A/B announced first
    "We evaluate GLIDE using offline retrieval metrics, and validate its impact through large-scale online "
    "A/B testing. Across experiments involving millions of users, GLIDE increases non-habitual podcast "
    "streaming on Spotify home surface by up to 5.4% and new-show discovery by up to 14.3%."
)


def _claims(*sentences: str) -> list[tuple[str, str, str, str]]:
    return [(c.metric, c.value, c.setting, c.direction) for c in claims_of(list(sentences))]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "Online A/B tests show +2.98% CTR, +3.71% IPV, and a 1.19% lift in Gross Merchandise Volume "
            "(GMV).",
            [
                ("CTR", "+2.98%", "online", "increase"),
                ("IPV", "+3.71%", "online", "increase"),
                ("Gross Merchandise Volume", "1.19%", "online", "increase"),
            ],
        ),
        (
            "Online experiments show that SERAL improves exposure ratio (PVR), clicks, and transactions by "
            "5.7%, 29.56%, and 27.6%.",
            [
                ("exposure ratio", "5.7%", "online", "increase"),
                ("clicks", "29.56%", "online", "increase"),
                ("transactions", "27.6%", "online", "increase"),
            ],
        ),
        (
            "It achieves 0.568 MRR and 15.08% R@1, outperforming the strongest baseline by +22.9% and "
            "+67.0%, respectively.",
            [
                ("MRR", "0.568", "offline", "none"),
                ("R@1", "15.08%", "offline", "none"),
                ("MRR", "+22.9%", "offline", "increase"),
                ("R@1", "+67.0%", "offline", "increase"),
            ],
        ),
        (
            "GRC outperforms six state-of-the-art baselines by up to 15.74% on public datasets.",
            [("improvement over baselines", "15.74%", "offline", "increase")],
        ),
        (
            "In online A/B tests, SORT lifts orders (+6.35%) while halving latency (-44.67%) and doubling "
            "throughput (+121.33%).",
            [
                ("orders", "+6.35%", "online", "increase"),
                ("latency", "-44.67%", "efficiency", "decrease"),
                ("throughput", "+121.33%", "efficiency", "increase"),
            ],
        ),
        (
            "We scale ranking model parameters by 100x and train on 3x more data with 1B-parameter models.",
            [
                ("ranking model parameters", "100x", "other", "increase"),
                ("data", "3x", "other", "increase"),
                ("model size", "1B-parameter", "efficiency", "none"),
            ],
        ),
        (
            "A 7-day online A/B test covering 15% of traffic shows no significant change (p > 0.05).",
            [
                ("A/B test duration", "7-day", "other", "none"),
                ("traffic", "15%", "other", "none"),
                ("p-value", "> 0.05", "other", "none"),
            ],
        ),
        ("Our planned online A/B test will be run on 10% of users.", [("users", "10%", "other", "none")]),
        # figures joined by a slash share the metric after them (2606.27058, UniFormer)
        (
            "Extensive online A/B testing in two production scenarios, Kuaishou and Kuaishou Lite, shows "
            "that UniFormer consistently improves user engagement and interaction metrics, achieving gains "
            "of +0.101%/+0.260% in App Stay Time and +0.729%/+1.113% in Watch Time, respectively.",
            [
                ("App Stay Time", "+0.101%", "online", "increase"),
                ("App Stay Time", "+0.260%", "online", "increase"),
                ("Watch Time", "+0.729%", "online", "increase"),
                ("Watch Time", "+1.113%", "online", "increase"),
            ],
        ),
        # a named loss is a metric (2606.26277 printed 'Log 13.38%')
        (
            "On the mobile homepage tile ranking task, the session embedding improves macro Recall@1 by "
            "1.88% and reduces Log Loss by 13.38% over production baselines.",
            [
                ("macro Recall@1", "1.88%", "offline", "increase"),
                ("Log Loss", "13.38%", "offline", "decrease"),
            ],
        ),
        ("It reduces cross-entropy loss by 2%.", [("cross-entropy loss", "2%", "offline", "decrease")]),
        # percentage points stay with their figure (2606.25237 printed 'points 15%')
        (
            "Comprehensive experiments are conducted on a wide range of retrieval tasks which demonstrate "
            "that IRENE improves the zero-shot retrieval accuracy by up to 15% points in Recall@10 when "
            "added on top of leading encoders.",
            [("zero-shot retrieval accuracy", "15% points", "offline", "increase")],
        ),
        # a noun in -ing ends the metric (2603.17540, GLIDE: 'Spotify home surface' was the metric)
        (
            GLIDE,
            [
                ("non-habitual podcast streaming", "5.4%", "online", "increase"),
                ("new-show discovery", "14.3%", "online", "increase"),
            ],
        ),
        # a count names its whole noun phrase (2603.13017 printed 'software 6')
        (
            "Applied to 4,182 conversations from 6 software engineering projects, it works.",
            [
                ("conversations", "4,182", "other", "none"),
                ("software engineering projects", "6", "other", "none"),
            ],
        ),
        # 'ad spend' is a metric (2606.23911 printed 'ad +2.80%')
        (
            "Third, a two-week online A/B test with tens of millions of ad requests per arm confirms +2.80% "
            "ad spend, +1.4% CTR, +2.8% eCPM, and +2.9% click conversion rate.",
            [
                ("ad spend", "+2.80%", "online", "increase"),
                ("CTR", "+1.4%", "online", "increase"),
                ("eCPM", "+2.8%", "online", "increase"),
                ("click conversion rate", "+2.9%", "online", "increase"),
            ],
        ),
        # a process shortened many times is efficiency, though the sentence opens 'Deployed in' (2606.27243)
        (
            "Deployed in an industrial advertising system, NOVA achieves the highest effective pass rate on "
            "L2 ScaleUp and L3 Literature-to-Production tasks (54.5% and 60.0%), reduces silent failures "
            "compared with coding-agent baselines, and shortens one literature-to-production cycle by over "
            "13x in human-attended time.",
            [("one literature-to-production cycle", "13x", "efficiency", "decrease")],
        ),
        # an integer fraction is not two counts (2603.13017 printed 'context cost 11')
        (
            "At 1/11 the context cost, thousands of exchanges fit within a single prompt while the "
            "verbatim source remains available for drill-down.",
            [],
        ),
        # numbers whose metric the sentence does not name are left out
        ("Results improve by 3.2% and 4.1% when tuned.", []),
        # the metric a figure is 'in' names it when the verb's object is vague (2605.23310, 2026-W22)
        (
            "AKT-Rec improves offline performance by 0.35% in AUC and 1.53% in GAUC, outperforming "
            "several competitive baselines.",
            [("AUC", "0.35%", "offline", "increase"), ("GAUC", "1.53%", "offline", "increase")],
        ),
        # 'from 2M to 1B' grows (sizes compare with their suffix); the ends said again are not new
        # claims (2605.23312, 2026-W22 printed 'model size 2M to 1B, model size 1B, model size 2M')
        (
            "We scale a generative recommender from 2M to 1B backbone parameters in a production-scale "
            "setting. Over 1M users, the 1B-backbone model achieves higher MRR than the 2M-backbone "
            "baseline.",
            [("model size", "2M to 1B", "efficiency", "increase"), ("users", "1M", "other", "none")],
        ),
        # a figure hyphenated into a name is part of the name (2605.23572: 'set strong upper bounds 8B')
        (
            "Models based on Small Language Models (SLMs) such as Qwen3-Embedding-4B/8B set strong upper "
            "bounds on public benchmarks.",
            [],
        ),
        # a pronoun names no metric (2603.13301: 'it 5.1 percent')
        (
            "Rewriting degrades nDCG@10 by 9.0 percent on FiQA, improves it by 5.1 percent on TREC-COVID.",
            [("nDCG@10", "9.0 percent", "offline", "decrease")],
        ),
        # a bound is no decrease; a multiple of a cost is its level (2603.22916, 2605.24989)
        (
            "Online A/B tests yield +2.6% GMV with less than 5 ms additional latency.",
            [("GMV", "+2.6%", "online", "increase"), ("additional latency", "5 ms", "efficiency", "none")],
        ),
        (
            "Confident instances keep average overhead at approximately $2.8\\times$ base model cost.",
            [("base model cost", "$2.8\\times$", "efficiency", "none")],
        ),
    ],
)
def test_claims_of_a_sentence(sentence: str, expected: list[tuple[str, str, str, str]]) -> None:
    assert _claims(sentence) == expected


def test_a_metric_is_never_the_place_and_a_platform_is() -> None:
    irene = "IRENE improves the zero-shot retrieval accuracy by up to 15% points in Recall@10."
    assert [c.where for c in claims_of([irene])] == [""]  # 'in Recall@10' was the place 'Recall'
    assert [c.where for c in claims_of([GLIDE])] == ["Spotify", "Spotify"]


def test_online_context_from_the_previous_sentence_is_quoted_in_the_evidence() -> None:
    sentences = [
        "We validate the method through online A/B testing on Kuaishou.",
        "It yields lifts of 0.267% in active days and 1.102% in app usage time.",
    ]
    found = claims_of(sentences)
    assert [(c.metric, c.value, c.setting) for c in found] == [
        ("active days", "0.267%", "online"),
        ("app usage time", "1.102%", "online"),
    ]
    assert all(c.evidence.startswith("We validate the method through online A/B testing") for c in found)
    assert all(occurs(c.evidence, " ".join(sentences)) for c in found)
    # a deployment sentence does not make the next sentence's recall an online result
    deployed = [
        "OneShot is fully deployed in Instagram's feed.",
        "It achieves a 20% recall gain at that volume.",
    ]
    assert [(c.metric, c.setting) for c in claims_of(deployed)] == [("recall", "offline")]


def _owners(title: str, abstract: str, comment: str = "") -> list[str]:
    paper = {"title": title, "abstract": abstract, "comment": comment, "affiliations": [], "fulltext": ""}
    return [i.canonical for i in owners_of(paper)]


def test_owners_are_where_the_work_runs() -> None:
    assert _owners("Dense Retrieval at IKEA.com", "We study retrieval.") == ["IKEA"]
    assert _owners("Ranking", "In a 2-week online A/B test at Snap, SMART improved conversion.") == ["Snap"]
    assert _owners("Ranking", "It has been deployed on Target.com.") == ["Target"]
    assert _owners("Ranking", "We build it.", comment="Applied in Shopee") == ["Shopee"]
    assert _owners("X", "Since integrating CAR into Coinbase's virtual assistant, engagement rose.") == [
        "Coinbase"
    ]


def test_owners_are_not_vendors_studied_platforms_prior_work_or_datasets() -> None:
    assert (
        _owners("X", "We evaluate Google's Gemini Embedding 001 and OpenAI's Text Embedding 3 Large.") == []
    )
    assert _owners("X", "IVF-RaBitQ is implemented and integrated into the NVIDIA cuVS Library.") == []
    assert _owners("Algorithmic Audit of Advertising on TikTok", "We audit TikTok.") == []
    assert _owners("Tracking Compliance in YouTube's Economy", "We study videos on YouTube.") == []
    assert _owners("X", "Platforms like Meta, TikTok, and Instagram use large embedding tables.") == []
    assert _owners("X", "For experimentation, the Netflix challenge dataset has been used.") == []
    assert _owners("X", "Meta-Prompting helps; online A/B tests on Taobao show +2.98% CTR.") == ["Alibaba"]


@pytest.mark.parametrize(
    ("title", "abstract", "name"),
    [
        ("GenRec: A Preference-Oriented Generative Framework", "", "GenRec"),
        ("Deep Situation-Aware Interaction Network", "To this end, we propose DSAIN, a network.", "DSAIN"),
        ("Ranking at Scale", "We present a model termed FooNet that ranks.", "FooNet"),
        ("Ranking at Scale", "We propose a framework called BarRec to rank.", "BarRec"),
        ("Still Fresh? Evaluating Temporal Drift in Retrieval Benchmarks", "", "Still Fresh"),
        # never a title fragment ending in a function word or an adjective: the head noun phrase
        ("On the Practice of Recommender Evaluation", "", "Practice of Recommender Evaluation"),
        ("Towards Generalizable: A Study of Prompt Tuning", "", "Study of Prompt Tuning"),
        ("From Isolated Scoring to Joint Ranking for Search", "", "Isolated Scoring"),
        ("Recommending Search Filters To Improve Conversions At Airbnb", "", "Search Filters"),
        ("Is Sliding Window All You Need? An Open Framework for Long Sequences", "", "Open Framework"),
    ],
)
def test_short_names(title: str, abstract: str, name: str) -> None:
    assert short_name(title, abstract) == name
