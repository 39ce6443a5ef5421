"""The small rules that decide what a report line says: names, places, settings, values, storyline
titles and the verifier's reading of claim groups. Real sentences from the bundled weeks' abstracts
(2026-W10 and 2026-W16) or written for the rule; every assertion is the exact text or value."""

from __future__ import annotations

import pytest

from ingest.facts.prose import clean, strip_lead
from ingest.facts.sheet import ResultClaim
from ingest.facts.wording import claim_text
from ingest.llm.offline.claims import _where, claims_of
from ingest.llm.offline.metrics import is_online
from ingest.llm.offline.owners import owners_of
from ingest.llm.offline.short_names import short_name
from ingest.report.storylines import _unnamed
from ingest.report.verify import _labelled_not_online


@pytest.mark.parametrize(
    ("title", "abstract", "name"),
    [
        # a leading gerund is not the paper's name
        (
            "Deploying Semantic ID-based Generative Retrieval for Large-Scale Podcast Discovery at Spotify",
            "We study podcast discovery.",
            "Semantic ID-based Generative Retrieval",
        ),
        # a lone common noun widens to the words after it
        (
            "Driving Engagement in Daily Fantasy Sports with a Scalable and Urgency-Aware Ranking Engine",
            "We designed and deployed a recommendation engine.",
            "Engagement in Daily Fantasy Sports",
        ),
        ("GenRec: Generative Retrieval at JD", "We present GenRec, a framework.", "GenRec"),
        # ... unless what follows it is its object, the problem, which names no paper (2603.03309)
        (
            "Combating data scarcity in recommendation services: Integrating cognitive types of VARK",
            "This research proposes an innovative hybrid framework.",
            "Combating data scarcity",
        ),
        # gerunds that are nouns stay ('Scaling Laws', 'Ranking Distillation')
        ("Scaling Laws for Generative Recommendation", "We study it.", "Scaling Laws"),
        ("Ranking Distillation for Top-N Recommendation", "We study it.", "Ranking Distillation"),
        # the method the abstract names first, not a later serving component (2602.23639)
        (
            "Learning to Reflect and Correct: Towards Better Decoding Trajectories",
            "To tackle this problem, we propose GRC, which is the first structured reflection-correction "
            "framework. For efficient online serving, we propose an Entropy-Guided Reflection Scheduling "
            "(EGRS) strategy.",
            "GRC",
        ),
    ],
)
def test_short_names(title: str, abstract: str, name: str) -> None:
    assert short_name(title, abstract) == name


def test_a_title_prefix_with_a_comma_is_not_a_name() -> None:
    name = short_name("Attributed, But Not Incremental: Ads Measurement", "We propose a framework.")
    assert "," not in name and name


def test_a_place_is_never_the_metric_and_keeps_what_it_owns() -> None:
    assert _where("Our method achieves a 1.62% improvement in MRR", "MRR") == ""
    assert _where("a 0.83% gain in StayTime/U versus baselines", "StayTime/U") == ""
    assert _where("We deploy the model on Walmart's sponsored search and evaluate it", "CTR") == (
        "Walmart's sponsored search"
    )
    assert _where("online A/B on Meta's.", "revenue") == "Meta"


def test_an_offline_ab_correlation_is_not_live_traffic() -> None:
    assert not is_online("We further validate our approach through offline A/B testing correlation.")
    assert is_online("Online A/B experiments in a real-world production environment show gains.")


def test_an_earlier_enumerated_items_cue_does_not_carry() -> None:
    sentence = (
        "As our key novelty, we combine three ideas into an end-to-end pipeline: (a) multi-channel "
        "retrieval mining with rank metadata from three production systems, (b) graded-relevance "
        "annotation by a calibrated three-model cascade that reaches 89.1% agreement with trained human "
        "annotators, and (c) curriculum training."
    )
    [claim] = [c for c in claims_of([sentence]) if c.value == "89.1%"]
    assert claim.setting == "offline"


