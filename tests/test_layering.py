"""The house rules: layering (import-linter contracts), one home per rule, typed failures."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import typing
from pathlib import Path

import pytest

from ingest.cli import EXIT_CODES
from ingest.config import PROMPT_NAMES, Settings
from ingest.errors import Kind
from ingest.facts import sheet, topics
from ingest.llm import prompts

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "ingest"


def test_import_linter_contracts_are_kept() -> None:
    """The layers of docs/ARCHITECTURE.md, the LLM seam and the one importer of openai (pyproject).
    Run in a subprocess: import-linter reconfigures logging in the process that runs it."""
    lint = Path(sys.executable).parent / "lint-imports"
    res = subprocess.run(
        [str(lint), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.count("KEPT") >= 3 and "BROKEN" not in res.stdout


def _function_level_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom) and (inner.module or "").startswith("ingest"):
                    found.append(f"{path.relative_to(ROOT)}:{inner.lineno} from {inner.module}")
                elif isinstance(inner, ast.Import) and any(a.name.startswith("ingest") for a in inner.names):
                    found.append(f"{path.relative_to(ROOT)}:{inner.lineno} import")
    return found


# Function-level imports of our own code outside the CLI: each one keeps a heavy module out of the
# processes that never use it (file, imported module, why).
DEFERRED_IMPORTS = {
    ("src/ingest/pipeline.py", "ingest.publish"): "only a run with publishing configured publishes",
    ("src/ingest/crawl/stage.py", "ingest.crawl.arxiv_api"): "arxiv and requests only for a live crawl",
    ("src/ingest/llm/offline/backend.py", "ingest.llm.offline.extract"): "extraction rules: extract prompts",
    ("src/ingest/llm/offline/backend.py", "ingest.llm.offline.report"): "report writers: report prompts",
}


def test_no_function_level_imports_of_our_own_code_outside_cli_commands() -> None:
    """CLI commands import their stage lazily (a fast --help); elsewhere only DEFERRED_IMPORTS."""
    found = []
    for path in SRC.rglob("*.py"):
        if path.parent.name == "cli":
            continue
        found += _function_level_imports(path)
    unlisted = [f for f in found if (f.split(":")[0], f.split(" from ")[-1]) not in DEFERRED_IMPORTS]
    assert unlisted == []
    listed = {(f.split(":")[0], f.split(" from ")[-1]) for f in found}
    assert listed == set(DEFERRED_IMPORTS)  # no stale entry


def test_topic_literal_lists_exactly_the_taxonomy_file_slugs() -> None:
    raw = json.loads((SRC / "data" / "topics.json").read_text(encoding="utf-8"))
    assert typing.get_args(sheet.Topic) == tuple(raw) == topics.slugs()
    assert topics.titles()["ranking_ctr"] == raw["ranking_ctr"]["title"]


def test_every_registered_prompt_has_its_pinned_version_on_disk() -> None:
    settings = Settings()
    for name in PROMPT_NAMES:
        version = settings.prompt_version(name)
        assert (prompts.prompts_root() / name / f"{version}.md").is_file(), name
    assert set(settings.prompt_pins()) == set(PROMPT_NAMES)


@pytest.mark.parametrize(
    ("versions", "message"),
    [
        ({"extract_papers": "v1"}, "unknown prompt 'extract_papers'"),
        ({"plan_report": "../x"}, "not of the form"),
    ],
)
def test_settings_reject_unknown_prompts_and_odd_versions(versions: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Settings(prompt_versions=versions)


def test_every_failure_kind_has_exactly_one_exit_code() -> None:
    assert set(EXIT_CODES) == set(Kind)
    assert EXIT_CODES[Kind.LOCK] == 3 and EXIT_CODES[Kind.INPUT] == 2 and EXIT_CODES[Kind.PARTIAL] == 1


HEAVY = ("sqlalchemy", "sqlmodel", "alembic", "openai", "arxiv", "matplotlib", "apscheduler", "httpx", "lxml")


@pytest.mark.parametrize("argv", [["--help"], ["config"], ["crawl", "--help"], ["report", "--help"]])
def test_help_and_config_import_no_database_llm_or_arxiv_module(argv: list[str], tmp_path: Path) -> None:
    loaded = f"sorted({{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r})"
    probe = (
        "import atexit, sys\n"
        "from ingest.cli import main\n"
        f"atexit.register(lambda: print('LOADED', {loaded}, file=sys.stderr))\n"
        f"main({argv!r})\n"
    )
    res = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path, check=False
    )
    assert res.returncode == 0, res.stderr
    assert "LOADED []" in res.stderr, res.stderr


def test_architecture_doc_names_every_package_and_top_level_module() -> None:
    doc = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    packages = sorted(p.parent.relative_to(SRC.parent).as_posix() for p in SRC.rglob("__init__.py"))
    missing = [p for p in packages if p != "ingest" and f"`{p}/`" not in doc]
    modules = [p.name for p in SRC.glob("*.py") if p.name not in ("__init__.py", "__main__.py")]
    missing += [m for m in modules if m not in doc]
    assert missing == []
