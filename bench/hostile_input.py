"""Hostile input sizes (issue 15, item 4): peak memory of a crawl and time of an offline extraction
when one record is huge, against the same commands on the plain week in the same run.

    python bench/hostile_input.py [--abstract-mb 200]

1. crawl: `ingest crawl` of the 2026-W16 snapshot (baseline) and of the same snapshot plus one line
   whose abstract is N MB (that line is over the 1 MiB line limit: rejected while reading in pieces);
   prints each process's peak RSS (ru_maxrss) and the ratio.
2. extract: `ingest extract` (offline backend) of the week plus one record whose abstract is just
   under the line limit (cut to 20,000 characters at crawl time); prints seconds against the plain
   week's. Every command runs as its own process on a fresh SQLite file in a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WEEK_FILE = ROOT / "data" / "arxiv" / "2026-W16.jsonl"
RUSAGE = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode\n"
    "print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)


def ingest(db: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "ingest", "--db", str(db), *args]


def peak_rss_kib(argv: list[str], env: dict[str, str]) -> tuple[int, int]:
    """(exit code, peak RSS in KiB) of `argv` run as a child of a fresh measuring process."""
    out = subprocess.run([sys.executable, "-c", RUSAGE, *argv], env=env, capture_output=True, text=True)
    code, rss = out.stdout.split()
    return int(code), int(rss)


def timed(argv: list[str], env: dict[str, str]) -> tuple[str, float]:
    """(the command's last output line, seconds)."""
    t0 = time.perf_counter()
    out = subprocess.run(argv, env=env, capture_output=True, text=True)
    return (out.stdout.strip().splitlines() or [f"exit {out.returncode}"])[-1], time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--abstract-mb", type=int, default=200)
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INGEST_", "OPENAI_"))}
    env.update(INGEST_CONFIG="", INGEST_BACKEND="offline", PYTHONPATH=str(ROOT / "src"))
    plain = WEEK_FILE.read_bytes()
    record = json.loads(plain.splitlines()[0])
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env["INGEST_REPORTS_DIR"] = str(folder / "reports")
        huge = folder / "huge.jsonl"
        with huge.open("wb") as out:
            out.write(plain)
            head = json.dumps({**record, "id": "2604.99001", "abstract": ""})[:-1].rsplit('"abstract": ""', 1)
            out.write(head[0].encode() + b'"abstract": "')
            chunk = b"recommender " * 87_382  # ~1 MiB
            for _ in range(args.abstract_mb):
                out.write(chunk)
            out.write(b'"' + head[1].encode() + b"}\n")
        crawl = ("crawl", "--week", "2026-W16", "--source")
        code_a, base = peak_rss_kib(ingest(folder / "a.sqlite3", *crawl, str(WEEK_FILE)), env)
        code_b, hostile = peak_rss_kib(ingest(folder / "b.sqlite3", *crawl, str(huge)), env)
        print(
            f"crawl peak RSS: plain week {base / 1024:.0f} MiB (exit {code_a}); plus one "
            f"{args.abstract_mb} MB abstract {hostile / 1024:.0f} MiB (exit {code_b}, the line rejected); "
            f"ratio {hostile / base:.2f}"
        )
        near = folder / "near.jsonl"
        near.write_bytes(
            plain
            + json.dumps(
                {
                    **record,
                    "id": "2604.99002",
                    "title": "Huge abstract recommender",
                    "abstract": "A recommender system for users. " * 31_500,
                }
            ).encode()
            + b"\n"
        )
        for name, source in (("plain", WEEK_FILE), ("near", near)):
            subprocess.run(
                ingest(folder / f"{name}.sqlite3", *crawl, str(source)), env=env, capture_output=True
            )
        said_c, t_plain = timed(ingest(folder / "plain.sqlite3", "extract", "--week", "2026-W16"), env)
        said_d, t_near = timed(ingest(folder / "near.sqlite3", "extract", "--week", "2026-W16"), env)
        print(f"offline extract, plain week: {t_plain:.1f}s ({said_c})")
        print(
            f"offline extract, plus one ~1 MB abstract cut to 20,000 characters: {t_near:.1f}s ({said_d}); "
            f"ratio {t_near / t_plain:.2f}"
        )


if __name__ == "__main__":
    main()
