"""Every CLI command and subcommand has help text and is documented in README.md as `ingest <path>`."""

from __future__ import annotations

import click

import ingest.cli  # noqa: F401  registers every command
from conftest import ROOT
from ingest.cli import app


def walk(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    found = []
    for name, command in sorted(group.commands.items()):
        path = (*prefix, name)
        found.append((path, command))
        if isinstance(command, click.Group):
            found += walk(command, path)
    return found


def test_commands_are_found():
    paths = {" ".join(p) for p, _ in walk(app)}
    assert {"crawl", "papers", "papers list", "papers show", "db upgrade"} <= paths


def test_every_command_and_option_has_help():
    missing = []
    for path, command in walk(app):
        if not (command.help or "").strip():
            missing.append(" ".join(path))
        for param in command.params:
            if isinstance(param, click.Option) and not (param.help or "").strip():
                missing.append(f"{' '.join(path)} {param.opts[0]}")
    assert missing == []


def test_every_command_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    missing = [" ".join(p) for p, _ in walk(app) if f"`ingest {' '.join(p)}" not in readme]
    assert missing == []
