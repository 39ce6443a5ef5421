"""Claim bench: the offline backend's precision and recall on the hand-labelled corpus (tests/claims).

Runs RuleBasedLLM through the LLM seam with prompt extract_paper v2 on every corpus paper, verifies
each answer as the extract stage does, then scores the verified claims against the gold claims
with tests/claims/scoring.py (the same matching the test uses). Prints precision and recall for
metric, setting and institution beside the targets, direction agreement and the
precision of claims read as decreases (printed 'down' in reports), (precision >= 0.95, recall >= 0.80), the
counts, recall per corpus tag and the worst misses (missed gold claims, false positives,
institution errors). Exits non-zero when a target is missed.

    python bench/claims.py [--version v2] [--show 25]
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("claim_scoring", ROOT / "tests" / "claims" / "scoring.py")
assert _spec and _spec.loader
scoring = sys.modules["claim_scoring"] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(scoring)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", default="v2", help="extract_paper prompt version (default v2)")
    parser.add_argument("--show", type=int, default=25, help="how many misses of each kind to print")
    args = parser.parse_args()
    papers = scoring.corpus_papers()
    started = time.perf_counter()
    facts = scoring.run_offline(papers, args.version)
    wall = time.perf_counter() - started
    result = scoring.score(facts)
    print(f"papers: {len(papers)} (offline extract_paper {args.version}, verified), {wall:.1f}s")
    print(
        f"claims: gold={result.gold} predicted in corpus sentences={result.predicted} "
        f"value matched={result.value_matched}"
    )
    failed = []
    for name, tally in (
        ("metric", (result.metric_precision, result.metric_recall)),
        ("setting", (result.setting_precision, result.setting_recall)),
        ("institution", (result.institution_precision, result.institution_recall)),
    ):
        precision, recall = tally
        ok = precision.rate >= scoring.TARGET_PRECISION and recall.rate >= scoring.TARGET_RECALL
        failed += [] if ok else [name]
        print(
            f"{name:<12} precision={precision.rate:.3f} ({precision.hit}/{precision.total}, target >= "
            f"{scoring.TARGET_PRECISION})  recall={recall.rate:.3f} ({recall.hit}/{recall.total}, target >= "
            f"{scoring.TARGET_RECALL})  {'ok' if ok else 'MISSED'}"
        )
    for name, tally in (("direction", result.direction), ("decrease", result.decrease_precision)):
        what = "agreement" if name == "direction" else "precision"
        print(f"{name:<12} {what}={tally.rate:.3f} ({tally.hit}/{tally.total} value-matched claims)")
    print("recall by tag (metric / setting):")
    for tag, (metric, setting) in sorted(result.by_tag.items(), key=lambda kv: kv[1][0].rate):
        print(f"  {tag:<22} {metric.rate:.2f} / {setting.rate:.2f}  ({metric.total} claims)")
    for title, rows in (
        ("missed gold claims", result.misses),
        ("false positives and wrong metric/setting", result.false_positives),
        ("institution errors", result.institution_errors),
    ):
        print(f"{title}: {len(rows)}")
        for row in rows[: args.show]:
            print(f"  {row}")
    if failed:
        raise SystemExit(f"targets missed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
