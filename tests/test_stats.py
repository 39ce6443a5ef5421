"""Stats over the five real weeks + curated extractions: counts, shares, institutions, JSON, PNG chart,
and the one-line error when matplotlib is missing."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import run_ingest as run_cli
from ingest.db import engine as db
from ingest.errors import InputError
from ingest.views.stats import compute, plot
from search_data import build_db


@pytest.fixture(scope="module")
def stats_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('stats') / 'ingest.sqlite3'}"
    build_db(url)
    return url


@pytest.fixture
def db_url(stats_db: str) -> str:  # overrides conftest's: `settings` points at the shared DB
    return stats_db


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


def test_default_window_is_the_last_eight_weeks_in_the_database(settings) -> None:
    stats = compute(settings)
    assert stats.weeks == [f"2026-W{n}" for n in range(19, 27)]
    by_week = {w.week: w for w in stats.per_week}
    w22 = by_week["2026-W22"]
    assert (w22.papers, w22.extracted, w22.industrial) == (137, 2, 2)
    assert by_week["2026-W26"].papers == 98 and by_week["2026-W20"].papers == 0
    assert stats.total.papers == 235 and stats.total.extracted == 3
    assert stats.topics["ranking_ctr"]["2026-W22"] == 1 and stats.topics["ranking_ctr"]["2026-W26"] == 1


def test_all_five_weeks_counts_shares_topics_institutions(settings) -> None:
    stats = compute(settings, weeks=17)
    assert stats.weeks[0] == "2026-W10" and stats.weeks[-1] == "2026-W26"
    total = stats.total
    # the count model: 11 of the 12 curated papers are recommendation (VerifAI, 2604.08549, is adjacent
    # search); 10 of the 11 are industrial, 9 have an online claim row
    assert (total.papers, total.extracted, total.unextracted, total.in_scope) == (565, 12, 553, 11)
    assert (total.industrial, total.deployed) == (10, 9)
    assert total.shares() == (0.9091, 0.8182)
    assert {w: n for w, n in stats.topics["generative_semantic_ids"].items() if n} == {
        "2026-W10": 1,
        "2026-W12": 1,
        "2026-W16": 4,
    }
    assert next(iter(stats.topics)) == "generative_semantic_ids"  # most papers first
    assert stats.institutions[:3] == [("Kuaishou", 3), ("ByteDance", 2), ("Alibaba", 1)]
    assert "Tsinghua University" not in dict(stats.institutions)  # superseded/failed extractions ignored


def test_single_week_ending_at_a_given_week(settings) -> None:
    stats = compute(settings, weeks=1, until_week="2026-w16")
    (w16,) = stats.per_week
    assert (w16.week, w16.papers, w16.extracted, w16.industrial, w16.deployed) == ("2026-W16", 116, 7, 5, 5)
    assert w16.in_scope == 6  # VerifAI is adjacent; UniRec (2604.12234) is academic without online claims
    assert w16.shares() == (round(5 / 6, 4), round(5 / 6, 4))


def test_bad_window_and_empty_database(settings, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="--weeks must be between 1 and 104, got 0"):
        compute(settings, weeks=0)
    stats = compute(db.open_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}"))
    assert stats.weeks == [] and stats.total.papers == 0
    with pytest.raises(InputError, match="nothing to plot"):
        plot(stats, tmp_path / "x.png")


def colours(path: Path) -> set[tuple[int, int, int]]:
    from matplotlib import image

    pixels = (image.imread(path)[:, :, :3] * 255).round().astype(int).reshape(-1, 3)
    return {tuple(int(c) for c in p) for p in pixels}


def test_plot_writes_a_png_chart_with_a_colour_per_topic(settings, tmp_path: Path) -> None:
    from matplotlib import colormaps

    stats = compute(settings, weeks=17)
    path = plot(stats, tmp_path / "charts" / "trends.png")
    width, height = png_size(path)
    assert width > height >= 300  # two panels side by side
    tab20 = {tuple(round(c * 255) for c in rgb) for rgb in colormaps["tab20"].colors}
    assert len(stats.topics) >= 5 and len(colours(path) & tab20) >= len(stats.topics)


def test_cli_json_table_and_plot(stats_db: str, tmp_path: Path) -> None:
    res = run_cli(stats_db, "stats", "--weeks", "17", "--json")
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["total"]["papers"] == 565 and data["total"]["industrial_share"] == 0.9091  # 10 of 11
    assert data["top_institutions"][0] == {"name": "Kuaishou", "papers": 3}
    res = run_cli(stats_db, "stats", "--plot", str(tmp_path / "t.png"))
    assert res.exit_code == 0, res.stderr
    assert "2026-W26" in res.stdout and "Kuaishou" in res.stdout and "chart written to" in res.stdout
    assert png_size(tmp_path / "t.png")[0] > 0  # a PNG
    bad = run_cli(stats_db, "stats", "--weeks", "0")
    assert bad.exit_code == 2 and bad.stderr.strip() == "error: --weeks must be between 1 and 104, got 0"


def test_plot_without_matplotlib_is_one_clear_line(stats_db: str, tmp_path: Path) -> None:
    code = (
        "import sys; sys.modules['matplotlib'] = None; from ingest.cli import main; "
        f"main(['--db', {stats_db!r}, 'stats', '--plot', {str(tmp_path / 'x.png')!r}])"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INGEST_", "OPENAI_"))}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.strip() == "error: plotting needs matplotlib: pip install 'ingest[plot]'"
    assert not (tmp_path / "x.png").exists()
