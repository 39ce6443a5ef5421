"""Institution alias table: canonical names, industrial flags, and the word-boundary traps."""

from __future__ import annotations

from ingest.facts.institutions import find_institutions, lookup


def names(text: str) -> list[tuple[str, str, bool]]:
    return [(h.name, h.canonical, h.industrial) for h in find_institutions(text)]


def test_aliases_map_to_canonical_companies() -> None:
    text = "Deployed on Taobao and Douyin, tested in WeChat, YouTube and Toutiao; code from Ant Group."
    assert [c for _, c, _ in names(text)] == ["Alibaba", "ByteDance", "Tencent", "Google"]
    assert all(industrial for _, _, industrial in names(text))
    assert lookup("Tmall") == ("Alibaba", True)
    assert lookup("Instagram") == ("Meta", True)
    assert lookup("Sungkyunkwan University") == ("Sungkyunkwan University", False)


def test_jd_needs_word_boundaries() -> None:
    assert names("GenRec is deployed on the JD App.") == [("JD App", "JD", True)]
    assert names("orders on JD.com grew") == [("JD.com", "JD", True)]
    assert names("ADJD and JDs and BJD-like models") == []


def test_meta_is_not_meta_learning() -> None:
    assert names("We use meta-learning, Meta-path encoders, Metadata and Meta learning objectives.") == []
    hits = find_institutions("Deployed across Meta's advertising system serving billions of requests.")
    expected = [("Meta", "Deployed across Meta's advertising system serving")]
    assert [(h.canonical, h.evidence) for h in hits] == expected
    assert names("Authors from Meta and Stanford University.") == [
        ("Meta", "Meta", True),
        ("Stanford University", "Stanford University", False),
    ]


def test_company_names_used_as_datasets_are_not_institutions() -> None:
    assert names("average improvement of 14.2% across three Amazon datasets") == []
    assert names("Experiments on Amazon-Book, Yelp and the Taobao dataset") == []
    assert names("we ran an online A/B test in Amazon's production search") == [("Amazon", "Amazon", True)]


def test_university_phrases_are_academic_even_when_unknown() -> None:
    hits = find_institutions("School of Computing, University of Northampton; Kuaishou Technology, Beijing")
    assert [(h.canonical, h.industrial) for h in hits] == [
        ("University of Northampton", False),
        ("Kuaishou", True),
    ]


def test_evidence_is_an_exact_substring_of_the_source() -> None:
    text = "The system serves the main traffic of the Meituan takeout app. Other text."
    hit = find_institutions(text)[0]
    assert hit.canonical == "Meituan" and hit.evidence in text
