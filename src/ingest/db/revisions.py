"""Migration files -> the head revision id, read as text: opening a database already at head needs no
Alembic import (ingest.db.engine checks the database's alembic_version against it).

`migrations_dir()` finds the folder (the checkout's migrations/ or, in an installed wheel,
ingest/_migrations). `plain_head()` reads every file Alembic would load from its versions/ (each
`*.py` but `__init__.py` and editor lock files `.#*`) and returns the one head of the chain, or None
when the files do not say it plainly: a file without exactly one literal `revision = "..."` and
`down_revision = "..." | None`, a `branch_labels` or `depends_on` that is not None, a merge, more
than one head or root, a down revision no file defines. None sends the caller to Alembic itself,
so an unusual migration can only cost time, never skip an upgrade. Pure reads, cached per process.
"""

from __future__ import annotations

import functools
import re
from importlib import resources
from pathlib import Path

from ingest.errors import ConfigError

_STRING = r"""(?:"([^"\\\n]*)"|'([^'\\\n]*)')"""
_TAIL = r"[ \t]*(?:#[^\n]*)?$"


def _assignment(name: str, value: str) -> re.Pattern[str]:
    """A module-level `name = value` or `name: annotation = value` line."""
    return re.compile(rf"^{name}(?:[ \t]*:[^=\n]*)?[ \t]*=[ \t]*{value}{_TAIL}", re.MULTILINE)


_REVISION = _assignment("revision", _STRING)
_DOWN = _assignment("down_revision", rf"(?:None|{_STRING})")


def _mentions(name: str) -> re.Pattern[str]:
    """Any line starting with `name`, indented or not (a second, conditional assignment)."""
    return re.compile(rf"^[ \t]*{name}\b", re.MULTILINE)


_ANY = {name: _mentions(name) for name in ("revision", "down_revision")}
_OPTIONAL = {name: (_mentions(name), _assignment(name, "None")) for name in ("branch_labels", "depends_on")}


def migrations_dir() -> Path:
    """The folder holding alembic's env.py and versions/."""
    checkout = Path(__file__).resolve().parents[3] / "migrations"
    if (checkout / "env.py").is_file():
        return checkout
    packaged = Path(str(resources.files("ingest") / "_migrations"))
    if (packaged / "env.py").is_file():
        return packaged
    raise ConfigError("migrations folder not found (neither ./migrations nor ingest/_migrations)")


def _one(pattern: re.Pattern[str], anything: re.Pattern[str], text: str) -> re.Match[str] | None:
    """The one plain assignment when the name is assigned exactly once, and plainly; else None."""
    plain = list(pattern.finditer(text))
    if len(plain) != 1 or len(anything.findall(text)) != 1:
        return None
    return plain[0]


def _literal(match: re.Match[str]) -> str | None:
    groups = [g for g in match.groups() if g is not None]
    return groups[0] if groups else None


def read_chain(versions: Path) -> dict[str, str | None] | None:
    """revision -> down revision of every migration file, or None when a file is not plain."""
    chain: dict[str, str | None] = {}
    for path in sorted(versions.glob("*.py")):
        if path.name == "__init__.py" or path.name.startswith(".#"):
            continue
        text = path.read_text(encoding="utf-8")
        revision = _one(_REVISION, _ANY["revision"], text)
        down = _one(_DOWN, _ANY["down_revision"], text)
        if revision is None or down is None:
            return None
        for anything, none in _OPTIONAL.values():  # absent, or assigned None once
            if len(anything.findall(text)) != len(none.findall(text)) or len(none.findall(text)) > 1:
                return None
        name = _literal(revision)
        if not name or name in chain:
            return None
        chain[name] = _literal(down)
    return chain


def head_of(chain: dict[str, str | None]) -> str | None:
    """The single head of a linear chain of revisions; None for anything else (branches, merges, gaps)."""
    downs = [down for down in chain.values() if down is not None]
    roots = [rev for rev, down in chain.items() if down is None]
    if len(roots) != 1 or len(set(downs)) != len(downs) or not set(downs) <= set(chain):
        return None
    heads = set(chain) - set(downs)
    return heads.pop() if len(heads) == 1 else None


@functools.cache
def plain_head() -> str | None:
    """The head revision of migrations/versions read as text, or None (ask Alembic): see module doc."""
    chain = read_chain(migrations_dir() / "versions")
    return head_of(chain) if chain else None
