"""RecSys Weekly ingestion: arXiv -> grounded LLM extractions in SQLite -> verified weekly report."""

__version__ = "0.1.0"
