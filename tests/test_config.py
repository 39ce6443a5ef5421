"""`ingest config`: env + ingest.toml -> effective settings, the API key always masked."""

from __future__ import annotations

import json

from click.testing import Result

from conftest import run_ingest

CANARY = "sk-canary-7f3a9c1e5b2d4a6f8e0c"


def run_cli(*args: str) -> Result:
    """`ingest ARGS...` without --db (the settings under test choose the database)."""
    return run_ingest(None, *args)


def test_config_merges_toml_and_env_env_wins(tmp_path, monkeypatch):
    toml = tmp_path / "ingest.toml"
    toml.write_text('model = "gpt-4.1"\nschedule_hour = 7\nschedule_timezone = "Europe/Berlin"\n')
    monkeypatch.setenv("INGEST_CONFIG", str(toml))
    monkeypatch.setenv("INGEST_SCHEDULE_HOUR", "8")
    res = run_cli("--db", str(tmp_path / "x.sqlite3"), "config", "--json")
    assert res.exit_code == 0, res.output
    values = json.loads(res.stdout)
    assert values["model"] == "gpt-4.1"
    assert values["schedule_hour"] == 8
    assert values["schedule_timezone"] == "Europe/Berlin"
    assert values["db_url"] == f"sqlite:///{tmp_path / 'x.sqlite3'}"
    assert values["active_backend"] == "offline" and values["openai_api_key"] is None


def test_config_masks_the_key_in_every_output(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", CANARY)
    for args in (("config",), ("config", "--json"), ("-v", "config")):
        res = run_cli("--db", str(tmp_path / "x.sqlite3"), *args)
        assert res.exit_code == 0
        assert CANARY not in res.stdout + res.stderr
        assert "***" in res.stdout
    values = json.loads(run_cli("config", "--json").stdout)
    assert values["openai_api_key"] == "***" and values["active_backend"] == "openai"


def test_config_file_option_and_postgres_password_hidden(tmp_path):
    toml = tmp_path / "other.toml"
    toml.write_text('db_url = "postgresql://ingest:hunter2secret@db.example:5432/ingest"\nlang = "zh"\n')
    res = run_cli("--config", str(toml), "config")
    assert res.exit_code == 0, res.output
    assert "lang = zh" in res.stdout
    assert "db_url = postgresql://ingest:***@db.example:5432/ingest" in res.stdout
    assert "hunter2secret" not in res.stdout