def test_a_system_of_a_company_after_a_deployment_cue_is_its_owner() -> None:
    paper = {
        "title": "FlashEvaluator",
        "abstract": "Notably, FlashEvaluator has been deployed in online recommender system of Kuaishou, "
        "delivering substantial and sustained revenue gains in practice.",
        "comment": "",
        "affiliations": [],
    }
    assert [o.canonical for o in owners_of(paper)] == ["Kuaishou"]


def test_values_show_without_latex_and_places_that_are_metrics_are_left_out() -> None:
    assert (clean(r"50\,ms"), clean(r"2.70\%"), clean("~2X"), clean("50~ms")) == (
        "50 ms",
        "2.70%",
        "~2X",
        "50 ms",
    )
    claims = [
        ResultClaim(
            metric="Watch Time",
            value="+1.113%",
            direction="increase",
            setting="online",
            where="Watch Time",
            evidence="x",
        ),
        ResultClaim(
            metric="p95 latency",
            value=r"50\,ms",
            direction="none",
            setting="efficiency",
            where="",
            evidence="x",
        ),
    ]
    assert claim_text(claims, "en") == "online A/B: Watch Time +1.113%; efficiency: p95 latency 50 ms"


def test_lead_ins_and_lost_spaces() -> None:
    assert strip_lead("To achieve this, we propose jointly learning a hierarchical index.") == (
        "We propose jointly learning a hierarchical index."
    )
    assert clean("no per-instance recourse at deployment.We propose UTTSI.") == (
        "no per-instance recourse at deployment. We propose UTTSI."
    )


def test_storyline_titles_never_end_in_an_adjective_or_a_modifier() -> None:
    assert _unnamed("retrieval-augmented commercial")
    assert _unnamed("t:large-scale industrial")
    assert _unnamed("scalable") and _unnamed("contrastive")
    assert _unnamed("industrial recommender")  # 'recommender' stands before 'system'
    assert not _unnamed("residual quantization")
    assert not _unnamed("dense retrieval")
    assert not _unnamed("topic:multimodal")


@pytest.mark.parametrize(
    ("key", "generic"),
    [
        # phrases papers write in abstracts but almost never in titles only describe
        ("historical interaction", True),
        ("backbone model", True),
        ("user preference", True),
        ("representation", True),
        # phrases a large share of all cs.IR papers use are too common to name a thread
        ("language model", True),
        ("recommendation", True),
        ("t:language models", True),
        # phrases papers name their work after name a thread
        ("semantic id", False),
        ("t:semantic id", False),
        ("sponsored search", False),
        ("residual quantization", False),
        ("feature interaction", False),
        ("sequential recommendation", False),
        ("scaling law", False),
        # a phrase the background never saw (new, or rare) is never generic
        ("instance-as-token compression", False),
    ],
)
def test_the_background_corpus_tells_a_thread_from_a_description(key: str, generic: bool) -> None:
    from ingest.report import background

    assert background.generic(key) is generic


def test_the_background_table_counts_titles_and_papers_with_the_storyline_keys() -> None:
    from ingest.report import background

    papers = [(f"Semantic IDs for ads {n}", "We model user preference with semantic IDs.") for n in range(10)]
    papers += [("A study", "Historical interactions and user preference.")] * 2
    table = background.count(papers)
    assert table["papers"] == 12
    assert table["phrases"]["semantic ids"] == [10, 10]  # 'IDs' is short: its plural stays in the key
    assert table["phrases"]["user preference"] == [0, 12]
    assert "historical interaction" not in table["phrases"]  # 2 papers, below MIN_DF
    assert "study" not in table["phrases"]


def test_claim_groups_labelled_not_online_in_both_languages() -> None:
    assert _labelled_not_online(" scale on Toutiao: deployment duration 9 months")
    assert _labelled_not_online("NVIDIA A100 GPUs 效率：online query-encoder latency 27x")
    assert not _labelled_not_online("online A/B on Toutiao: deployment gains 2%")
    assert not _labelled_not_online("deployed to production with 2% gains")


