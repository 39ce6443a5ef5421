"""`ingest papers list --week W [--json]` / `ingest papers show ID [--json]`: read stored papers."""

from __future__ import annotations

import json
from typing import Any

import click

from ingest.cli.app import app, out, state


def _yes_no(value: bool | None) -> str:
    return "unknown" if value is None else "yes" if value else "no"


def _extraction_lines(ex: dict[str, Any]) -> list[str]:
    lines = [
        f"extraction #{ex['id']} ({ex['backend']}/{ex['model']}): {ex['short_name'] or '-'}",
        f"  scope: {ex['scope'] or '-'}",
        f"  one line: {ex['one_line'] or '-'}",
        f"  institutions: {', '.join(ex['institutions']) or '-'}",
        f"  industrial: {_yes_no(ex['industrial'])}, deployed online: {_yes_no(ex['deployed_online'])}",
        f"  topics: {', '.join(ex['topics']) or '-'}",
        f"  grounded claims: {ex['grounded']}, ungrounded: {ex['ungrounded']}",
    ]
    for c in ex["claims"]:
        if c["kind"] == "institution":
            lines.append(f"  institution {c['metric']} (as written: {c['value']})")
        else:
            where = f" on {c['location']}" if c["location"] else ""
            lines.append(f"  claim [{c['setting']}] {c['metric']} = {c['value']}{where}")
        if c["evidence"]:
            lines.append(f'    evidence: "{c["evidence"]}"')
    return lines


def render_text(d: dict[str, Any]) -> str:
    """Plain-text view of paper_views.paper_detail output."""
    lines = [
        f"{d['arxiv_id']}v{d['version']}  {d['title']}",
        *(
            [f"note: v{d['requested_version']} was asked for; the text stored is v{d['version']}'s"]
            if d.get("requested_version") not in (None, d["version"])
            else []
        ),
        f"week {d['week']}  listed {d['listing_date'] or '-'}  published {d['published'] or '-'}",
        f"categories: {', '.join(d['categories']) or '-'} (primary {d['primary_category'] or '-'})",
        f"authors: {', '.join(d['authors']) or '-'}",
    ]
    if d["affiliations"]:
        lines.append(f"affiliations: {'; '.join(d['affiliations'])}")
    for key in ("comment", "journal_ref", "doi", "duplicate_of"):
        if d[key]:
            lines.append(f"{key}: {d[key]}")
    lines.append(
        f"relevance: {d['relevance']:.1f} ({'; '.join(d['relevance_reasons']) or 'no rule matched'})"
    )
    if d.get("scope"):
        decided = "; ".join(
            x for x in (d.get("scope_reason"), d.get("scope_by") and f"by {d['scope_by']}") if x
        )
        lines.append(f"scope: {d['scope']}" + (f" — {decided}" if decided else ""))
    lines.append(
        "versions: " + ", ".join(f"v{v['version']} ({v['content_hash'][:12]})" for v in d["versions"])
    )
    lines += ["", d["abstract"], ""]
    lines += _extraction_lines(d["extraction"]) if d["extraction"] else ["extraction: none yet"]
    lines += [
        f"report {r['week']} {r['lang']} v{r['version']} ({r['status']}): {r['role']}"
        + (f" in {r['section']}" if r["section"] else "")
        for r in d["reports"]
    ] or ["reports: none"]
    return "\n".join(lines)


@app.group("papers")
def papers() -> None:
    """List and show stored papers."""


@papers.command("list")
@click.option("--week", required=True, help="ISO week, e.g. 2026-W16.")
@click.option("--all", "include_duplicates", is_flag=True, help="Include near-duplicates of other papers.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_context
def list_papers(ctx: click.Context, week: str, include_duplicates: bool, as_json: bool) -> None:
    """List the papers of a week (id, relevance, primary category, title)."""
    from rich.table import Table

    from ingest import weeks
    from ingest.db import engine as db
    from ingest.views import papers as paper_views

    settings = state(ctx).settings()
    rows = paper_views.week_listing(
        db.open_engine(settings), weeks.normalize_week(week), include_duplicates=include_duplicates
    )
    if as_json:
        out.print_json(json.dumps(rows, ensure_ascii=False))
        return
    table = Table("arxiv_id", "v", "relevance", "primary", "title", title=f"{week}: {len(rows)} papers")
    for r in rows:
        table.add_row(
            r["arxiv_id"],
            str(r["version"]),
            f"{r['relevance']:.1f}",
            r["primary_category"] or "-",
            r["title"],
        )
    out.print(table)


@papers.command("show")
@click.argument("arxiv_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.pass_context
def show_paper(ctx: click.Context, arxiv_id: str, as_json: bool) -> None:
    """Show one paper (ARXIV_ID like 2604.14878 or 2604.14878v2): metadata, versions, extraction, reports."""
    from ingest.db import engine as db
    from ingest.views import papers as paper_views

    settings = state(ctx).settings()
    detail = paper_views.paper_detail(db.open_engine(settings), arxiv_id)
    if as_json:
        out.print_json(json.dumps(detail, ensure_ascii=False, default=str))
        return
    out.print(render_text(detail), markup=False, highlight=False)
