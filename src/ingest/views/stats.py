"""Trends over the last N weeks: papers per topic per week, top institutions, industrial/online-A/B shares.

Input: a Settings (or Engine) and a number of weeks; the window ends at the newest week in the
database (or at `until_week`) because the database, not the calendar, says what has been crawled.
Output: a `Stats` dataclass (JSON-ready with `dataclasses.asdict`); `plot(stats, path)` draws it as a
PNG with matplotlib (Agg canvas, no display; ConfigError "install ingest[plot]" when missing).

Counting rules: the count model (facts/counts.py, read through db.store.week_counts), the same one
`ingest run`, `status` and the report print: a paper counts once, in its week (near-duplicates
out); in scope means the paper's scope decision is recommendation (adjacent search/IR papers are
not); industrial and online A/B come from its latest OK extraction (online = a verified online
claim). Papers without an OK extraction count as `unextracted`. Topic counts and institutions use
the in-scope papers; industrial share = industrial / in-scope, online-A/B share = online / in-scope.
Read-only, idempotent; empty database -> empty Stats.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from ingest.config import Settings
from ingest.db import engine as db
from ingest.db.models import Extraction, Paper, table_of
from ingest.db.store import week_counts
from ingest.errors import ConfigError, InputError
from ingest.facts.topics import titles as topic_titles
from ingest.weeks import normalize_week, shift_week

P, E = table_of(Paper), table_of(Extraction)
MAX_WEEKS = 104


@dataclass
class WeekStats:
    week: str
    papers: int = 0
    extracted: int = 0
    in_scope: int = 0
    industrial: int = 0
    deployed: int = 0  # in-scope papers with a verified online A/B claim (the count model's `online`)

    @property
    def unextracted(self) -> int:
        return self.papers - self.extracted

    def shares(self) -> tuple[float | None, float | None]:
        if not self.in_scope:
            return None, None
        return round(self.industrial / self.in_scope, 4), round(self.deployed / self.in_scope, 4)


@dataclass
class Stats:
    weeks: list[str]
    per_week: list[WeekStats]
    total: WeekStats
    topics: dict[str, dict[str, int]] = field(default_factory=dict)  # slug -> week -> papers
    institutions: list[tuple[str, int]] = field(default_factory=list)  # (canonical name, papers)

    def as_dict(self) -> dict[str, Any]:
        def week(w: WeekStats) -> dict[str, Any]:
            industrial, online = w.shares()
            return {
                "week": w.week,
                "papers": w.papers,
                "extracted": w.extracted,
                "unextracted": w.unextracted,
                "in_scope": w.in_scope,
                "industrial": w.industrial,
                "deployed_online": w.deployed,
                "industrial_share": industrial,
                "online_ab_share": online,
            }

        return {
            "weeks": self.weeks,
            "per_week": [week(w) for w in self.per_week],
            "total": week(self.total),
            "topics": self.topics,
            "top_institutions": [{"name": n, "papers": c} for n, c in self.institutions],
        }


def _window(engine: Engine, weeks: int, until_week: str | None) -> list[str]:
    if not 1 <= weeks <= MAX_WEEKS:
        raise InputError(f"--weeks must be between 1 and {MAX_WEEKS}, got {weeks}")
    last = normalize_week(until_week) if until_week else None
    if last is None:
        with engine.connect() as conn:
            last = conn.execute(select(func.max(P.c.week))).scalar()
    if last is None:
        return []
    return [shift_week(last, -i) for i in range(weeks - 1, -1, -1)]


def _rows(engine: Engine, weeks: list[str]) -> list[Any]:
    latest = (
        select(func.max(E.c.id))
        .where(E.c.paper_id == P.c.id, E.c.status == "ok")
        .correlate(P)
        .scalar_subquery()
    )
    stmt = (
        select(P.c.week, P.c.arxiv_id, E.c.id, E.c.topics, E.c.institutions)
        .select_from(P.outerjoin(E, E.c.id == latest))
        .where(P.c.week.in_(weeks), P.c.duplicate_of.is_(None))
    )
    with engine.connect() as conn:
        return list(conn.execute(stmt))


def _add(total: WeekStats, week: WeekStats) -> None:
    for name in ("papers", "extracted", "in_scope", "industrial", "deployed"):
        setattr(total, name, getattr(total, name) + getattr(week, name))


def compute(target: Settings | Engine, weeks: int = 8, until_week: str | None = None, top: int = 10) -> Stats:
    """Stats over the `weeks` weeks ending at `until_week` (default: the newest week with papers)."""
    engine = target if isinstance(target, Engine) else db.open_engine(target)
    window = _window(engine, weeks, until_week)
    per_week = {w: WeekStats(w) for w in window}
    inside: set[str] = set()
    with Session(engine) as session:
        for w, stats in per_week.items():
            counts = week_counts(session, w)
            stats.papers, stats.in_scope = counts.papers, counts.in_scope
            stats.industrial, stats.deployed = counts.industrial, counts.online
            inside.update(counts.in_scope_ids)
    total = WeekStats("all")
    topics: dict[str, dict[str, int]] = {}
    institutions: Counter[str] = Counter()
    for row in _rows(engine, window) if window else []:
        if row.id is None:
            continue
        per_week[row.week].extracted += 1
        if row.arxiv_id not in inside:
            continue
        for slug in dict.fromkeys(row.topics or []):
            topics.setdefault(slug, dict.fromkeys(window, 0))[row.week] += 1
        institutions.update(list(dict.fromkeys(row.institutions or [])))
    for stats in per_week.values():
        _add(total, stats)
    order = {slug: i for i, slug in enumerate(topic_titles())}
    topics = dict(sorted(topics.items(), key=lambda kv: (-sum(kv[1].values()), order.get(kv[0], 99))))
    top_institutions = sorted(institutions.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    return Stats(window, list(per_week.values()), total, topics, top_institutions)


def _figure(stats: Stats) -> Any:
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise ConfigError("plotting needs matplotlib: pip install 'ingest[plot]'") from None
    fig = Figure(figsize=(11, 4.5), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def plot(stats: Stats, path: Path) -> Path:
    """Draw papers per topic per week (stacked bars) and the two shares (lines) into a PNG at `path`."""
    if not stats.weeks:
        raise InputError("nothing to plot: the database has no papers")
    fig = _figure(stats)
    bars, shares = fig.subplots(1, 2, width_ratios=[3, 2])
    x = list(range(len(stats.weeks)))
    bottom = [0] * len(x)
    titles = topic_titles()
    from matplotlib import colormaps  # importable: _figure checked

    tab20 = colormaps["tab20"]  # a list of tab20.N == 20 colours; tab20(i) is the i-th, as RGBA
    for i, (slug, counts) in enumerate(stats.topics.items()):
        values = [counts[w] for w in stats.weeks]
        color = tab20(i % tab20.N)  # tab20: 20 distinct colours for the 12 topics
        bars.bar(x, values, bottom=bottom, label=titles.get(slug, slug), color=color)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    bars.set(title="In-scope papers per topic (a paper may have up to 3)", ylabel="papers")
    bars.set_xticks(x, stats.weeks, rotation=45, ha="right")
    if stats.topics:
        bars.legend(fontsize=7, loc="upper left")
    for label, index, style in (
        ("industrial share", 0, dict(marker="o", markersize=9)),
        ("online A/B share", 1, dict(marker="x", markersize=7, linestyle="--")),
    ):
        points = [w.shares()[index] for w in stats.per_week]  # equal shares stay visible: o under x
        shares.plot(x, [v if v is not None else float("nan") for v in points], label=label, **style)
    shares.set(title="Share of in-scope papers", ylim=(0, 1))
    shares.set_xticks(x, stats.weeks, rotation=45, ha="right")
    shares.legend(fontsize=8)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    return path