def test_chinese_section_titles_localise_taxonomy_titles_and_keep_discovered_phrases() -> None:
    from ingest.report.plan import localised

    assert localised("Evaluation and Benchmarks", "zh") == "评测与基准"
    assert localised("Residual Quantization", "zh") == "Residual Quantization"
    assert localised("Evaluation and Benchmarks", "en") == "Evaluation and Benchmarks"


def test_a_comparison_names_the_earlier_papers_metric_and_setting_not_its_figures() -> None:
    from ingest.llm.offline.section import _compare

    earlier = {
        "name": "SORT",
        "id": "2603.03988",
        "shared_metrics": ["GMV"],
        "shared_techniques": [],
        "claims": [
            {
                "metric": "GMV",
                "value": "+5.47%",
                "direction": "increase",
                "setting": "online",
                "where": "",
                "evidence": "GMV (+5.47%)",
            }
        ],
    }
    line = _compare({"related": [earlier]}, "en")
    assert line == "Compare: SORT (2603.03988) reports GMV too (online A/B)."


def test_a_release_is_stated_in_the_papers_own_words_so_two_releases_share_no_stock_phrase() -> None:
    from ingest.llm.offline.section import _why
    from ingest.report.prose import stock_phrases
    from ingest.report.rank import release_sentence, releases

    # 2603.01493 (PhotoBench) and 2603.04403, 2026-W10; a link and a figure are left out
    photobench = (
        "To bridge this gap, we introduce PhotoBench, the first benchmark constructed from authentic, "
        "personal albums."
    )
    finance = (
        "We release the dataset, evaluation code, and tool traces to enable research on financial AI "
        "systems: https://example.org/data."
    )
    assert release_sentence("We study albums. " + photobench) == (
        "To bridge this gap, we introduce PhotoBench, the first benchmark constructed from authentic, "
        "personal albums"
    )
    assert release_sentence("We release 3 datasets publicly available online.") == ""
    assert release_sentence("We study news recommendation.") == ""
    # code, a toolkit or someone else's open-source model is no dataset or benchmark for others
    newstorch = "Our open-source toolkit is released on Github: https://github.com/whonor/NewsTorch."
    assert release_sentence(newstorch) == "" and not releases(newstorch)
    assert not releases("In experiments on several open-source LLMs, recall degrades.")
    # data it lacks or only uses, and 'a new benchmark' as a figure of speech (2603.14559, 2604.08598)
    assert not releases("Progress is slow due to the lack of publicly available expert-annotated datasets.")
    assert not releases(
        "UATTA outperforms them, establishing a new benchmark for label-efficient adaptation."
    )
    assert not releases("We evaluate LexPath on two publicly available benchmarks.")
    assert releases(finance) and releases("RecNextEval: an open-source evaluation library and new benchmark.")
    whys = {
        pid: _why(
            {"name": name, "release": release_sentence(text), "score_parts": {"dataset/benchmark": 1.5}},
            [],
            "en",
        )
        for pid, name, text in (("2603.01493", "PhotoBench", photobench), ("2603.04403", "FinBench", finance))
    }
    assert whys["2603.04403"] == (
        "Why it matters: FinBench is there to be reused: “We release the dataset, evaluation code, and tool "
        "traces to enable research on financial AI systems.”"
    )
    assert stock_phrases(whys) == []
    generic = {pid: _why({"name": "X", "score_parts": {"dataset/benchmark": 1.5}}, [], "en") for pid in "ab"}
    assert stock_phrases(generic)  # what the paper's own sentence avoids


