"""Search: the query language, full-text search over papers and their extractions, snippets.

Entry points: `search(settings, query, filters)` and `SearchFilters`.
"""

from ingest.search.fts import SearchFilters, search

__all__ = ["SearchFilters", "search"]
