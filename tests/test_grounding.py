"""Grounding: number normalisation and dropping ungrounded claims from an extraction."""

from __future__ import annotations

from ingest.extract.grounding import ground_extraction
from ingest.facts.numbers import is_grounded, numbers_in
from ingest.facts.source import source_text
from ingest.llm.contracts import Institution, OfflineMetric, OnlineMetric, PaperExtraction

SOURCE = (
    "GenRec: a framework. Deployed on the JD App. In online A/B tests GenRec achieves 9.5% improvement "
    "in click count and 8.7% in transaction count; latency \u22123.5\u2009% with 1,234 GPUs and "
    "12\u202f000 users."
)


def test_numbers_are_normalised() -> None:
    found = numbers_in("+9.5%, \u22123.5 %, 1,234 and 12\u2009000 (see 2604.14878v2)")
    assert found == {"9.5", "3.5", "1234", "12000"}
    assert numbers_in(SOURCE) >= {"9.5", "8.7", "3.5", "1234", "12000"}


def test_is_grounded_needs_every_number() -> None:
    assert is_grounded("+9.5%", SOURCE)
    assert is_grounded("-3.5%", SOURCE)
    assert is_grounded("1234", SOURCE)
    assert is_grounded("no numbers at all", SOURCE)
    assert not is_grounded("9.5% and 9.6%", SOURCE)
    assert not is_grounded("95%", SOURCE)


def test_source_text_includes_affiliations_and_comment() -> None:
    text = source_text({"title": "T", "abstract": "A", "comment": "SIGIR 2026", "affiliations": ["Kuaishou"]})
    assert "SIGIR 2026" in text and "Kuaishou" in text


def _extraction(**overrides) -> PaperExtraction:
    base = dict(
        scope="recsys",
        scope_reason="recommendation",
        short_name="GenRec",
        institutions=[
            Institution(name="JD App", canonical="JD", industrial=True, evidence="on the JD App"),
            Institution(name="Google", canonical="Google", industrial=True, evidence="at Google"),
        ],
        industrial=True,
        deployed_online=True,
        platform="JD App",
        problem="p",
        method="m",
        key_techniques=["Token Merger"],
        online_metrics=[
            OnlineMetric(metric="click count", value="+9.5%", context="online A/B"),
            OnlineMetric(metric="GMV", value="+4.2%", context="online A/B"),
        ],
        offline_metrics=[OfflineMetric(metric="HR@50", value="22.6%", dataset="", baseline="")],
        efficiency=[],
        datasets=[],
        code_url="https://github.com/x/y",
        topics=["generative_semantic_ids"],
        one_line="JD deploys GenRec; click count +9.5%.",
        deep_dive_draft=(
            "GenRec runs on the JD App. Clicks rose 9.5%. GMV rose 4.2% too. It uses a Token Merger."
        ),
        undisclosed=[],
    )
    base.update(overrides)
    return PaperExtraction(**base)


def test_ground_extraction_drops_and_counts_ungrounded_items() -> None:
    result = ground_extraction(_extraction(), SOURCE)
    ex = result.extraction
    assert [m.value for m in ex.online_metrics] == ["+9.5%"]
    assert ex.offline_metrics == []
    assert [i.canonical for i in ex.institutions] == ["JD"]
    assert ex.code_url is None
    assert ex.deep_dive_draft == "GenRec runs on the JD App. Clicks rose 9.5%. It uses a Token Merger."
    assert ex.one_line == "JD deploys GenRec; click count +9.5%."
    assert len(result.dropped) == 5
    assert any("4.2" in d for d in result.dropped) and any("Google" in d for d in result.dropped)
    assert result.grounded_count >= 3


def test_losing_every_company_clears_industrial_unless_deployed() -> None:
    google = Institution(name="Google", canonical="Google", industrial=True, evidence="x")
    ex = _extraction(institutions=[google], deployed_online=False, online_metrics=[])
    cleaned = ground_extraction(ex, SOURCE).extraction
    assert cleaned.institutions == [] and cleaned.industrial is False and "institution" in cleaned.undisclosed