def test_one_metrics_figures_stand_side_by_side_and_ranges_stay_apart() -> None:
    def claim(metric: str, value: str) -> ResultClaim:
        return ResultClaim(
            metric=metric, value=value, direction="increase", setting="online", where="", evidence=""
        )

    rows = [
        claim("App Stay Time", "+0.101%"),
        claim("App Stay Time", "+0.260%"),
        claim("Watch Time", "+0.729%"),
        claim("latency", "500ms to 200ms"),
        claim("latency", "-12%"),
        claim("p-value", "< 0.01"),  # qualifies the A/B, is not one of its results
    ]
    assert claim_text(rows, "en", limit=6) == (
        "online A/B: App Stay Time +0.101%/+0.260%, Watch Time +0.729%, latency 500ms to 200ms, latency -12%"
    )


def test_a_decrease_its_value_does_not_sign_is_printed_as_one() -> None:
    # URecJPQ (2606.23291): 'with only a marginal decrease in accuracy (8.5% on recall and 16% on NDCG,
    # on average)'; printed as 'recall 8.5%, NDCG 16%' it read as a gain
    from ingest.llm.offline.claims import claims_of

    sentence = (
        "In large scale scenarios, we observe a substantial reduction in checkpoint sizes, with only a "
        "marginal decrease in accuracy (8.5% on recall and 16% on NDCG, on average)."
    )
    claims = [c for c in claims_of([sentence]) if c.metric in ("recall", "NDCG")]
    assert [(c.metric, c.value, c.direction) for c in claims] == [
        ("recall", "8.5%", "decrease"),
        ("NDCG", "16%", "decrease"),
    ]
    assert claim_text(claims, "en") == "offline: recall down 8.5%, NDCG down 16%"
    assert claim_text(claims, "zh") == "离线：recall 下降 8.5%、NDCG 下降 16%"

    def claim(value: str, direction: str) -> ResultClaim:
        return ResultClaim(
            metric="latency", value=value, direction=direction, setting="efficiency", where="", evidence=""
        )

    # a value that carries its direction (a sign, 'from A to B') is printed as written; so is a gain
    rows = [claim("-44.67%", "decrease"), claim("500ms to 200ms", "decrease"), claim("2x", "increase")]
    assert claim_text(rows, "en") == "efficiency: latency -44.67%/2x, latency 500ms to 200ms"


def test_counts_of_baselines_models_and_datasets_describe_the_experiment_not_a_result() -> None:
    # MVCrec (2604.14114): 'outperforms 11 state-of-the-art baselines, achieving improvements of up to
    # 14.44% in NDCG@10'; the extractor keeps the count (a fact), the report prints the result
    from ingest.llm.offline.claims import claims_of

    claims = claims_of(
        [
            "Comprehensive experiments on five real-world benchmark datasets demonstrate that MVCrec "
            "consistently outperforms 11 state-of-the-art baselines, achieving improvements of up to "
            "14.44% in NDCG@10 and 9.22% in HitRatio@10 over the strongest baseline."
        ]
    )
    assert ("state-of-the-art baselines", "11") in [(c.metric, c.value) for c in claims]
    assert claim_text(claims, "en") == "offline: NDCG@10 14.44%, HitRatio@10 9.22%"
    srbench = claims_of(["We have used SRBench to evaluate 13 mainstream models and found insights."])
    assert [(c.metric, c.value) for c in srbench] == [("mainstream models", "13")]
    assert claim_text(srbench, "en") == ""
    # a count of users or items is the scale of the work and stays
    users = claims_of(["In a one-week production-shadow evaluation over 1M users, the model wins."])
    assert claim_text(users, "en") == "scale: users 1M"


def test_two_papers_on_one_platform_share_a_fact_not_a_stock_phrase() -> None:
    from ingest.llm.offline.section import _why
    from ingest.report.prose import stock_phrases

    online = ResultClaim(
        metric="Video Views",
        value="+0.3%",
        direction="increase",
        setting="online",
        where="Kuaishou App",
        evidence="",
    )
    dives = {
        pid: _why({"name": name, "platform": "Kuaishou App"}, [online], "en")
        for pid, name in (("2603.02561", "SOLAR"), ("2603.00632", "QuaSID"))
    }
    assert dives["2603.02561"] == "Why it matters: SOLAR runs on live traffic on Kuaishou App."
    assert stock_phrases(dives) == []
    seam = "which works on the same problem from another angle entirely"
    problems = stock_phrases({"a": f"SOLAR: {seam}.", "b": f"QuaSID: {seam}."})
    assert problems and all(p.split("'")[1] in seam for p in problems)  # a template is still caught


