"""`ingest report`, `report show`, `report diff` on the offline backend over real W16 records."""

from __future__ import annotations

from test_report_compose import WEEK, seed


def test_report_rebuild_show_diff(cli, engine):
    seed(engine)
    first = cli("report", "--week", WEEK)
    assert first.exit_code == 0, first.output
    assert "rec-weekly-en-2026-W16.md" in first.stdout and "status: Published  version: 1" in first.stdout
    second = cli("report", "--week", WEEK, "--backend", "offline")
    assert "version: 2" in second.stdout
    shown = cli("report", "show", "--week", WEEK, "--version", "1")
    assert shown.exit_code == 0 and shown.stdout.startswith("---\ntype: Post\nstatus: Published\n")
    assert "**GenRec** ([2604.14878](https://arxiv.org/abs/2604.14878)) — JD." in shown.stdout
    diff = cli("report", "diff", "--week", WEEK)
    assert diff.exit_code == 0
    assert "--- 2026-W16-en-v1" in diff.stdout and "+++ 2026-W16-en-v2" in diff.stdout
    assert "run: 1}" in diff.stdout and "+generator:" in diff.stdout and "run: 2}" in diff.stdout


def test_report_errors_are_one_line(cli, engine):
    seed(engine)
    missing = cli("report", "show", "--week", "2026-W15")
    assert missing.exit_code == 2 and missing.stderr.startswith("error: no report for 2026-W15 (en)")
    bad = cli("report", "--week", "2026-W60")
    assert bad.exit_code == 2 and "error:" in bad.stderr and "Traceback" not in bad.output
    empty = cli("report", "--week", "2026-W12")
    assert empty.exit_code == 2 and "no extracted in-scope papers for 2026-W12" in empty.stderr
    nodiff = cli("report", "diff", "--week", WEEK)
    assert nodiff.exit_code == 2
