"""Build src/ingest/data/background.json from the bulk set of real cs.IR papers.

Run from the repository root: `python data/build_background.py [path/to/arxiv-bulk.jsonl]` (default
../shared/data/arxiv-bulk.jsonl). Counts every word and word-pair key (ingest.report.terms) in the
titles and abstracts (ingest.report.background.count) and writes the table the storyline namer reads.
Deterministic: the same input gives the same file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ingest.report.background import count

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    bulk = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data" / "arxiv-bulk.jsonl"
    with bulk.open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    table = count((r["title"], r.get("abstract") or "") for r in rows)
    table = {"source": f"{bulk.name}: {len(rows)} cs.IR papers (titles and abstracts)", **table}
    out = ROOT / "src" / "ingest" / "data" / "background.json"
    out.write_text(json.dumps(table, separators=(",", ":"), sort_keys=True) + "\n", encoding="utf-8")
    print(f"{out}: {len(table['phrases'])} phrases from {table['papers']} papers")


if __name__ == "__main__":
    main()
