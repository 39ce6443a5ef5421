"""Extract stage: a week's relevant papers -> verified facts (extraction rows, metric claims, llm_call log).

Entry points: `extract_week`, `extract_papers` and their `ExtractResult`.
"""

from ingest.extract.stage import ExtractResult, extract_papers, extract_week

__all__ = ["ExtractResult", "extract_papers", "extract_week"]
