"""`ingest publish site [--out DIR]` and `ingest publish notion [--database ID]`: Published reports
to a static site with an Atom feed, or to pages of a Notion database."""

from __future__ import annotations

from pathlib import Path

import click

from ingest.cli.app import app, out, state, writing


@app.group("publish")
def publish_group() -> None:
    """Publish the Published reports: a static site with an Atom feed, or a Notion database."""


@publish_group.command("site")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Site folder (default: the publish_site_dir setting).",
)
@click.pass_context
def site(ctx: click.Context, out_dir: Path | None) -> None:
    """Build the static site (index, one page per report and per paper, feed.xml) from the database.

    Every number in a report links to the claim's evidence quote on the paper's page. Only files
    whose content changed are written; the folder is replaced atomically.
    """
    from ingest.publish import build_site

    settings = state(ctx).settings()
    with writing(settings, "publish") as engine:  # records publications: one writer at a time
        res = build_site(settings, out_dir, engine=engine)
    links = res.totals
    out.print(f"site: {res.out}", markup=False, highlight=False)
    out.print(
        f"reports: {len(res.reports)}  papers: {res.papers}  files changed: {len(res.write.changed)}  "
        f"removed: {len(res.write.removed)}  unchanged: {res.write.unchanged}",
        markup=False,
        highlight=False,
    )
    out.print(
        f"numbers linked to evidence: {links.linked}  unmatched: {links.unmatched}  "
        f"not attributable to one paper: {links.unattributed}",
        markup=False,
        highlight=False,
    )
    out.print(f"open: {res.out / 'index.html'}", markup=False, highlight=False)


@publish_group.command("notion")
@click.option(
    "--database", "database_id", default=None, help="Notion database ID (default: notion_database_id)."
)
@click.pass_context
def notion(ctx: click.Context, database_id: str | None) -> None:
    """Create or update one page per Published report in a Notion database (token: NOTION_TOKEN).

    The slug property finds an existing page, so reruns and new versions update it in place.
    """
    from ingest.publish import publish_notion

    settings = state(ctx).settings()
    with writing(settings, "publish") as engine:  # records publications: one writer at a time
        res = publish_notion(settings, database_id, engine=engine)
    out.print(
        f"notion database {res.database_id}: created {len(res.created)}, updated {len(res.updated)}, "
        f"unchanged {len(res.unchanged)}, failed {len(res.failures)}",
        markup=False,
        highlight=False,
    )
    for slug, url in sorted(res.pages.items()):
        out.print(f"  {slug}: {url}", markup=False, highlight=False)
    res.raise_for_failures()
