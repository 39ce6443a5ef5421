"""`ingest search QUERY [filters] [--format table|json|csv]`: full-text search with structured filters.

CSV cells are safe to open in a spreadsheet (OWASP "CSV Injection"): every cell is quoted and a text
cell starting with =, +, -, @, a tab or a carriage return gets a leading ' so it is never a formula.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict
from datetime import date
from typing import TYPE_CHECKING

import click

from ingest.cli.app import app, out, state
from ingest.errors import InputError

if TYPE_CHECKING:
    from rich.text import Text

    from ingest.search import fts as library

CSV_FIELDS = (
    "arxiv_id",
    "week",
    "listing_date",
    "score",
    "title",
    "short_name",
    "institutions",
    "industrial",
    "deployed_online",
    "topics",
    "metrics",
    "snippet",
)


def _date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InputError(f"{option} expects a date YYYY-MM-DD, got {value!r}") from None


def _highlighted(snippet: str) -> Text:
    """'a **b** c' -> rich Text with b in bold (no markup parsing of paper text)."""
    from rich.text import Text

    text = Text()
    for i, part in enumerate(snippet.split("**")):
        text.append(part, style="bold yellow" if i % 2 else "")
    return text


def _facts(hit: library.SearchHit) -> str:
    flags = [name for name, on in (("industrial", hit.industrial), ("online A/B", hit.deployed_online)) if on]
    parts = [", ".join(hit.institutions), ", ".join(flags), "; ".join(hit.metrics[:3])]
    return "\n".join(p for p in parts if p)


def _table(result: library.SearchResult) -> None:
    from rich.table import Table
    from rich.text import Text

    if not result.hits:
        out.print("no papers match")
        return
    table = Table(show_lines=True)
    for name in ("arXiv", "week", "paper", "facts", "snippet"):
        table.add_column(name, overflow="fold")
    for hit in result.hits:
        title = Text(hit.title) + (Text(f"\n({hit.short_name})", style="dim") if hit.short_name else Text())
        table.add_row(hit.arxiv_id, hit.week, title, Text(_facts(hit)), _highlighted(hit.snippet))
    out.print(table)
    out.print(f"{len(result.hits)} papers ({result.mode})", markup=False)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """A text value that a spreadsheet would read as a formula, prefixed with ' (numbers unchanged)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _csv(result: library.SearchResult) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer, fieldnames=CSV_FIELDS, extrasaction="ignore", lineterminator="\n", quoting=csv.QUOTE_ALL
    )
    writer.writeheader()
    for hit in result.hits:
        row = asdict(hit)
        for key in ("institutions", "topics", "metrics"):
            row[key] = "; ".join(row[key])
        writer.writerow({k: csv_cell(v) for k, v in row.items()})
    return buffer.getvalue()


@app.command("search")
@click.argument("query", nargs=-1)
@click.option("--institution", help="Only papers whose extraction names this canonical institution.")
@click.option("--industrial", is_flag=True, help="Only industrial papers (a company is involved).")
@click.option("--deployed", is_flag=True, help="Only papers reporting a live deployment or online A/B test.")
@click.option("--topic", help="Only papers of this topic (taxonomy slug or title).")
@click.option("--week", help="Only papers announced in this ISO week, e.g. 2026-W16.")
@click.option("--since", help="Only papers announced on or after this date (YYYY-MM-DD).")
@click.option("--until", help="Only papers announced on or before this date (YYYY-MM-DD).")
@click.option("--metric", help="Only papers with a metric whose name contains this text, e.g. CTR.")
@click.option("--limit", type=int, default=20, show_default=True, help="Maximum number of results.")
@click.option(
    "--rank-cap",
    type=click.IntRange(min=1),
    default=None,
    help="Rank only the newest matches of an unfiltered query: N divided by the query's cost "
    "(default: settings.search_rank_cap, off: every match is ranked).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
    help="Output format.",
)
@click.pass_context
def search(
    ctx: click.Context,
    query: tuple[str, ...],
    institution: str | None,
    industrial: bool,
    deployed: bool,
    topic: str | None,
    week: str | None,
    since: str | None,
    until: str | None,
    metric: str | None,
    limit: int,
    rank_cap: int | None,
    fmt: str,
) -> None:
    """Search papers by words in title, abstract and extracted text, ranked by relevance.

    Words are ANDed, "quoted text" is a phrase, OR between words gives alternatives, word* is a
    prefix. With filters only (no QUERY) the newest matching papers come first. Every match is
    ranked: papers with every word in the title or extracted text first, then the others, each
    group by score (bm25 on SQLite, ts_rank_cd on PostgreSQL); --rank-cap ranks only the newest ones.
    """
    from ingest.search import fts as library

    filters = library.SearchFilters(
        institution=institution,
        industrial=industrial,
        deployed=deployed,
        topic=topic,
        week=week,
        since=_date(since, "--since"),
        until=_date(until, "--until"),
        metric=metric,
    )
    settings = state(ctx).settings()
    result = library.search(
        settings,
        " ".join(query),
        filters,
        limit=limit,
        rank_cap=rank_cap or settings.search_rank_cap,
    )
    if fmt == "json":
        click.echo(json.dumps([asdict(h) for h in result.hits], ensure_ascii=False, indent=2))
    elif fmt == "csv":
        click.echo(_csv(result), nl=False)
    else:
        _table(result)