def test_a_storyline_is_named_after_a_phrase_most_members_share_else_their_common_topic() -> None:
    from ingest.report.storylines import _name

    # six papers: 'residual quantization' in two, 'semantic id' in four, five of them first-topic GR
    docs = [
        ["residual quantization", "semantic id", "topic:generative_semantic_ids"],
        ["residual quantization", "semantic id", "topic:generative_semantic_ids"],
        ["semantic id", "topic:generative_semantic_ids"],
        ["semantic id", "topic:generative_semantic_ids"],
        ["topic:generative_semantic_ids"],
        ["topic:retrieval_indexing"],
    ]
    primary = ["generative_semantic_ids"] * 5 + ["retrieval_indexing"]
    weights = {"residual quantization": 5.0, "semantic id": 1.0}
    assert _name(list(range(6)), docs, weights, set(), primary)[0] == "semantic id"  # four of six
    fewer = [[p for p in d if p != "semantic id"] for d in docs]
    assert _name(list(range(6)), fewer, weights, set(), primary)[0] == "topic:generative_semantic_ids"
    taken = {"topic:generative_semantic_ids"}  # another storyline has the topic: the phrase stays
    assert _name(list(range(6)), fewer, weights, taken, primary)[0] == "residual quantization"


def test_a_cluster_without_a_thread_keeps_only_the_papers_of_its_leading_topic() -> None:
    from ingest.report.storylines import _core, _name, _threaded

    # 2026-W22: MuChator and L2Rec (LLM-first) in a cluster of ten that share only 'music' (two of them)
    docs = [
        ["music", "topic:llm_agents", "topic:evaluation_benchmarks"],
        ["topic:llm_agents", "topic:evaluation_benchmarks"],
        ["topic:efficiency_serving", "topic:evaluation_benchmarks"],
        ["music", "topic:debiasing_fairness"],
        ["topic:search", "topic:llm_agents"],
    ]
    primary = ["llm_agents", "llm_agents", "efficiency_serving", "debiasing_fairness", "search"]
    members = list(range(5))
    key = _name(members, docs, {}, {"topic:search"}, primary)[0]
    assert not _threaded(key, members, docs) or key == "topic:llm_agents"
    # the topic most members hold first wins over one more of them merely mention (evaluation: 3)
    assert _core(members, docs, primary, {"topic:search"}) == [0, 1, 4]
    # taken: the next first topic (one paper each, the key breaks the tie), too few for a storyline
    assert _core(members, docs, primary, {"topic:llm_agents"}) == [3]
    # ties break on the topic's key, never on the order of a set
    tie = [["topic:b"], ["topic:a"]]
    assert _core([0, 1], tie, ["b", "a"], set()) == [1]


def test_a_title_inside_a_sentence_keeps_its_acronyms() -> None:
    from ingest.report.storylines import as_thread

    assert (
        as_thread("Generative Recommendation and Semantic IDs")
        == "generative recommendation and semantic IDs"
    )
    assert as_thread("Ranking and CTR Architecture") == "ranking and CTR architecture"
    assert as_thread("R3-VAE Tokenizers") == "R3-VAE tokenizers"
    # each part of a hyphenated word on its own (2026-W26 printed 'LLM and Agent-Driven recommendation')
    assert as_thread("LLM and Agent-Driven Recommendation") == "LLM and agent-driven recommendation"
    assert as_thread("E-Commerce Search") == "e-commerce search"
    assert as_thread("Top-K Recommendation") == "top-K recommendation"


