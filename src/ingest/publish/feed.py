"""Atom feed: every Published report version -> feed.xml bytes (feedgen), one entry per version.

Entry id: the version's tag URI (`tag:recsys-weekly,2026:<slug>:v<N>`), stable across rebuilds and
hosts; updated/published: the version's creation time; content: that version's HTML with numbers
linked to their evidence (links relative to the site root, where feed.xml lives, or absolute under
`base_url`). The feed's own updated time is the newest entry's, so an unchanged database gives
byte-identical output (the manifest then writes nothing). Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable

from feedgen.feed import FeedGenerator

from ingest.publish.published import PublishedReport

FEED_ID = "tag:recsys-weekly,2026:feed"


def atom(
    versions: list[PublishedReport], html_of: Callable[[PublishedReport], str], base_url: str = ""
) -> bytes:
    """The Atom document for `versions` (newest first); `html_of` renders one version's body."""
    base = base_url.rstrip("/") + "/" if base_url else ""
    fg = FeedGenerator()
    fg.id(FEED_ID)
    fg.title("Recsys Weekly")
    fg.subtitle("Weekly recommender-systems paper reports; every number links to its evidence.")
    fg.language("en")
    fg.author({"name": "Recsys Weekly"})
    fg.link(href=f"{base}feed.xml", rel="self", type="application/atom+xml")
    fg.link(href=f"{base}index.html", rel="alternate", type="text/html")
    fg.updated(max(v.created_at for v in versions))
    for rep in versions:
        entry = fg.add_entry(order="append")
        entry.id(rep.entry_id)
        entry.title(f"{rep.title} (version {rep.version})")
        entry.link(href=f"{base}reports/{rep.slug}.html", rel="alternate", type="text/html")
        entry.published(rep.created_at)
        entry.updated(rep.created_at)
        entry.summary(rep.summary or rep.brief()[0])
        entry.content(html_of(rep), type="html")
        for tag in rep.front.get("tags") or []:  # type: ignore[attr-defined]
            entry.category(term=str(tag))
    return fg.atom_str(pretty=True)
