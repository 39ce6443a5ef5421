"""Extract stage: relevant papers -> verified facts (extraction rows, claims, llm_call log), synchronously
or through the provider's Batch API, shared by workers on one database.

Entry points: `extract_week`, `extract_papers` and their `ExtractResult`; `batch`
(submit, refresh, cancel Batch API jobs) and `collect` (store their answers; `extract_batch`).
"""

from ingest.extract import batch, collect
from ingest.extract.stage import ExtractResult, extract_papers, extract_week

__all__ = ["ExtractResult", "batch", "collect", "extract_papers", "extract_week"]
