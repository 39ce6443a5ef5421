"""Crawl stage: a week (the arXiv API, or a snapshot file) -> stored, deduplicated paper rows.

Entry points: `crawl_week`, `crawl_range` and their `CrawlResult`; the arXiv client, snapshot
readers, HTML enricher, relevance pre-score and the (bulk) load path are this package's modules.
"""

from ingest.crawl.enrich import EnrichResult, enrich_papers
from ingest.crawl.load import CrawlResult
from ingest.crawl.stage import check_source_week, crawl_range, crawl_week

__all__ = ["CrawlResult", "EnrichResult", "check_source_week", "crawl_range", "crawl_week", "enrich_papers"]
