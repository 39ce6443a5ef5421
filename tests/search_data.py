"""Test databases for search/stats/browse: the five bundled real arXiv weeks + curated extractions.

`load_papers(engine)` inserts every record of data/arxiv/*.jsonl as a Paper row (565 papers, real
titles and abstracts, week = the record's iso_week). `add_extractions(engine)` adds Extraction and
Claim rows for twelve real papers, with the institutions, flags and numbers their abstracts state
(what a correct extraction of each abstract contains), plus one failed and one superseded
extraction, which search must ignore.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from conftest import DATA
from ingest.db.models import Claim, Extraction, Paper

WEEKS = ("2026-W10", "2026-W12", "2026-W16", "2026-W22", "2026-W26")


def paper_from_record(rec: dict) -> Paper:
    text = f"{rec['title']}\n{rec['abstract']}\n{rec.get('comment') or ''}"
    return Paper(
        arxiv_id=rec["id"],
        version=rec.get("version") or 1,
        title=rec["title"],
        abstract=rec["abstract"],
        authors=rec.get("authors") or [],
        categories=rec.get("categories") or [],
        primary_category=rec.get("primary_category"),
        comment=rec.get("comment"),
        listing_date=date.fromisoformat(rec["listing_date"]),
        week=rec["iso_week"],
        source=f"snapshot:{rec['iso_week']}.jsonl",
        content_hash=hashlib.sha256(text.encode()).hexdigest(),
    )


def load_papers(engine: Engine, weeks: tuple[str, ...] = WEEKS) -> int:
    papers = [
        paper_from_record(json.loads(line))
        for week in weeks
        for line in (DATA / f"{week}.jsonl").read_text().splitlines()
        if line.strip()
    ]
    with Session(engine) as session:
        session.add_all(papers)
        session.commit()
    return len(papers)


# arxiv_id -> (scope, short_name, industrial, deployed, institutions, topics, techniques, one_line, metrics)
# metrics: (kind, metric, value, dataset)
CURATED: dict[str, tuple] = {
    "2604.14878": (
        "recsys",
        "GenRec",
        True,
        True,
        ["JD"],
        ["generative_semantic_ids"],
        ["Page-wise NTP", "Token Merger", "GRPO-SR", "Hybrid Rewards"],
        "GenRec, a decoder-only generative recommender on the JD App, gains 9.5% click count and "
        "8.7% transaction count in a month-long online A/B test.",
        [
            ("online", "click count", "9.5%", None),
            ("online", "transaction count", "8.7%", None),
            ("efficiency", "input length reduction", "~2X", None),
        ],
    ),
    "2604.11440": (
        "recsys",
        "R3-VAE",
        True,
        True,
        ["ByteDance"],
        ["generative_semantic_ids"],
        ["residual quantization", "reference vector", "rating mechanism"],
        "R3-VAE stabilises semantic ID learning with a reference vector and rating residual "
        "quantization: +14.2% Recall@10, +15.5% NDCG@10, +1.62% MRR online.",
        [
            ("offline", "Recall@10", "14.2%", "Amazon"),
            ("offline", "NDCG@10", "15.5%", "Amazon"),
            ("online", "MRR", "1.62%", None),
            ("online", "StayTime/U", "0.83%", None),
        ],
    ),
    "2604.10471": (
        "recsys",
        "SID-Coord",
        True,
        True,
        ["Kuaishou"],
        ["generative_semantic_ids", "search", "ranking_ctr"],
        ["hierarchical SID attention fusion", "HID-SID gating", "interest alignment"],
        "SID-Coord adds trainable semantic IDs to ID-based short-video search ranking: +0.664% "
        "long-play rate and +0.369% playback duration online.",
        [
            ("online", "long-play rate", "+0.664%", None),
            ("online", "search playback duration", "+0.369%", None),
        ],
    ),
    "2604.12110": (
        "recsys",
        "SOLARIS",
        True,
        True,
        ["Meta"],
        ["efficiency_serving", "ads_auctions"],
        ["speculative precomputation", "asynchronous foundation model inference"],
        "SOLARIS precomputes foundation-model embeddings for likely user-item pairs in Meta ads "
        "serving, a 0.67% top-line revenue gain.",
        [("online", "revenue-driving top-line metrics", "0.67%", None)],
    ),
    "2604.12234": (
        "recsys",
        "UniRec",
        False,
        True,
        [],
        ["generative_semantic_ids"],
        ["Chain-of-Attribute", "capacity-constrained SID", "Conditional Decoding Context"],
        "UniRec prefixes semantic IDs with attribute tokens (Chain-of-Attribute): +22.6% HR@50 "
        "over the strongest baseline.",
        [("offline", "HR@50", "22.6%", None)],
    ),
    "2604.12298": (
        "recsys",
        "DSAIN",
        True,
        True,
        ["Meituan"],
        ["ranking_ctr", "sequential_user_modeling"],
        ["situational features", "reparameterization", "tri-directional correlation fusion"],
        "DSAIN models situational features of user behaviours for CTR prediction at Meituan: "
        "+2.70% CTR, +2.62% CPM, +2.16% GMV online.",
        [
            ("online", "CTR", "2.70%", None),
            ("online", "CPM", "2.62%", None),
            ("online", "GMV", "2.16%", None),
        ],
    ),
    "2603.00632": (
        "recsys",
        "QuaSID",
        True,
        True,
        ["Kuaishou"],
        ["generative_semantic_ids"],
        ["Hamming-guided Margin Repulsion", "Conflict-Aware Valid Pair Masking"],
        "QuaSID learns collision-qualified semantic IDs: +2.38% GMV-S2 in a Kuaishou e-commerce "
        "online A/B test.",
        [
            ("offline", "top-K ranking quality", "5.9%", None),
            ("online", "GMV-S2", "2.38%", None),
            ("online", "completed orders", "6.42%", None),
        ],
    ),
    "2603.17540": (
        "recsys",
        "GLIDE",
        True,
        True,
        ["Spotify"],
        ["generative_semantic_ids", "llm_agents"],
        ["semantic IDs", "soft prompts", "instruction following"],
        "GLIDE, a semantic-ID generative recommender for podcasts at Spotify, lifts non-habitual "
        "streaming up to 5.4% and new-show discovery up to 14.3%.",
        [
            ("online", "non-habitual podcast streaming", "5.4%", None),
            ("online", "new-show discovery", "14.3%", None),
        ],
    ),
    "2605.27103": (
        "recsys",
        "MuChator",
        True,
        True,
        ["ByteDance"],
        ["llm_agents"],
        ["Music Knowledge Pre-training", "Context-aware Instruction Tuning", "GRPO"],
        "MuChator, a conversational music LLM deployed in Douyin Music, improves user active "
        "days by 46.49% online.",
        [("online", "user active days", "46.49%", None)],
    ),
    "2606.27058": (
        "recsys",
        "UniFormer",
        True,
        True,
        ["Kuaishou"],
        ["ranking_ctr", "efficiency_serving"],
        ["Feature-space Interaction Modules", "multi-sequence cross-attention", "multi-view FFN"],
        "UniFormer scales ranking models model-centrically at Kuaishou: +0.729%/+1.113% Watch Time online.",
        [("online", "App Stay Time", "+0.101%", None), ("online", "Watch Time", "+0.729%", None)],
    ),
    "2605.25749": (
        "recsys",
        "DeGRe",
        True,
        True,
        ["Alibaba"],
        ["ranking_ctr"],
        ["Lookahead Evaluator", "dense supervision", "beam search"],
        "DeGRe distils a beam-search lookahead evaluator into a greedy generative reranker "
        "deployed on Taobao Flash Shopping.",
        [],
    ),
    "2604.08549": (
        "adjacent",
        "VerifAI",
        False,
        False,
        [],
        ["search", "llm_agents"],
        ["retrieval-augmented generation", "NLI claim verification"],
        "VerifAI verifies RAG answers for biomedical QA claim by claim; hybrid retrieval reaches "
        "MAP@10 of 42.7%.",
        [("offline", "MAP@10", "42.7%", None)],
    ),
}


def _extraction(paper: Paper, spec: tuple, *, status: str = "ok", model: str = "rules-v1") -> Extraction:
    scope, short, industrial, deployed, insts, topics, techniques, one_line, _ = spec
    return Extraction(
        paper_id=paper.id,
        prompt_name="extract_paper",
        prompt_version="v1",
        prompt_hash="h" * 64,
        backend="offline",
        model=model,
        input_hash=paper.content_hash,
        status=status,
        attempts=1,
        scope=scope,
        short_name=short,
        industrial=industrial,
        deployed_online=deployed,
        institutions=insts,
        topics=topics,
        techniques=techniques,
        one_line=one_line,
        method=f"{short}: {', '.join(techniques)}.",
        grounded_count=len(spec[8]) + len(insts),
    )


def add_extractions(engine: Engine) -> dict[str, int]:
    """Curated extractions (+ metrics); returns arxiv_id -> paper.id."""
    with Session(engine) as session:
        papers = {p.arxiv_id: p for p in session.exec(select(Paper).where(Paper.arxiv_id.in_(CURATED)))}
        stale = (
            "recsys",
            "OldName",
            False,
            False,
            ["Tsinghua University"],
            ["other"],
            ["zebrafish"],
            "obsolete zebrafish summary",
            [],
        )
        session.add(_extraction(papers["2606.27058"], stale, model="old-model"))  # superseded below
        for arxiv_id, spec in CURATED.items():
            papers[arxiv_id].scope = spec[0]  # the scope decision extract stores on the paper
            session.add(papers[arxiv_id])
            ext = _extraction(papers[arxiv_id], spec)
            session.add(ext)
            session.flush()
            for kind, metric, value, dataset in spec[8]:
                session.add(
                    Claim(
                        extraction_id=ext.id,
                        paper_id=ext.paper_id,
                        kind="result",
                        setting=kind,
                        metric=metric,
                        value=value,
                        location=dataset,
                    )
                )
        session.add(_extraction(papers["2604.12234"], stale, status="failed", model="gpt-x"))
        session.commit()
        return {a: p.id for a, p in papers.items()}


def build_db(url: str) -> None:
    """The five weeks through the real crawl (snapshot import) + the curated extractions."""
    from ingest.config import Settings
    from ingest.crawl import stage as crawl
    from ingest.db import engine as db

    settings = Settings(db_url=url, backend="offline", arxiv_delay_seconds=0.0)
    for week in WEEKS:
        crawl.crawl_week(settings, week, source=DATA / f"{week}.jsonl")
    add_extractions(db.open_engine(url))
    db.forget_engines()
