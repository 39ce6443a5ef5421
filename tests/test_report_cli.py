"""`ingest report`, `report show`, `report diff`, `--lang zh`, Drafts, report files that cannot be written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sqlmodel import Session, select

from ingest.db import engine as db
from ingest.db.models import Extraction, Paper, Report, Run
from ingest.messages import catalogue
from ingest.report import store
from reportkit import parts

WEEK = "2026-W16"
GENREC, SOLARIS = "2604.14878", "2604.12110"


def test_report_rebuild_show_diff(cli, extracted_week) -> None:
    extracted_week(WEEK)
    first = cli("report", "--week", WEEK)
    assert first.exit_code == 0, first.output
    assert "rec-weekly-en-2026-W16.md" in first.stdout and "status: Published  version: 1" in first.stdout
    second = cli("report", "--week", WEEK, "--backend", "offline")
    assert second.exit_code == 0 and "version: 2" in second.stdout
    shown = cli("report", "show", "--week", WEEK, "--version", "1")
    assert shown.exit_code == 0 and shown.stdout.startswith("---\ntype: Post\nstatus: Published\n")
    assert "**GenRec** ([2604.14878](https://arxiv.org/abs/2604.14878)) — JD." in shown.stdout
    diff = cli("report", "diff", "--week", WEEK)
    assert diff.exit_code == 0 and "--- 2026-W16-en-v1" in diff.stdout and "+++ 2026-W16-en-v2" in diff.stdout


def test_report_errors_are_one_line(cli, extracted_week) -> None:
    extracted_week(WEEK)
    missing = cli("report", "show", "--week", "2026-W15")
    assert missing.exit_code == 2 and missing.stderr.startswith("error: no report for 2026-W15 (en)")
    bad = cli("report", "--week", "2026-W60")
    assert bad.exit_code == 2 and bad.stderr.startswith("error: ") and "Traceback" not in bad.output
    empty = cli("report", "--week", "2026-W12")
    assert empty.exit_code == 2 and "no extracted in-scope papers for 2026-W12" in empty.stderr
    cli("report", "--week", WEEK)
    nodiff = cli("report", "diff", "--week", WEEK)
    assert nodiff.exit_code == 2 and "only one version" in nodiff.stderr


def test_a_draft_exits_non_zero_shows_its_problems_and_leaves_the_published_file(
    cli, extracted_week, settings
):
    extracted_week(WEEK)
    assert cli("report", "--week", WEEK).exit_code == 0
    published = Path(settings.reports_dir) / "rec-weekly-en-2026-W16.md"
    before = published.read_text()
    with Session(db.open_engine(settings)) as session:  # two deep dives that say the same thing
        for arxiv_id in (GENREC, SOLARIS):
            paper = session.exec(select(Paper).where(Paper.arxiv_id == arxiv_id)).one()
            row = session.exec(select(Extraction).where(Extraction.paper_id == paper.id)).one()
            row.data = {**row.data, "contribution": "We serve a foundation model to every user at scale."}
            session.add(row)
        session.commit()
    draft = cli("report", "--week", WEEK)
    assert (
        draft.exit_code == 1
        and "failed verification" in draft.stderr
        and "sentence appears 2 times" in draft.stderr
    )
    assert published.read_text() == before
    assert (
        (Path(settings.reports_dir) / "rec-weekly-en-2026-W16.v2.draft.md")
        .read_text()
        .startswith("---\ntype: Post\nstatus: Draft\n")
    )
    shown = cli("report", "show", "--week", WEEK)
    assert shown.exit_code == 0 and "status: Draft" in shown.stdout
    assert "problem: sentence appears 2 times: 'new: we serve a foundation model" in shown.stdout


def test_chinese_report_holds_no_english_fixed_strings(cli, extracted_week, settings) -> None:
    extracted_week(WEEK)
    res = cli("report", "--week", WEEK, "--lang", "zh")
    assert res.exit_code == 0, res.output
    md = (Path(settings.reports_dir) / "rec-weekly-zh-2026-W16.md").read_text()
    assert "slug: rec-weekly-zh-2026-W16" in md and "## 本周概览" in md and "## 每周论文速览" in md
    p = parts(md)
    assert [x[:3] for x in p.brief[1:]] == ["主线一", "主线二", "主线三"]
    body = md.split("\n---\n", 1)[1]  # the front matter's keys and generator metadata stay English
    for key, texts in catalogue().items():  # no English fixed phrase of the catalogue, where zh differs
        english = [
            part.strip() for part in texts["en"].replace("{", "}").split("}")[::2] if len(part.strip()) > 6
        ]
        for piece in english:
            if piece not in texts["zh"]:
                assert piece not in body, (key, piece)


def test_every_catalogue_key_has_every_language_with_the_same_placeholders() -> None:
    import string

    for key, texts in catalogue().items():
        assert set(texts) == {"en", "zh"}, key
        fields = [{f for _, f, _, _ in string.Formatter().parse(texts[lang]) if f} for lang in ("en", "zh")]
        assert fields[0] == fields[1], key


def test_a_report_file_that_cannot_be_written_fails_the_run_and_is_written_again_later(
    cli, extracted_week, settings
):
    extracted_week(WEEK)
    blocked = Path(settings.reports_dir)
    blocked.parent.mkdir(parents=True, exist_ok=True)
    blocked.write_text("a file where the reports folder should be")
    res = cli("report", "--week", WEEK)
    assert (
        res.exit_code == 2
        and res.stderr.startswith("error: cannot write the report to")
        and res.stderr.count("\n") == 1
    )
    with Session(db.open_engine(settings)) as session:
        row = session.exec(select(Report)).one()
        run = session.exec(select(Run).where(Run.kind == "report")).one()
    assert row.status == "Published" and run.status == "failed" and "cannot write the report" in run.error
    blocked.unlink()
    path = store.ensure_file(row)  # what a re-run does with a stored report whose file is missing
    assert path.read_text() == row.markdown
    path.write_text("edited by hand")
    assert store.ensure_file(row).read_text() == row.markdown


def test_a_write_cut_short_by_a_full_disk_leaves_the_old_file_whole(tmp_path: Path) -> None:
    """The real writer under a file-size limit (EFBIG, as ENOSPC would): the old file stays, no temp left."""
    target = tmp_path / "rec-weekly-en-2026-W16.md"
    target.write_text("---\nstatus: Published\n---\nthe previous report\n")
    code = (
        "import resource, signal, sys\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))\n"
        "from pathlib import Path\n"
        "from ingest.report.store import write_atomically\n"
        "from ingest.errors import ConfigError\n"
        "try:\n"
        f"    write_atomically(Path({str(target)!r}), 'x' * 100000)\n"
        "except ConfigError as exc:\n"
        "    print(exc)\n"
        "    sys.exit(3)\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert res.returncode == 3 and "cannot write the report" in res.stdout, res.stdout + res.stderr
    assert target.read_text() == "---\nstatus: Published\n---\nthe previous report\n"
    assert [p.name for p in tmp_path.iterdir()] == [target.name]
    assert json.dumps(res.stdout)  # one readable line