def test_a_section_whose_deep_dives_all_report_online_results_says_so_without_counting_one_of_one() -> None:
    from ingest.llm.offline.section import intro

    def paper(name: str) -> dict:
        return {"name": name, "claims": [{"setting": "online"}]}

    one = {"lang": "en", "papers": [paper("From Clicks to Intent")], "thread": "intent"}
    assert intro(one).endswith(" From Clicks to Intent reports online A/B results.")
    assert "1 of the 1" not in intro(one)
    two = {**one, "papers": [paper("SOLARIS"), paper("DSAIN")]}
    assert intro(two).endswith(" SOLARIS and DSAIN both report online A/B results.")
    three = {**one, "papers": [paper("A1"), paper("B2"), paper("C3")]}
    assert intro(three).endswith(" All 3 report online A/B results (A1, B2 and C3).")
    mixed = {**one, "papers": [paper("SOLARIS"), {"name": "IAT", "claims": []}]}
    assert intro(mixed).endswith("1 of the 2 reports online A/B results (SOLARIS).")


@pytest.mark.parametrize(
    ("sentence", "stripped"),
    [
        ("To address this, we present TRACE, a framework.", "We present TRACE, a framework."),
        ("To further address this problem, we propose SafeCRS.", "We propose SafeCRS."),
        ("In this demonstration, we present RecNextEval.", "We present RecNextEval."),
        ("To advance toward this goal, we present OmniRet.", "We present OmniRet."),
        (
            "To the best of our knowledge, this is the first.",
            "To the best of our knowledge, this is the first.",
        ),
    ],
)
def test_lead_ins_are_stripped_from_what_a_paper_contributes(sentence: str, stripped: str) -> None:
    assert strip_lead(sentence) == stripped


def test_a_section_of_two_papers_says_both_not_all_2() -> None:
    from ingest.llm.offline.section import intro, synthesis

    papers = [{"name": "RAPI", "claims": []}, {"name": "ReFORM", "claims": []}]
    v = {"lang": "en", "papers": papers, "thread": "evaluation and benchmarks", "listed_in_digest": []}
    assert intro(v).endswith(" Both argue evaluation and benchmarks on offline evidence.")
    online = [{"name": n, "claims": [{"setting": "online"}]} for n in ("GenRec", "SOLARIS")]
    assert "GenRec and SOLARIS both report online results" in synthesis({**v, "papers": online})
    three = papers + [{"name": "NewsTorch", "claims": []}]
    assert intro({**v, "papers": three}).endswith(
        " All 3 argue evaluation and benchmarks on offline evidence."
    )


def test_a_full_stop_glued_to_the_next_sentence_still_ends_a_sentence() -> None:
    # 2605.24989 (2026-W22) as listed: 'offering no per-instance recourse at deployment.We propose UTTSI';
    # the deep dive's 'New:' opened with the problem sentence
    from ingest.llm.offline.extract import method_of
    from ingest.llm.offline.text import sentences

    abstract = (
        "Existing training-phase solutions such as adaptive gating learn a fixed selection function subject "
        "to the same sparsity, offering no per-instance recourse at deployment.We propose UTTSI "
        "(Uncertainty-Triggered Test-Time Selective Inference), a training-free model-agnostic framework "
        "that scales inference depth proportionally to per-instance uncertainty."
    )
    parts = sentences(abstract)
    assert len(parts) == 2 and parts[1].startswith("We propose UTTSI")
    assert method_of(parts).startswith("We propose UTTSI")
    assert sentences("Gains hold, e.g. The same on Node.js and U.S. data.") == [
        "Gains hold, e.g. The same on Node.js and U.S. data."
    ]


