"""CLI start-up cost: CPU time of `ingest --help` (and `ingest config`, `ingest crawl --help`) against
`python -c "import click"`, measured in the same run.

usage: python bench/cli_startup.py [--runs 30]

Each command runs --runs times as a fresh process; CPU time is user + system of the child
(resource.getrusage(RUSAGE_CHILDREN) deltas), so other load on the machine matters less than wall
time would. Prints the median per command and the ratio to the click baseline (target for
`ingest --help`: <= 2.0), and which heavy modules a bare `import ingest.cli` loads (target: none).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
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


def cpu_seconds(argv: list[str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def median_cpu(argv: list[str], runs: int) -> float:
    cpu_seconds(argv)  # warm the file cache
    return statistics.median(cpu_seconds(argv) for _ in range(runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
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
    modules = "{m.split('.')[0] for m in sys.modules}"
    probe = f"import ingest.cli, sys; print(sorted({modules} & set({HEAVY!r})))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    print(f"heavy modules loaded by `import ingest.cli`: {loaded.strip()} (target: [])")


if __name__ == "__main__":
    main()
