"""Publish stage: Published reports -> a static site with an Atom feed, and pages in a Notion database.

Entry points: `build_site` (site.py: pages, feed, manifest, atomic folder swap) and `publish_notion`
(notion.py: one page per report, found by slug, updated in place). Both read the database only and
record where each report went in the `publication` table.
"""

from ingest.publish.notion import NotionResult, publish_notion
from ingest.publish.site import SiteResult, build_site

__all__ = ["NotionResult", "SiteResult", "build_site", "publish_notion"]
