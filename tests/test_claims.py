"""The claim verifier (facts.claims) and extraction verification (extract.verify): every rule on the
failures it exists for, through real paper text where the bundled weeks hold it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.extract.verify import verify_facts
from ingest.facts.claims import evidence_for, institution_problem, occurs, result_problem
from ingest.facts.numbers import is_grounded, normalise, numbers_in
from ingest.facts.sheet import InstitutionClaim, PaperFacts, ResultClaim
from ingest.facts.source import affiliation_text, source_text

DATA = Path(__file__).resolve().parents[1] / "data" / "arxiv"
W16 = {r["id"]: r for r in map(json.loads, (DATA / "2026-W16.jsonl").read_text().splitlines())}
W10 = {r["id"]: r for r in map(json.loads, (DATA / "2026-W10.jsonl").read_text().splitlines())}
SOURCE = (
    "GenRec: a framework. Deployed on the JD App. In online A/B tests GenRec achieves 9.5% improvement "
    "in click count and 8.7% in transaction count; latency \u22123.5\u2009% with 1,234 GPUs and "
    "12\u202f000 users."
)


def test_numbers_are_normalised() -> None:
    found = numbers_in("+9.5%, \u22123.5 %, 1,234 and 12\u2009000 (see 2604.14878v2)")
    assert found == {"9.5", "3.5", "1234", "12000"}
    assert numbers_in(SOURCE) >= {"9.5", "8.7", "3.5", "1234", "12000"}


def test_latex_numbers_read_as_printed() -> None:
    assert numbers_in("+2.85\\%, 4$\\times$, \\textasciitilde50,000 QPS, $\\sim$25.5%") == {
        "2.85",
        "4",
        "50000",
        "25.5",
    }
    assert numbers_in("\\textbf{26.56 nDCG@10} and $0.51$ to $0.48$") == {"26.56", "10", "0.51", "0.48"}
    assert normalise("reduce FP by 50\\% to 90\\%") == "reduce FP by 50% to 90%"
    assert occurs("by 10 $\\times$", "the FLOPs by 10 $\\times$ and") and occurs(
        "by 10 ×", "FLOPs by 10 $\\times$"
    )


def test_names_are_not_numbers_but_multiplier_ranges_are() -> None:
    assert numbers_in("GPT-4, COVID-19, top-10 and Max-3") == set()
    assert numbers_in("5x-14x faster, 1.5X-2X less") == {"5", "14", "1.5", "2"}
    evidence = "improving inference efficiency by 5x-14x"
    assert (
        result_problem("inference efficiency", "5x-14x", "increase", "efficiency", evidence, evidence) is None
    )
    dropped = result_problem("inference efficiency", "14x", "increase", "efficiency", evidence, evidence)
    assert "drops an end" in (dropped or "")


def test_is_grounded_needs_every_number() -> None:
    assert is_grounded("+9.5%", SOURCE) and is_grounded("-3.5%", SOURCE) and is_grounded("1234", SOURCE)
    assert not is_grounded("9.5% and 9.6%", SOURCE) and not is_grounded("95%", SOURCE)


def test_source_and_affiliation_text() -> None:
    paper = {"title": "T", "abstract": "A", "comment": "Work done at Kuaishou", "affiliations": ["Tsinghua"]}
    assert "Work done at Kuaishou" in source_text(paper) and "Tsinghua" in source_text(paper)
    assert affiliation_text(paper) == "Tsinghua\nWork done at Kuaishou"


def test_evidence_is_compared_across_unicode_dashes_spaces_and_case() -> None:
    assert occurs("latency -3.5 %", SOURCE) and occurs("IN ONLINE A/B TESTS", SOURCE)
    assert not occurs("latency -4.5 %", SOURCE)


def _claim(metric: str, value: str, direction: str, setting: str, evidence: str) -> tuple:
    return (metric, value, direction, setting, evidence)


GENREC = W16["2604.14878"]["abstract"]


@pytest.mark.parametrize(
    ("claim", "source", "reason"),
    [
        (_claim("metric 0.5", "0.5", "none", "offline", "metric 0.5"), "metric 0.5", "holds a number"),
        # the real GenRec sentence: online, with its metric and value
        (
            _claim(
                "click count",
                "9.5%",
                "increase",
                "online",
                "In month-long online A/B tests serving production traffic, GenRec achieves 9.5% improvement "
                "in click count",
            ),
            GENREC,
            None,
        ),
        # a traffic split is not a GMV gain
        (
            _claim("GMV", "5%", "increase", "online", "we route 5% of live traffic to the new model"),
            "In production we route 5% of live traffic to the new model.",
            "metric 'GMV' not in its evidence",
        ),
        # '33% faster' is not nDCG@10
        (
            _claim("nDCG@10", "33%", "increase", "offline", "being 33% faster (847 ms vs. 1271 ms)"),
            W16["2604.13728"]["abstract"],
            "metric 'nDCG@10' not in its evidence",
        ),
        # a range keeps both ends, and a reduction keeps its direction
        (
            _claim(
                "improvement", "-26.5%", "increase", "offline", "improvements of 6.3%-26.5% over baselines"
            ),
            "It yields improvements of 6.3%-26.5% over baselines.",
            "drops an end of the range",
        ),
        (
            _claim("training compute", "8-9x", "increase", "efficiency", "8-9x less training compute"),
            "at 8-9x less training compute",
            "reduction stated as an increase",
        ),
        # online wording needs an online cue inside the evidence
        (
            _claim("NDCG@10", "3.2%", "increase", "online", "on MovieLens, NDCG@10 improves by 3.2%"),
            "Unlike prior systems deployed at Google, Meta and Alibaba, on MovieLens, NDCG@10 "
            "improves by 3.2%.",
            "online claim without an online cue",
        ),
        # clause fragments are not metrics
        (
            _claim(
                "-art baselines up to",
                "15.74%",
                "increase",
                "offline",
                "state-of-the-art baselines up to 15.74%",
            ),
            "It beats state-of-the-art baselines up to 15.74%.",
            "is a fragment",
        ),
        (
            _claim("was 0.28 95%", "0.28", "none", "offline", "the correlation was 0.28 95% CI"),
            "the correlation was 0.28 95% CI",
            "is a fragment",
        ),
        # revenue is not CTR
        (
            _claim("CTR", "+500%", "increase", "online", "online revenue +500%"),
            "We saw online revenue +500%.",
            "metric 'CTR' not in its evidence",
        ),
        # a LaTeX range keeps both ends too
        (
            _claim(
                "false positives", "50\\%", "decrease", "offline", "reduce False Positives by 50\\% to 90\\%"
            ),
            "we reduce False Positives by 50\\% to 90\\%.",
            "drops an end of the range",
        ),
        (
            _claim(
                "False Positives",
                "50\\% to 90\\%",
                "decrease",
                "offline",
                "reduce False Positives by 50\\% to 90\\%",
            ),
            "we reduce False Positives by 50\\% to 90\\%.",
            None,
        ),
        # descriptive names the verifier knows: improvement over what is beaten, speed, model size,
        # test duration, p-value; every other content word must still be in the evidence
        (
            _claim(
                "improvement over baselines",
                "15.74%",
                "increase",
                "offline",
                "outperforms six baselines by 15.74%",
            ),
            "GRC outperforms six baselines by 15.74%.",
            None,
        ),
        (
            _claim(
                "improvement over embedding models",
                "17%",
                "increase",
                "offline",
                "outperforms baselines by 17%",
            ),
            "It outperforms baselines by 17%.",
            "not in its evidence",
        ),
        (
            _claim(
                "index construction speed", "5x", "increase", "efficiency", "5x faster index construction"
            ),
            "with 5x faster index construction.",
            None,
        ),
        (_claim("model size", "7B", "none", "efficiency", "leading 7B models"), "leading 7B models.", None),
        (
            _claim("model size", "7", "none", "efficiency", "leading models in 7 tasks"),
            "leading models in 7 tasks.",
            "not in its evidence",
        ),
        (
            _claim("A/B test duration", "7-day", "none", "other", "a 7-day A/B test"),
            "In a 7-day A/B test, CTR rose.",
            None,
        ),
        (_claim("p-value", "0.001", "none", "other", "(p < 0.001)"), "CTR +1% (p < 0.001).", None),
        # an alias matches a whole word: 'hr' is not inside 'throughput'
        (
            _claim("HR", "2.7x", "increase", "offline", "2.7x higher throughput"),
            "2.7x higher throughput.",
            "not in its evidence",
        ),
        # a '+' value is an increase whatever else its clause says
        (
            _claim(
                "orders",
                "+1.6%",
                "increase",
                "online",
                "A/B tests yield +1.6% orders with less than 5 ms additional latency",
            ),
            "A/B tests yield +1.6% orders with less than 5 ms additional latency.",
            None,
        ),
        # an evidence quote that is not in the paper
        (
            _claim("CTR", "+99.9%", "increase", "online", "online A/B: CTR +99.9%"),
            GENREC,
            "evidence not in the source",
        ),
    ],
)
def test_result_claims(claim: tuple, source: str, reason: str | None) -> None:
    problem = result_problem(*claim, source)
    assert (problem is None) if reason is None else (reason in (problem or "")), problem


@pytest.mark.parametrize(
    ("name", "evidence", "source", "affiliations", "reason"),
    [
        (
            "Google",
            "implemented on Google's Agent Development Kit",
            W16["2604.14223"]["abstract"],
            "",
            "model, tool or hardware",
        ),
        (
            "OpenAI",
            "three frontier providers (Anthropic, OpenAI, Google)",
            W10["2603.04403"]["abstract"],
            "",
            "model, tool or hardware",
        ),
        (
            "Meta",
            "Unlike prior systems deployed at Google, Meta and Alibaba",
            "Unlike prior systems deployed at Google, Meta and Alibaba, CompareRec works offline.",
            "",
            "prior work",
        ),
        (
            "Amazon",
            "three Amazon datasets",
            "Experiments on three Amazon datasets show gains.",
            "",
            "dataset",
        ),
        (
            "JD",
            "GenRec has been deployed on the JD App",
            "GenRec has been deployed on the JD App since May.",
            "",
            None,
        ),
        ("Kuaishou", "Work done at Kuaishou", "Title\nWork done at Kuaishou", "Work done at Kuaishou", None),
        # a company's own industrial or internal data is its work, not a public dataset
        (
            "Meituan",
            "On a four-domain Meituan industrial dataset",
            "On a four-domain Meituan industrial dataset (full ranking), NONTP achieves HR@10 +34.3%.",
            "",
            None,
        ),
        # a prior-work cue governs only up to the authors' own words ('our')
        (
            "Pinterest",
            "improved our throughput by 600% on Pinterest internal data",
            "Optimizations, such as DCAT, improved our throughput by 600% on Pinterest internal data.",
            "",
            None,
        ),
        (
            "Meta",
            "platforms like Meta, TikTok, and Instagram",
            "In social media platforms like Meta, TikTok, and Instagram, tables consume memory.",
            "",
            "prior work",
        ),
        (
            "Google",
            "github.com/google/x",
            "Code: https://github.com/google/x",
            "Code: https://github.com/google/x",
            "does not name it",
        ),
    ],
)
def test_institution_claims(
    name: str, evidence: str, source: str, affiliations: str, reason: str | None
) -> None:
    problem = institution_problem(name, name, evidence, source, affiliations)
    assert (problem is None) if reason is None else (reason in (problem or "")), problem


def test_evidence_for_finds_the_shortest_clause_with_value_and_metric() -> None:
    found = evidence_for("8.7%", GENREC, "transaction count")
    assert "8.7%" in found and "transaction count" in found and occurs(found, GENREC)
    assert evidence_for("77.7%", GENREC) == ""


def test_verify_facts_drops_rejected_claims_counts_them_and_fixes_the_flags() -> None:
    paper = {
        "title": "X",
        "abstract": "We deployed X on Taobao. Online A/B tests show CTR +2.76%. "
        "It is implemented on Google's Agent Development Kit. Offline AUC rises 0.35% on Criteo.",
        "comment": "",
        "affiliations": [],
    }
    facts = PaperFacts(
        scope="recsys",
        scope_reason="r",
        short_name="X",
        problem="p",
        contribution="c",
        key_techniques=[],
        results=[
            ResultClaim(
                metric="CTR",
                value="+2.76%",
                direction="increase",
                setting="online",
                where="Taobao",
                evidence="Online A/B tests show CTR +2.76%",
            ),
            ResultClaim(
                metric="AUC",
                value="0.35%",
                direction="increase",
                setting="online",
                where="Criteo",
                evidence="Offline AUC rises 0.35% on Criteo",
            ),
            ResultClaim(
                metric="GMV",
                value="+3.1%",
                direction="increase",
                setting="online",
                where="",
                evidence="GMV +3.1%",
            ),
        ],
        institutions=[
            InstitutionClaim(
                name="Taobao", canonical="Alibaba", industrial=True, evidence="We deployed X on Taobao"
            ),
            InstitutionClaim(
                name="Google",
                canonical="Google",
                industrial=True,
                evidence="implemented on Google's Agent Development Kit",
            ),
        ],
        industrial=True,
        deployed_online=False,
        platform="Taobao",
        datasets=[],
        code_url=None,
        topics=["ranking_ctr"],
        one_line="X lifts CTR +2.76% and GMV +3.1% online.",
    )
    out = verify_facts(facts, paper)
    assert [(c.metric, c.value) for c in out.facts.results] == [("CTR", "+2.76%")]
    assert [i.canonical for i in out.facts.institutions] == ["Alibaba"]
    assert out.kept == 2 and len(out.rejected) == 4
    assert out.facts.deployed_online is True and out.facts.industrial is True
    assert out.facts.one_line == ""  # its only sentence states GMV +3.1%, which is not a verified claim


def test_a_date_in_prose_leaves_its_sentence_and_keeps_the_rest() -> None:
    # Deezer's playlist captioning (2606.22460): 'This paper presents the automatic playlist captioning
    # system deployed on Deezer in 2025 to address this challenge.' lost its whole sentence to '2025'
    contribution = (
        "This paper presents the automatic playlist captioning system deployed on Deezer in 2025 to "
        "address this challenge."
    )
    paper = {"title": "Playlist captioning", "abstract": contribution, "comment": "", "affiliations": []}
    facts = PaperFacts(
        scope="recsys",
        scope_reason="r",
        short_name="Playlist captioning",
        problem="p",
        contribution=contribution,
        key_techniques=[],
        results=[],
        institutions=[],
        industrial=False,
        deployed_online=True,
        platform="Deezer",
        datasets=[],
        code_url=None,
        topics=["llm_agents"],
        one_line="Since March 2025 it serves 12 markets.",
    )
    out = verify_facts(facts, paper)
    assert out.facts.contribution == (
        "This paper presents the automatic playlist captioning system deployed on Deezer to address this "
        "challenge."
    )
    assert out.facts.one_line == ""  # 12 markets is no verified claim: the sentence still goes
