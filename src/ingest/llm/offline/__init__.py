"""The offline backend: deterministic rules that answer every prompt behind the LLM seam, no network."""

from ingest.llm.offline.backend import RuleBasedLLM

__all__ = ["RuleBasedLLM"]
