"""CLI start-up cost: CPU time of `ingest --help` (and `ingest config`, `ingest crawl --help`) and of
real database commands against `python -c "import click"`, measured in the same run.

usage: python bench/cli_startup.py [--runs 30] [--db-runs 9]

Each command runs --runs times (database commands --db-runs times) as a fresh process; CPU time is
user + system of the child (resource.getrusage(RUSAGE_CHILDREN) deltas), so other load on the
machine matters less than wall time would. Prints the median per command and the ratio to the click
baseline (target for `ingest --help`: <= 2.0), and which heavy modules a bare `import ingest.cli`
loads (target: none). The database commands (`import ingest.pipeline`, `ingest status`, `ingest
papers list`, a re-crawl of an unchanged week) run on a temporary SQLite file crawled once from
data/arxiv/2026-W16.jsonl; they have no target: the figures are for comparing versions, with the
modules `import ingest.pipeline` loads although no command needs them at start (target: none).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HEAVY = (
    "sqlalchemy",
    "sqlmodel",
    "alembic",
    "openai",
    "arxiv",
    "matplotlib",
    "pydantic",
    "rich",
    "httpx",
    "requests",
    "lxml",
    "jinja2",
    "apscheduler",
)
# imported by the code that uses them (a live crawl, enrichment, clustering, publishing, migrations)
LATE = ("alembic", "arxiv", "requests", "httpx", "numpy", "sklearn", "markdown_it", "openai", "matplotlib")
WEEK_FILE = Path(__file__).resolve().parents[1] / "data" / "arxiv" / "2026-W16.jsonl"


def cpu_seconds(argv: list[str], cwd: str | None = None, env: dict[str, str] | None = None) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def median_cpu(
    argv: list[str], runs: int, cwd: str | None = None, env: dict[str, str] | None = None
) -> float:
    cpu_seconds(argv, cwd, env)  # warm the file cache
    return statistics.median(cpu_seconds(argv, cwd, env) for _ in range(runs))


def loaded(code: str, names: tuple[str, ...]) -> str:
    """Which of `names` (top-level packages) a fresh interpreter has imported after running `code`."""
    probe = f"{code}; import sys; print(sorted({{m.split('.')[0] for m in sys.modules}} & set({names!r})))"
    return subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()


def database_commands(ingest: str, baseline: float, runs: int) -> None:
    """Real commands on a temporary database crawled from the bundled week (see module doc)."""
    with tempfile.TemporaryDirectory() as folder:
        db = str(Path(folder) / "ingest.sqlite3")
        env = {**os.environ, "INGEST_CONFIG": ""}  # no settings file
        week = ["--week", "2026-W16"]
        crawl = [ingest, "-q", "--db", db, "crawl", *week, "--source", str(WEEK_FILE)]
        subprocess.run(crawl, check=True, stdout=subprocess.DEVNULL, cwd=folder, env=env)
        commands = {
            "python -c 'import ingest.pipeline'": [sys.executable, "-c", "import ingest.pipeline"],
            "ingest status": [ingest, "--db", db, "status"],
            "ingest papers list --week 2026-W16": [ingest, "--db", db, "papers", "list", *week],
            "ingest crawl (the same week again)": crawl,
        }
        for name, argv in commands.items():
            cpu = median_cpu(argv, runs, folder, env)
            print(f"{name}: {cpu * 1000:.1f} ms CPU (median of {runs}), ratio {cpu / baseline:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--db-runs", type=int, default=9, help="runs of each database command")
    args = parser.parse_args()
    ingest = str(Path(sys.executable).parent / "ingest")
    baseline = median_cpu([sys.executable, "-c", "import click"], args.runs)
    print(f"python -c 'import click': {baseline * 1000:.1f} ms CPU (median of {args.runs})")
    for argv in ([ingest, "--help"], [ingest, "crawl", "--help"], [ingest, "config"]):
        cpu = median_cpu(argv, args.runs)
        print(
            f"{' '.join(['ingest', *argv[1:]])}: {cpu * 1000:.1f} ms CPU, ratio {cpu / baseline:.2f}"
            + (" (target <= 2.0)" if argv[1:] == ["--help"] else "")
        )
    print(f"heavy modules loaded by `import ingest.cli`: {loaded('import ingest.cli', HEAVY)} (target: [])")
    database_commands(ingest, baseline, args.db_runs)
    late = loaded("import ingest.pipeline", LATE)
    print(f"modules of single features loaded by `import ingest.pipeline`: {late} (target: [])")


if __name__ == "__main__":
    main()