@pytest.mark.parametrize(
    ("abstract", "method"),
    [
        # 2603.17540 (Spotify's GLIDE): the method sentence names it after 'we address ... with'
        (
            "Large Language Models (LLMs) provide strong semantic reasoning for discovery-oriented "
            "recommendation, but deploying them in production introduces challenges. We address these "
            "challenges with GLIDE, a production-scale generative recommender for podcast discovery at "
            "Spotify.",
            "We address these challenges with GLIDE, a production-scale generative recommender for podcast "
            "discovery at Spotify.",
        ),
        # 2603.15357: a passive proposal
        (
            "This paper considers four analytical scenarios. A generic user attribute analysis framework "
            "named RAPI is proposed, which infers users' personal characteristics. A sample augmentation "
            "module generates extended recommendation lists.",
            "A generic user attribute analysis framework named RAPI is proposed, which infers users' "
            "personal characteristics. A sample augmentation module generates extended recommendation lists.",
        ),
        # 2603.13017: what the paper studies, never 'Results are mechanism-dependent.'
        (
            "Long conversations with an AI agent create a simple problem. We study personalized agent "
            "memory: one user's history, distilled into a compact retrieval layer. Results are "
            "mechanism-dependent.",
            "We study personalized agent memory: one user's history, distilled into a compact retrieval "
            "layer.",
        ),
        # lower case after 'with' is no name: 'we address scalability by combining MLLMs with memory...'
        (
            "We investigate MLLMs as training-free similarity estimators. We address scalability by "
            "combining MLLMs with memory-efficient indexing.",
            "We investigate MLLMs as training-free similarity estimators.",
        ),
    ],
)
def test_the_method_sentence_is_what_the_paper_proposes(abstract: str, method: str) -> None:
    from ingest.llm.offline.extract import method_of
    from ingest.llm.offline.text import sentences

    assert method_of(sentences(abstract)) == method


def test_what_is_new_is_said_without_the_figures_its_claims_print() -> None:
    from ingest.facts.prose import without_figures

    # 2605.23312 (2026-W22): its digest line restated '2M to 1B' beside 'production-scale' (a Draft)
    assert (
        without_figures(
            "We describe our experience scaling a generative recommender from 2M to 1B backbone parameters, "
            "excluding embedding and decoding layers, in a production-scale title recommendation setting."
        )
        == "We describe our experience scaling a generative recommender."
    )
    assert without_figures("We propose X, a ranker. It lifts CTR by 2%.") == "We propose X, a ranker."
    assert without_figures("We propose GenRec, a generative ranker: it lifts clicks 9.5%.") == (
        "We propose GenRec, a generative ranker."
    )
    assert without_figures("We achieve 5% gains.") == ""  # too little is left to say what it is
    assert without_figures("We propose SOLARIS, a speculative serving framework.") == (
        "We propose SOLARIS, a speculative serving framework."
    )


def test_the_method_sentence_naming_the_paper_wins_over_one_naming_a_part() -> None:
    # 2603.02561 (SOLAR, 2026-W10): 'we introduce SVD-Attention' came first, its figures (O(N^2 d))
    # cost the sentence, and the deep dive's 'New:' fell back to a list ending in a metric
    from ingest.llm.offline.extract import method_of

    sents = [
        "Leveraging this structure, we introduce SVD-Attention, which reduces attention complexity.",
        "With SVD-Attention, we propose SOLAR, SVD-Optimized Lifelong Attention for Recommendation, a "
        "sequence modeling framework.",
    ]
    assert method_of(sents, "SOLAR") == sents[1]
    assert method_of(sents) == sents[0]
    assert method_of(sents, "SOLARIS") == sents[0]  # a name must stand as a word


def test_a_metric_the_paper_reports_is_not_one_of_its_techniques() -> None:
    from ingest.llm.offline.extract import facts

    abstract = (
        "With SVD-Attention, we propose SOLAR, SVD-Optimized Lifelong Attention for Recommendation, a "
        "sequence modeling framework. In Kuaishou's online recommendation scenario, SOLAR delivers a 0.68% "
        "improvement in Video Views."
    )
    sheet = facts({"input": {"title": "SOLAR: SVD-Optimized Lifelong Attention", "abstract": abstract}})
    assert [(c.metric, c.value) for c in sheet.results] == [("Video Views", "0.68%")]
    assert "Video Views" not in sheet.key_techniques and "SVD-Attention" in sheet.key_techniques
